"""Interface: the two stakeholder reports, plain Parquet tables any SQL engine can query."""

from dagster import AssetIn, asset
from pyspark.sql import DataFrame

from lakehouse.domains.rainforest.transforms import metrics
from lakehouse.domains.rainforest.contracts.keys import DAILY, gold, interface
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR

REPORT = {**DAILY, "metadata": {PARTITION_EXPR: "Date"}, "kinds": {"parquet"}}


@asset(key=interface("daily_category_report"), ins={"daily": AssetIn(key=gold("daily_category_metrics"))}, **REPORT)
def daily_category_report(daily: DataFrame) -> DataFrame:
    """Date, Product Category, Mean Revenue, Median Revenue: the category report for stakeholders."""
    return metrics.daily_category_report(daily)


@asset(key=interface("daily_order_report"), ins={"daily": AssetIn(key=gold("daily_order_metrics"))}, **REPORT)
def daily_order_report(daily: DataFrame) -> DataFrame:
    """Date, Revenue, Mean Revenue: the daily order report for stakeholders."""
    return metrics.daily_order_report(daily)
