"""Silver: typed, cleaned and de-duplicated order lines, with rejects kept beside them."""

from dagster import AssetIn, AssetOut, multi_asset
from pyspark.sql import DataFrame

from lakehouse.domains.superstore.contracts.keys import (
    BRONZE_LINES,
    DAILY,
    SILVER_LINES,
    SILVER_REJECTS,
)
from lakehouse.domains.superstore.transforms import to_silver
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR


@multi_asset(
    outs={
        "order_lines": AssetOut(
            key=SILVER_LINES,
            description="Typed order lines: exact duplicates collapsed to the smallest row_id.",
            metadata={PARTITION_EXPR: "order_date"},
            kinds={"spark", "parquet"},
        ),
        "rejects": AssetOut(
            key=SILVER_REJECTS,
            description="Bronze lines that fail silver's rules, as received, with the reasons.",
            metadata={PARTITION_EXPR: "partition_date"},
            kinds={"spark", "parquet"},
        ),
    },
    ins={"bronze": AssetIn(key=BRONZE_LINES)},
    **DAILY,
)
def silver_order_lines(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Type, validate and de-duplicate the day's bronze lines."""
    return to_silver(bronze)
