"""The shop domain's asset keys, group and partitions."""

from dagster import BackfillPolicy

from lakehouse.keys import layer_keys
from lakehouse.partitions import MONTH_DAY_FORMAT, daily, monthly

GROUP = "shop"
DAYS = daily("2024-01-01")
MONTHS = monthly("2024-01-01", MONTH_DAY_FORMAT)  # keys are first days: the `month` column is a date

bronze, silver, gold, _ = layer_keys(GROUP)  # no interface layer

BRONZE_REJECTS = bronze("rejects")
SILVER_REJECTS = silver("rejects")

# A range is one run (single-run backfill), for daily and for monthly assets.
DAILY = {"group_name": GROUP, "partitions_def": DAYS, "backfill_policy": BackfillPolicy.single_run()}
MONTHLY = {"group_name": GROUP, "partitions_def": MONTHS, "backfill_policy": BackfillPolicy.single_run()}
