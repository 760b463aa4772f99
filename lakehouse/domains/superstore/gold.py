"""Gold: one row per order, and the daily customer snapshot with recency counts."""


from dagster import AssetExecutionContext, AssetIn, asset
from pyspark.sql import DataFrame

from lakehouse.domains.superstore.contracts.keys import (
    GOLD_CUSTOMERS,
    GOLD_SALES,
    DAILY,
    SILVER_LINES,
)
from lakehouse.domains.superstore.transforms import to_customers_snapshot, to_gold_sales
from lakehouse.partitions import lookback, previous_state, run_days
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.snapshots import AS_OF_DATE

# add_months(D, -12) is at most 366 days back; one more day anchors the running counts.
SNAPSHOT_LOOKBACK_DAYS = 367


@asset(
    key=GOLD_SALES,
    ins={"lines": AssetIn(key=SILVER_LINES)},
    **DAILY,
    metadata={PARTITION_EXPR: "order_date"},
    kinds={"spark", "parquet"},
)
def gold_sales(lines: DataFrame) -> DataFrame:
    """One row per order: date, shipment date and mode, city and customer."""
    return to_gold_sales(lines)


@asset(
    key=GOLD_CUSTOMERS,
    ins={
        "lines": lookback(SILVER_LINES, SNAPSHOT_LOOKBACK_DAYS),
        "previous": previous_state(GOLD_CUSTOMERS),
    },
    **DAILY,
    metadata={PARTITION_EXPR: AS_OF_DATE},
    kinds={"spark", "parquet"},
)
def gold_customers(
    context: AssetExecutionContext, lines: DataFrame, previous: DataFrame | None
) -> DataFrame:
    """Periodic snapshot: per day, each customer's latest attributes and distinct orders in 1/6/12 months and lifetime."""
    # Built from the previous day's snapshot plus a 12-month window, so a day's cost does not
    # grow with history.
    return to_customers_snapshot(lines, previous, *run_days(context))
