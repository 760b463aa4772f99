"""The sales checks: each table's pandera model, the incentive winners, row accounting, and the files' fate."""

from dagster import AssetCheckResult, asset_check

from lakehouse.domains.sales.contracts import schemas
from lakehouse.domains.sales.contracts.columns import PARTITION, SALES_DATE
from lakehouse.domains.sales.contracts.keys import DAYS, DROP, ENRICHED, FILES, MONTHS, REJECTS, TRANSACTIONS, gold
from lakehouse.domains.sales.files import files_accounted, store_files
from lakehouse.quality.checks import Check, asset_checks, model_checks, row_accounting_check
from lakehouse.quality.rules import rows_satisfy

WINNERS = Check(
    "a_winner_per_store_and_month",
    "Every store with sales in a month has a top seller earning an incentive.",
    rows_satisfy(schemas.WINNER_RULE, ["store_id", "sales_person_id", "sales_month"]),
)
DAILY_MODELS = [(ENRICHED, schemas.EnrichedSale), (gold("customer_data_mart"), schemas.CustomerDataMart)]
MONTHLY_MODELS = [
    (gold("sales_team_data_mart"), schemas.SalesTeamDataMart),
    (gold("customer_monthly_purchase"), schemas.CustomerMonthlyPurchase),
]


@asset_check(asset=FILES, name="every_file_accounted", blocking=True, required_resource_keys={DROP},
             description="Every file the run found ends in processed/ or error_files/ with its ledger row.")  # fmt: skip
def every_file_accounted(context) -> AssetCheckResult:
    """No file is left half moved and none of the run's days is still open; later arrivals are counted, not failed."""
    passed, metadata = files_accounted(store_files(context), context.op_execution_context.partition_keys)
    return AssetCheckResult(passed=passed, metadata=metadata)


CHECKS = [
    *(check for key, model in DAILY_MODELS for check in asset_checks(key, DAYS, model_checks(model))),
    *(check for key, model in MONTHLY_MODELS for check in asset_checks(key, MONTHS, model_checks(model))),
    *asset_checks(gold("sales_team_incentive"), MONTHS, [*model_checks(schemas.SalesTeamIncentive), WINNERS]),
    row_accounting_check(
        ENRICHED, DAYS, TRANSACTIONS, REJECTS, (PARTITION, SALES_DATE, PARTITION),
        "bronze transactions = enriched sales + rejects, per day.",
    ),  # fmt: skip
    every_file_accounted,
]
