"""The shop spec's formulas at their exact boundaries, and allocations that sum back to the cent."""

from datetime import date
from decimal import Decimal

from pyspark.sql import functions as F

from lakehouse.domains.shop.transforms.measures import (
    allocate,
    customer_status,
    margin_percent,
    price_tier,
    stock_status,
    value_tier,
)


def _one_column(spark, values, ddl, column):
    frame = spark.createDataFrame([(v,) for v in values], f"v {ddl}")
    return [r["out"] for r in frame.select(column(F.col("v")).alias("out")).orderBy(F.col("v")).collect()]


def test_tiers_and_statuses_at_their_boundaries(spark):
    prices = [Decimal(p) for p in ("0.00", "24.99", "25.00", "99.99", "100.00", "499.99", "500.00")]
    assert _one_column(spark, prices, "decimal(12,2)", price_tier) == [
        "economy", "economy", "budget", "budget", "mid_range", "mid_range", "premium",
    ]  # fmt: skip
    assert _one_column(spark, [0, 1, 9, 10, 49, 50, 500], "int", stock_status) == [
        "out_of_stock", "low_stock", "low_stock", "normal", "normal", "well_stocked", "well_stocked",
    ]  # fmt: skip
    spends = [Decimal(s) for s in ("0.00", "99.99", "100.00", "499.99", "500.00", "999.99", "1000.00")]
    assert _one_column(spark, spends, "decimal(12,2)", value_tier) == [
        "bronze", "bronze", "silver", "silver", "gold", "gold", "platinum",
    ]  # fmt: skip


def test_customer_status_counts_days_before_the_snapshot_day(spark):
    as_of = date(2024, 12, 31)
    last = [date(2024, 12, 31), date(2024, 10, 2), date(2024, 10, 1), date(2024, 1, 1), date(2023, 12, 31)]
    # 0, 90, 91, 365 (2024 is a leap year: Jan 1 to Dec 31 is 365 days) and 366 days before.
    frame = spark.createDataFrame([(d,) for d in last], "last date")
    found = frame.select("last", customer_status(F.col("last"), F.lit(as_of)).alias("s")).collect()
    assert sorted((r["last"], r["s"]) for r in found) == [
        (date(2023, 12, 31), "churned"),
        (date(2024, 1, 1), "at_risk"),  # exactly 365 days: not yet churned
        (date(2024, 10, 1), "at_risk"),  # 91 days
        (date(2024, 10, 2), "active"),  # exactly 90 days: still active
        (date(2024, 12, 31), "active"),
    ]


def test_margin_percent_rounds_and_has_none_without_a_price(spark):
    frame = spark.createDataFrame(
        [(Decimal("19.99"), Decimal("11.99")), (Decimal("3.00"), Decimal("1.00")), (Decimal("0.00"), Decimal("0.00"))],
        "price decimal(12,2), cost decimal(12,2)",
    )
    found = [r["m"] for r in frame.select(margin_percent(F.col("price"), F.col("cost")).alias("m")).collect()]
    assert found == [Decimal("40.02"), Decimal("66.67"), None]


def test_allocations_sum_back_to_each_orders_amounts_to_the_cent(spark):
    items = spark.createDataFrame(
        [
            # three equal lines: tax 3.33 each (+0.01 to the first), shipping 2.00 each (-0.01 from the first)
            ("o1", "i1", Decimal("20.00"), Decimal("10.00"), Decimal("5.99")),
            ("o1", "i2", Decimal("20.00"), Decimal("10.00"), Decimal("5.99")),
            ("o1", "i3", Decimal("20.00"), Decimal("10.00"), Decimal("5.99")),
            # 0.02 over three equal lines rounds to 0.01 each: the remainder is -0.01
            ("o2", "i4", Decimal("1.00"), Decimal("0.02"), Decimal("0.00")),
            ("o2", "i5", Decimal("1.00"), Decimal("0.02"), Decimal("0.00")),
            ("o2", "i6", Decimal("1.00"), Decimal("0.02"), Decimal("0.00")),
            # free lines (weights sum to 0): equal shares, 2.995 rounds up to 3.00 twice, -0.01 back
            ("o3", "i7", Decimal("0.00"), Decimal("0.00"), Decimal("5.99")),
            ("o3", "i8", Decimal("0.00"), Decimal("0.00"), Decimal("5.99")),
            # uneven lines: the largest line takes the remainder
            ("o4", "i9", Decimal("10.00"), Decimal("7.00"), Decimal("0.00")),
            ("o4", "j1", Decimal("20.00"), Decimal("7.00"), Decimal("0.00")),
        ],
        "order_id string, order_item_id string, line_total decimal(12,2), tax decimal(12,2), shipping decimal(12,2)",
    )
    allocated = allocate(items, "order_id", "order_item_id", "line_total", {"tax": "allocated_tax", "shipping": "allocated_shipping"})
    rows = {r["order_item_id"]: (str(r["allocated_tax"]), str(r["allocated_shipping"])) for r in allocated.collect()}
    assert rows == {
        "i1": ("3.34", "1.99"), "i2": ("3.33", "2.00"), "i3": ("3.33", "2.00"),
        "i4": ("0.00", "0.00"), "i5": ("0.01", "0.00"), "i6": ("0.01", "0.00"),
        "i7": ("0.00", "2.99"), "i8": ("0.00", "3.00"),
        "i9": ("2.33", "0.00"), "j1": ("4.67", "0.00"),
    }  # fmt: skip
    sums = allocated.groupBy("order_id").agg(
        F.sum("allocated_tax").alias("t"), F.sum("allocated_shipping").alias("s"), F.first("tax").alias("tax"),
        F.first("shipping").alias("shipping"),
    ).collect()  # fmt: skip
    assert all(r["t"] == r["tax"] and r["s"] == r["shipping"] for r in sums)
    assert allocated.columns == [*items.columns, "allocated_tax", "allocated_shipping"]
