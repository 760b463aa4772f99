"""Silver: daily dimension and bridge snapshots, and the three fact tables, with their rejects."""

from collections.abc import Iterator

from dagster import AssetIn, AssetOut, Output, multi_asset
from pyspark.sql import DataFrame

from lakehouse.domains.rainforest.columns import ORDER_DATE, EVENT_DATE, PARTITION, SNAPSHOT_DATE
from lakehouse.domains.rainforest.dimensions import build_dimensions
from lakehouse.domains.rainforest.facts import build_facts
from lakehouse.domains.rainforest.keys import DAILY, bronze, silver
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR

DIMENSIONS = {
    "dim_buyer": "Buyers with their user attributes (appuser joined to buyer on user_id), per day.",
    "dim_seller": "Sellers with their user attributes (appuser joined to seller on user_id), per day.",
    "dim_category": "Product categories, per day.",
    "dim_product": "Products with brand and manufacturer attributes, per day.",
    "brg_product_category": "Which categories each product belongs to, per day.",
    "brg_seller_product": "Which products each seller offers, per day.",
    "dimension_rejects": "Dimension and bridge rows rejected by silver's rules, as received, with the reasons.",
}
FACTS = {
    "fact_orders": ("One row per order.", ORDER_DATE),
    "fact_order_items": ("One row per order item, with revenue = quantity * base_price.", ORDER_DATE),
    "fact_clickstream": ("One row per clickstream event.", EVENT_DATE),
    "fact_rejects": ("Order, item and event rows rejected by silver's rules, with the reasons.", PARTITION),
}
_DIMENSION_INPUTS = (
    "appuser", "buyer", "seller", "category", "brand", "manufacturer", "product", "productcategory", "sellerproduct",
)  # fmt: skip


def _outputs(built: dict[str, DataFrame], names) -> Iterator[Output]:
    """Each output in turn (the IO manager writes it as it is yielded), then the cache released.

    `rejects.split` caches each table's judged rows, shared by its valid and its rejected half;
    they are only needed until the last output is written.
    """
    try:
        for name in names:
            yield Output(built[name], output_name=name)
    finally:
        next(iter(built.values())).sparkSession.catalog.clearCache()


def _out(name: str, description: str, column: str) -> AssetOut:
    return AssetOut(
        key=silver(name), description=description, metadata={PARTITION_EXPR: column}, kinds={"spark", "parquet"}
    )


@multi_asset(
    name="rainforest_silver_dimensions",
    outs={name: _out(name, text, SNAPSHOT_DATE) for name, text in DIMENSIONS.items()},
    ins={table: AssetIn(key=bronze(table)) for table in _DIMENSION_INPUTS},
    **DAILY,
)
def silver_dimensions(
    appuser: DataFrame,
    buyer: DataFrame,
    seller: DataFrame,
    category: DataFrame,
    brand: DataFrame,
    manufacturer: DataFrame,
    product: DataFrame,
    productcategory: DataFrame,
    sellerproduct: DataFrame,
):
    """Model the day's snapshots into dimensions and bridges; rows breaking a rule are rejected."""
    built = build_dimensions(
        appuser, buyer, seller, category, brand, manufacturer, product, productcategory, sellerproduct
    )
    built["dimension_rejects"] = built.pop("rejects")
    yield from _outputs(built, DIMENSIONS)


@multi_asset(
    name="rainforest_silver_facts",
    outs={name: _out(name, text, column) for name, (text, column) in FACTS.items()},
    ins={table: AssetIn(key=bronze(table)) for table in ("orders", "orderitem", "clickstream", "product")},
    **DAILY,
)
def silver_facts(orders: DataFrame, orderitem: DataFrame, clickstream: DataFrame, product: DataFrame):
    """Model the day's orders, items and events into facts; rows breaking a rule are rejected."""
    built = build_facts(orders, orderitem, clickstream, product)
    built["fact_rejects"] = built.pop("rejects")
    yield from _outputs(built, FACTS)
