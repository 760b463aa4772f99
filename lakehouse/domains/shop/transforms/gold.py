"""Silver -> gold: the star schema (dim_date, SCD type 2 dim_customer and dim_product, fact_sales) and daily KPIs.

Every fact takes the dimension versions valid at its order's timestamp (`as_of.join_as_of_time`):
a price change at 15:00 does not apply to a 10:00 order of the same day. Surrogate keys are
hashes of a version's identity (id, valid_from, version_in_day), so they are unique per version
and the same on every re-run.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.domains.shop.transforms.measures import (
    allocate,
    customer_status,
    price_tier,
    stock_status,
    value_tier,
)
from lakehouse import calendar
from lakehouse.snapshots import AS_OF_DATE, accumulate
from lakehouse.versioning import SEQ, VALID_FROM, VERSION_COLUMNS
from lakehouse.versioning.as_of import began_in, join_as_of_time

EXCLUDED_STATUSES = ("cancelled", "returned")
DIM_CUSTOMER = ("customer_key", "customer_id", "email", "email_domain", "full_name", "country", "city")
DIM_PRODUCT = ("product_key", "product_id", "name", "category", "subcategory", "brand", "price", "cost",
               "price_tier", "is_high_margin", "stock_status")  # fmt: skip
DIM_DATE = ["date_key", "day_of_week", "day_name", "week", "month", "month_name", "quarter", "year", "is_weekend", "date"]
FACT_SALES = [
    "order_item_id", "order_id", "date_key", "customer_key", "product_key", "quantity", "gross_revenue",
    "net_revenue", "discount", "cost_of_goods", "profit", "profit_margin_pct", "allocated_tax",
    "allocated_shipping", "order_date",
]  # fmt: skip


def dim_date(spark: SparkSession, first: date, last: date) -> DataFrame:
    """One row per day of [first, last] with its calendar attributes (ISO weekday and week)."""
    day = F.col("date")
    return calendar.days(spark, first, last).select(
        calendar.date_key(day).alias("date_key"),
        day,
        calendar.iso_weekday(day).alias("day_of_week"),
        F.date_format(day, "EEEE").alias("day_name"),
        F.weekofyear(day).alias("week"),
        F.month(day).alias("month"),
        F.date_format(day, "MMMM").alias("month_name"),
        F.quarter(day).alias("quarter"),
        F.year(day).alias("year"),
        F.dayofweek(day).isin(1, 7).alias("is_weekend"),
    ).select(*DIM_DATE)


def surrogate(id_column: str) -> Column:
    """A version's key: stable across re-runs (a hash of its identity), unique per version."""
    return F.xxhash64(F.col(id_column), F.col(VALID_FROM), F.col(SEQ))


def dim_customer(customers: DataFrame, first: date, last: date) -> DataFrame:
    """The run's customer versions as dimension rows (`valid_to`, `is_current` are derived on read)."""
    rows = began_in(customers, first, last).withColumn("customer_key", surrogate("customer_id"))
    return rows.select(*DIM_CUSTOMER, *VERSION_COLUMNS)


def dim_product(products: DataFrame, first: date, last: date) -> DataFrame:
    """The run's product versions with tiers and stock status."""
    rows = began_in(products, first, last).select(
        "*",
        surrogate("product_id").alias("product_key"),
        price_tier(F.col("price")).alias("price_tier"),
        (F.col("margin_percent") >= 40).alias("is_high_margin"),
        stock_status(F.col("stock_quantity")).alias("stock_status"),
    )
    return rows.select(*DIM_PRODUCT, *VERSION_COLUMNS)


def fact_sales(items: DataFrame, orders: DataFrame, customers: DataFrame, products: DataFrame) -> DataFrame:
    """One row per item of a kept order (not cancelled or returned), with the versions valid at its order time."""
    kept = orders.where(~F.col("status").isin(*EXCLUDED_STATUSES)).select(
        "order_id", "order_date", "order_ts", "customer_id", "tax_amount", "shipping_amount"
    )
    lines = items.drop("order_date").join(kept, "order_id")
    lines = join_as_of_time(lines, "order_ts", customers, ["customer_id"], [("customer_id", "customer_id")], ["customer_key"])
    lines = join_as_of_time(
        lines, "order_ts", products, ["product_id"], [("product_id", "product_id")], ["product_key", F.col("cost").alias("_cost")]
    )
    lines = allocate(lines, "order_id", "order_item_id", "line_total",
                     {"tax_amount": "allocated_tax", "shipping_amount": "allocated_shipping"})  # fmt: skip
    gross = F.col("quantity") * F.col("unit_price")
    net = F.col("line_total")
    cost = F.col("quantity") * F.col("_cost")
    profit = net - cost
    return lines.select(
        "order_item_id",
        "order_id",
        calendar.date_key(F.col("order_date")).alias("date_key"),
        "customer_key",
        "product_key",
        "quantity",
        gross.cast("decimal(12,2)").alias("gross_revenue"),
        net.alias("net_revenue"),
        (gross - net).cast("decimal(12,2)").alias("discount"),
        cost.cast("decimal(12,2)").alias("cost_of_goods"),
        profit.cast("decimal(12,2)").alias("profit"),
        F.when(net != 0, F.round(profit / net * 100, 2)).cast("decimal(9,2)").alias("profit_margin_pct"),
        "allocated_tax",
        "allocated_shipping",
        "order_date",
    )


def _with_order(facts: DataFrame, orders: DataFrame) -> DataFrame:
    return facts.join(orders.select("order_id", "customer_id", "shipping_country"), "order_id")


def daily_revenue(facts: DataFrame, orders: DataFrame) -> DataFrame:
    """One row per day and shipping country: orders, items, revenues, profit, customers, average order value."""
    grouped = _with_order(facts, orders).groupBy("order_date", "shipping_country").agg(
        F.countDistinct("order_id").alias("orders"),
        F.sum("quantity").cast("long").alias("items"),
        F.sum("gross_revenue").cast("decimal(14,2)").alias("gross_revenue"),
        F.sum("net_revenue").cast("decimal(14,2)").alias("net_revenue"),
        F.sum("profit").cast("decimal(14,2)").alias("profit"),
        F.countDistinct("customer_id").alias("unique_customers"),
    )
    average = F.round(F.col("net_revenue") / F.col("orders"), 2).cast("decimal(14,2)")
    return grouped.withColumn("avg_order_value", average).select(
        "shipping_country", "orders", "items", "gross_revenue", "net_revenue", "profit", "unique_customers",
        "avg_order_value", "order_date",
    )  # fmt: skip


CLV_MEASURES = {"total_orders": "sum", "total_spend": "sum", "first_order_date": "min", "last_order_date": "max"}
CLV = ["customer_id", "total_orders", "total_spend", "first_order_date", "last_order_date", "avg_order_value",
       "value_tier", "customer_status", AS_OF_DATE]  # fmt: skip


def customer_lifetime_value(
    facts: DataFrame, orders: DataFrame, previous: DataFrame | None, first: date, last: date
) -> DataFrame:
    """The periodic snapshot per day of [first, last]: every customer with an order on or before it; from D-1 plus day D."""
    per_order = _with_order(facts, orders).groupBy("customer_id", "order_id", "order_date").agg(
        F.sum("net_revenue").alias("spend")
    )
    events = per_order.select(
        "customer_id", F.col("order_date").alias("day"), F.lit(1).cast("long").alias("total_orders"),
        F.col("spend").cast("decimal(18,2)").alias("total_spend"), F.col("order_date").alias("first_order_date"),
        F.col("order_date").alias("last_order_date"),
    )  # fmt: skip
    before = None if previous is None else previous.select("customer_id", *CLV_MEASURES)
    built = accumulate(before, events, ["customer_id"], "day", CLV_MEASURES, first, last)
    built = built.withColumn("total_spend", F.col("total_spend").cast("decimal(18,2)"))
    return built.select(
        "customer_id", "total_orders", "total_spend", "first_order_date", "last_order_date",
        F.round(F.col("total_spend") / F.col("total_orders"), 2).cast("decimal(18,2)").alias("avg_order_value"),
        value_tier(F.col("total_spend")).alias("value_tier"),
        customer_status(F.col("last_order_date"), F.col(AS_OF_DATE)).alias("customer_status"),
        AS_OF_DATE,
    )  # fmt: skip
