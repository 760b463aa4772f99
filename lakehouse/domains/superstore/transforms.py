"""Pure PySpark transformations of the superstore domain (DataFrame in, DataFrame out)."""

from lakehouse.domains.superstore.bronze_rules import to_bronze
from lakehouse.domains.superstore.columns import BUSINESS_COLUMNS, SOURCE_HEADER, snake_case
from lakehouse.domains.superstore.gold_rules import GOLD_SALES_COLUMNS, to_gold_sales
from lakehouse.domains.superstore.silver_rules import SILVER_COLUMNS, to_silver
from lakehouse.domains.superstore.snapshot import SNAPSHOT_COLUMNS, to_customers_snapshot

__all__ = [
    "BUSINESS_COLUMNS",
    "GOLD_SALES_COLUMNS",
    "SILVER_COLUMNS",
    "SNAPSHOT_COLUMNS",
    "SOURCE_HEADER",
    "snake_case",
    "to_bronze",
    "to_customers_snapshot",
    "to_gold_sales",
    "to_silver",
]
