"""Sales: store files validated, quarantined or archived, enriched, and paid out as a 1% incentive."""

from dagster import Definitions

from lakehouse.domains.sales import bronze, gold, silver
from lakehouse.domains.sales.checks import CHECKS
from lakehouse.domains.sales.contracts import keys
from lakehouse.domains.sales.contracts.keys import DATABASE, DROP, SOURCE
from lakehouse.domains.sales.contracts.upstream import FOLDER, SCHEMA
from lakehouse.domains.sales.files import open_drop
from lakehouse.domains.sales.jobs import (
    sales_daily,
    sales_daily_schedule,
    sales_files_sensor,
    sales_monthly,
    sales_monthly_sensor,
)

defs = Definitions(
    assets=[
        bronze.bronze_transactions,
        silver.sales_silver,
        silver.sales_files,
        gold.customer_data_mart,
        gold.sales_team_data_mart,
        gold.customer_monthly_purchase,
        gold.sales_team_incentive,
        gold.database_write_back,
    ],
    asset_checks=CHECKS,
    jobs=[sales_daily, sales_monthly],
    schedules=[sales_daily_schedule],
    sensors=[sales_files_sensor, sales_monthly_sensor],
)

# The dimension tables: the sales database when LAKEHOUSE_SALES_DB_URL is set, else their CSV exports.
SOURCE_RESOURCE = SOURCE
SOURCE_SCHEMA = SCHEMA
SOURCE_FOLDER = FOLDER
DATABASE_RESOURCE = DATABASE  # the monthly tables written back there, when LAKEHOUSE_SALES_DB_URL is set
# The drop folder of store files (landing/sales/) and the ledger's table and days column.
DROP_RESOURCE = DROP
LEDGER = {"ledger_table": "sales_file_ledger", "days_column": "sales_dates"}
# What shows sample data is in place (the files to process come and go).
LANDING_FILES = "dimensions/*.csv"


def waiting_days(drop) -> list[str]:
    """The days named by the files waiting in the drop folder (`lakehouse run sales` covers them)."""
    return sorted({day for _, _, days in open_drop(drop).waiting() for day in days})


# What `make demo` materializes: the sample data's days (a sample deployment's partitions end there too).
DEMO_PARTITION_RANGE = keys.DEMO_PARTITION_RANGE
