"""Daily facts -> monthly KPIs: category performance, the top products per category, orders per customer.

A month's run reads that month's days of `fact_sales` (the monthly partition mapping) and the
dimensions' histories, to name each fact's product and customer through its version's key.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

MONTH = "month"  # the month's first day (a date), the monthly partition column
TOP = 10


def _monthly(facts: DataFrame) -> DataFrame:
    return facts.withColumn(MONTH, F.trunc("order_date", "month"))


def _named(facts: DataFrame, products: DataFrame) -> DataFrame:
    """Each fact with its product version's id and category (a key names exactly one version)."""
    versions = products.select("product_key", "product_id", "category").distinct()
    return _monthly(facts).join(versions, "product_key")


def category_performance(facts: DataFrame, products: DataFrame) -> DataFrame:
    """Per month and category: orders, items, net revenue, profit and margin."""
    grouped = _named(facts, products).groupBy(MONTH, "category").agg(
        F.countDistinct("order_id").alias("orders"),
        F.sum("quantity").cast("long").alias("items"),
        F.sum("net_revenue").cast("decimal(14,2)").alias("net_revenue"),
        F.sum("profit").cast("decimal(14,2)").alias("profit"),
    )
    margin = F.when(F.col("net_revenue") != 0, F.round(F.col("profit") / F.col("net_revenue") * 100, 2))
    return grouped.withColumn("margin_pct", margin.cast("decimal(9,2)")).select(
        "category", "orders", "items", "net_revenue", "profit", "margin_pct", MONTH
    )


def top_products(facts: DataFrame, products: DataFrame) -> DataFrame:
    """Per month and category, the products by net revenue: `rank` = dense_rank, the first TOP ranks."""
    revenue = _named(facts, products).groupBy(MONTH, "category", "product_id").agg(
        F.sum("net_revenue").cast("decimal(14,2)").alias("net_revenue")
    )
    ranked = revenue.withColumn(
        "rank", F.dense_rank().over(Window.partitionBy(MONTH, "category").orderBy(F.col("net_revenue").desc()))
    )
    return ranked.where(F.col("rank") <= TOP).select("category", "product_id", "net_revenue", "rank", MONTH)


def orders_per_customer(facts: DataFrame, customers: DataFrame) -> DataFrame:
    """Per month: orders, distinct customers (by id, whatever their versions) and their ratio."""
    versions = customers.select("customer_key", "customer_id").distinct()
    grouped = _monthly(facts).join(versions, "customer_key").groupBy(MONTH).agg(
        F.countDistinct("order_id").alias("orders"), F.countDistinct("customer_id").alias("customers")
    )
    ratio = F.round(F.col("orders") / F.col("customers"), 2).cast("decimal(9,2)")
    return grouped.select("orders", "customers", ratio.alias("orders_per_customer"), MONTH)
