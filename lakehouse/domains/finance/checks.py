"""The finance checks: each table's pandera model, no raw PII anywhere in silver and gold, row accounting, integrity."""

from dagster import AssetIn, asset_check
from pyspark.sql import DataFrame

from lakehouse.domains.finance.contracts import schemas
from lakehouse.domains.finance.contracts.keys import DAYS, SILVER_REJECTS, bronze, gold, silver
from lakehouse.domains.finance.contracts.upstream import EVENT_PARTITION, EVENTS
from lakehouse.domains.finance.transforms.silver import REJECTED_ON
from lakehouse.quality.checks import Check, asset_checks, model_checks, row_accounting_check
from lakehouse.quality.integrity import integrity_result, unresolved
from lakehouse.quality.rules import no_raw_pii

MODELS = [
    (silver("customers"), schemas.SilverCustomer),
    (silver("accounts"), schemas.SilverAccount),
    (silver("transactions"), schemas.SilverTransaction),
    (silver(EVENTS), schemas.SilverEvent),
    (SILVER_REJECTS, schemas.SilverReject),
    (gold("dim_customers"), schemas.DimCustomers),
    (gold("dim_accounts"), schemas.DimAccounts),
    (gold("dim_dates"), schemas.DimDates),
    (gold("fact_transactions"), schemas.FactTransactions),
    (gold("customer_transaction_totals"), schemas.CustomerTransactionTotals),
]
# Blocking and audited: a day holding a raw email or phone in any string column is never published.
NO_RAW_PII = Check(
    "no_raw_pii", "No string column holds a raw email address or phone number (they are hashed and masked in silver).",
    no_raw_pii(),
)  # fmt: skip


def orphans(facts: DataFrame, transactions: DataFrame, accounts: DataFrame, customers: DataFrame) -> DataFrame:
    """Fact rows whose account_key or customer_key is no dimension version valid at the transaction's time."""
    timed = facts.join(transactions.select("transaction_id", "timestamp"), "transaction_id", "left")
    return unresolved(timed, "timestamp", [("account_key", accounts, ["account_id"]), ("customer_key", customers, ["customer_id"])])


@asset_check(
    asset=gold("fact_transactions"),
    name="keys_resolve_to_valid_versions",
    additional_ins={
        "transactions": AssetIn(key=silver("transactions")),
        "accounts": AssetIn(key=gold("dim_accounts")),
        "customers": AssetIn(key=gold("dim_customers")),
    },
    partitions_def=DAYS,
    blocking=True,
    description="Referential integrity: every fact's account_key and customer_key is a dimension version valid at its time.",
)
def keys_resolve_to_valid_versions(facts: DataFrame, transactions: DataFrame, accounts: DataFrame, customers: DataFrame):
    """Blocking: no fact row points to a missing account or customer, or to one not valid at the transaction's time."""
    return integrity_result(orphans(facts, transactions, accounts, customers), "transaction_id", "transaction_date")


def _accounting(table: str, day: str, entity: str):
    return row_accounting_check(
        silver(table), DAYS, bronze(table), SILVER_REJECTS, (day, day, REJECTED_ON),
        f"bronze {table} rows = silver {table} rows + {entity} rows in silver/finance/rejects, per day.",
        rejects_where=f"entity = '{entity}'",
    )  # fmt: skip


CHECKS = [
    *(check for key, model in MODELS for check in asset_checks(key, DAYS, [*model_checks(model), NO_RAW_PII])),
    _accounting("transactions", "transaction_date", "transactions"),
    _accounting(EVENTS, EVENT_PARTITION, EVENTS),
    keys_resolve_to_valid_versions,
]
