"""Unit tests of the rainforest silver dimensions and bridges on tiny hand-written bronze histories.

The run covers FIRST..LAST (D1..D3); D0 is its baseline, the state before the run. Each bronze row
below is a version: it holds from its `valid_from` until its key's next version.
"""

import datetime
import json
from collections import defaultdict
from decimal import Decimal

import pytest

from lakehouse.domains.rainforest.contracts.columns import (
    BRG_PRODUCT_CATEGORY,
    BRG_SELLER_PRODUCT,
    DIM_BUYER,
    DIM_CATEGORY,
    DIM_PRODUCT,
    DIM_SELLER,
)
from lakehouse.domains.rainforest.transforms.dimensions import SPECS, build_dimensions
from lakehouse.domains.rainforest.contracts.upstream import TABLES
from lakehouse.versioning import VERSION_COLUMNS
from lakehouse_tests.domains.rainforest.frames import deletion, history, json_ts, rows

D0 = datetime.date(2023, 12, 31)
D1, D2, D3 = (datetime.date(2024, 1, d) for d in (1, 2, 3))
FIRST, LAST = D1, D3
T = datetime.datetime
CREATED = T(2023, 12, 1, 0, 0)
UPDATED = T(2023, 12, 2, 0, 0)
INPUTS = [
    "appuser", "buyer", "seller", "category", "brand", "manufacturer", "product", "productcategory", "sellerproduct",
]  # fmt: skip
# The dimension or bridge each bronze table becomes; the other three are lookups.
OUTPUTS = {
    "buyer": "dim_buyer", "seller": "dim_seller", "category": "dim_category", "product": "dim_product",
    "productcategory": "brg_product_category", "sellerproduct": "brg_seller_product",
}  # fmt: skip


def user(user_id, day, username="alice", ts=None, **kw):
    return {"user_id": user_id, "username": username, "email": f"{username}@example.com", "is_active": True,
            "created_ts": CREATED, "last_updated_by": 7, "last_updated_ts": UPDATED, "valid_from": day,
            "valid_from_ts": ts, **kw}  # fmt: skip


def audited(day, ts=None, **kw):
    return {"created_ts": CREATED, "last_updated_by": 8, "last_updated_ts": UPDATED, "valid_from": day,
            "valid_from_ts": ts, **kw}  # fmt: skip


FIRST_BUY = T(2023, 12, 5, 9, 30)
BUYER_CREATED = T(2023, 12, 3, 0, 0)
SELLER_CREATED = T(2023, 12, 2, 0, 0)
EMAIL_TS = T(2024, 1, 2, 8, 0)  # alice's new email
BOB_TS = T(2024, 1, 3, 9, 0)  # bob's account appears
BUYER11_TS = T(2024, 1, 1, 12, 0)
SELLER20_TS = T(2024, 1, 1, 7, 0)
BRAND_TS, MAKER_TS = T(2024, 1, 1, 4, 0), T(2024, 1, 1, 6, 0)


def buyer_row(buyer_id, user_id, day, first_purchase=None, ts=None, **kw):
    return {"buyer_id": buyer_id, "user_id": user_id, "first_time_purchased_timestamp": first_purchase,
            "created_ts": BUYER_CREATED, "valid_from": day, "valid_from_ts": ts, **kw}  # fmt: skip


def seller_row(seller_id, user_id, day, first_sale=None, ts=None):
    return {"seller_id": seller_id, "user_id": user_id, "first_time_sold_timestamp": first_sale,
            "created_ts": SELLER_CREATED, "valid_from": day, "valid_from_ts": ts}  # fmt: skip


def product_row(day, product_id, name, description, price, brand_id, manufacturer_id):
    return audited(day, product_id=product_id, name=name, description=description, price=Decimal(price),
                   brand_id=brand_id, manufacturer_id=manufacturer_id)  # fmt: skip


def category_pair(product_id, category_id, day, **kw):
    return {"product_id": product_id, "category_id": category_id, "valid_from": day, **kw}


def seller_pair(seller_id, product_id, day, **kw):
    return {"seller_id": seller_id, "product_id": product_id, "valid_from": day, **kw}


BRAND = audited(D1, ts=BRAND_TS, brand_id=200, name="Acme", country="US")
MAKER = audited(D1, ts=MAKER_TS, manufacturer_id=300, name="Forge", type="OEM")
KITE = product_row(D1, 1001, "Kite", None, "5.00", 999, None)
OFFER = seller_pair(20, 1000, D1)

ROWS = {
    "appuser": [
        user(1, D0, ts=UPDATED),  # in the baseline: no version of its own in the run
        user(1, D2, email="alice@new.com", last_updated_ts=EMAIL_TS, ts=EMAIL_TS),  # alice changes her email
        user(None, D1, username="nobody"),  # null_key:user_id
        user(2, D3, username="bob", ts=BOB_TS),  # bob appears on day 3 only
    ],
    "buyer": [
        buyer_row(10, 1, D0, FIRST_BUY, ts=BUYER_CREATED),  # baseline; a version on D2 only (alice's email)
        buyer_row(13, 98, D0),  # unknown_user, but in the baseline: judged before this run, not reported by it
        buyer_row(11, 2, D1, ts=BUYER11_TS),  # unknown_user on D1 only (bob comes on D3), then in dim_buyer
        buyer_row(12, None, D1),  # null_key:user_id
        buyer_row(None, 99, D1),  # null_key:buyer_id;unknown_user
    ],
    "seller": [
        seller_row(20, 1, D1, T(2023, 12, 4), ts=SELLER20_TS),  # new on D1, then alice's new email on D2
        seller_row(21, 3, D1),  # unknown_user
    ],
    "category": [
        audited(D1, category_id=100, name="Books"),
        audited(D1, category_id=101, name="Toys"),
        audited(D1, category_id=None, name="Nameless"),  # null_key:category_id
    ],
    # brand 200 and manufacturer 300 vanish on D2: product 1000 keeps the ids, with null attributes
    "brand": [BRAND, deletion(BRAND, D2)],
    "manufacturer": [MAKER, deletion(MAKER, D2)],
    "product": [
        product_row(D1, 1000, "Novel", "A book", "19.99", 200, 300),
        KITE,  # brand 999 does not exist, manufacturer null: the product is kept
        deletion(KITE, D2),  # its bridge rows leave the bridges on D2, without a new reject
    ],
    "productcategory": [
        # the source repeated this pair: bronze holds two versions of one key at one instant; both
        # stand, so silver keeps one and rejects the other as duplicate_key
        category_pair(1000, 100, D1), category_pair(1000, 100, D1, version_in_day=1),
        category_pair(1001, 101, D1),  # product 1001 is deleted on D2: a deletion version, no reject
        category_pair(1000, 999, D1),  # unknown_category
        category_pair(5555, 999, D1),  # unknown_product;unknown_category
        category_pair(None, 100, D1),  # null_key:product_id
        category_pair(1001, 100, D2),  # unknown_product: product 1001 is gone on the day this version begins
    ],
    "sellerproduct": [
        OFFER, deletion(OFFER, D2),  # the offer is withdrawn on D2 (a bronze deletion)
        seller_pair(20, 1001, D1),  # product 1001 is deleted on D2: a deletion version, no reject
        seller_pair(20, 4242, D1),  # unknown_product
        seller_pair(None, 1000, D1),  # null_key:seller_id
    ],
}


def histories(spark, data: dict[str, list[dict]]):
    return {name: history(spark, name, data.get(name, [])) for name in INPUTS}


@pytest.fixture(scope="module")
def built(spark):
    return build_dimensions(histories(spark, ROWS), FIRST, LAST)


@pytest.fixture(scope="module")
def collected(built):
    """Every output collected once (each collect runs the whole build)."""
    return {name: df.collect() for name, df in built.items()}


def record(name, row):
    """The reject record expected for a bronze row: its upstream columns, as the JSON reads back."""
    def value(v):
        if isinstance(v, Decimal):
            return float(v)
        return json_ts(v) if isinstance(v, T) else v

    return {column: value(row.get(column)) for column in TABLES[name].column_names}


def reject_rows(collected):
    found = ((r["table"], r["reason"], r["rejected_on"], json.loads(r["record"])) for r in collected["rejects"])
    return sorted(found, key=repr)


def test_output_keys_and_columns(built):
    assert list(built) == [
        "dim_buyer", "dim_seller", "dim_category", "dim_product", "brg_product_category", "brg_seller_product",
        "rejects",
    ]  # fmt: skip
    assert VERSION_COLUMNS == ("valid_from_ts", "version_in_day", "is_deleted", "valid_from")
    assert built["dim_buyer"].columns == [*DIM_BUYER, *VERSION_COLUMNS]
    assert built["dim_seller"].columns == [*DIM_SELLER, *VERSION_COLUMNS]
    assert built["dim_category"].columns == [*DIM_CATEGORY, *VERSION_COLUMNS]
    assert built["dim_product"].columns == [*DIM_PRODUCT, *VERSION_COLUMNS]
    assert built["brg_product_category"].columns == [*BRG_PRODUCT_CATEGORY, *VERSION_COLUMNS]
    assert built["brg_seller_product"].columns == [*BRG_SELLER_PRODUCT, *VERSION_COLUMNS]
    assert all(built[name].columns == spec.version_columns for name, spec in SPECS.items())
    assert built["rejects"].columns == ["table", "reason", "record", "rejected_on"]


def test_dim_buyer_versions_follow_the_user_and_the_buyer(collected):
    """Buyer 10 is in the baseline: alice's new email is its one version (D2). Buyer 11 waits for its
    user: it enters on D3, the day bob appears, valid_from_ts the later of the two inputs' times."""
    assert rows(collected["dim_buyer"]) == [
        (10, 1, "alice", "alice@new.com", True, FIRST_BUY, BUYER_CREATED, CREATED, 7, EMAIL_TS, EMAIL_TS, 0, False, D2),
        (11, 2, "bob", "bob@example.com", True, None, BUYER_CREATED, CREATED, 7, UPDATED, BOB_TS, 0, False, D3),
    ]


def test_dim_seller_prefixes_created_ts_and_follows_the_users_email(collected):
    assert rows(collected["dim_seller"]) == [
        (20, 1, "alice", "alice@example.com", True, T(2023, 12, 4), SELLER_CREATED, CREATED, 7, UPDATED,
         SELLER20_TS, 0, False, D1),
        (20, 1, "alice", "alice@new.com", True, T(2023, 12, 4), SELLER_CREATED, CREATED, 7, EMAIL_TS,
         EMAIL_TS, 0, False, D2),
    ]  # fmt: skip
    # seller_created_ts / buyer_created_ts are the role's created_ts, appuser_created_ts the user's
    assert rows(collected["dim_seller"], ["seller_created_ts", "appuser_created_ts"]) == [(SELLER_CREATED, CREATED)] * 2


def test_dim_category_renames_name(collected):
    assert rows(collected["dim_category"]) == [
        (100, "Books", CREATED, 8, UPDATED, None, 0, False, D1),
        (101, "Toys", CREATED, 8, UPDATED, None, 0, False, D1),
    ]


def test_dim_product_left_joins_brand_and_manufacturer_as_of_the_day(collected):
    assert rows(collected["dim_product"]) == [
        # valid_from_ts: the latest of the product's, the brand's and the manufacturer's times
        (1000, "Novel", "A book", Decimal("19.99"), 200, "Acme", "US", 300, "Forge", "OEM", MAKER_TS, 0, False, D1),
        # brand 200 and manufacturer 300 are gone on D2: a new version keeps the ids, with null attributes
        (1000, "Novel", "A book", Decimal("19.99"), 200, None, None, 300, None, None, None, 0, False, D2),
        # brand 999 does not exist, manufacturer null: the product is kept
        (1001, "Kite", None, Decimal("5.00"), 999, None, None, None, None, None, None, 0, False, D1),
        # deleted upstream on D2: the deletion carries its last values
        (1001, "Kite", None, Decimal("5.00"), 999, None, None, None, None, None, None, 0, True, D2),
    ]


def test_bridges_with_deletions(collected):
    assert rows(collected["brg_product_category"]) == [
        (1000, 100, None, 0, False, D1),  # two bronze versions of the pair on D1: one row
        (1001, 101, None, 0, False, D1),
        (1001, 101, None, 0, True, D2),  # product 1001 deleted on D2
    ]
    assert rows(collected["brg_seller_product"]) == [
        (20, 1000, None, 0, False, D1),
        (20, 1000, None, 0, True, D2),  # the bronze deletion of the offer
        (20, 1001, None, 0, False, D1),
        (20, 1001, None, 0, True, D2),  # product 1001 deleted on D2
    ]


def test_rejects_reasons_and_records_once_on_the_day_the_version_began(collected):
    """Judged as of each day; reported on the day the rejected version began: buyer 11 is still
    broken on D2 (an evaluated day) but reported on D1 only; the baseline's buyer 13 not at all; the
    bridge rows of product 1001 deleted on D2 leave the bridges without a reject."""
    expected = [
        ("appuser", "null_key:user_id", ROWS["appuser"][2]),
        ("buyer", "unknown_user", ROWS["buyer"][2]),
        ("buyer", "null_key:user_id", ROWS["buyer"][3]),
        ("buyer", "null_key:buyer_id;unknown_user", ROWS["buyer"][4]),
        ("seller", "unknown_user", ROWS["seller"][1]),
        ("category", "null_key:category_id", ROWS["category"][2]),
        ("productcategory", "duplicate_key", ROWS["productcategory"][1]),
        ("productcategory", "unknown_category", ROWS["productcategory"][3]),
        ("productcategory", "unknown_product;unknown_category", ROWS["productcategory"][4]),
        ("productcategory", "null_key:product_id", ROWS["productcategory"][5]),
        ("productcategory", "unknown_product", ROWS["productcategory"][6]),
        ("sellerproduct", "unknown_product", ROWS["sellerproduct"][3]),
        ("sellerproduct", "null_key:seller_id", ROWS["sellerproduct"][4]),
    ]
    assert reject_rows(collected) == sorted(
        ((table, reason, row["valid_from"], record(table, row)) for table, reason, row in expected), key=repr
    )
    assert [(r["reason"], r["rejected_on"]) for r in collected["rejects"] if r["table"] == "productcategory"
            and json.loads(r["record"]) == {"product_id": 1001, "category_id": 100}] == [("unknown_product", D2)]
    # spelled out once: buyer 11 is rejected on D1, the day its version began, and never again
    assert [(r["reason"], r["rejected_on"]) for r in collected["rejects"] if r["table"] == "buyer"
            and json.loads(r["record"])["buyer_id"] == 11] == [("unknown_user", D1)]  # fmt: skip


def test_record_is_exact_json_text_in_upstream_order(collected):
    records = {r["reason"]: r["record"] for r in collected["rejects"] if r["table"] == "buyer"}
    assert records["null_key:buyer_id;unknown_user"] == (
        '{"buyer_id":null,"user_id":99,"first_time_purchased_timestamp":null,'
        '"created_ts":"2023-12-03T00:00:00.000000"}'
    )


def test_the_baseline_makes_no_versions_and_no_rejects(collected):
    assert {r["valid_from"] for name in SPECS for r in collected[name]} == {D1, D2, D3}
    assert {r["rejected_on"] for r in collected["rejects"]} == {D1, D2}


def test_a_history_of_the_baseline_only_gives_nothing(spark):
    """Everything began on D0, the day before the run: the state the run starts from, not its change."""
    only_baseline = {name: [r for r in found if r["valid_from"] == D0] for name, found in ROWS.items()}
    assert sum(map(len, only_baseline.values())) == 3  # alice, buyers 10 and 13 (broken)
    built = build_dimensions(histories(spark, only_baseline), FIRST, LAST)
    assert {name: df.count() for name, df in built.items()} == dict.fromkeys(built, 0)


def as_of(found: list[dict], key: tuple[str, ...], day: datetime.date) -> list[tuple[tuple, dict]]:
    """The (key, row) pairs standing as of `day`, as `versioning.as_of.latest` reads them: per key its
    versions of its last day with that day's greatest valid_from_ts, unless deleted; a row with a
    null key stands on its own."""
    standing, keyed = [], defaultdict(list)
    for version in (v for v in found if v["valid_from"] <= day):
        k = tuple(version.get(c) for c in key)
        if None in k:
            standing += [] if version.get("is_deleted") else [(k, version)]
        else:
            keyed[k].append(version)
    for k, versions in keyed.items():
        last_day = [v for v in versions if v["valid_from"] == max(v["valid_from"] for v in versions)]
        instant = max(v.get("valid_from_ts") or datetime.datetime.min for v in last_day)
        standing += [(k, v) for v in last_day
                     if (v.get("valid_from_ts") or datetime.datetime.min) == instant and not v.get("is_deleted")]
    return standing


def test_accounting_adds_up_per_table_and_evaluated_day(collected):
    """On each evaluated day, the bronze state's versions that began that day are either in the
    dimension's state that day or rejected that day (lookups: a non-null key, or rejected); and
    every key of a dimension's state is in its bronze table's state that day.

    NOT what dimensions.py documents ("I = that day's state rows = the dimension's state rows + R"):
    a broken version is reported only on the day it began, and a version whose reference goes away
    leaves the dimension without a reject, so the older broken rows of a day's state are in neither
    side. Here on D2: buyer has 5 state rows (10, 11, 12, 13, null) but 1 in dim_buyer and 0 rejects;
    productcategory 6 state rows, 1 in the bridge, 1 reject."""
    rejected = [(r["table"], r["rejected_on"]) for r in collected["rejects"]]
    for day in (D1, D2, D3):
        for name in INPUTS:
            key = TABLES[name].key
            state = as_of(ROWS[name], key, day)
            began = [k for k, version in state if version["valid_from"] == day]
            if name in OUTPUTS:
                kept = {k for k, _ in as_of([r.asDict() for r in collected[OUTPUTS[name]]], key, day)}
                assert kept <= {k for k, _ in state}, (name, day)
                in_output = {k for k in began if k in kept}  # a key standing twice is kept once
            else:
                in_output = {k for k in began if None not in k}
            assert len(began) == len(in_output) + rejected.count((name, day)), (name, day)
    assert sum(rejected.count((name, D1)) for name in INPUTS) == 12


def test_a_keys_last_change_of_a_day_stands_and_two_rows_at_one_instant_are_duplicates(spark):
    """Two versions of a key at different times of a day: the later one is the day's state, and the
    earlier one is never judged (a broken one, then a valid one, is valid). Two at the same instant
    both stand: silver keeps one (the smallest row, as `rejects.split` says) and rejects the other."""
    early, late = datetime.datetime(2024, 1, 1, 9), datetime.datetime(2024, 1, 1, 17)
    data = {
        "appuser": [
            user(5, D1, username="zed", ts=early), user(5, D1, username="amy", ts=late, version_in_day=1),
            user(6, D1, username="zed", ts=late), user(6, D1, username="amy", ts=late, version_in_day=1),
        ],
        "buyer": [
            buyer_row(30, 42, D1, ts=early), buyer_row(30, 5, D1, ts=late, version_in_day=1),  # unknown, then valid
        ],
    }
    built = build_dimensions(histories(spark, data), D1, D1)
    assert rows(built["dim_buyer"], ["buyer_id", "user_id", "username", "valid_from", "version_in_day"]) == [
        (30, 5, "amy", D1, 0)
    ]
    assert [(r.table, r.reason, json.loads(r.record)) for r in built["rejects"].collect()] == [
        ("appuser", "duplicate_key", record("appuser", data["appuser"][2]))
    ]


def types(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*columns, ("valid_from_ts", "timestamp"), ("version_in_day", "int"), ("is_deleted", "boolean"),
            ("valid_from", "date")]  # fmt: skip


EXPECTED_TYPES = {
    "dim_buyer": types([
        ("buyer_id", "int"), ("user_id", "int"), ("username", "string"), ("email", "string"), ("is_active", "boolean"),
        ("first_time_purchased_timestamp", "timestamp"), ("buyer_created_ts", "timestamp"),
        ("appuser_created_ts", "timestamp"), ("last_updated_by", "int"), ("last_updated_ts", "timestamp"),
    ]),
    "dim_seller": types([
        ("seller_id", "int"), ("user_id", "int"), ("username", "string"), ("email", "string"), ("is_active", "boolean"),
        ("first_time_sold_timestamp", "timestamp"), ("seller_created_ts", "timestamp"),
        ("appuser_created_ts", "timestamp"), ("last_updated_by", "int"), ("last_updated_ts", "timestamp"),
    ]),
    "dim_category": types([
        ("category_id", "int"), ("category_name", "string"), ("created_ts", "timestamp"), ("last_updated_by", "int"),
        ("last_updated_ts", "timestamp"),
    ]),
    "dim_product": types([
        ("product_id", "int"), ("product_name", "string"), ("description", "string"), ("price", "decimal(10,2)"),
        ("brand_id", "int"), ("brand_name", "string"), ("brand_country", "string"), ("manufacturer_id", "int"),
        ("manufacturer_name", "string"), ("manufacturer_type", "string"),
    ]),
    "brg_product_category": types([("product_id", "int"), ("category_id", "int")]),
    "brg_seller_product": types([("seller_id", "int"), ("product_id", "int")]),
    "rejects": [("table", "string"), ("reason", "string"), ("record", "string"), ("rejected_on", "date")],
}  # fmt: skip


def test_empty_inputs_give_empty_typed_outputs(spark):
    built = build_dimensions(histories(spark, {}), FIRST, LAST)
    assert {name: df.dtypes for name, df in built.items()} == EXPECTED_TYPES
    assert {name: df.count() for name, df in built.items()} == dict.fromkeys(EXPECTED_TYPES, 0)


def test_types_on_data(built):
    assert {name: df.dtypes for name, df in built.items()} == EXPECTED_TYPES
