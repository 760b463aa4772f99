"""Gold: the customer and sales-team data marts, and the monthly purchases and incentives."""

from dagster import AssetIn, asset
from pyspark.sql import DataFrame

from lakehouse.domains.sales.contracts.columns import SALES_DATE, SALES_MONTH
from lakehouse.domains.sales.contracts.keys import DAILY, ENRICHED, MONTHLY, gold
from lakehouse.domains.sales.transforms import gold as transforms
from lakehouse.partitions import committed_days
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, SUBPARTITIONS

_KINDS = {"spark", "parquet"}


@asset(key=gold("customer_data_mart"), ins={"enriched": AssetIn(key=ENRICHED)}, **DAILY,
       metadata={PARTITION_EXPR: SALES_DATE}, kinds=_KINDS)  # fmt: skip
def customer_data_mart(enriched: DataFrame) -> DataFrame:
    """Events: one row per sale with the customer's name, address and phone."""
    return transforms.customer_data_mart(enriched)


@asset(key=gold("sales_team_data_mart"), ins={"enriched": committed_days(ENRICHED)}, **MONTHLY,
       metadata={PARTITION_EXPR: SALES_MONTH, SUBPARTITIONS: ["store_id"]}, kinds=_KINDS)  # fmt: skip
def sales_team_data_mart(enriched: DataFrame) -> DataFrame:
    """Events: one row per sale with the salesperson and store manager, by month and store folder."""
    return transforms.sales_team_data_mart(enriched)


@asset(key=gold("customer_monthly_purchase"), ins={"enriched": committed_days(ENRICHED)}, **MONTHLY,
       metadata={PARTITION_EXPR: SALES_MONTH}, kinds=_KINDS)  # fmt: skip
def customer_monthly_purchase(enriched: DataFrame) -> DataFrame:
    """Periodic snapshot: each customer's total spending in the month."""
    return transforms.customer_monthly_purchase(enriched)


@asset(key=gold("sales_team_incentive"), ins={"enriched": committed_days(ENRICHED)}, **MONTHLY,
       metadata={PARTITION_EXPR: SALES_MONTH}, kinds=_KINDS)  # fmt: skip
def sales_team_incentive(enriched: DataFrame) -> DataFrame:
    """Periodic snapshot: each salesperson's monthly sales; the store's top seller earns 1%."""
    return transforms.sales_team_incentive(enriched)
