"""The shop checks: each table's pandera model, row accounting of orders and items, and referential integrity."""

from dagster import AssetIn, asset_check
from pyspark.sql import DataFrame

from lakehouse.domains.shop.contracts import schemas
from lakehouse.domains.shop.contracts.keys import DAYS, MONTHS, SILVER_REJECTS, bronze, gold, silver
from lakehouse.domains.shop.transforms.silver import REJECTED_ON
from lakehouse.quality.integrity import integrity_result, unresolved
from lakehouse.quality.checks import asset_checks, model_checks, row_accounting_check

DAILY_MODELS = [
    (silver("customers"), schemas.SilverCustomer),
    (silver("products"), schemas.SilverProduct),
    (silver("orders"), schemas.SilverOrder),
    (silver("order_items"), schemas.SilverOrderItem),
    (gold("dim_customer"), schemas.DimCustomer),
    (gold("dim_product"), schemas.DimProduct),
    (gold("fact_sales"), schemas.FactSales),
    (gold("daily_revenue"), schemas.DailyRevenue),
    (gold("customer_lifetime_value"), schemas.CustomerLifetimeValue),
]
MONTHLY_MODELS = [
    (gold("category_performance"), schemas.CategoryPerformance),
    (gold("top_products"), schemas.TopProducts),
    (gold("orders_per_customer"), schemas.OrdersPerCustomer),
]


def orphans(facts: DataFrame, orders: DataFrame, customers: DataFrame, products: DataFrame) -> DataFrame:
    """Fact rows whose customer_key or product_key is no dimension version valid at the order's timestamp."""
    timed = facts.join(orders.select("order_id", "order_ts"), "order_id", "left")
    return unresolved(timed, "order_ts", [("customer_key", customers, ["customer_id"]), ("product_key", products, ["product_id"])])


@asset_check(
    asset=gold("fact_sales"),
    name="keys_resolve_to_valid_versions",
    additional_ins={
        "orders": AssetIn(key=silver("orders")),
        "customers": AssetIn(key=gold("dim_customer")),
        "products": AssetIn(key=gold("dim_product")),
    },
    partitions_def=DAYS,
    blocking=True,
    description="Referential integrity: every fact's customer_key and product_key is a dimension version valid at its order's time.",
)
def keys_resolve_to_valid_versions(facts: DataFrame, orders: DataFrame, customers: DataFrame, products: DataFrame):
    """Blocking: no fact row points to a missing dimension version, or to one not valid at its order time."""
    return integrity_result(orphans(facts, orders, customers, products), "order_item_id", "order_date")


def _accounting(entity: str):
    return row_accounting_check(
        silver(entity), DAYS, bronze(entity), SILVER_REJECTS, ("order_date", "order_date", REJECTED_ON),
        f"bronze {entity} rows = silver {entity} rows + {entity} rows in silver/shop/rejects, per day.",
        rejects_where=f"entity = '{entity}'",
    )  # fmt: skip


CHECKS = [
    *(check for key, model in DAILY_MODELS for check in asset_checks(key, DAYS, model_checks(model))),
    *(check for key, model in MONTHLY_MODELS for check in asset_checks(key, MONTHS, model_checks(model))),
    _accounting("orders"),
    _accounting("order_items"),
    keys_resolve_to_valid_versions,
]
