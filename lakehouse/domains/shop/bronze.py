"""Bronze: the shop's four landing entities as text, each row in its day; the rows no day can hold."""

from datetime import datetime, timezone
from functools import reduce

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, asset
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.shop.contracts.keys import BRONZE_REJECTS, DAILY, GROUP, bronze
from lakehouse.domains.shop.contracts.landing import COLUMNS, ENTITIES, EXTRA, PARTITION, PLACED_BY
from lakehouse.domains.shop.transforms.bronze import to_bronze
from lakehouse.resources.landing import LandingFiles
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.spark import SparkResource


def _landed(spark: SparkResource, landing: LandingFiles, entity: str) -> DataFrame:
    return landing.read_csv(spark.spark_session, GROUP, f"{entity}/*.csv", fold=(COLUMNS[entity], EXTRA))


def _split(spark: SparkResource, landing: LandingFiles, entity: str):
    orders = _landed(spark, landing, "orders") if entity == "order_items" else None
    return to_bronze(_landed(spark, landing, entity), entity, datetime.now(timezone.utc), orders)


def _entity_asset(entity: str) -> AssetsDefinition:
    column = PARTITION[entity]

    @asset(
        key=bronze(entity),
        description=f"Events: landing `{entity}` rows as text with their file and intake time, in the day of "
        f"{'their order' if entity == 'order_items' else f'`{PLACED_BY[entity]}`'} (`{column}`).",
        **DAILY,
        metadata={PARTITION_EXPR: column},
        kinds={"spark", "parquet"},
    )
    def _asset(context: AssetExecutionContext, spark: SparkResource, landing: LandingFiles) -> DataFrame:
        window = context.partition_time_window
        placed, _ = _split(spark, landing, entity)
        day = F.col(column)
        return placed.where((day >= F.lit(window.start.date())) & (day < F.lit(window.end.date())))

    return _asset


BRONZE_TABLES = [_entity_asset(entity) for entity in ENTITIES]


@asset(
    key=BRONZE_REJECTS,
    group_name=GROUP,
    backfill_policy=BackfillPolicy.single_run(),  # lets CLI partition ranges include it
    kinds={"spark", "parquet"},
)
def bronze_rejects(spark: SparkResource, landing: LandingFiles) -> DataFrame:
    """Landing rows no day can hold (missing column, malformed line, unparseable time, undated item), with the reason."""
    return reduce(DataFrame.unionByName, [_split(spark, landing, entity)[1] for entity in ENTITIES])
