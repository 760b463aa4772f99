"""Unit tests of the rainforest silver dimensions and bridges on tiny hand-written bronze frames."""

import datetime
import json
from collections import Counter
from decimal import Decimal

import pytest

from lakehouse.domains.rainforest.columns import (
    BRG_PRODUCT_CATEGORY,
    BRG_SELLER_PRODUCT,
    DIM_BUYER,
    DIM_CATEGORY,
    DIM_PRODUCT,
    DIM_SELLER,
)
from lakehouse.domains.rainforest.dimensions import build_dimensions
from lakehouse.domains.rainforest.upstream import TABLES

D1, D2 = datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)
T = datetime.datetime
EXTRACTED = T(2024, 1, 3, 6, 0)
CREATED = T(2023, 12, 1, 0, 0)
UPDATED = T(2023, 12, 2, 0, 0)
INPUTS = [
    "appuser", "buyer", "seller", "category", "brand", "manufacturer", "product", "productcategory", "sellerproduct",
]  # fmt: skip


def bronze(spark, name, rows):
    """A bronze frame of upstream table `name`: each row is a dict of upstream columns (missing
    ones null) plus `partition_date` (required) and `_extracted_at` (default EXTRACTED)."""
    table = TABLES[name]
    columns = [f"{col} {dtype.simpleString()}" for col, dtype in table.columns]
    schema = ", ".join([*columns, "_extracted_at timestamp", "partition_date date"])
    data = [
        tuple(row.get(col) for col in table.column_names) + (row.get("_extracted_at", EXTRACTED), row["partition_date"])
        for row in rows
    ]
    return spark.createDataFrame(data, schema)


def user(user_id, day, username="alice", **kw):
    return dict(user_id=user_id, username=username, email=f"{username}@example.com", is_active=True,
                created_ts=CREATED, last_updated_by=7, last_updated_ts=UPDATED, partition_date=day, **kw)  # fmt: skip


def audited(day, **kw):
    return dict(created_ts=CREATED, last_updated_by=8, last_updated_ts=UPDATED, partition_date=day, **kw)


FIRST_BUY = T(2023, 12, 5, 9, 30)
BUYER_CREATED = T(2023, 12, 3, 0, 0)
SELLER_CREATED = T(2023, 12, 2, 0, 0)


def buyer_row(buyer_id, user_id, day, first_purchase=None):
    return {"buyer_id": buyer_id, "user_id": user_id, "first_time_purchased_timestamp": first_purchase,
            "created_ts": BUYER_CREATED, "partition_date": day}  # fmt: skip


def seller_row(seller_id, user_id, day, first_sale=None):
    return {"seller_id": seller_id, "user_id": user_id, "first_time_sold_timestamp": first_sale,
            "created_ts": SELLER_CREATED, "partition_date": day}  # fmt: skip


def product_row(day, product_id, name, description, price, brand_id, manufacturer_id):
    return audited(day, product_id=product_id, name=name, description=description, price=Decimal(price),
                   brand_id=brand_id, manufacturer_id=manufacturer_id)  # fmt: skip

ROWS = {
    "appuser": [
        user(1, D1), user(1, D2),
        user(2, D2, username="bob"),  # bob exists on day 2 only
        user(None, D1, username="nobody"),  # null_key:user_id
        user(1, D1, username="alice2"),  # duplicate_key ('alice' < 'alice2' survives)
    ],
    "buyer": [
        buyer_row(10, 1, D1, FIRST_BUY),
        buyer_row(10, 1, D2, FIRST_BUY),
        buyer_row(11, 2, D1),  # unknown_user (bob is not there on day 1)
        buyer_row(11, 2, D2),
        buyer_row(12, None, D1),  # null_key:user_id
        buyer_row(None, 99, D1),  # null_key:buyer_id;unknown_user
        buyer_row(10, 1, D1, T(2023, 12, 6)),  # duplicate_key (a later first purchase loses)
    ],
    "seller": [
        seller_row(20, 1, D1, T(2023, 12, 4)),
        seller_row(21, 3, D1),  # unknown_user
    ],
    "category": [
        audited(D1, category_id=100, name="Books"),
        audited(D1, category_id=101, name="Toys"),
        audited(D1, category_id=None, name="Nameless"),  # null_key:category_id
    ],
    "brand": [audited(D1, brand_id=200, name="Acme", country="US")],
    "manufacturer": [audited(D1, manufacturer_id=300, name="Forge", type="OEM")],
    "product": [
        product_row(D1, 1000, "Novel", "A book", "19.99", 200, 300),
        # the brand/manufacturer exist only on day 1: day 2 keeps the ids with null attributes
        product_row(D2, 1000, "Novel", "A book", "19.99", 200, 300),
        product_row(D1, 1001, "Kite", None, "5.00", 999, None),
    ],
    "productcategory": [
        dict(product_id=1000, category_id=100, partition_date=D1),
        dict(product_id=1000, category_id=100, partition_date=D1),  # duplicate_key (exact copy)
        dict(product_id=1001, category_id=101, partition_date=D1),
        dict(product_id=1000, category_id=999, partition_date=D1),  # unknown_category
        dict(product_id=5555, category_id=999, partition_date=D1),  # unknown_product;unknown_category
        dict(product_id=None, category_id=100, partition_date=D1),  # null_key:product_id
        dict(product_id=1000, category_id=100, partition_date=D2),  # unknown_category (no categories on day 2)
    ],
    "sellerproduct": [
        dict(seller_id=20, product_id=1000, partition_date=D1),
        dict(seller_id=20, product_id=1001, partition_date=D1),
        dict(seller_id=20, product_id=4242, partition_date=D1),  # unknown_product
        dict(seller_id=None, product_id=1000, partition_date=D1),  # null_key:seller_id
    ],
}


@pytest.fixture(scope="module")
def frames(spark):
    return {name: bronze(spark, name, ROWS[name]) for name in INPUTS}


@pytest.fixture(scope="module")
def built(frames):
    return build_dimensions(*(frames[name] for name in INPUTS))


def ts(moment):
    """A timestamp as the reject record's JSON writes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def rows(df):
    return sorted((tuple(row) for row in df.collect()), key=repr)


def reject_rows(built):
    found = ((r.table, r.reason, r.snapshot_date, json.loads(r.record)) for r in built["rejects"].collect())
    return sorted(found, key=repr)


def test_output_keys_and_columns(built):
    assert list(built) == [
        "dim_buyer", "dim_seller", "dim_category", "dim_product", "brg_product_category", "brg_seller_product",
        "rejects",
    ]  # fmt: skip
    assert built["dim_buyer"].columns == DIM_BUYER
    assert built["dim_seller"].columns == DIM_SELLER
    assert built["dim_category"].columns == DIM_CATEGORY
    assert built["dim_product"].columns == DIM_PRODUCT
    assert built["brg_product_category"].columns == BRG_PRODUCT_CATEGORY
    assert built["brg_seller_product"].columns == BRG_SELLER_PRODUCT
    assert built["rejects"].columns == ["table", "reason", "record", "snapshot_date"]


def test_dim_buyer_joins_appuser_on_user_and_day(built):
    assert rows(built["dim_buyer"]) == sorted(
        [
            (10, 1, "alice", "alice@example.com", True, FIRST_BUY, BUYER_CREATED, CREATED, 7, UPDATED, D1),
            (10, 1, "alice", "alice@example.com", True, FIRST_BUY, BUYER_CREATED, CREATED, 7, UPDATED, D2),
            # bob exists on day 2 only: buyer 11 is in day 2 and rejected (unknown_user) on day 1
            (11, 2, "bob", "bob@example.com", True, None, BUYER_CREATED, CREATED, 7, UPDATED, D2),
        ],
        key=repr,
    )


def test_dim_seller_prefixes_created_ts(built):
    assert rows(built["dim_seller"]) == [
        (20, 1, "alice", "alice@example.com", True, T(2023, 12, 4), SELLER_CREATED, CREATED, 7, UPDATED, D1)
    ]
    # buyer_created_ts / seller_created_ts are the role's created_ts, appuser_created_ts the user's
    first = built["dim_seller"].first()
    assert (first.seller_created_ts, first.appuser_created_ts) == (SELLER_CREATED, CREATED)


def test_dim_category_renames_name(built):
    assert rows(built["dim_category"]) == [
        (100, "Books", CREATED, 8, UPDATED, D1),
        (101, "Toys", CREATED, 8, UPDATED, D1),
    ]


def test_dim_product_left_joins_brand_and_manufacturer_on_the_day(built):
    assert rows(built["dim_product"]) == sorted(
        [
            (1000, "Novel", "A book", Decimal("19.99"), 200, "Acme", "US", 300, "Forge", "OEM", D1),
            # brand 200 and manufacturer 300 are absent on day 2: kept, with null attributes
            (1000, "Novel", "A book", Decimal("19.99"), 200, None, None, 300, None, None, D2),
            # brand 999 does not exist, manufacturer null: the product is kept
            (1001, "Kite", None, Decimal("5.00"), 999, None, None, None, None, None, D1),
        ],
        key=repr,
    )


def test_bridges(built):
    assert rows(built["brg_product_category"]) == [(1000, 100, D1), (1001, 101, D1)]
    assert rows(built["brg_seller_product"]) == [(20, 1000, D1), (20, 1001, D1)]


def test_rejects_reasons_and_records(built):
    def user_record(uid, name):
        return {"user_id": uid, "username": name, "email": f"{name}@example.com", "is_active": True,
                "created_ts": ts(CREATED), "last_updated_by": 7, "last_updated_ts": ts(UPDATED)}  # fmt: skip

    assert reject_rows(built) == sorted(
        [
            ("appuser", "null_key:user_id", D1, user_record(None, "nobody")),
            ("appuser", "duplicate_key", D1, user_record(1, "alice2")),
            ("buyer", "unknown_user", D1, {"buyer_id": 11, "user_id": 2, "first_time_purchased_timestamp": None,
                                           "created_ts": ts(BUYER_CREATED)}),
            ("buyer", "null_key:user_id", D1, {"buyer_id": 12, "user_id": None, "first_time_purchased_timestamp": None,
                                               "created_ts": ts(BUYER_CREATED)}),
            ("buyer", "null_key:buyer_id;unknown_user", D1, {"buyer_id": None, "user_id": 99,
                                                             "first_time_purchased_timestamp": None,
                                                             "created_ts": ts(BUYER_CREATED)}),
            ("buyer", "duplicate_key", D1, {"buyer_id": 10, "user_id": 1,
                                            "first_time_purchased_timestamp": ts(T(2023, 12, 6)),
                                            "created_ts": ts(BUYER_CREATED)}),
            ("seller", "unknown_user", D1, {"seller_id": 21, "user_id": 3, "first_time_sold_timestamp": None,
                                            "created_ts": ts(SELLER_CREATED)}),
            ("category", "null_key:category_id", D1, {"category_id": None, "name": "Nameless",
                                                      "created_ts": ts(CREATED), "last_updated_by": 8,
                                                      "last_updated_ts": ts(UPDATED)}),
            ("productcategory", "duplicate_key", D1, {"product_id": 1000, "category_id": 100}),
            ("productcategory", "unknown_category", D1, {"product_id": 1000, "category_id": 999}),
            ("productcategory", "unknown_product;unknown_category", D1, {"product_id": 5555, "category_id": 999}),
            ("productcategory", "null_key:product_id", D1, {"product_id": None, "category_id": 100}),
            ("productcategory", "unknown_category", D2, {"product_id": 1000, "category_id": 100}),
            ("sellerproduct", "unknown_product", D1, {"seller_id": 20, "product_id": 4242}),
            ("sellerproduct", "null_key:seller_id", D1, {"seller_id": None, "product_id": 1000}),
        ],
        key=repr,
    )


def test_record_is_exact_json_text_in_upstream_order(built):
    records = {r.reason: r.record for r in built["rejects"].where("table = 'buyer'").collect()}
    assert records["null_key:buyer_id;unknown_user"] == (
        '{"buyer_id":null,"user_id":99,"first_time_purchased_timestamp":null,'
        '"created_ts":"2023-12-03T00:00:00.000000"}'
    )


def test_accounting_adds_up_per_table_and_day(built, frames):
    outputs = {
        "buyer": "dim_buyer", "seller": "dim_seller", "category": "dim_category", "product": "dim_product",
        "productcategory": "brg_product_category", "sellerproduct": "brg_seller_product",
    }  # fmt: skip
    rejected = Counter((r.table, r.snapshot_date) for r in built["rejects"].collect())
    for name in INPUTS:
        received = Counter(r.partition_date for r in frames[name].collect())
        if name in outputs:
            used = Counter(r.snapshot_date for r in built[outputs[name]].collect())
        else:  # lookup tables: the distinct non-null keys of each day are used
            key = TABLES[name].key[0]
            keys = {(r.partition_date, r[key]) for r in frames[name].collect() if r[key] is not None}
            used = Counter(day for day, _ in keys)
        for day in received:
            assert received[day] == used[day] + rejected[(name, day)], (name, day)


def test_duplicate_survivor_is_deterministic(spark):
    """Whatever the input order, the smallest row by all columns survives; a valid row beats a broken one."""
    a = user(5, D1, username="zed")
    b = user(5, D1, username="amy")
    buyers = [buyer_row(30, 42, D1), buyer_row(30, 5, D1)]  # (30, 42) is smaller, but unknown_user
    for order in (1, -1):
        frames = {name: bronze(spark, name, []) for name in INPUTS}
        frames["appuser"] = bronze(spark, "appuser", [a, b][::order])
        frames["buyer"] = bronze(spark, "buyer", buyers[::order])
        built = build_dimensions(*(frames[name] for name in INPUTS))
        assert [(r.buyer_id, r.user_id, r.username) for r in built["dim_buyer"].collect()] == [(30, 5, "amy")]
        assert sorted((r.table, r.reason, json.loads(r.record).get("username", json.loads(r.record).get("user_id")))
                      for r in built["rejects"].collect()) == [
            ("appuser", "duplicate_key", "zed"), ("buyer", "unknown_user;duplicate_key", 42),
        ]  # fmt: skip


EXPECTED_TYPES = {
    "dim_buyer": [
        ("buyer_id", "int"), ("user_id", "int"), ("username", "string"), ("email", "string"), ("is_active", "boolean"),
        ("first_time_purchased_timestamp", "timestamp"), ("buyer_created_ts", "timestamp"),
        ("appuser_created_ts", "timestamp"), ("last_updated_by", "int"), ("last_updated_ts", "timestamp"),
        ("snapshot_date", "date"),
    ],
    "dim_seller": [
        ("seller_id", "int"), ("user_id", "int"), ("username", "string"), ("email", "string"), ("is_active", "boolean"),
        ("first_time_sold_timestamp", "timestamp"), ("seller_created_ts", "timestamp"),
        ("appuser_created_ts", "timestamp"), ("last_updated_by", "int"), ("last_updated_ts", "timestamp"),
        ("snapshot_date", "date"),
    ],
    "dim_category": [
        ("category_id", "int"), ("category_name", "string"), ("created_ts", "timestamp"), ("last_updated_by", "int"),
        ("last_updated_ts", "timestamp"), ("snapshot_date", "date"),
    ],
    "dim_product": [
        ("product_id", "int"), ("product_name", "string"), ("description", "string"), ("price", "decimal(10,2)"),
        ("brand_id", "int"), ("brand_name", "string"), ("brand_country", "string"), ("manufacturer_id", "int"),
        ("manufacturer_name", "string"), ("manufacturer_type", "string"), ("snapshot_date", "date"),
    ],
    "brg_product_category": [("product_id", "int"), ("category_id", "int"), ("snapshot_date", "date")],
    "brg_seller_product": [("seller_id", "int"), ("product_id", "int"), ("snapshot_date", "date")],
    "rejects": [("table", "string"), ("reason", "string"), ("record", "string"), ("snapshot_date", "date")],
}  # fmt: skip


def test_empty_inputs_give_empty_typed_outputs(spark):
    built = build_dimensions(*(bronze(spark, name, []) for name in INPUTS))
    assert {name: df.dtypes for name, df in built.items()} == EXPECTED_TYPES
    assert {name: df.count() for name, df in built.items()} == dict.fromkeys(EXPECTED_TYPES, 0)


def test_types_on_data(built):
    assert {name: df.dtypes for name, df in built.items()} == EXPECTED_TYPES
