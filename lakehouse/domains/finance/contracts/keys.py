"""The finance domain's asset keys, group, partitions and resource keys."""

from dagster import BackfillPolicy

from lakehouse.keys import layer_keys
from lakehouse.partitions import daily

GROUP = "finance"
# The sample data's year: what `make demo` materializes in one run, and where a sample deployment's partitions end.
DEMO_PARTITION_RANGE = ("2024-01-01", "2024-12-31")
DAYS = daily("2024-01-01", sample_last_day=DEMO_PARTITION_RANGE[1])
SOURCE = "finance_source"  # the bank's tables: PostgreSQL (LAKEHOUSE_FINANCE_DB_URL) or their CSV exports
PII = "pii_key"  # the secret of the keyed hashes (LAKEHOUSE_PII_KEY)

bronze, silver, gold, _ = layer_keys(GROUP)  # no interface layer

BRONZE_REJECTS = bronze("rejects")
SILVER_REJECTS = silver("rejects")

# A range is one run (single-run backfill).
DAILY = {"group_name": GROUP, "partitions_def": DAYS, "backfill_policy": BackfillPolicy.single_run()}
