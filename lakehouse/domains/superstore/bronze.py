"""Bronze: landing CSV lines kept verbatim, placed in the day of their order date."""

from datetime import datetime, timezone

from dagster import AssetExecutionContext, BackfillPolicy, asset
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.superstore.contracts.keys import BRONZE_LINES, BRONZE_REJECTS, DAILY, GROUP
from lakehouse.domains.superstore.transforms import to_bronze
from lakehouse.resources.landing import LandingFiles
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.spark import SparkResource


def _landing_split(spark: SparkResource, landing: LandingFiles) -> tuple[DataFrame, DataFrame]:
    raw = landing.read_csv(spark.spark_session, GROUP)
    return to_bronze(raw, ingested_at=datetime.now(timezone.utc))


@asset(
    key=BRONZE_LINES,
    **DAILY,
    metadata={PARTITION_EXPR: "partition_date"},
    kinds={"spark", "parquet"},
)
def bronze_order_lines(
    context: AssetExecutionContext, spark: SparkResource, landing: LandingFiles
) -> DataFrame:
    """Landing order lines as text, with source file and ingestion time, by parsed order date."""
    window = context.partition_time_window
    placed, _ = _landing_split(spark, landing)
    day = F.col("partition_date")
    return placed.filter((day >= F.lit(window.start.date())) & (day < F.lit(window.end.date())))


@asset(
    key=BRONZE_REJECTS,
    group_name=GROUP,
    backfill_policy=BackfillPolicy.single_run(),  # lets CLI partition ranges include it
    kinds={"spark", "parquet"},
)
def bronze_order_lines_rejects(spark: SparkResource, landing: LandingFiles) -> DataFrame:
    """Landing lines that cannot be placed in a day (bad order date, missing column, malformed), with a reason."""
    _, rejects = _landing_split(spark, landing)
    return rejects
