"""Silver -> gold: the star schema (dim_dates, SCD type 2 dim_customers and dim_accounts, fact_transactions) and running totals.

`customer_key` and `account_key` are hashes of the natural id (xxhash64), the same for every
version of a customer or account, as the spec asks: a fact keeps its key when the customer moves.
Which version a transaction belongs to is still decided at its own time
(`as_of.join_as_of_time`): its account as it stood at that second gives its customer.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse import calendar
from lakehouse.domains.finance.contracts.upstream import EVENT_PARTITION
from lakehouse.snapshots import AS_OF_DATE, accumulate
from lakehouse.versioning import VERSION_COLUMNS
from lakehouse.versioning.as_of import began_in, join_as_of, join_as_of_time

DIM_CUSTOMERS = ("customer_key", "customer_id", "name", "email_masked", "email_hash", "phone_masked", "address")
DIM_ACCOUNTS = ("account_key", "account_id", "customer_key", "account_type", "opened_at", "balance")
DIM_DATES = ("date_key", "date", "year", "month", "day", "quarter", "day_of_week")
FACT_TRANSACTIONS = ("transaction_id", "date_key", "account_key", "customer_key", "amount", "transaction_type",
                     "device_type", "fraud_score", "transaction_date")  # fmt: skip
TOTALS = ("customer_key", "name", "total_amount", AS_OF_DATE)


def stable_key(id_column: str) -> Column:
    """A natural id's surrogate key: the same for all its versions and on every re-run."""
    return F.xxhash64(F.col(id_column))


def dim_dates(spark: SparkSession, first: date, last: date) -> DataFrame:
    """One row per day of [first, last], days without transactions included."""
    day = F.col("date")
    return calendar.days(spark, first, last).select(
        calendar.date_key(day).alias("date_key"), day, F.year(day).alias("year"), F.month(day).alias("month"),
        F.dayofmonth(day).alias("day"), F.quarter(day).alias("quarter"), calendar.iso_weekday(day).alias("day_of_week"),
    )  # fmt: skip


def dim_customers(customers: DataFrame, first: date, last: date) -> DataFrame:
    """The run's customer versions as dimension rows (masked and hashed contact data only)."""
    rows = began_in(customers, first, last).withColumn("customer_key", stable_key("customer_id"))
    return rows.select(*DIM_CUSTOMERS, *VERSION_COLUMNS)


def dim_accounts(accounts: DataFrame, first: date, last: date) -> DataFrame:
    """The run's account versions as dimension rows, with their owner's customer_key."""
    rows = began_in(accounts, first, last).select(
        "*", stable_key("account_id").alias("account_key"), stable_key("customer_id").alias("customer_key")
    )
    return rows.select(*DIM_ACCOUNTS, *VERSION_COLUMNS)


def fact_transactions(transactions: DataFrame, events: DataFrame, accounts: DataFrame) -> DataFrame:
    """One row per transaction: its keys from the account version valid at its time, its device event's fields (or nulls)."""
    keyed = join_as_of_time(
        transactions, "timestamp", accounts, ["account_id"], [("account_id", "account_id")],
        ["account_key", "customer_key"],
    )  # fmt: skip
    # An event lands on its own day and follows its transaction by seconds: the same day's event,
    # so a range run joins what single days join. One sent across midnight leaves the fields null.
    device = events.select("transaction_id", F.col(EVENT_PARTITION).alias("transaction_date"), "device_type", "fraud_score")
    facts = keyed.join(device, ["transaction_id", "transaction_date"], "left")
    return facts.select(
        "transaction_id", calendar.date_key(F.col("transaction_date")).alias("date_key"), "account_key", "customer_key",
        "amount", "transaction_type", "device_type", "fraud_score", "transaction_date",
    )  # fmt: skip


def customer_transaction_totals(
    facts: DataFrame, customers: DataFrame, previous: DataFrame | None, first: date, last: date
) -> DataFrame:
    """The periodic snapshot per day of [first, last]: each customer's total amount so far, from D-1 plus day D, and their name as of D."""
    amounts = facts.where(F.col("customer_key").isNotNull()).select("customer_key", "transaction_date", F.col("amount").cast("decimal(22,2)").alias("total_amount"))
    before = None if previous is None else previous.select("customer_key", "total_amount")
    totals = accumulate(before, amounts, ["customer_key"], "transaction_date", {"total_amount": "sum"}, first, last)
    named = join_as_of(totals, AS_OF_DATE, customers, ["customer_key"], [("customer_key", "customer_key")], ["name"])
    return named.select("customer_key", "name", F.col("total_amount").cast("decimal(22,2)").alias("total_amount"), AS_OF_DATE)
