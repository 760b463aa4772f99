"""Gold: the star schema (dates, customers, accounts, transactions) and the customers' running totals."""


from dagster import AssetExecutionContext, AssetIn, asset
from pyspark.sql import DataFrame

from lakehouse.domains.finance.contracts.keys import DAILY, gold, silver
from lakehouse.domains.finance.contracts.upstream import EVENTS
from lakehouse.domains.finance.transforms import gold as build
from lakehouse.partitions import previous_state, run_days
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.resources.spark import SparkResource
from lakehouse.snapshots import AS_OF_DATE
from lakehouse.versioning import VALID_FROM

_KINDS = {"spark", "parquet"}



@asset(key=gold("dim_dates"), **DAILY, metadata={PARTITION_EXPR: "date"}, kinds=_KINDS)
def dim_dates(context: AssetExecutionContext, spark: SparkResource) -> DataFrame:
    """Calendar: every day (with transactions or not) with its yyyymmdd key, year, quarter, month, day and ISO weekday."""
    return build.dim_dates(spark.spark_session, *run_days(context))


@asset(
    key=gold("dim_customers"), ins={"customers": AssetIn(key=silver("customers"))}, **DAILY,
    metadata={PARTITION_EXPR: VALID_FROM, VERSIONED: ["customer_id"]}, kinds=_KINDS,
)  # fmt: skip
def dim_customers(context: AssetExecutionContext, customers: DataFrame) -> DataFrame:
    """Versioned state (SCD type 2): a row per customer version, masked and hashed contact data, a stable `customer_key`."""
    return build.dim_customers(customers, *run_days(context))


@asset(
    key=gold("dim_accounts"), ins={"accounts": AssetIn(key=silver("accounts"))}, **DAILY,
    metadata={PARTITION_EXPR: VALID_FROM, VERSIONED: ["account_id"]}, kinds=_KINDS,
)  # fmt: skip
def dim_accounts(context: AssetExecutionContext, accounts: DataFrame) -> DataFrame:
    """Versioned state (SCD type 2): a row per account version (type, balance, owner) with a stable `account_key`."""
    return build.dim_accounts(accounts, *run_days(context))


@asset(
    key=gold("fact_transactions"),
    ins={
        "transactions": AssetIn(key=silver("transactions")),
        "events": AssetIn(key=silver(EVENTS)),
        "accounts": AssetIn(key=gold("dim_accounts")),
    },
    **DAILY,
    metadata={PARTITION_EXPR: "transaction_date"},
    kinds=_KINDS,
)
def fact_transactions(transactions: DataFrame, events: DataFrame, accounts: DataFrame) -> DataFrame:
    """Events: one row per transaction, keyed to its account and customer at its time, with its device and fraud score."""
    return build.fact_transactions(transactions, events, accounts)


@asset(
    key=gold("customer_transaction_totals"),
    ins={
        "facts": AssetIn(key=gold("fact_transactions")),
        "customers": AssetIn(key=gold("dim_customers")),
        "previous": previous_state(gold("customer_transaction_totals")),
    },
    **DAILY,
    metadata={PARTITION_EXPR: AS_OF_DATE},
    kinds=_KINDS,
)
def customer_transaction_totals(
    context: AssetExecutionContext, facts: DataFrame, customers: DataFrame, previous: DataFrame | None
) -> DataFrame:
    """Periodic snapshot: per day, each customer's total transaction amount on or before it, and their name as of it."""
    return build.customer_transaction_totals(facts, customers, previous, *run_days(context))
