"""Pure PySpark transformations of the superstore domain (DataFrame in, DataFrame out)."""

from lakehouse.domains.superstore.transforms.bronze import to_bronze
from lakehouse.domains.superstore.contracts.columns import BUSINESS_COLUMNS, SOURCE_HEADER, snake_case
from lakehouse.domains.superstore.transforms.gold import GOLD_SALES_COLUMNS, to_gold_sales
from lakehouse.domains.superstore.transforms.silver import SILVER_COLUMNS, to_silver
from lakehouse.domains.superstore.transforms.snapshot import SNAPSHOT_COLUMNS, to_customers_snapshot

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
