"""Unit tests of the rainforest wide tables on tiny hand-written rows, asserting exact rows: facts joined
to the silver dimension and bridge versions valid on each row's order_date."""

import datetime
from decimal import Decimal

from lakehouse.domains.rainforest.contracts.columns import (
    BRG_PRODUCT_CATEGORY,
    DIM_BUYER,
    DIM_CATEGORY,
    DIM_PRODUCT,
    DIM_SELLER,
    FACT_ORDER_ITEMS,
    FACT_ORDERS,
    WIDE_ORDER_ITEMS,
    WIDE_ORDERS,
)
from lakehouse.domains.rainforest.transforms.wide import wide_order_items, wide_orders
from lakehouse.versioning.as_of import join_as_of
from lakehouse_tests.domains.rainforest.frames import CATEGORIES, deletion, frame, rows, silver_history

D, T = datetime.date, datetime.datetime
JAN30, JAN31, FEB1, FEB2 = D(2024, 1, 30), D(2024, 1, 31), D(2024, 2, 1), D(2024, 2, 2)


# ---------------------------------------------------------------- wide_orders


def buyer(buyer_id, user_id, username, is_active, day, email=None, **kw):
    return dict(buyer_id=buyer_id, user_id=user_id, username=username, email=email or f"{username}@x.com",
                is_active=is_active, first_time_purchased_timestamp=T(2023, 1, buyer_id), valid_from=day,
                **kw)  # fmt: skip


def order(order_id, buyer_id, day, total_price="10.00"):
    at = T(day.year, day.month, day.day, 9)
    return dict(order_id=order_id, buyer_id=buyer_id, order_ts=at, total_price=Decimal(total_price), created_ts=at,
                order_date=day)  # fmt: skip


def test_wide_orders_joins_buyer_on_buyer_id_as_of_the_day_with_nulls_for_missing_buyers(spark):
    # buyer_id, user_id and seller_id all differ: buyer 1 is user 20 (bob), buyer 2 is user 10 (alice).
    alice = buyer(2, 10, "alice", False, JAN31)
    buyers = silver_history(spark, DIM_BUYER, [
        buyer(1, 20, "bob", True, JAN31),
        # Feb 1: bob is deactivated and changes his email twice; the day's last version stands
        buyer(1, 20, "bob", False, FEB1, email="bob@tmp.com"),
        buyer(1, 20, "bob", False, FEB1, email="bob@new.com", version_in_day=1),
        alice, deletion(alice, FEB1),  # alice gone on Feb 1
    ])  # fmt: skip
    # The original joined orders.buyer_id to seller_id: seller 1 is alice (user 10), seller 2 is bob.
    sellers = silver_history(spark, DIM_SELLER, [
        dict(seller_id=1, user_id=10, username="alice", is_active=False, valid_from=JAN31),
        dict(seller_id=2, user_id=20, username="bob", is_active=True, valid_from=JAN31),
    ])  # fmt: skip
    orders = frame(spark, FACT_ORDERS, [
        order(100, 1, JAN31, "12.50"), order(101, 2, JAN31), order(102, 1, FEB1), order(103, 2, FEB1),
        order(104, 99, JAN31), order(105, 1, FEB2), order(106, 1, JAN30),
    ])  # fmt: skip

    wide = wide_orders(orders, buyers)

    assert wide.columns == WIDE_ORDERS
    assert [(f.name, f.dataType.simpleString()) for f in wide.schema.fields] == [
        ("order_id", "int"), ("buyer_id", "int"), ("order_ts", "timestamp"), ("total_price", "decimal(10,2)"),
        ("user_id", "int"), ("username", "string"), ("email", "string"), ("is_active", "boolean"),
        ("first_time_purchased_timestamp", "timestamp"), ("order_date", "date"),
    ]  # fmt: skip
    columns = ["order_id", "buyer_id", "total_price", "user_id", "username", "email", "is_active",
               "first_time_purchased_timestamp", "order_date"]  # fmt: skip
    assert rows(wide, columns) == [
        (100, 1, Decimal("12.50"), 20, "bob", "bob@x.com", True, T(2023, 1, 1), JAN31),  # the old email
        (101, 2, Decimal("10.00"), 10, "alice", "alice@x.com", False, T(2023, 1, 2), JAN31),
        (102, 1, Decimal("10.00"), 20, "bob", "bob@new.com", False, T(2023, 1, 1), FEB1),  # the new one, once
        (103, 2, Decimal("10.00"), None, None, None, None, None, FEB1),  # buyer deleted that day
        (104, 99, Decimal("10.00"), None, None, None, None, None, JAN31),  # buyer missing altogether
        (105, 1, Decimal("10.00"), 20, "bob", "bob@new.com", False, T(2023, 1, 1), FEB2),  # Feb 1's still holds
        (106, 1, Decimal("10.00"), None, None, None, None, None, JAN30),  # before the buyer's first version
    ]
    # The data tells the two joins apart: through seller_id, order 100 would have been alice's.
    buggy = join_as_of(orders, "order_date", sellers, ["seller_id"], [("buyer_id", "seller_id")], ["username"])
    assert rows(buggy.filter("order_id = 100"), ["username"]) == [("alice",)]


def test_wide_orders_empty_inputs_give_empty_output_with_columns(spark):
    wide = wide_orders(frame(spark, FACT_ORDERS, []), silver_history(spark, DIM_BUYER, []))
    assert wide.columns == WIDE_ORDERS
    assert wide.count() == 0


# ---------------------------------------------------------------- wide_order_items


def product(product_id, name, day, price="5.00"):
    return dict(product_id=product_id, product_name=name, description=f"{name} text", price=Decimal(price),
                brand_id=product_id, brand_name=f"brand {product_id}", brand_country="NL",
                manufacturer_id=product_id, manufacturer_name=f"maker {product_id}", manufacturer_type="OEM",
                valid_from=day)  # fmt: skip


def item(item_id, order_id, product_id, seller_id, day, quantity=2, base_price="5.00"):
    base = Decimal(base_price)
    return dict(order_item_id=item_id, order_id=order_id, product_id=product_id, seller_id=seller_id,
                quantity=quantity, base_price=base, tax=(base * Decimal("0.08")).quantize(Decimal("0.01")),
                revenue=quantity * base, created_ts=T(day.year, day.month, day.day, 9), order_date=day)  # fmt: skip


def category(category_id, name, day):
    return dict(category_id=category_id, category_name=name, valid_from=day)


def in_category(product_id, category_id, day):
    return dict(product_id=product_id, category_id=category_id, valid_from=day)


def test_wide_order_items_product_seller_and_sorted_categories_as_of_the_day_without_fan_out(spark):
    products = silver_history(spark, DIM_PRODUCT, [
        product(1, "lamp", JAN31, "7.25"), product(2, "mug", JAN31), product(3, "pen", JAN31),
        product(1, "lamp v2", FEB1, "8.00"),
    ])  # fmt: skip
    sellers = silver_history(spark, DIM_SELLER, [
        dict(seller_id=5, user_id=50, username="sam", is_active=True, valid_from=JAN31),
        dict(seller_id=6, user_id=60, username="sue", is_active=True, valid_from=JAN31),
        dict(seller_id=5, user_id=50, username="sam2", is_active=True, valid_from=FEB1),
    ])  # fmt: skip
    games = category(2, "Games", JAN31)
    categories = silver_history(spark, DIM_CATEGORY, [
        category(1, "Books", JAN31), games, category(3, "Toys", JAN31),
        deletion(games, FEB1),  # Games leaves dim_category on Feb 1; pen's bridge row stays
    ])  # fmt: skip
    lamp_toys = in_category(1, 3, JAN31)
    bridge = silver_history(spark, BRG_PRODUCT_CATEGORY, [
        lamp_toys, in_category(1, 1, JAN31),  # lamp: Toys and Books (unsorted here)
        in_category(3, 2, JAN31),  # pen: Games
        deletion(lamp_toys, FEB1),  # Feb 1: lamp's Toys row deleted, lamp only in Books
        # mug (2): no category on any day
    ])  # fmt: skip
    items = frame(spark, FACT_ORDER_ITEMS, [
        item(1, 10, 1, 5, JAN31), item(2, 10, 2, 6, JAN31), item(3, 11, 1, 7, JAN31),  # seller 7 missing
        item(4, 12, 1, 5, FEB1, quantity=1, base_price="8.00"), item(5, 13, 3, 6, JAN31),
        item(6, 14, 99, 5, JAN31),  # unknown product
        item(7, 15, 3, 6, FEB1),  # pen on Feb 1: its category is not in dim_category that day
    ])  # fmt: skip

    wide = wide_order_items(items, products, sellers, bridge, categories)

    assert wide.columns == WIDE_ORDER_ITEMS
    assert dict(wide.dtypes)["categories"] == CATEGORIES
    columns = ["order_item_id", "product_name", "price", "brand_name", "manufacturer_name", "seller_user_id",
               "seller_username", "categories", "order_date"]  # fmt: skip
    toys_books = [(1, "Books"), (3, "Toys")]
    # one row per item: lamp's two categories add no rows
    assert rows(wide, columns) == [
        (1, "lamp", Decimal("7.25"), "brand 1", "maker 1", 50, "sam", toys_books, JAN31),
        (2, "mug", Decimal("5.00"), "brand 2", "maker 2", 60, "sue", [], JAN31),
        (3, "lamp", Decimal("7.25"), "brand 1", "maker 1", None, None, toys_books, JAN31),
        (4, "lamp v2", Decimal("8.00"), "brand 1", "maker 1", 50, "sam2", [(1, "Books")], FEB1),
        (5, "pen", Decimal("5.00"), "brand 3", "maker 3", 60, "sue", [(2, "Games")], JAN31),
        (6, None, None, None, None, 50, "sam", [], JAN31),
        (7, "pen", Decimal("5.00"), "brand 3", "maker 3", 60, "sue", [(2, None)], FEB1),  # kept, null name
    ]
    # The item's own columns pass through unchanged.
    fact_columns = [name for name in FACT_ORDER_ITEMS if name != "created_ts"]
    assert rows(wide, fact_columns) == rows(items, fact_columns)


def test_wide_order_items_empty_inputs_give_empty_output_with_columns(spark):
    wide = wide_order_items(
        frame(spark, FACT_ORDER_ITEMS, []), silver_history(spark, DIM_PRODUCT, []),
        silver_history(spark, DIM_SELLER, []), silver_history(spark, BRG_PRODUCT_CATEGORY, []),
        silver_history(spark, DIM_CATEGORY, []),
    )  # fmt: skip
    assert wide.columns == WIDE_ORDER_ITEMS
    assert dict(wide.dtypes)["categories"] == CATEGORIES
    assert wide.count() == 0
