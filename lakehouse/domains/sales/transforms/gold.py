"""Enriched sales -> the two data marts and the two monthly tables (customer purchases, incentives)."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.domains.sales.contracts.columns import (
    CUSTOMER_DATA_MART,
    CUSTOMER_MONTHLY_PURCHASE,
    SALES_MONTH,
    SALES_TEAM_DATA_MART,
    SALES_TEAM_INCENTIVE,
)

INCENTIVE_RATE = 0.01  # the month's top salesperson of each store earns 1% of their sales
MONEY = "decimal(14,2)"


def customer_data_mart(enriched: DataFrame) -> DataFrame:
    """One row per sale with the customer's details."""
    return enriched.select(*CUSTOMER_DATA_MART)


def sales_team_data_mart(enriched: DataFrame) -> DataFrame:
    """One row per sale with the salesperson's details and the store's manager."""
    return enriched.select(*SALES_TEAM_DATA_MART)


def _total(column: str = "total_cost") -> F.Column:
    return F.round(F.sum(column), 2).cast(MONEY).alias("total_sales")


def customer_monthly_purchase(enriched: DataFrame) -> DataFrame:
    """Each customer's spending per month (the customer's attributes are one per id: grouped by)."""
    full_name = F.concat_ws(" ", "first_name", "last_name").alias("full_name")
    grouped = enriched.groupBy("customer_id", full_name, "address", "phone_number", SALES_MONTH).agg(_total())
    return grouped.select(*CUSTOMER_MONTHLY_PURCHASE)


def sales_team_incentive(enriched: DataFrame) -> DataFrame:
    """Per store and month, each salesperson's sales; rank 1 by sales (ties all win) earns 1%, the others 0."""
    full_name = F.concat_ws(" ", "sales_person_first_name", "sales_person_last_name").alias("full_name")
    totals = enriched.groupBy("store_id", "sales_person_id", full_name, SALES_MONTH).agg(_total())
    rank = F.rank().over(Window.partitionBy("store_id", SALES_MONTH).orderBy(F.col("total_sales").desc()))
    incentive = F.when(rank == 1, F.round(F.col("total_sales") * F.lit(INCENTIVE_RATE), 2)).otherwise(F.lit(0))
    return totals.withColumn("incentive", incentive.cast(MONEY)).select(*SALES_TEAM_INCENTIVE)
