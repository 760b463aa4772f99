"""The shop domain's asset keys, group and partitions."""

from dagster import BackfillPolicy

from lakehouse.keys import layer_keys
from lakehouse.partitions import MONTH_DAY_FORMAT, daily, monthly

GROUP = "shop"
# The sample data's year (the months follow): what `make demo` materializes, one run per
# partitioning, and where a sample deployment's partitions end.
DEMO_PARTITION_RANGE = ("2024-01-01", "2024-12-31")
DAYS = daily("2024-01-01", sample_last_day=DEMO_PARTITION_RANGE[1])
# Keys are first days: the `month` column is a date.
MONTHS = monthly("2024-01-01", MONTH_DAY_FORMAT, sample_last_day=DEMO_PARTITION_RANGE[1])

bronze, silver, gold, _ = layer_keys(GROUP)  # no interface layer

BRONZE_REJECTS = bronze("rejects")
SILVER_REJECTS = silver("rejects")

# A range is one run (single-run backfill), for daily and for monthly assets.
DAILY = {"group_name": GROUP, "partitions_def": DAYS, "backfill_policy": BackfillPolicy.single_run()}
MONTHLY = {"group_name": GROUP, "partitions_def": MONTHS, "backfill_policy": BackfillPolicy.single_run()}
