"""Bronze: the store files of the run's days, taken in from the drop folder (refused ones quarantined)."""

from datetime import datetime, timezone

from dagster import AssetExecutionContext, asset
from pyspark.sql import DataFrame

from lakehouse.domains.sales.contracts.columns import PARTITION
from lakehouse.domains.sales.contracts.keys import DAILY, DROP, TRANSACTIONS
from lakehouse.domains.sales.files import run_days, store_files
from lakehouse.domains.sales.transforms.bronze import to_bronze
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.spark import SparkResource


@asset(
    key=TRANSACTIONS,
    **DAILY,
    metadata={PARTITION_EXPR: PARTITION},
    kinds={"spark", "parquet"},
    required_resource_keys={"spark", DROP},
)
def bronze_transactions(context: AssetExecutionContext) -> DataFrame:
    """Events: every row of the store files naming the run's days, as text, with its file and intake time."""
    drop = store_files(context)
    report = drop.intake(datetime.now(timezone.utc))
    context.log.info(f"intake of {drop.incoming}: {report.summary()}")
    days = run_days(context)
    taken, completed, left = drop.take(days)
    if left:
        context.log.info(f"{len(left)} received file(s) name days outside this run, left for a later run: "
                         f"{[e.file_name for e in left[:10]]}")  # fmt: skip
    context.log.info(f"reading {len(taken)} new and {len(completed)} earlier file(s) of {days[0]}...{days[-1]}")
    entries = taken + completed
    files = [(str(drop.path(e)), e.file_name, e.file_id, e.first_seen_at, e.days[0]) for e in entries]
    headers = {str(drop.path(e)): drop.header(e) for e in entries}  # read through the drop: local or S3
    spark: SparkResource = context.resources.spark
    return to_bronze(spark.spark_session, files, days, headers)
