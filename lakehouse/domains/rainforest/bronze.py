"""Bronze: the app database's 13 tables, extracted per day from PostgreSQL or the CSV exports."""

from datetime import datetime, timezone
from functools import reduce

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    RetryRequested,
    asset,
)
from pyspark.sql import DataFrame

from lakehouse.domains.rainforest.contracts.columns import PARTITION
from lakehouse.domains.rainforest.transforms.extract import extract_events, extract_versions, unplaceable
from lakehouse.domains.rainforest.contracts.keys import BRONZE_REJECTS, DAILY, GROUP, SOURCE, bronze
from lakehouse.domains.rainforest.contracts.upstream import EVENT, TABLES, Table
from lakehouse.partitions import previous_state
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.resources.sources import SourceError, TableSource, utc_naive
from lakehouse.resources.spark import SparkResource
from lakehouse.versioning import VALID_FROM

# A refused or timed-out connection is often a database restart: retry a few times, spaced out.
# Wrong credentials or a missing table are not transient and fail at once.
RETRIES = 3
RETRY_WAIT_SECONDS = 20


def _from_source(context: AssetExecutionContext, build):
    """Run `build()`, turning source errors into a Dagster retry (transient) or a clear failure."""
    try:
        return build()
    except SourceError as error:
        if error.transient:
            context.log.warning(f"{error}; retrying in {RETRY_WAIT_SECONDS} s")
            raise RetryRequested(max_retries=RETRIES, seconds_to_wait=RETRY_WAIT_SECONDS) from error
        raise Failure(description=str(error)) from error


def _run_window(context: AssetExecutionContext, source: TableSource, table: Table):
    window = context.partition_time_window
    start, end = utc_naive(window.start), utc_naive(window.end)
    context.log.info(f"extracting {table.name} {start:%Y-%m-%d}...{end:%Y-%m-%d} from {source.describe()}")
    return start, end, utc_naive(datetime.now(timezone.utc))


def _event_asset(table: Table) -> AssetsDefinition:
    @asset(
        key=bronze(table.name),
        description=f"Events: upstream `{table.name}` rows as extracted, in the day of their `{table.time_column}`.",
        **DAILY,
        metadata={PARTITION_EXPR: PARTITION},
        kinds={"spark", "parquet"},
        required_resource_keys={"spark", SOURCE},
    )
    def _asset(context: AssetExecutionContext) -> DataFrame:
        spark: SparkResource = context.resources.spark
        source: TableSource = getattr(context.resources, SOURCE)
        start, end, extracted_at = _run_window(context, source, table)
        return _from_source(context, lambda: extract_events(source, spark.spark_session, table, start, end, extracted_at))

    return _asset


def _state_asset(table: Table) -> AssetsDefinition:
    spec = table.versioned
    how = f"by `{spec.changed_at or spec.created_at}`" if spec.by_timestamp else "by comparing each day's export"
    @asset(
        key=bronze(table.name),
        description=f"Versioned state: upstream `{table.name}` rows new, changed or gone on each day ({how}).",
        **DAILY,
        ins={"history": previous_state(bronze(table.name))},
        metadata={PARTITION_EXPR: VALID_FROM, VERSIONED: list(spec.key)},
        kinds={"spark", "parquet"},
        required_resource_keys={"spark", SOURCE},
    )
    def _asset(context: AssetExecutionContext, history: DataFrame | None) -> DataFrame:
        spark: SparkResource = context.resources.spark
        source: TableSource = getattr(context.resources, SOURCE)
        start, end, extracted_at = _run_window(context, source, table)
        return _from_source(
            context, lambda: extract_versions(source, spark.spark_session, table, start, end, extracted_at, history)
        )

    return _asset


def _bronze_asset(table: Table) -> AssetsDefinition:
    return _event_asset(table) if table.kind == EVENT else _state_asset(table)


BRONZE_TABLES = [_bronze_asset(table) for table in TABLES.values()]


@asset(
    key=BRONZE_REJECTS,
    group_name=GROUP,
    backfill_policy=BackfillPolicy.single_run(),  # lets CLI partition ranges include it
    kinds={"spark", "parquet"},
    required_resource_keys={"spark", SOURCE},
)
def bronze_rejects(context: AssetExecutionContext) -> DataFrame:
    """Upstream rows no day can hold (untypeable values, no timestamp, malformed), with the reason."""
    spark: SparkResource = context.resources.spark
    source: TableSource = getattr(context.resources, SOURCE)
    extracted_at = utc_naive(datetime.now(timezone.utc))
    frames = _from_source(
        context,
        lambda: [unplaceable(source, spark.spark_session, t, extracted_at) for t in TABLES.values()],
    )
    return reduce(DataFrame.unionByName, frames)
