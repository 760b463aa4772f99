"""Gold: the wide order and item tables, and the two daily metric tables."""

from dagster import AssetIn, asset
from pyspark.sql import DataFrame

from lakehouse.domains.rainforest.transforms import metrics, wide
from lakehouse.domains.rainforest.contracts.columns import ORDER_DATE
from lakehouse.domains.rainforest.contracts.keys import DAILY, gold, silver
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR

GOLD = {**DAILY, "metadata": {PARTITION_EXPR: ORDER_DATE}, "kinds": {"spark", "parquet"}}


def _ins(**keys: list[str]) -> dict[str, AssetIn]:
    return {name: AssetIn(key=key) for name, key in keys.items()}


@asset(key=gold("wide_orders"), ins=_ins(fact_orders=silver("fact_orders"), dim_buyer=silver("dim_buyer")), **GOLD)
def wide_orders(fact_orders: DataFrame, dim_buyer: DataFrame) -> DataFrame:
    """Each order with its buyer's user attributes (joined on buyer_id)."""
    return wide.wide_orders(fact_orders, dim_buyer)


@asset(
    key=gold("wide_order_items"),
    ins=_ins(
        fact_order_items=silver("fact_order_items"),
        dim_product=silver("dim_product"),
        dim_seller=silver("dim_seller"),
        brg_product_category=silver("brg_product_category"),
        dim_category=silver("dim_category"),
    ),
    **GOLD,
)
def wide_order_items(
    fact_order_items: DataFrame,
    dim_product: DataFrame,
    dim_seller: DataFrame,
    brg_product_category: DataFrame,
    dim_category: DataFrame,
) -> DataFrame:
    """Each order item with its product, seller and the product's categories."""
    return wide.wide_order_items(fact_order_items, dim_product, dim_seller, brg_product_category, dim_category)


@asset(
    key=gold("daily_category_metrics"),
    ins=_ins(wide_order_items=gold("wide_order_items"), wide_orders=gold("wide_orders")),
    **GOLD,
)
def daily_category_metrics(wide_order_items: DataFrame, wide_orders: DataFrame) -> DataFrame:
    """Mean and exact median item revenue per day and category, over active buyers' orders."""
    return metrics.daily_category_metrics(wide_order_items, wide_orders)


@asset(key=gold("daily_order_metrics"), ins=_ins(wide_orders=gold("wide_orders")), **GOLD)
def daily_order_metrics(wide_orders: DataFrame) -> DataFrame:
    """Total and mean order revenue (total_price) per day, over active buyers' orders."""
    return metrics.daily_order_metrics(wide_orders)
