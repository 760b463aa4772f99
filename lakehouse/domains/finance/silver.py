"""Silver: customers (PII hashed and masked) and accounts as versions, typed transactions and events, every rejected row."""

from functools import reduce

from dagster import AssetExecutionContext, AssetIn, AssetOut, Output, asset, multi_asset
from pyspark.sql import DataFrame

from lakehouse.domains.finance.contracts.keys import DAILY, PII, SILVER_REJECTS, bronze, silver
from lakehouse.domains.finance.contracts.upstream import EVENT_PARTITION, EVENTS
from lakehouse.domains.finance.transforms import silver as build
from lakehouse.partitions import previous_state, run_days
from lakehouse.quality.rejects import released
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.versioning import VALID_FROM
from lakehouse.versioning.track import from_change_feed

_KINDS = {"spark", "parquet"}



def _versioned(entity: str, spec, **ins: AssetIn):
    return {
        "key": silver(entity),
        "ins": {"rows": AssetIn(key=bronze(entity)), "history": previous_state(silver(entity)), **ins},
        **DAILY,
        "metadata": {PARTITION_EXPR: VALID_FROM, VERSIONED: list(spec.key)},
        "kinds": _KINDS,
    }


@asset(**_versioned("customers", build.CUSTOMERS), required_resource_keys={PII})
def silver_customers(context: AssetExecutionContext, rows: DataFrame, history: DataFrame | None) -> DataFrame:
    """Versioned state: customers with email and phone as keyed hashes and masks (never raw), a version per change."""
    valid, _ = build.customers(rows, getattr(context.resources, PII).secret())  # rejects: finance_silver writes them
    return from_change_feed(valid, history, build.CUSTOMERS, *run_days(context))


@asset(**_versioned("accounts", build.ACCOUNTS, customers=AssetIn(key=silver("customers"))))
def silver_accounts(
    context: AssetExecutionContext, rows: DataFrame, history: DataFrame | None, customers: DataFrame
) -> DataFrame:
    """Versioned state: accounts (type, balance, owner), a version per change; the owner must be a known customer."""
    valid, _ = build.accounts(rows, customers)
    return from_change_feed(valid, history, build.ACCOUNTS, *run_days(context))


def _out(key, description: str, column: str) -> AssetOut:
    return AssetOut(key=key, description=description, metadata={PARTITION_EXPR: column}, kinds=_KINDS)


@multi_asset(
    name="finance_silver",
    outs={
        "transactions": _out(silver("transactions"), "Events: typed transactions of known accounts, one per id, by day.",
                             "transaction_date"),
        "events": _out(silver(EVENTS), "Events: typed device and fraud events, one per transaction, by `event_date`.",
                       EVENT_PARTITION),
        "rejects": _out(SILVER_REJECTS, "Events: rows breaking a rule, with the entity, every reason and the row as "
                        "JSON (email and phone hashed), on the day bronze placed them.", build.REJECTED_ON),
    },
    ins={
        **{f"bronze_{t}": AssetIn(key=bronze(t)) for t in ("customers", "accounts", "transactions", EVENTS)},
        "customers": AssetIn(key=silver("customers")),
        "accounts": AssetIn(key=silver("accounts")),
    },
    required_resource_keys={PII},
    **DAILY,
)  # fmt: skip
def finance_silver(
    context: AssetExecutionContext,
    bronze_customers: DataFrame,
    bronze_accounts: DataFrame,
    bronze_transactions: DataFrame,
    bronze_transaction_events: DataFrame,
    customers: DataFrame,
    accounts: DataFrame,
):
    """Judge the days' transactions and events; collect every reject of the four entities."""
    with released():
        transactions, transaction_rejects = build.transactions(bronze_transactions, accounts)
        events, event_rejects = build.events(bronze_transaction_events)
        yield Output(transactions, output_name="transactions")
        yield Output(events, output_name="events")
        # The versioned entities judge their rows too (and keep the valid ones): only rejects here.
        rejected = [
            build.customers(bronze_customers, getattr(context.resources, PII).secret())[1],
            build.accounts(bronze_accounts, customers)[1],
            transaction_rejects,
            event_rejects,
        ]
        yield Output(reduce(DataFrame.unionByName, rejected), output_name="rejects")
