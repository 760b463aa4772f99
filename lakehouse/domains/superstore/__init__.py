"""Superstore: Kaggle-format retail order lines to order and customer-recency gold tables."""

from dagster import Definitions

from lakehouse.domains.superstore import bronze, gold, silver
from lakehouse.domains.superstore.checks import CHECKS
from lakehouse.domains.superstore.contracts import keys
from lakehouse.domains.superstore.jobs import superstore_daily, superstore_daily_schedule

defs = Definitions(
    assets=[
        bronze.bronze_order_lines,
        bronze.bronze_order_lines_rejects,
        silver.silver_order_lines,
        gold.gold_sales,
        gold.gold_customers,
    ],
    asset_checks=CHECKS,
    jobs=[superstore_daily],
    schedules=[superstore_daily_schedule],
)
# What `make demo` materializes: the sample data's days (a sample deployment's partitions end there too).
DEMO_PARTITION_RANGE = keys.DEMO_PARTITION_RANGE
