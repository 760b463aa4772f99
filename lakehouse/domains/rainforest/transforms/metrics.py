"""Gold wide tables -> daily metrics, and the metrics -> the two stakeholder reports (pure functions).

Only orders placed by ACTIVE buyers count: `is_active = true` in wide_orders; a null is_active
(the buyer was missing from that day's dim_buyer) is not active. Revenues are decimal(18,2).
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import (
    DAILY_CATEGORY_METRICS,
    DAILY_CATEGORY_REPORT,
    DAILY_ORDER_METRICS,
    DAILY_ORDER_REPORT,
    ORDER_DATE,
)

REVENUE = "decimal(18,2)"


def _active(wide_orders: DataFrame) -> Column:
    """True only for orders whose buyer is active that day (null is_active counts as not active)."""
    return F.coalesce(wide_orders["is_active"], F.lit(False))


def _exact_median(money: str) -> Column:
    """The median of a decimal(_,2) column, rounded half-up to cents, as decimal(18,2).

    percentile works on doubles. On the amounts themselves an interpolated half cent is inexact
    (median of 10.00 and 10.01 comes out as 10.004999.. and would round down), so it runs on whole
    cents instead: integers (exact in a double below 2^53 cents) whose median is exactly n or n.5,
    which round(.., 0) takes half-up (n.5 -> n+1) before scaling back to dollars as a decimal.
    """
    cents = (F.col(money) * 100).cast("long")
    median_cents = F.round(F.percentile(cents, F.lit(0.5)), 0).cast("decimal(20,0)")
    return (median_cents / 100).cast(REVENUE)


def daily_category_metrics(wide_order_items: DataFrame, wide_orders: DataFrame) -> DataFrame:
    """Mean and exact median item revenue per (order_date, category), over active buyers' orders.

    Items are kept when their order (on order_id and order_date) was placed by an active buyer,
    then exploded by category: an item in two categories counts in both, an item of a product
    without categories in none. Per (order_date, category_id, category_name):
    - mean_revenue: avg(revenue), the decimal average cast to decimal(18,2) (rounded half-up);
    - median_revenue: the EXACT median, Spark's `percentile(..., 0.5)` (not percentile_approx),
      which for an even count interpolates the two middle values (10, 20, 30, 40 -> 25), rounded
      half-up to 2 places, as decimal(18,2). See `_exact_median` for how the double stays exact.
    """
    active_orders = wide_orders.filter(_active(wide_orders)).select("order_id", ORDER_DATE)
    items = wide_order_items.join(active_orders, on=["order_id", ORDER_DATE], how="left_semi")
    exploded = items.select(ORDER_DATE, "revenue", F.explode("categories").alias("category")).select(
        ORDER_DATE, "category.category_id", "category.category_name", "revenue"
    )
    metrics = exploded.groupBy(ORDER_DATE, "category_id", "category_name").agg(
        F.avg("revenue").cast(REVENUE).alias("mean_revenue"),
        _exact_median("revenue").alias("median_revenue"),
    )
    return metrics.select(*DAILY_CATEGORY_METRICS)


def daily_order_metrics(wide_orders: DataFrame) -> DataFrame:
    """Total and mean order revenue (total_price) per order_date, over active buyers' orders.

    total_revenue = sum(total_price), mean_revenue = avg(total_price) (half-up), both decimal(18,2).
    A day without any active buyer's order has no row.
    """
    metrics = (
        wide_orders.filter(_active(wide_orders))
        .groupBy(ORDER_DATE)
        .agg(
            F.sum("total_price").cast(REVENUE).alias("total_revenue"),
            F.avg("total_price").cast(REVENUE).alias("mean_revenue"),
        )
    )
    return metrics.select(*DAILY_ORDER_METRICS)


def daily_category_report(daily_category_metrics: DataFrame) -> DataFrame:
    """The stakeholder-facing category report: Date, Product Category, Mean Revenue, Median Revenue."""
    report = daily_category_metrics.select(
        F.col(ORDER_DATE).cast("date").alias("Date"),
        F.col("category_name").alias("Product Category"),
        F.col("mean_revenue").alias("Mean Revenue"),
        F.col("median_revenue").alias("Median Revenue"),
    )
    return report.select(*DAILY_CATEGORY_REPORT)


def daily_order_report(daily_order_metrics: DataFrame) -> DataFrame:
    """The stakeholder-facing order report: Date, Revenue (total revenue), Mean Revenue."""
    report = daily_order_metrics.select(
        F.col(ORDER_DATE).cast("date").alias("Date"),
        F.col("total_revenue").alias("Revenue"),
        F.col("mean_revenue").alias("Mean Revenue"),
    )
    return report.select(*DAILY_ORDER_REPORT)
