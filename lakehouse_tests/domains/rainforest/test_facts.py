"""Unit tests of the rainforest silver facts on tiny hand-written bronze frames; `product` is bronze
product's version history, looked up as of each item's day."""

import datetime
import json
from collections import Counter
from decimal import Decimal

import pytest

from lakehouse.domains.rainforest.contracts.columns import FACT_CLICKSTREAM, FACT_ORDER_ITEMS, FACT_ORDERS
from lakehouse.domains.rainforest.transforms.facts import build_facts
from lakehouse.domains.rainforest.contracts.upstream import TABLES
from lakehouse_tests.domains.rainforest.frames import bronze, deletion, history, json_ts, rows

D1, D2, D3 = (datetime.date(2024, 1, d) for d in (1, 2, 3))
T = datetime.datetime
INPUTS = ["orders", "orderitem", "clickstream", "product"]
TS1, TS2, TS3 = T(2024, 1, 1, 10, 0), T(2024, 1, 2, 11, 0), T(2024, 1, 3, 9, 0)


def order(order_id, buyer_id, at, total, day, **kw):
    return dict(order_id=order_id, buyer_id=buyer_id, order_ts=at, total_price=Decimal(total), created_ts=at,
                partition_date=day, **kw)  # fmt: skip


def item(item_id, order_id, product_id, seller_id, quantity, base, tax, at, day):
    return dict(order_item_id=item_id, order_id=order_id, product_id=product_id, seller_id=seller_id, quantity=quantity,
                base_price=Decimal(base), tax=Decimal(tax), created_ts=at, partition_date=day)  # fmt: skip


def event(event_id, user_id, event_type, product_id, order_id, at, day, created=None):
    return dict(event_id=event_id, user_id=user_id, event_type=event_type, product_id=product_id, order_id=order_id,
                event_ts=at, created_ts=created or at, partition_date=day)  # fmt: skip


def version(product_id, day, **kw):
    """A version of bronze product, from `day` on."""
    return {"product_id": product_id, "name": f"p{product_id}", "price": Decimal("1.00"), "valid_from": day, **kw}


GONE = version(1002, D1)


ROWS = {
    "orders": [
        order(1, 10, TS1, "64.77", D1),
        order(2, 11, TS2, "5.40", D2),
        order(None, 10, TS1, "1.00", D1),  # null_key:order_id
        order(3, None, TS1, "2.00", D1),  # null_key:buyer_id
        order(1, 10, TS1, "99.99", D1),  # duplicate_key (64.77 < 99.99 survives)
        order(4, 12, TS3, "3.00", D3),
    ],
    "orderitem": [
        item(100, 1, 1000, 20, 3, "19.99", "1.60", TS1, D1),  # revenue 3 * 19.99 = 59.97 (tax excluded)
        item(101, 2, 1000, 20, 1, "5.00", "0.40", TS2, D2),  # order on day 2, product still valid on day 2
        item(102, 3, 1000, 20, 1, "2.00", "0.16", TS1, D1),  # unknown_order (order 3 was rejected)
        item(103, 1, 1001, 20, 1, "2.00", "0.16", TS1, D1),  # unknown_product (1001 is created on day 2)
        item(106, 2, 1001, 20, 2, "1.50", "0.12", TS2, D2),  # product 1001 created on day 2, the item's day
        item(107, 1, 1002, 20, 1, "4.00", "0.32", TS1, D1),  # product 1002 is deleted on day 2, valid on day 1
        item(108, 4, 1002, 20, 1, "4.00", "0.32", TS3, D3),  # unknown_product: product 1002 is gone on day 3
        item(104, 77, 4242, 20, 1, "2.00", "0.16", TS1, D1),  # unknown_order;unknown_product
        item(105, None, 1000, None, 1, "2.00", "0.16", TS1, D1),  # null_key:order_id;null_key:seller_id
        item(100, 1, 1000, 20, 3, "19.99", "1.60", TS1, D1),  # duplicate_key (exact copy)
    ],
    "clickstream": [
        event(1000, 1, "view", 1000, None, TS1, D1),
        event(1001, 1, "purchase", None, 1, TS1, D1),
        event(1002, 1, "add_to_cart", 1000, None, TS2, D2),
        event(1003, 1, "click", 1000, None, TS1, D1),  # unknown_event_type
        event(1004, None, None, 1000, None, TS1, D1),  # null_key:user_id;null_key:event_type
        event(1000, 1, "view", 1000, None, TS1, D1, created=T(2024, 1, 1, 12, 0)),  # duplicate_key (later created_ts)
    ],
    "product": [
        version(1000, D1),
        version(1000, D1, price=Decimal("2.00"), version_in_day=1),  # two versions in one day: no more items
        version(1001, D2),  # created on day 2
        GONE, deletion(GONE, D2),  # deleted on day 2
    ],
}


def inputs(spark, data: dict[str, list[dict]]):
    """The four inputs in order: bronze events, and product's history."""
    return {name: (history if name == "product" else bronze)(spark, name, data.get(name, [])) for name in INPUTS}


@pytest.fixture(scope="module")
def frames(spark):
    return inputs(spark, ROWS)


@pytest.fixture(scope="module")
def built(frames):
    return build_facts(*(frames[name] for name in INPUTS))


def test_output_keys_and_columns(built):
    assert list(built) == ["fact_orders", "fact_order_items", "fact_clickstream", "rejects"]
    assert built["fact_orders"].columns == FACT_ORDERS
    assert built["fact_order_items"].columns == FACT_ORDER_ITEMS
    assert built["fact_clickstream"].columns == FACT_CLICKSTREAM
    assert built["rejects"].columns == ["table", "reason", "record", "partition_date"]


def test_fact_orders(built):
    assert rows(built["fact_orders"]) == [
        (1, 10, TS1, Decimal("64.77"), TS1, D1),
        (2, 11, TS2, Decimal("5.40"), TS2, D2),
        (4, 12, TS3, Decimal("3.00"), TS3, D3),
    ]


def test_fact_order_items_revenue_excludes_tax_and_takes_the_order_date(built):
    assert rows(built["fact_order_items"]) == [
        (100, 1, 1000, 20, 3, Decimal("19.99"), Decimal("1.60"), Decimal("59.97"), TS1, D1),
        (101, 2, 1000, 20, 1, Decimal("5.00"), Decimal("0.40"), Decimal("5.00"), TS2, D2),
        (106, 2, 1001, 20, 2, Decimal("1.50"), Decimal("0.12"), Decimal("3.00"), TS2, D2),
        (107, 1, 1002, 20, 1, Decimal("4.00"), Decimal("0.32"), Decimal("4.00"), TS1, D1),
    ]
    assert dict(built["fact_order_items"].dtypes)["revenue"] == "decimal(18,2)"


def test_item_order_date_is_its_orders_day(spark):
    """An item stamped a day later than its order still gets the order's order_date."""
    frames = inputs(spark, {
        "orders": [order(1, 10, TS1, "10.00", D1)],
        "orderitem": [item(100, 1, 1000, 20, 2, "0.50", "0.04", TS2, D2)],
        "product": [version(1000, D2)],  # the item's day, not its order's, decides the product lookup
    })  # fmt: skip
    built = build_facts(*(frames[name] for name in INPUTS))
    assert rows(built["fact_order_items"]) == [
        (100, 1, 1000, 20, 2, Decimal("0.50"), Decimal("0.04"), Decimal("1.00"), TS2, D1)
    ]


def test_fact_clickstream(built):
    assert rows(built["fact_clickstream"]) == [
        (1000, 1, "view", 1000, None, TS1, TS1, D1),
        (1001, 1, "purchase", None, 1, TS1, TS1, D1),
        (1002, 1, "add_to_cart", 1000, None, TS2, TS2, D2),
    ]


def test_rejects_reasons_and_records(built):
    def item_record(item_id, order_id, product_id, seller_id, base, tax, at=TS1):
        return {"order_item_id": item_id, "order_id": order_id, "product_id": product_id, "seller_id": seller_id,
                "quantity": 3 if item_id == 100 else 1, "base_price": float(base), "tax": float(tax),
                "created_ts": json_ts(at)}  # fmt: skip

    def event_record(event_id, user_id, event_type, created=TS1):
        return {"event_id": event_id, "user_id": user_id, "event_type": event_type, "product_id": 1000,
                "order_id": None, "event_ts": json_ts(TS1), "created_ts": json_ts(created)}  # fmt: skip

    def order_record(oid, bid, total):
        return {"order_id": oid, "buyer_id": bid, "order_ts": json_ts(TS1), "total_price": total,
                "created_ts": json_ts(TS1)}  # fmt: skip

    found = ((r.table, r.reason, r.partition_date, json.loads(r.record)) for r in built["rejects"].collect())
    assert sorted(found, key=repr) == sorted(
        [
            ("orders", "null_key:order_id", D1, order_record(None, 10, 1.00)),
            ("orders", "null_key:buyer_id", D1, order_record(3, None, 2.00)),
            ("orders", "duplicate_key", D1, order_record(1, 10, 99.99)),
            ("orderitem", "unknown_order", D1, item_record(102, 3, 1000, 20, "2.00", "0.16")),
            ("orderitem", "unknown_product", D1, item_record(103, 1, 1001, 20, "2.00", "0.16")),
            ("orderitem", "unknown_order;unknown_product", D1, item_record(104, 77, 4242, 20, "2.00", "0.16")),
            ("orderitem", "unknown_product", D3, item_record(108, 4, 1002, 20, "4.00", "0.32", at=TS3)),
            ("orderitem", "null_key:order_id;null_key:seller_id", D1,
             item_record(105, None, 1000, None, "2.00", "0.16")),
            ("orderitem", "duplicate_key", D1, item_record(100, 1, 1000, 20, "19.99", "1.60")),
            ("clickstream", "unknown_event_type", D1, event_record(1003, 1, "click")),
            ("clickstream", "null_key:user_id;null_key:event_type", D1, event_record(1004, None, None)),
            ("clickstream", "duplicate_key", D1, event_record(1000, 1, "view", created=T(2024, 1, 1, 12, 0))),
        ],
        key=repr,
    )


def test_record_is_exact_json_text(built):
    record = built["rejects"].where("table = 'orders' AND reason = 'null_key:order_id'").first().record
    assert record == (
        '{"order_id":null,"buyer_id":10,"order_ts":"2024-01-01T10:00:00.000000",'
        '"total_price":1.00,"created_ts":"2024-01-01T10:00:00.000000"}'
    )


def test_accounting_adds_up_per_table_and_day(built, frames):
    outputs = {"orders": ("fact_orders", "order_date"), "orderitem": ("fact_order_items", "order_date"),
               "clickstream": ("fact_clickstream", "event_date")}  # fmt: skip
    rejected = Counter((r.table, r.partition_date) for r in built["rejects"].collect())
    for name, (fact, date) in outputs.items():
        received = Counter(r.partition_date for r in frames[name].collect())
        kept = Counter(r[date] for r in built[fact].collect())
        assert sum(received.values()) == sum(kept.values()) + sum(n for (t, _), n in rejected.items() if t == name)
        for day in received:
            assert received[day] == kept[day] + rejected[(name, day)], (name, day)


def test_duplicates_across_days_keep_one_deterministically(spark):
    """A key seen twice in a range keeps a valid row first, then the earliest day, whatever the input order."""
    orders = [order(5, 10, TS2, "1.00", D2), order(5, 10, TS1, "9.00", D1)]
    events = [event(7, 1, "click", 1, None, TS1, D1), event(7, 1, "view", 1, None, TS2, D2)]
    for step in (1, -1):
        frames = inputs(spark, {"orders": orders[::step], "clickstream": events[::step]})
        built = build_facts(*(frames[name] for name in INPUTS))
        assert rows(built["fact_orders"]) == [(5, 10, TS1, Decimal("9.00"), TS1, D1)]
        events_kept = [(r.event_id, r.event_type, r.event_date) for r in built["fact_clickstream"].collect()]
        assert events_kept == [(7, "view", D2)]
        assert sorted((r.table, r.reason, r.partition_date) for r in built["rejects"].collect()) == [
            ("clickstream", "unknown_event_type;duplicate_key", D1),
            ("orders", "duplicate_key", D2),
        ]


EXPECTED_TYPES = {
    "fact_orders": [
        ("order_id", "int"), ("buyer_id", "int"), ("order_ts", "timestamp"), ("total_price", "decimal(10,2)"),
        ("created_ts", "timestamp"), ("order_date", "date"),
    ],
    "fact_order_items": [
        ("order_item_id", "int"), ("order_id", "int"), ("product_id", "int"), ("seller_id", "int"), ("quantity", "int"),
        ("base_price", "decimal(10,2)"), ("tax", "decimal(10,2)"), ("revenue", "decimal(18,2)"),
        ("created_ts", "timestamp"), ("order_date", "date"),
    ],
    "fact_clickstream": [
        ("event_id", "int"), ("user_id", "int"), ("event_type", "string"), ("product_id", "int"), ("order_id", "int"),
        ("event_ts", "timestamp"), ("created_ts", "timestamp"), ("event_date", "date"),
    ],
    "rejects": [("table", "string"), ("reason", "string"), ("record", "string"), ("partition_date", "date")],
}  # fmt: skip


def test_empty_inputs_give_empty_typed_outputs(spark):
    built = build_facts(*inputs(spark, {}).values())
    assert {name: df.dtypes for name, df in built.items()} == EXPECTED_TYPES
    assert {name: df.count() for name, df in built.items()} == dict.fromkeys(EXPECTED_TYPES, 0)


def test_types_on_data(built):
    assert {name: df.dtypes for name, df in built.items()} == EXPECTED_TYPES
    assert set(TABLES["orders"].column_names) <= set(FACT_ORDERS)
