"""Finance: a bank's PostgreSQL tables (or their CSV exports) and device/fraud documents to a star schema, PII hashed."""

from dagster import Definitions

from lakehouse.domains.finance import bronze, gold, silver
from lakehouse.domains.finance.checks import CHECKS
from lakehouse.domains.finance.contracts import keys
from lakehouse.domains.finance.contracts.keys import PII, SOURCE
from lakehouse.domains.finance.contracts.upstream import SCHEMA
from lakehouse.domains.finance.jobs import finance_daily, finance_daily_schedule

defs = Definitions(
    assets=[
        *bronze.BRONZE_TABLES,
        bronze.bronze_rejects,
        silver.silver_customers,
        silver.silver_accounts,
        silver.finance_silver,
        gold.dim_dates,
        gold.dim_customers,
        gold.dim_accounts,
        gold.fact_transactions,
        gold.customer_transaction_totals,
    ],
    asset_checks=CHECKS,
    jobs=[finance_daily],
    schedules=[finance_daily_schedule],
)

# The resource key bronze reads the bank's tables through, and the database schema that holds them.
SOURCE_RESOURCE = SOURCE
SOURCE_SCHEMA = SCHEMA
# The resource key of the secret for keyed hashes of PII (LAKEHOUSE_PII_KEY).
PII_RESOURCE = PII

# What shows sample data is in place: the table exports.
LANDING_FILES = "*.csv"
# What `make demo` materializes: the sample data's days (a sample deployment's partitions end there too).
DEMO_PARTITION_RANGE = keys.DEMO_PARTITION_RANGE
