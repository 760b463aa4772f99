"""The superstore checks: schemas, unique keys, count ordering and row accounting."""

from dagster import AssetCheckSeverity

from lakehouse.domains.superstore.contracts import schemas
from lakehouse.domains.superstore.contracts.keys import (
    BRONZE_LINES,
    GOLD_CUSTOMERS,
    GOLD_SALES,
    PARTITIONS,
    SILVER_LINES,
    SILVER_REJECTS,
)
from lakehouse.quality.checks import Check, asset_checks, row_accounting_check
from lakehouse.quality.rules import conforms_to, mean_below, no_duplicates, rows_satisfy

COUNTS_ORDERED = (
    "orders_last_1m <= orders_last_6m AND orders_last_6m <= orders_last_12m "
    "AND orders_last_12m <= orders_lifetime"
)

silver_row_accounting = row_accounting_check(
    SILVER_LINES, PARTITIONS, BRONZE_LINES, SILVER_REJECTS, ("partition_date", "order_date", "partition_date"),
    "bronze rows = silver rows + rejected rows + duplicates removed, per day.",
    name="silver_row_accounting", dedup_column="_duplicates_removed",
)  # fmt: skip


SILVER_CHECKS = [
    Check("schema", "Types, nullability, ranges and allowed values.", conforms_to(schemas.SilverOrderLine)),
    Check(
        "mean_sales_per_day_below_100k",
        "Average line revenue per day stays below 100,000 (an outlier warning).",
        mean_below("sales", 100_000, group_by=["order_date"]),
        blocking=False,
        severity=AssetCheckSeverity.WARN,
    ),
]
SALES_CHECKS = [
    Check("schema", "Exactly the spec's columns and types.", conforms_to(schemas.GoldSale)),
    Check("order_id_unique", "One row per order.", no_duplicates(["order_id"])),
]
CUSTOMER_CHECKS = [
    Check("schema", "Exactly the spec's columns and types.", conforms_to(schemas.GoldCustomer)),
    Check(
        "customer_id_unique",
        "One row per customer and as-of date.",
        no_duplicates(["as_of_date", "customer_id"]),
    ),
    Check(
        "order_counts_ordered",
        "orders_last_1m <= orders_last_6m <= orders_last_12m <= orders_lifetime.",
        rows_satisfy(COUNTS_ORDERED, ["as_of_date", "customer_id"]),
    ),
]

CHECKS = [
    silver_row_accounting,
    *asset_checks(SILVER_LINES, PARTITIONS, SILVER_CHECKS),
    *asset_checks(GOLD_SALES, PARTITIONS, SALES_CHECKS),
    *asset_checks(GOLD_CUSTOMERS, PARTITIONS, CUSTOMER_CHECKS),
]
