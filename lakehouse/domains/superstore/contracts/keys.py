"""The superstore domain's asset keys, group and partitions."""

from dagster import BackfillPolicy

from lakehouse.partitions import daily

GROUP = "superstore"
# The sample data's days: what `make demo` materializes in one run, and where a sample deployment's partitions end.
DEMO_PARTITION_RANGE = ("2015-01-01", "2018-12-31")
PARTITIONS = daily("2015-01-01", sample_last_day=DEMO_PARTITION_RANGE[1])

BRONZE_LINES = ["bronze", GROUP, "order_lines"]
BRONZE_REJECTS = ["bronze", GROUP, "order_lines_rejects"]
SILVER_LINES = ["silver", GROUP, "order_lines"]
SILVER_REJECTS = ["silver", GROUP, "order_lines_rejects"]
GOLD_SALES = ["gold", GROUP, "sales"]
GOLD_CUSTOMERS = ["gold", GROUP, "customers"]

# What every daily superstore asset shares: a range is one run (single-run backfill).
DAILY = {
    "group_name": GROUP,
    "partitions_def": PARTITIONS,
    "backfill_policy": BackfillPolicy.single_run(),
}
