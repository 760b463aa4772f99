"""Bronze: the bank's three tables extracted per day (PostgreSQL or CSV exports), the event documents, the rows no day can hold."""

from datetime import datetime, timezone

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, Failure, asset
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.domains.finance.contracts.keys import BRONZE_REJECTS, DAILY, GROUP, PII, SOURCE, bronze
from lakehouse.domains.finance.contracts.upstream import EVENT_FILES, EVENT_PARTITION, EVENTS, TABLES, Table
from lakehouse.domains.finance.transforms import bronze as build
from lakehouse.resources.landing import LandingFiles
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.sources import SourceError, TableSource, utc_naive
from lakehouse.resources.spark import SparkResource

_KINDS = {"spark", "parquet"}
# Every bronze step needs the PII key although bronze keeps raw values: a run without the key
# fails at its first step, before any data is read, not after bronze has landed a day.
_RESOURCES = {"spark", SOURCE, PII, "landing"}


def _now() -> datetime:
    return utc_naive(datetime.now(timezone.utc))


def _read(build_frame):
    """Run `build_frame()`, turning a source error into a clear failure (the message says what to set)."""
    try:
        return build_frame()
    except SourceError as error:
        raise Failure(description=str(error)) from error


def _table_asset(table: Table) -> AssetsDefinition:
    @asset(
        key=bronze(table.name),
        description=f"Events: upstream `{table.name}` rows (every version) as extracted, in the day of `{table.time}`.",
        **DAILY,
        metadata={PARTITION_EXPR: table.partition},
        kinds=_KINDS,
        required_resource_keys=_RESOURCES,
    )
    def _asset(context: AssetExecutionContext) -> DataFrame:
        spark: SparkResource = context.resources.spark
        source: TableSource = getattr(context.resources, SOURCE)
        window = context.partition_time_window
        start, end = utc_naive(window.start), utc_naive(window.end)
        context.log.info(f"extracting {table.name} {start:%Y-%m-%d}...{end:%Y-%m-%d} from {source.describe()}")
        return _read(lambda: build.extract(source, spark.spark_session, table, start, end, _now()))

    return _asset


def _event_lines(spark: SparkSession, landing: LandingFiles):
    return landing.read_lines(spark, GROUP, EVENT_FILES)


@asset(
    key=bronze(EVENTS),
    **DAILY,
    metadata={PARTITION_EXPR: EVENT_PARTITION},
    kinds={"spark", "parquet", "json"},
    required_resource_keys=_RESOURCES,
)
def bronze_events(context: AssetExecutionContext) -> DataFrame:
    """Events: device and fraud documents (fields as written, and the line), in the day of their `event_ts`."""
    spark = context.resources.spark.spark_session
    lines = _event_lines(spark, context.resources.landing)
    window = context.partition_time_window
    if lines is None:
        context.log.warning(f"no {EVENT_FILES} files in {context.resources.landing.folder(GROUP)}: no events")
        return spark.createDataFrame([], build.event_schema())
    day = F.col(EVENT_PARTITION)
    return build.events(lines, _now()).where((day >= F.lit(window.start.date())) & (day < F.lit(window.end.date())))


BRONZE_TABLES = [*(_table_asset(table) for table in TABLES.values()), bronze_events]


@asset(
    key=BRONZE_REJECTS,
    group_name=GROUP,
    backfill_policy=BackfillPolicy.single_run(),  # lets CLI partition ranges include it
    kinds=_KINDS,
    required_resource_keys=_RESOURCES,
)
def bronze_rejects(context: AssetExecutionContext) -> DataFrame:
    """Rows and event lines no day can hold (a value its type cannot take, no time, not JSON), with the reason."""
    spark = context.resources.spark.spark_session
    rows = _read(lambda: build.unplaceable(getattr(context.resources, SOURCE), spark, _now()))
    lines = _event_lines(spark, context.resources.landing)
    return rows if lines is None else rows.unionByName(build.unplaceable_events(lines, _now()))
