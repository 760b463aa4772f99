"""The superstore domain's asset keys, group and partitions."""

from dagster import BackfillPolicy

from lakehouse.partitions import daily

GROUP = "superstore"
PARTITIONS = daily("2015-01-01")

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
