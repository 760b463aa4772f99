"""The bank's sources (specs/finance.md): three relational tables and the transaction event documents.

The relational tables are schema `finance` in PostgreSQL or the CSV exports
`landing/finance/<table>.csv` (header = column names), one row per version (id, updated_at) as a
change-data-capture feed delivers them. Each daily extract asks for the rows whose `time` falls
in the day and places them in `partition`. The events are JSON Lines files
`landing/finance/transaction_events/*.jsonl`, read with `EVENT_SCHEMA`.
"""

from dataclasses import dataclass

from pyspark.sql.types import DecimalType, StringType, StructField, StructType, TimestampType

SCHEMA = "finance"  # the PostgreSQL schema
TEXT, TS, MONEY = StringType(), TimestampType(), DecimalType(12, 2)
EXTRACTED_AT = "_extracted_at"


@dataclass(frozen=True)
class Table:
    name: str
    schema: StructType
    time: str  # the column whose day places a row
    partition: str  # bronze's partition column: the date of `time`


def _struct(*columns) -> StructType:
    return StructType([StructField(name, dtype) for name, dtype in columns])


TABLES = {
    t.name: t
    for t in (
        Table(
            "customers",
            _struct(("customer_id", TEXT), ("name", TEXT), ("email", TEXT), ("phone", TEXT), ("address", TEXT),
                    ("updated_at", TS)),
            "updated_at", "updated_date",
        ),
        Table(
            "accounts",
            _struct(("account_id", TEXT), ("customer_id", TEXT), ("account_type", TEXT), ("balance", MONEY),
                    ("opened_at", TS), ("updated_at", TS)),
            "updated_at", "updated_date",
        ),
        Table(
            "transactions",
            _struct(("transaction_id", TEXT), ("account_id", TEXT), ("transaction_type", TEXT), ("amount", MONEY),
                    ("timestamp", TS)),
            "timestamp", "transaction_date",
        ),
    )
}  # fmt: skip

ACCOUNT_TYPES = ("savings", "checking")
TRANSACTION_TYPES = ("deposit", "withdrawal", "transfer")

EVENTS = "transaction_events"  # the folder under landing/finance/ and the bronze table
EVENT_FILES = f"{EVENTS}/*.jsonl"
# Every field as the text the document holds (a number's digits, a string's characters): silver
# types them and tells a wrong JSON type apart (see transforms.silver.events).
EVENT_SCHEMA = _struct(
    ("transaction_id", TEXT), ("device_type", TEXT), ("ip_address", TEXT),
    ("geolocation", _struct(("country", TEXT), ("city", TEXT))), ("fraud_score", TEXT), ("event_ts", TEXT),
)  # fmt: skip
EVENT_PARTITION = "event_date"
DEVICE_TYPES = ("mobile_app", "web_browser", "atm")
