"""Gold: the star schema, the daily KPIs and the lifetime-value snapshot, and the monthly KPIs."""


from dagster import AssetExecutionContext, AssetIn, asset
from pyspark.sql import DataFrame

from lakehouse.domains.shop.contracts.keys import DAILY, MONTHLY, gold, silver
from lakehouse.domains.shop.transforms import gold as build
from lakehouse.domains.shop.transforms import monthly
from lakehouse.partitions import previous_state, run_days
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.resources.spark import SparkResource
from lakehouse.snapshots import AS_OF_DATE
from lakehouse.versioning import VALID_FROM

_KINDS = {"spark", "parquet"}



@asset(key=gold("dim_date"), **DAILY, metadata={PARTITION_EXPR: "date"}, kinds=_KINDS)
def dim_date(context: AssetExecutionContext, spark: SparkResource) -> DataFrame:
    """Calendar: one row per day with its yyyymmdd key, ISO weekday and week, month, quarter and year."""
    return build.dim_date(spark.spark_session, *run_days(context))


@asset(
    key=gold("dim_customer"), ins={"customers": AssetIn(key=silver("customers"))}, **DAILY,
    metadata={PARTITION_EXPR: VALID_FROM, VERSIONED: ["customer_id"]}, kinds=_KINDS,
)  # fmt: skip
def dim_customer(context: AssetExecutionContext, customers: DataFrame) -> DataFrame:
    """Versioned state (SCD type 2): a row per customer version with its stable `customer_key`."""
    return build.dim_customer(customers, *run_days(context))


@asset(
    key=gold("dim_product"), ins={"products": AssetIn(key=silver("products"))}, **DAILY,
    metadata={PARTITION_EXPR: VALID_FROM, VERSIONED: ["product_id"]}, kinds=_KINDS,
)  # fmt: skip
def dim_product(context: AssetExecutionContext, products: DataFrame) -> DataFrame:
    """Versioned state (SCD type 2): a row per product version with price tier, margin flag and stock status."""
    return build.dim_product(products, *run_days(context))


@asset(
    key=gold("fact_sales"),
    ins={
        "items": AssetIn(key=silver("order_items")),
        "orders": AssetIn(key=silver("orders")),
        "customers": AssetIn(key=gold("dim_customer")),
        "products": AssetIn(key=gold("dim_product")),
    },
    **DAILY,
    metadata={PARTITION_EXPR: "order_date"},
    kinds=_KINDS,
)
def fact_sales(items: DataFrame, orders: DataFrame, customers: DataFrame, products: DataFrame) -> DataFrame:
    """Events: one row per item of an order not cancelled or returned, keyed to the versions valid at its order time."""
    return build.fact_sales(items, orders, customers, products)


_FACTS_AND_ORDERS = {"facts": AssetIn(key=gold("fact_sales")), "orders": AssetIn(key=silver("orders"))}


@asset(key=gold("daily_revenue"), ins=_FACTS_AND_ORDERS, **DAILY, metadata={PARTITION_EXPR: "order_date"}, kinds=_KINDS)
def daily_revenue(facts: DataFrame, orders: DataFrame) -> DataFrame:
    """Events: per day and shipping country, orders, items, revenues, profit, customers and average order value."""
    return build.daily_revenue(facts, orders)


@asset(
    key=gold("customer_lifetime_value"),
    ins={**_FACTS_AND_ORDERS, "previous": previous_state(gold("customer_lifetime_value"))},
    **DAILY,
    metadata={PARTITION_EXPR: AS_OF_DATE},
    kinds=_KINDS,
)
def customer_lifetime_value(
    context: AssetExecutionContext, facts: DataFrame, orders: DataFrame, previous: DataFrame | None
) -> DataFrame:
    """Periodic snapshot: per day, every customer with an order so far, their totals, value tier and status."""
    return build.customer_lifetime_value(facts, orders, previous, *run_days(context))


_MONTH_OF_FACTS = {"facts": AssetIn(key=gold("fact_sales"))}  # a month reads exactly its days


@asset(
    key=gold("category_performance"), ins={**_MONTH_OF_FACTS, "products": AssetIn(key=gold("dim_product"))},
    **MONTHLY, metadata={PARTITION_EXPR: monthly.MONTH}, kinds=_KINDS,
)  # fmt: skip
def category_performance(facts: DataFrame, products: DataFrame) -> DataFrame:
    """Per month and category: orders, items, net revenue, profit and margin."""
    return monthly.category_performance(facts, products)


@asset(
    key=gold("top_products"), ins={**_MONTH_OF_FACTS, "products": AssetIn(key=gold("dim_product"))},
    **MONTHLY, metadata={PARTITION_EXPR: monthly.MONTH}, kinds=_KINDS,
)  # fmt: skip
def top_products(facts: DataFrame, products: DataFrame) -> DataFrame:
    """Per month and category: the ten best-selling ranks of products by net revenue (dense rank, ties kept)."""
    return monthly.top_products(facts, products)


@asset(
    key=gold("orders_per_customer"), ins={**_MONTH_OF_FACTS, "customers": AssetIn(key=gold("dim_customer"))},
    **MONTHLY, metadata={PARTITION_EXPR: monthly.MONTH}, kinds=_KINDS,
)  # fmt: skip
def orders_per_customer(facts: DataFrame, customers: DataFrame) -> DataFrame:
    """Per month: orders, distinct customers and orders per customer."""
    return monthly.orders_per_customer(facts, customers)
