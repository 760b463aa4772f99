"""Unit tests of the rainforest daily metrics and reports on tiny hand-written rows, asserting exact rows."""

import datetime
from decimal import Decimal

from lakehouse.domains.rainforest.contracts.columns import (
    BRG_PRODUCT_CATEGORY,
    DAILY_CATEGORY_METRICS,
    DAILY_CATEGORY_REPORT,
    DAILY_ORDER_METRICS,
    DAILY_ORDER_REPORT,
    DIM_BUYER,
    DIM_CATEGORY,
    DIM_PRODUCT,
    DIM_SELLER,
    FACT_ORDER_ITEMS,
    FACT_ORDERS,
    WIDE_ORDER_ITEMS,
    WIDE_ORDERS,
)
from lakehouse.domains.rainforest.transforms.metrics import (
    daily_category_metrics,
    daily_category_report,
    daily_order_metrics,
    daily_order_report,
)
from lakehouse.domains.rainforest.transforms.wide import wide_order_items, wide_orders
from lakehouse_tests.domains.rainforest.frames import deletion, frame, rows, silver_history

D = datetime.date
DAY1, DAY2, DAY3 = D(2024, 3, 1), D(2024, 3, 2), D(2024, 3, 3)
JAN31, FEB1, FEB2 = D(2024, 1, 31), D(2024, 2, 1), D(2024, 2, 2)
BOOKS, GAMES, TOYS, MUSIC, PENS, MAPS = (1, "Books"), (2, "Games"), (3, "Toys"), (4, "Music"), (5, "Pens"), (6, "Maps")
MONEY = "decimal(18,2)"


def wide_order(order_id, day, is_active, total_price="10.00"):
    return dict(order_id=order_id, buyer_id=order_id, total_price=Decimal(total_price), user_id=order_id,
                username=f"user {order_id}", is_active=is_active, order_date=day)  # fmt: skip


def wide_item(item_id, order_id, day, revenue, *categories):
    return dict(order_item_id=item_id, order_id=order_id, product_id=item_id, quantity=1,
                base_price=Decimal(revenue), revenue=Decimal(revenue), categories=list(categories),
                order_date=day)  # fmt: skip


def money(*values):
    return tuple(Decimal(value) for value in values)


# ---------------------------------------------------------------- daily_category_metrics


def test_daily_category_metrics_exact_means_and_medians_over_active_buyers(spark):
    orders = frame(spark, WIDE_ORDERS, [
        wide_order(1, DAY1, True), wide_order(2, DAY1, True),
        wide_order(3, DAY1, False),  # inactive buyer
        wide_order(4, DAY1, None),  # buyer missing that day: not active
        wide_order(5, DAY2, True),
        wide_order(6, DAY3, False),  # DAY3: only an inactive buyer's order
    ])  # fmt: skip
    specs = [
        # Books: 10, 20, 30, 100 -> even count, median interpolates 20 and 30 = 25, mean 40.
        (BOOKS, "10.00"), (BOOKS, "20.00"), (BOOKS, "30.00"), (BOOKS, "100.00"),
        # Games: odd count 1, 2, 9 -> median 2, mean 4 (9 is also Music's single item, below).
        (GAMES, "1.00"), (GAMES, "2.00"),
        # Toys: 3, 5, 5, 8 -> the middle values tie: median 5, mean 5.25.
        (TOYS, "3.00"), (TOYS, "5.00"), (TOYS, "5.00"), (TOYS, "8.00"),
        # Pens: 10.00, 10.01, 10.01 -> mean 10.00666.. rounds to 10.01 (truncation would give 10.00).
        (PENS, "10.00"), (PENS, "10.01"), (PENS, "10.01"),
        # Maps: 10.00, 10.01 -> mean and median exactly 10.005: half-up gives 10.01 (half-even 10.00;
        # a median interpolated on the raw doubles would be 10.004999.. and round down to 10.00).
        (MAPS, "10.00"), (MAPS, "10.01"),
    ]  # fmt: skip
    items = [wide_item(number, 1 + number % 2, DAY1, revenue, cat) for number, (cat, revenue) in enumerate(specs)]
    items += [
        wide_item(100, 2, DAY1, "9.00", GAMES, MUSIC),  # two categories: counted in both
        wide_item(101, 1, DAY1, "50.00"),  # a product without categories: in none
        wide_item(102, 3, DAY1, "1000.00", BOOKS, MUSIC),  # inactive buyer: excluded
        wide_item(103, 4, DAY1, "500.00", BOOKS, GAMES),  # null is_active: excluded
        wide_item(104, 77, DAY1, "700.00", BOOKS),  # order not in wide_orders: excluded
        wide_item(105, 5, DAY2, "7.00", BOOKS),  # another day keeps its own row
        wide_item(106, 6, DAY3, "3.00", BOOKS),  # inactive-only day: no rows
    ]

    metrics = daily_category_metrics(frame(spark, WIDE_ORDER_ITEMS, items), orders)

    assert metrics.columns == DAILY_CATEGORY_METRICS
    assert [(f.name, f.dataType.simpleString()) for f in metrics.schema.fields] == [
        ("order_date", "date"), ("category_id", "int"), ("category_name", "string"),
        ("mean_revenue", MONEY), ("median_revenue", MONEY),
    ]  # fmt: skip
    assert rows(metrics, DAILY_CATEGORY_METRICS) == sorted([
        (DAY1, *BOOKS, *money("40.00", "25.00")),
        (DAY1, *GAMES, *money("4.00", "2.00")),
        (DAY1, *TOYS, *money("5.25", "5.00")),
        (DAY1, *MUSIC, *money("9.00", "9.00")),
        (DAY1, *PENS, *money("10.01", "10.01")),
        (DAY1, *MAPS, *money("10.01", "10.01")),
        (DAY2, *BOOKS, *money("7.00", "7.00")),
    ], key=repr)  # fmt: skip


def test_daily_category_metrics_even_count_median_interpolates(spark):
    orders = frame(spark, WIDE_ORDERS, [wide_order(1, DAY1, True)])
    items = [wide_item(n, 1, DAY1, revenue, BOOKS) for n, revenue in enumerate(["40.00", "10.00", "30.00", "20.00"])]
    metrics = daily_category_metrics(frame(spark, WIDE_ORDER_ITEMS, items), orders)
    assert rows(metrics, DAILY_CATEGORY_METRICS) == [(DAY1, *BOOKS, *money("25.00", "25.00"))]


def test_daily_category_metrics_empty_inputs_give_empty_output_with_columns(spark):
    metrics = daily_category_metrics(frame(spark, WIDE_ORDER_ITEMS, []), frame(spark, WIDE_ORDERS, []))
    assert metrics.columns == DAILY_CATEGORY_METRICS
    assert metrics.count() == 0


# ---------------------------------------------------------------- daily_order_metrics


def test_daily_order_metrics_exact_totals_and_means_over_active_buyers(spark):
    orders = frame(spark, WIDE_ORDERS, [
        # Jan 31: active 100.00 and 50.01 -> total 150.01, mean 75.005 -> 75.01 (half-up).
        wide_order(1, JAN31, True, "100.00"), wide_order(2, JAN31, True, "50.01"),
        wide_order(3, JAN31, False, "1000.00"), wide_order(4, JAN31, None, "999.00"),
        # Feb 1 (the next day, across the month end): 10.00, 10.01, 10.01 -> 30.02, mean 10.0066.. -> 10.01.
        wide_order(5, FEB1, True, "10.00"), wide_order(6, FEB1, True, "10.01"), wide_order(7, FEB1, True, "10.01"),
        # Feb 2: only inactive (or unknown) buyers' orders -> no row.
        wide_order(8, FEB2, False, "20.00"), wide_order(9, FEB2, None, "30.00"),
    ])  # fmt: skip

    metrics = daily_order_metrics(orders)

    assert metrics.columns == DAILY_ORDER_METRICS
    assert [(f.name, f.dataType.simpleString()) for f in metrics.schema.fields] == [
        ("order_date", "date"), ("total_revenue", MONEY), ("mean_revenue", MONEY),
    ]  # fmt: skip
    assert rows(metrics, DAILY_ORDER_METRICS) == [
        (JAN31, *money("150.01", "75.01")),
        (FEB1, *money("30.02", "10.01")),
    ]


def test_daily_order_metrics_empty_input_gives_empty_output_with_columns(spark):
    metrics = daily_order_metrics(frame(spark, WIDE_ORDERS, []))
    assert metrics.columns == DAILY_ORDER_METRICS
    assert metrics.count() == 0


# ---------------------------------------------------------------- from silver versions


def test_metrics_take_each_buyer_and_category_as_of_the_order_day(spark):
    """Silver versions -> wide tables -> metrics: buyer 1 is deactivated on DAY2, buyer 2 (no new
    version) stays active; product 1's Toys bridge row is deleted on DAY2."""
    buyers = silver_history(spark, DIM_BUYER, [
        dict(buyer_id=1, user_id=1, is_active=True, valid_from=DAY1),
        dict(buyer_id=1, user_id=1, is_active=False, valid_from=DAY2),
        dict(buyer_id=2, user_id=2, is_active=True, valid_from=DAY1),
    ])  # fmt: skip
    toys = dict(product_id=1, category_id=TOYS[0], valid_from=DAY1)
    bridge = silver_history(spark, BRG_PRODUCT_CATEGORY, [
        dict(product_id=1, category_id=BOOKS[0], valid_from=DAY1), toys, deletion(toys, DAY2),
    ])  # fmt: skip
    categories = silver_history(spark, DIM_CATEGORY, [
        dict(category_id=c, category_name=name, valid_from=DAY1) for c, name in (BOOKS, TOYS)
    ])  # fmt: skip
    orders = frame(spark, FACT_ORDERS, [
        dict(order_id=1, buyer_id=1, total_price=Decimal("10.00"), order_date=DAY1),
        dict(order_id=2, buyer_id=1, total_price=Decimal("20.00"), order_date=DAY2),  # buyer 1 inactive by then
        dict(order_id=3, buyer_id=2, total_price=Decimal("30.00"), order_date=DAY2),
    ])  # fmt: skip
    items = frame(spark, FACT_ORDER_ITEMS, [
        dict(order_item_id=o, order_id=o, product_id=1, revenue=Decimal(total), order_date=day)
        for o, total, day in ((1, "10.00", DAY1), (2, "20.00", DAY2), (3, "30.00", DAY2))
    ])  # fmt: skip

    wide = wide_orders(orders, buyers)
    wide_items = wide_order_items(
        items, silver_history(spark, DIM_PRODUCT, []), silver_history(spark, DIM_SELLER, []), bridge, categories
    )

    assert rows(daily_order_metrics(wide), DAILY_ORDER_METRICS) == [
        (DAY1, *money("10.00", "10.00")),
        (DAY2, *money("30.00", "30.00")),
    ]
    assert rows(daily_category_metrics(wide_items, wide), DAILY_CATEGORY_METRICS) == [
        (DAY1, *BOOKS, *money("10.00", "10.00")),
        (DAY1, *TOYS, *money("10.00", "10.00")),
        (DAY2, *BOOKS, *money("30.00", "30.00")),  # no Toys on DAY2
    ]


# ---------------------------------------------------------------- reports


def test_daily_category_report_renames_for_stakeholders(spark):
    metrics = frame(spark, DAILY_CATEGORY_METRICS, [
        dict(order_date=DAY1, category_id=1, category_name="Books", mean_revenue=Decimal("40.00"),
             median_revenue=Decimal("25.00")),
        dict(order_date=DAY2, category_id=2, category_name="Games", mean_revenue=Decimal("4.00"),
             median_revenue=Decimal("2.00")),
    ])  # fmt: skip
    report = daily_category_report(metrics)
    assert report.columns == DAILY_CATEGORY_REPORT == ["Date", "Product Category", "Mean Revenue", "Median Revenue"]
    assert [f.dataType.simpleString() for f in report.schema.fields] == ["date", "string", MONEY, MONEY]
    assert rows(report, DAILY_CATEGORY_REPORT) == [
        (DAY1, "Books", *money("40.00", "25.00")),
        (DAY2, "Games", *money("4.00", "2.00")),
    ]


def test_daily_order_report_renames_for_stakeholders(spark):
    metrics = frame(spark, DAILY_ORDER_METRICS, [
        dict(order_date=JAN31, total_revenue=Decimal("150.01"), mean_revenue=Decimal("75.01")),
        dict(order_date=FEB1, total_revenue=Decimal("30.02"), mean_revenue=Decimal("10.01")),
    ])  # fmt: skip
    report = daily_order_report(metrics)
    assert report.columns == DAILY_ORDER_REPORT == ["Date", "Revenue", "Mean Revenue"]
    assert [f.dataType.simpleString() for f in report.schema.fields] == ["date", MONEY, MONEY]
    assert rows(report, DAILY_ORDER_REPORT) == [(JAN31, *money("150.01", "75.01")), (FEB1, *money("30.02", "10.01"))]


def test_reports_of_empty_metrics_are_empty_with_columns(spark):
    category = daily_category_report(frame(spark, DAILY_CATEGORY_METRICS, []))
    order = daily_order_report(frame(spark, DAILY_ORDER_METRICS, []))
    assert (category.columns, category.count()) == (DAILY_CATEGORY_REPORT, 0)
    assert (order.columns, order.count()) == (DAILY_ORDER_REPORT, 0)
