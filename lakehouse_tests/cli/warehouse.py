"""A small warehouse in the layout the IO managers write, built with pyarrow (no Spark).

`silver/shop/orders` (partitioned by order_date: two committed days with rows, a committed empty
day, an uncommitted day), `bronze/shop/rejects` (unpartitioned), `interface/shop/daily_report`
(only an empty committed day) and the versioned `silver/shop/dim_buyer`, whose history is:
key 1 changes on day 2 and day 4; key 2 is deleted on day 3; key 3 is deleted on day 2 and
re-created on day 4; key 4 appears on day 2 with two versions that day; an uncommitted day 5
changes key 1 again. Plus staging, checkpoint and hidden files that readers must skip.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

D1, D2, D3, D4, D5 = (dt.date(2024, 1, day) for day in range(1, 6))
NOT_PARQUET = b"a Parquet reader must never open this"


def _field(name, kind, nullable=True):
    return {"name": name, "type": kind, "nullable": nullable, "metadata": {}}


def _schema(*fields) -> str:
    return json.dumps({"type": "struct", "fields": list(fields)})


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc)


ORDERS_SCHEMA = pa.schema([("order_id", pa.int32()), ("buyer", pa.string()), ("amount", pa.decimal128(18, 2))])
BUYER_SCHEMA = pa.schema([
    ("buyer_id", pa.int32()), ("name", pa.string()), ("city", pa.string()),
    ("valid_from_ts", pa.timestamp("us", tz="UTC")), ("version_in_day", pa.int32()), ("is_deleted", pa.bool_()),
])
BUYER_VERSIONS = {  # valid_from day -> (buyer_id, name, city, valid_from_ts, version_in_day, is_deleted)
    D1: [(1, "Ann", "Oslo", None, 0, False), (2, "Bob", "Rome", _at(D1, 8), 0, False),
         (3, "Cid", "Lima", _at(D1, 9), 0, False)],
    D2: [(1, "Ann", "Bergen", _at(D2, 10), 0, False), (3, "Cid", "Lima", _at(D2, 11), 0, True),
         (4, "Dee", "Lima", _at(D2, 12), 0, False), (4, "Dee", "Quito", _at(D2, 13), 1, False)],
    D3: [(2, "Bob", "Rome", _at(D3, 14), 0, True)],
    D4: [(1, "Ann B", "Bergen", _at(D4, 15), 0, False), (3, "Cid", "Rome", _at(D4, 16), 0, False)],
    D5: [(1, "Ann X", "Paris", _at(D5, 17), 0, False)],
}


def _parquet(path: Path, schema: pa.Schema, rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([dict(zip(schema.names, row)) for row in rows], schema=schema), path)


def _text(path: Path, text: str | bytes = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def _day(table: Path, column: str, day, parts: list[tuple[pa.Schema, list[tuple]]], committed=True) -> None:
    folder = table / f"{column}={day}"
    folder.mkdir(parents=True, exist_ok=True)
    for number, (schema, rows) in enumerate(parts):
        _parquet(folder / f"part-{number:05d}-c0ffee.c000.snappy.parquet", schema, rows)
        _text(folder / f".part-{number:05d}-c0ffee.c000.snappy.parquet.crc", NOT_PARQUET)
    if committed:
        _text(folder / "_SUCCESS")


def build(warehouse: Path) -> Path:
    """Write the sample tables under `warehouse` (the folder that holds the layers); return it."""
    orders = warehouse / "silver/shop/orders"
    _text(orders / "_schema.json", _schema(
        _field("order_id", "integer", False), _field("order_date", "date"), _field("buyer", "string"),
        _field("amount", "decimal(18,2)"),
    ))
    _day(orders, "order_date", D1, [(ORDERS_SCHEMA, [(1, "ann", Decimal("10.50")), (2, "bob", Decimal("3.25"))])])
    _day(orders, "order_date", D2, [])  # an empty day: only the marker
    _day(orders, "order_date", D3, [(ORDERS_SCHEMA, [(3, "ann", Decimal("7.00"))]),
                                    (ORDERS_SCHEMA, [(4, "cid", Decimal("100.00"))])])
    _day(orders, "order_date", D4, [(ORDERS_SCHEMA, [(5, "zed", Decimal("1.00"))])], committed=False)
    _text(orders / "_checkpoint/part-00000.parquet", NOT_PARQUET)
    _text(warehouse / "_staging/silver/shop/orders/1234/order_date=2024-01-09/part-00000.parquet", NOT_PARQUET)

    rejects = warehouse / "bronze/shop/rejects"
    reject_schema = pa.schema([("reason", pa.string()), ("raw", pa.string())])
    _text(rejects / "_schema.json", _schema(_field("reason", "string"), _field("raw", "string")))
    _parquet(rejects / "part-00000-c0ffee.c000.snappy.parquet", reject_schema, [("bad_date", "x,1"), ("missing", "y")])
    _parquet(rejects / "part-00001-c0ffee.c000.snappy.parquet", reject_schema, [("bad_date", "z,,")])
    _text(rejects / "_SUCCESS")

    report = warehouse / "interface/shop/daily_report"
    item = {"type": "struct", "fields": [_field("id", "long"), _field("name", "string")]}
    _text(report / "_schema.json", _schema(
        _field("Date", "date"), _field("Product Category", "string"), _field("Mean Revenue", "decimal(18,2)"),
        _field("items", {"type": "array", "elementType": item, "containsNull": True}),
        _field("at", "timestamp"), _field("ok", "boolean"), _field("share", "double"), _field("n", "long"),
    ))
    _day(report, "Date", D1, [])

    buyers = warehouse / "silver/shop/dim_buyer"
    _text(buyers / "_schema.json", _schema(
        _field("buyer_id", "integer", False), _field("name", "string"), _field("city", "string"),
        _field("valid_from_ts", "timestamp"), _field("version_in_day", "integer", False),
        _field("is_deleted", "boolean", False), _field("valid_from", "date"),
    ))
    _text(buyers / "_versioned.json", json.dumps({"key": ["buyer_id"], "partition": "valid_from"}))
    for day, rows in BUYER_VERSIONS.items():
        _day(buyers, "valid_from", day, [(BUYER_SCHEMA, rows)], committed=day != D5)
    return warehouse
