"""Finance transforms on hand-made frames: event documents judged line by line, versions at boundary instants, the calendar, running totals."""

import json
from datetime import date, datetime
from decimal import Decimal

from pyspark.sql import functions as F

from lakehouse.domains.finance.transforms import bronze, gold, silver
from lakehouse.versioning.track import from_change_feed

NOW = datetime(2024, 3, 3, 1, 0, 0)
LINES = [
    '{"transaction_id": "T1", "device_type": "Mobile_App", "ip_address": "85.1.2.3", "geolocation": {"country": "DE", "city": "Berlin"}, "fraud_score": 0.25, "event_ts": "2024-03-01 10:00:00"}',
    '{"transaction_id": "T2", "device_type": "atm", "fraud_score": "0.5", "event_ts": "2024-03-01 10:00:01"}',
    '{"transaction_id": "T3", "device_type": "atm", "fraud_score": 1.7, "event_ts": "2024-03-01 10:00:02"}',
    '{"transaction_id": "T4", "device_type": "atm", "fraud_score": -0.1, "event_ts": "2024-03-01 10:00:03"}',
    '{"transaction_id": "T5", "device_type": "web_browser", "event_ts": "2024-03-01 10:00:04"}',
    '{"transaction_id": "T6", "device_type": "smart_tv", "fraud_score": 0.1, "event_ts": "2024-03-01 10:00:05"}',
    '{"device_type": "atm", "fraud_score": 0.1, "event_ts": "2024-03-01 10:00:06"}',
    '{"transaction_id": "T1", "device_type": "atm", "fraud_score": 0.9, "event_ts": "2024-03-01 10:05:00"}',
    '{"transaction_id": "T7", "device_type": "atm", "fraud_score": 0, "event_ts": "2024-03-01 10:00:07"}',
    '{"transaction_id": "T8", "device_type": "atm", "fraud_score": 1, "event_ts": "2024-03-01 10:00:08"}',
    '{"transaction_id": "T9", "dev',
    '{"transaction_id": "T10", "device_type": "atm", "fraud_score": 0.1}',
    '{"transaction_id": "T11", "device_type": "atm", "fraud_score": 0.1, "event_ts": "2024-02-30 10:00:00"}',
    "   ",
    '{"transaction_id": "T12", "device_type": "atm", "fraud_score": 0.5, "event_ts": "2024-03-01T23:59:59Z"}',
    "[1, 2]",
]


def _lines(spark):
    return spark.createDataFrame([(line, "events_2024-03.jsonl") for line in LINES], "value string, _source_file string")


def test_event_lines_are_placed_judged_or_rejected_never_dropped(spark):
    lines = _lines(spark)
    placed = bronze.events(lines, NOW)
    assert placed.columns == bronze.EVENT_COLUMNS
    unplaceable = sorted((r["reason"], json.loads(r["record"])["_line"][:25]) for r in bronze.unplaceable_events(lines, NOW).collect())
    assert unplaceable == [
        ("malformed_json", "[1, 2]"),
        ("malformed_json", '{"transaction_id": "T9", '),
        ("missing_time:event_ts", '{"transaction_id": "T10",'),
        ("unparseable:event_ts", '{"transaction_id": "T11",'),  # February 30th
    ]
    valid, rejected = silver.events(placed)
    assert sorted((r["transaction_id"], r["device_type"], r["fraud_score"], r["country"], str(r["event_ts"]))
                  for r in valid.collect()) == [
        ("T1", "mobile_app", 0.25, "DE", "2024-03-01 10:00:00"),  # the earliest of a re-sent transaction's events
        ("T12", "atm", 0.5, None, "2024-03-01 23:59:59"),  # `Z`: UTC, still the 1st
        ("T5", "web_browser", None, None, "2024-03-01 10:00:04"),  # no fraud_score: kept, null
        ("T7", "atm", 0.0, None, "2024-03-01 10:00:07"),  # the range's ends, as JSON integers
        ("T8", "atm", 1.0, None, "2024-03-01 10:00:08"),
    ]  # fmt: skip
    reasons = sorted((r["reason"], r["record"][:24]) for r in rejected.collect())
    assert reasons == [
        ("duplicate_key", '{"transaction_id": "T1",'),
        ("empty_key:transaction_id", '{"device_type": "atm", "'),
        ("out_of_range:device_type", '{"transaction_id": "T6",'),
        ("out_of_range:fraud_score", '{"transaction_id": "T3",'),
        ("out_of_range:fraud_score", '{"transaction_id": "T4",'),
        ("wrong_type:fraud_score", '{"transaction_id": "T2",'),  # a quoted number is not a number
    ]
    # Every non-blank line is somewhere: 11 placed (5 valid + 6 rejected) and 4 unplaceable of 15.
    assert (placed.count(), valid.count() + rejected.count(), len(unplaceable)) == (11, 11, 4)


ACCOUNT_ROWS = [  # account_id, customer_id, type, balance, updated_at
    ("A1", "C1", "checking", "100.00", "2024-03-01 00:00:00"),
    ("A1", "C2", "checking", "150.00", "2024-03-01 23:59:59"),  # a new owner in the day's last second
    ("A2", "C1", "savings", "5.00", "2024-03-02 00:00:00"),
]
TRANSACTIONS = [  # id, account, amount, timestamp
    ("T1", "A1", "50.00", "2024-03-01 00:00:00"),  # the account's first instant: its first version
    ("T2", "A1", "25.00", "2024-03-01 23:59:58"),
    ("T3", "A1", "5.00", "2024-03-01 23:59:59"),  # the new owner's first instant
    ("T4", "A2", "7.00", "2024-03-01 23:59:59"),  # a second before the account exists
    ("T5", "A2", "1.00", "2024-03-02 00:00:00"),
]


def _accounts(spark):
    rows = [(a, c, t, Decimal(b), datetime(2023, 1, 1), datetime.fromisoformat(u), NOW) for a, c, t, b, u in ACCOUNT_ROWS]
    feed = spark.createDataFrame(
        rows, "account_id string, customer_id string, account_type string, balance decimal(12,2), "
        "opened_at timestamp, updated_at timestamp, _extracted_at timestamp",
    )  # fmt: skip
    versions = from_change_feed(feed, None, silver.ACCOUNTS, date(2024, 3, 1), date(2024, 3, 2))
    return gold.dim_accounts(versions, date(2024, 3, 1), date(2024, 3, 2))


def _key(spark, natural: str) -> int:
    return spark.range(1).select(F.xxhash64(F.lit(natural))).first()[0]


def test_each_transaction_takes_the_account_version_valid_at_its_second(spark):
    accounts = _accounts(spark)
    transactions = spark.createDataFrame(
        [(i, a, "deposit", Decimal(x), datetime.fromisoformat(t), NOW, datetime.fromisoformat(t).date())
         for i, a, x, t in TRANSACTIONS],
        "transaction_id string, account_id string, transaction_type string, amount decimal(12,2), "
        "timestamp timestamp, _extracted_at timestamp, transaction_date date",
    )  # fmt: skip
    events = spark.createDataFrame(
        [("T1", "atm", 0.5, date(2024, 3, 1)), ("T3", "web_browser", 0.1, date(2024, 3, 2))],  # T3's crossed midnight
        "transaction_id string, device_type string, fraud_score double, event_date date",
    )
    facts = gold.fact_transactions(transactions, events, accounts)
    assert facts.columns == list(gold.FACT_TRANSACTIONS)
    a1, a2, c1, c2 = (_key(spark, k) for k in ("A1", "A2", "C1", "C2"))
    assert sorted(tuple(r) for r in facts.collect()) == [
        ("T1", 20240301, a1, c1, Decimal("50.00"), "deposit", "atm", 0.5, date(2024, 3, 1)),
        ("T2", 20240301, a1, c1, Decimal("25.00"), "deposit", None, None, date(2024, 3, 1)),
        ("T3", 20240301, a1, c2, Decimal("5.00"), "deposit", None, None, date(2024, 3, 1)),
        ("T4", 20240301, None, None, Decimal("7.00"), "deposit", None, None, date(2024, 3, 1)),  # the check's to report
        ("T5", 20240302, a2, c1, Decimal("1.00"), "deposit", None, None, date(2024, 3, 2)),
    ]
    # The account keeps one key over its versions: two versions of A1, both `a1`.
    assert sorted((r["account_id"], r["account_key"] == a1) for r in accounts.collect()) == [
        ("A1", True), ("A1", True), ("A2", False),
    ]  # fmt: skip


def test_dim_dates_is_a_full_calendar_across_a_leap_day(spark):
    built = gold.dim_dates(spark, date(2024, 2, 27), date(2024, 3, 1))
    assert built.columns == list(gold.DIM_DATES)
    assert [tuple(r) for r in built.orderBy("date").collect()] == [
        (20240227, date(2024, 2, 27), 2024, 2, 27, 1, 2),  # a Tuesday: ISO 2
        (20240228, date(2024, 2, 28), 2024, 2, 28, 1, 3),
        (20240229, date(2024, 2, 29), 2024, 2, 29, 1, 4),
        (20240301, date(2024, 3, 1), 2024, 3, 1, 1, 5),
    ]
    sunday = gold.dim_dates(spark, date(2024, 3, 31), date(2024, 4, 1)).orderBy("date").collect()
    assert [(r["day_of_week"], r["quarter"]) for r in sunday] == [(7, 1), (1, 2)]


def test_running_totals_carry_the_day_before_and_take_the_name_as_of_each_day(spark):
    c1, c2 = _key(spark, "C1"), _key(spark, "C2")
    customers = spark.createDataFrame(
        [(c1, "C1", "Ann", datetime(2024, 2, 1), 0, False, date(2024, 2, 1)),
         (c1, "C1", "Ann B", datetime(2024, 3, 2, 10), 0, False, date(2024, 3, 2)),  # renamed on the 2nd
         (c2, "C2", "Bob", datetime(2024, 3, 1), 0, False, date(2024, 3, 1))],
        "customer_key long, customer_id string, name string, valid_from_ts timestamp, version_in_day int, "
        "is_deleted boolean, valid_from date",
    )  # fmt: skip
    facts = spark.createDataFrame(
        [(c1, Decimal("50.00"), date(2024, 3, 1)), (c1, Decimal("25.00"), date(2024, 3, 1)),
         (c2, Decimal("5.00"), date(2024, 3, 1)), (c1, Decimal("1.00"), date(2024, 3, 2)),
         (None, Decimal("7.00"), date(2024, 3, 1))],  # an unresolved fact counts for nobody
        "customer_key long, amount decimal(12,2), transaction_date date",
    )  # fmt: skip
    previous = spark.createDataFrame([(c1, Decimal("10.00"))], "customer_key long, total_amount decimal(22,2)")
    built = gold.customer_transaction_totals(facts, customers, previous, date(2024, 3, 1), date(2024, 3, 2))
    assert built.columns == list(gold.TOTALS)
    assert sorted((str(r["as_of_date"]), r["name"], str(r["total_amount"])) for r in built.collect()) == [
        ("2024-03-01", "Ann", "85.00"),
        ("2024-03-01", "Bob", "5.00"),
        ("2024-03-02", "Ann B", "86.00"),
        ("2024-03-02", "Bob", "5.00"),  # no transaction on the 2nd: carried
    ]
