"""The sales domain's asset keys, group, partitions and resources."""

from dagster import BackfillPolicy

from lakehouse.keys import layer_keys
from lakehouse.partitions import daily, monthly

GROUP = "sales"
# The sample files' days (the months follow): what `make demo` materializes, one run per
# partitioning, and where a sample deployment's partitions end.
DEMO_PARTITION_RANGE = ("2024-01-01", "2024-03-31")
DAYS = daily("2024-01-01", sample_last_day=DEMO_PARTITION_RANGE[1])
MONTHS = monthly("2024-01", sample_last_day=DEMO_PARTITION_RANGE[1])

bronze, silver, gold, _ = layer_keys(GROUP)  # no interface layer

TRANSACTIONS = bronze("transactions")
ENRICHED = silver("enriched_sales")
REJECTS = silver("rejects")
FILES = silver("files")  # the run's files archived, with their row counts (the ledger's view)
WRITE_BACK = gold("database_write_back")  # the monthly tables in the sales database

# A range is one run (single-run backfill), for daily and for monthly assets.
DAILY = {"group_name": GROUP, "partitions_def": DAYS, "backfill_policy": BackfillPolicy.single_run()}
MONTHLY = {"group_name": GROUP, "partitions_def": MONTHS, "backfill_policy": BackfillPolicy.single_run()}

# Resources: the drop folder of store files (with its ledger), the dimension tables, the database.
DROP = "sales_files"
SOURCE = "sales_source"
DATABASE = "sales_database"  # where the monthly tables are written back (LAKEHOUSE_SALES_DB_URL)
