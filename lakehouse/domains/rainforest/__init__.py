"""Rainforest: a marketplace app database (PostgreSQL or its CSV exports) to daily revenue reports."""

from dagster import Definitions

from lakehouse.domains.rainforest import bronze, gold, interface, silver
from lakehouse.domains.rainforest.checks import CHECKS
from lakehouse.domains.rainforest.contracts import keys
from lakehouse.domains.rainforest.jobs import rainforest_daily, rainforest_daily_schedule
from lakehouse.domains.rainforest.contracts.keys import SOURCE
from lakehouse.domains.rainforest.contracts.upstream import SCHEMA

defs = Definitions(
    assets=[
        *bronze.BRONZE_TABLES,
        bronze.bronze_rejects,
        silver.silver_dimensions,
        silver.silver_facts,
        gold.wide_orders,
        gold.wide_order_items,
        gold.daily_category_metrics,
        gold.daily_order_metrics,
        interface.daily_category_report,
        interface.daily_order_report,
    ],
    asset_checks=CHECKS,
    jobs=[rainforest_daily],
    schedules=[rainforest_daily_schedule],
)

# The resource key bronze reads the app tables through, and the database schema that holds them.
SOURCE_RESOURCE = SOURCE
SOURCE_SCHEMA = SCHEMA
# What `make demo` materializes: the sample data's days (a sample deployment's partitions end there too).
DEMO_PARTITION_RANGE = keys.DEMO_PARTITION_RANGE
