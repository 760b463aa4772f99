"""Silver: customers and products as versions, typed orders and items, and every rejected row with its reasons."""

from functools import reduce

from dagster import AssetExecutionContext, AssetIn, AssetOut, Output, asset, multi_asset
from pyspark.sql import DataFrame

from lakehouse.domains.shop.contracts.keys import DAILY, SILVER_REJECTS, bronze, silver
from lakehouse.domains.shop.transforms import silver as build
from lakehouse.partitions import previous_state, run_days
from lakehouse.quality.rejects import released
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.versioning import VALID_FROM
from lakehouse.versioning.track import from_change_feed


def _out(key, description: str, column: str, versioned_key: tuple[str, ...] | None = None) -> AssetOut:
    metadata = {PARTITION_EXPR: column, **({VERSIONED: list(versioned_key)} if versioned_key else {})}
    return AssetOut(key=key, description=description, metadata=metadata, kinds={"spark", "parquet"})


def _versioned(entity: str, description: str, spec):
    """A versioned silver entity: the run's versions, from its bronze rows and its own history before the run."""

    @asset(
        key=silver(entity),
        description=description,
        ins={"rows": AssetIn(key=bronze(entity)), "history": previous_state(silver(entity))},
        **DAILY,
        metadata={PARTITION_EXPR: VALID_FROM, VERSIONED: list(spec.key)},
        kinds={"spark", "parquet"},
    )
    def _asset(context: AssetExecutionContext, rows: DataFrame, history: DataFrame | None) -> DataFrame:
        first, last = run_days(context)
        valid, _ = JUDGE[entity](rows)  # its rejects are written by shop_silver, with the other entities'
        return from_change_feed(valid, history, spec, first, last)

    return _asset


JUDGE = {"customers": build.customers, "products": build.products}
silver_customers = _versioned(
    "customers", "Versioned state: customers (email lower-cased, full name, country upper-case), a version per change.",
    build.CUSTOMERS,
)  # fmt: skip
silver_products = _versioned(
    "products", "Versioned state: products with their margin, a version per change.", build.PRODUCTS
)

OUTS = {
    "orders": _out(silver("orders"), "Events: orders with typed amounts and `is_total_valid`, by order day.", "order_date"),
    "order_items": _out(silver("order_items"), "Events: order items with `is_line_total_valid`, by their order's day.",
                        "order_date"),
    "rejects": _out(SILVER_REJECTS, "Events: rows breaking a rule, with the entity, every reason and the row as JSON, "
                    "on the day bronze placed them.", build.REJECTED_ON),
}  # fmt: skip


@multi_asset(
    name="shop_silver",
    outs=OUTS,
    ins={
        **{f"bronze_{entity}": AssetIn(key=bronze(entity)) for entity in ("customers", "products", "orders", "order_items")},
        "products": AssetIn(key=silver("products")),
    },
    **DAILY,
)
def shop_silver(
    bronze_customers: DataFrame,
    bronze_products: DataFrame,
    bronze_orders: DataFrame,
    bronze_order_items: DataFrame,
    products: DataFrame,
):
    """Judge the day's orders and items against the rules, the day's orders and the products; collect every reject."""
    with released():
        orders, order_rejects = build.orders(bronze_orders)
        items, item_rejects = build.order_items(bronze_order_items, orders, products)
        yield Output(orders, output_name="orders")
        yield Output(items, output_name="order_items")
        # The same rules the versioned entities apply (their rows are judged there too): only rejects here.
        rejected = [
            build.customers(bronze_customers)[1],
            build.products(bronze_products)[1],
            order_rejects,
            item_rejects,
        ]
        yield Output(reduce(DataFrame.unionByName, rejected), output_name="rejects")
