"""The superstore checks: each table's as its pandera model declares them, and row accounting."""

from lakehouse.domains.superstore.contracts import schemas
from lakehouse.domains.superstore.contracts.keys import (
    BRONZE_LINES,
    GOLD_CUSTOMERS,
    GOLD_SALES,
    PARTITIONS,
    SILVER_LINES,
    SILVER_REJECTS,
)
from lakehouse.quality.checks import asset_checks, model_checks, row_accounting_check

silver_row_accounting = row_accounting_check(
    SILVER_LINES, PARTITIONS, BRONZE_LINES, SILVER_REJECTS, ("partition_date", "order_date", "partition_date"),
    "bronze rows = silver rows + rejected rows + duplicates removed, per day.",
    name="silver_row_accounting", dedup_column="_duplicates_removed",
)  # fmt: skip

SILVER_CHECKS = model_checks(schemas.SilverOrderLine)
SALES_CHECKS = model_checks(schemas.GoldSale)
CUSTOMER_CHECKS = model_checks(schemas.GoldCustomer)

CHECKS = [
    silver_row_accounting,
    *asset_checks(SILVER_LINES, PARTITIONS, SILVER_CHECKS),
    *asset_checks(GOLD_SALES, PARTITIONS, SALES_CHECKS),
    *asset_checks(GOLD_CUSTOMERS, PARTITIONS, CUSTOMER_CHECKS),
]
