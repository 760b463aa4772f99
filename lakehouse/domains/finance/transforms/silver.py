"""Bronze -> silver: typed, judged and de-duplicated; email and phone replaced by keyed hashes; customers and accounts as versions.

Rules (a row breaking one goes to `silver/finance/rejects` with every reason, `;`-joined, and its
row as JSON; customers' with their email and phone already hashed and masked, so no raw value
reaches silver):
- customers: `empty_key:customer_id`;
- accounts: `empty_key:account_id`, `empty_key:customer_id`, `out_of_range:account_type` (not
  savings or checking), `unknown_customer` (no customer version valid at the row's `updated_at`);
- transactions: `empty_key:transaction_id`, `empty_key:account_id`, `missing:amount`,
  `out_of_range:transaction_type`, `unknown_account` (no account version valid at its `timestamp`),
  `duplicate_key` (a second row of one id in a day: a re-sent row; the first stays);
- events: `empty_key:transaction_id`, `wrong_type:fraud_score` (not a JSON number),
  `out_of_range:fraud_score` (outside 0..1), `out_of_range:device_type`, `duplicate_key` (a re-sent
  event of one transaction in a day: the earliest stays). Other fields are kept as the text the
  document holds; a missing `fraud_score` or `device_type` is null, not an error.
Customers and accounts are a change feed (one row per (id, updated_at)): `track.from_change_feed`
makes a version of each row that changes something; a re-sent row makes none.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse import pii
from lakehouse.domains.finance.contracts.upstream import (
    ACCOUNT_TYPES,
    DEVICE_TYPES,
    EVENT_PARTITION,
    EXTRACTED_AT,
    TABLES,
    TRANSACTION_TYPES,
)
from lakehouse.domains.finance.transforms.bronze import LINE, SOURCE_FILE
from lakehouse.quality import rejects
from lakehouse.quality.landed import empty_key_rules, text_timestamp, trimmed
from lakehouse.versioning import Versioned

REJECTED_ON = "rejected_on"

CUSTOMER_COLUMNS = ("customer_id", "name", *pii.HASH_COLUMNS, "address", "updated_at", EXTRACTED_AT)
ACCOUNT_COLUMNS = ("account_id", "customer_id", "account_type", "balance", "opened_at", "updated_at", EXTRACTED_AT)
CUSTOMERS = Versioned(("customer_id",), CUSTOMER_COLUMNS, changed_at="updated_at", untracked=(EXTRACTED_AT,))
ACCOUNTS = Versioned(("account_id",), ACCOUNT_COLUMNS, changed_at="updated_at", untracked=(EXTRACTED_AT,))


def _rejected(rows: DataFrame, entity: str, record: Column, day: str) -> DataFrame:
    """Rejected rows in the rejects table's shape, on the day bronze placed them."""
    return rows.select(F.lit(entity).alias("entity"), F.col(rejects.REASON).alias("reason"), record.alias("record"),
                       F.col(day).alias(REJECTED_ON))  # fmt: skip


def _record(frame: DataFrame, *without: str) -> Column:
    return rejects.record_json([c for c in frame.columns if c not in (EXTRACTED_AT, *without)])


def customers(bronze: DataFrame, key: str) -> tuple[DataFrame, DataFrame]:
    """(valid customer rows with email and phone hashed and masked, rejects); see the module docstring."""
    day = TABLES["customers"].partition
    # Protected first: a rejected row's record must not carry the raw values either.
    protected = pii.protect(bronze, key)
    valid, rejected = rejects.split(protected, empty_key_rules(["customer_id"]))
    rows = valid.select(
        trimmed("customer_id").alias("customer_id"), trimmed("name").alias("name"), *pii.HASH_COLUMNS,
        trimmed("address").alias("address"), "updated_at", EXTRACTED_AT,
    )  # fmt: skip
    return rows, _rejected(rejected, "customers", _record(protected, rejects.REASON, day), day)


def accounts(bronze: DataFrame, customer_history: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(valid account rows, rejects); an account must name a customer valid at its `updated_at`."""
    day = TABLES["accounts"].partition
    typed = bronze.withColumn("_customer_id", trimmed("customer_id")).withColumn("_account_type", F.lower(trimmed("account_type")))
    typed = rejects.flag_found_at(typed, "_customer_id", "updated_at", customer_history, "customer_id")
    rules = empty_key_rules(["account_id", "customer_id"]) + [
        ("out_of_range:account_type", ~F.coalesce(F.col("_account_type").isin(*ACCOUNT_TYPES), F.lit(False))),
        ("unknown_customer", rejects.missing("_customer_id")),
    ]
    valid, rejected = rejects.split(typed, rules)
    rows = valid.select(
        trimmed("account_id").alias("account_id"), F.col("_customer_id").alias("customer_id"),
        F.col("_account_type").alias("account_type"), "balance", "opened_at", "updated_at", EXTRACTED_AT,
    )  # fmt: skip
    return rows, _rejected(rejected, "accounts", _record(bronze, day), day)


def transactions(bronze: DataFrame, account_history: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(the days' valid transactions, rejects): known account at the transaction's time, one row per id and day."""
    typed = bronze.withColumn("_account_id", trimmed("account_id")).withColumn("_type", F.lower(trimmed("transaction_type")))
    typed = rejects.flag_found_at(typed, "_account_id", "timestamp", account_history, "account_id")
    rules = empty_key_rules(["transaction_id", "account_id"]) + [
        ("missing:amount", F.col("amount").isNull()),
        ("out_of_range:transaction_type", ~F.coalesce(F.col("_type").isin(*TRANSACTION_TYPES), F.lit(False))),
        ("unknown_account", rejects.missing("_account_id")),
    ]
    typed = typed.withColumn("_transaction_id", trimmed("transaction_id"))
    order = [F.col("timestamp"), F.col("_account_id"), F.col("amount")]
    valid, rejected = rejects.split(typed, rules, ["_transaction_id"], ["transaction_date"], order, persist=True)
    rows = valid.select(
        F.col("_transaction_id").alias("transaction_id"), F.col("_account_id").alias("account_id"),
        F.col("_type").alias("transaction_type"), "amount", "timestamp", EXTRACTED_AT, "transaction_date",
    )  # fmt: skip
    return rows, _rejected(rejected, "transactions", _record(bronze, "transaction_date"), "transaction_date")


def fraud_score(line: Column) -> Column:
    """The document's `fraud_score` when it is a JSON number (a quoted "0.5" or "high" is not), else null."""
    return F.from_json(line, "fraud_score double")["fraud_score"]


def events(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(the days' valid events, typed, one per transaction and day, rejects); see the module docstring."""
    typed = bronze.select(
        "*",
        trimmed("transaction_id").alias("_transaction_id"),
        fraud_score(F.col(LINE)).alias("_fraud_score"),
        F.lower(trimmed("device_type")).alias("_device_type"),
        text_timestamp("event_ts").alias("_event_ts"),
    )
    score = F.col("_fraud_score")
    rules = empty_key_rules(["transaction_id"]) + [
        ("wrong_type:fraud_score", F.col("fraud_score").isNotNull() & score.isNull()),
        ("out_of_range:fraud_score", (score < 0) | (score > 1) | F.isnan(score)),
        ("out_of_range:device_type", F.col("_device_type").isNotNull() & ~F.col("_device_type").isin(*DEVICE_TYPES)),
    ]
    order = [F.col("_event_ts"), F.col(SOURCE_FILE), F.col(LINE)]
    valid, rejected = rejects.split(typed, rules, ["_transaction_id"], [EVENT_PARTITION], order, persist=True)
    rows = valid.select(
        F.col("_transaction_id").alias("transaction_id"), F.col("_device_type").alias("device_type"),
        trimmed("ip_address").alias("ip_address"), trimmed("geolocation.country").alias("country"),
        trimmed("geolocation.city").alias("city"), score.alias("fraud_score"), F.col("_event_ts").alias("event_ts"),
        SOURCE_FILE, EVENT_PARTITION,
    )  # fmt: skip
    return rows, _rejected(rejected, "transaction_events", F.col(LINE), EVENT_PARTITION)
