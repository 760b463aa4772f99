"""Silver: versioned dimensions and bridges, and the three fact tables, with their rejects."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetIn, AssetOut, Output, multi_asset
from pyspark.sql import DataFrame

from lakehouse.domains.rainforest.contracts.columns import EVENT_DATE, ORDER_DATE, PARTITION, REJECTED_ON
from lakehouse.domains.rainforest.transforms.dimensions import SPECS, build_dimensions
from lakehouse.domains.rainforest.transforms.facts import build_facts
from lakehouse.domains.rainforest.contracts.keys import DAILY, bronze, silver
from lakehouse.domains.rainforest.contracts.upstream import STATE, TABLES
from lakehouse.partitions import run_days
from lakehouse.quality.rejects import released
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.versioning import VALID_FROM

DIMENSIONS = {
    "dim_buyer": "Versioned state: buyers with their user attributes (appuser joined to buyer on user_id).",
    "dim_seller": "Versioned state: sellers with their user attributes (appuser joined to seller on user_id).",
    "dim_category": "Versioned state: product categories.",
    "dim_product": "Versioned state: products with brand and manufacturer attributes.",
    "brg_product_category": "Versioned state: which categories each product belongs to.",
    "brg_seller_product": "Versioned state: which products each seller offers.",
    "dimension_rejects": "Events: bronze dimension versions rejected by silver's rules, on the day they began.",
}
FACTS = {
    "fact_orders": ("One row per order.", ORDER_DATE),
    "fact_order_items": ("One row per order item, with revenue = quantity * base_price.", ORDER_DATE),
    "fact_clickstream": ("One row per clickstream event.", EVENT_DATE),
    "fact_rejects": ("Order, item and event rows rejected by silver's rules, with the reasons.", PARTITION),
}
_DIMENSION_INPUTS = [name for name, table in TABLES.items() if table.kind == STATE]


def _outputs(built: dict[str, DataFrame], names) -> Iterator[Output]:
    """Each output in turn: the IO manager writes it as it is yielded."""
    for name in names:
        yield Output(built[name], output_name=name)


def _out(name: str, description: str, column: str, key: tuple[str, ...] | None = None) -> AssetOut:
    metadata = {PARTITION_EXPR: column, **({VERSIONED: list(key)} if key else {})}
    return AssetOut(key=silver(name), description=description, metadata=metadata, kinds={"spark", "parquet"})


def _dimension_out(name: str, description: str) -> AssetOut:
    if name in SPECS:
        return _out(name, description, VALID_FROM, SPECS[name].key)
    return _out(name, description, REJECTED_ON)


@multi_asset(
    name="rainforest_silver_dimensions",
    outs={name: _dimension_out(name, text) for name, text in DIMENSIONS.items()},
    ins={table: AssetIn(key=bronze(table)) for table in _DIMENSION_INPUTS},
    **DAILY,
)
def silver_dimensions(
    context: AssetExecutionContext,
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
    """Version the dimensions and bridges on the days their bronze inputs changed; rule breakers are rejected."""
    first, last = run_days(context)
    histories = dict(
        appuser=appuser, buyer=buyer, seller=seller, category=category, brand=brand, manufacturer=manufacturer,
        product=product, productcategory=productcategory, sellerproduct=sellerproduct,
    )  # fmt: skip
    # `rejects.split` caches each table's judged rows, shared by its valid and its rejected half:
    # needed until the last output is written.
    with released():
        built = build_dimensions(histories, first, last)
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
    with released():
        built = build_facts(orders, orderitem, clickstream, product)
        built["fact_rejects"] = built.pop("rejects")
        yield from _outputs(built, FACTS)
