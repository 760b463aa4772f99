"""The rainforest domain's asset keys, group and partitions."""

from dagster import BackfillPolicy

from lakehouse.keys import layer_keys
from lakehouse.partitions import daily

GROUP = "rainforest"
# The sample data's year: what `make demo` materializes in one run, and where a sample deployment's partitions end.
DEMO_PARTITION_RANGE = ("2024-01-01", "2024-12-31")
PARTITIONS = daily("2024-01-01", sample_last_day=DEMO_PARTITION_RANGE[1])

bronze, silver, gold, interface = layer_keys(GROUP)

BRONZE_REJECTS = bronze("rejects")

# What every daily rainforest asset shares: a range is one run (single-run backfill).
DAILY = {
    "group_name": GROUP,
    "partitions_def": PARTITIONS,
    "backfill_policy": BackfillPolicy.single_run(),
}

# The resource that serves the upstream tables: PostgreSQL when LAKEHOUSE_RAINFOREST_DB_URL is
# set, the CSV exports under $LAKEHOUSE_HOME/landing/rainforest/ otherwise.
SOURCE = "rainforest_source"
