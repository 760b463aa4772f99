"""The shop checks: each table's pandera model, row accounting of orders and items, and referential integrity."""

from functools import reduce

from dagster import AssetCheckResult, AssetIn, asset_check
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.shop.contracts import schemas
from lakehouse.domains.shop.contracts.keys import DAYS, MONTHS, SILVER_REJECTS, bronze, gold, silver
from lakehouse.domains.shop.transforms.silver import REJECTED_ON
from lakehouse.quality.checks import asset_checks, model_checks, row_accounting_check
from lakehouse.versioning.as_of import timed_intervals

SAMPLE = 5
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
    # Per key, the rows it fails among those whose earlier keys resolve: disjoint sets, so their union
    # is every row failing either key, once. (Chained anti-joins kept only the rows failing both.)
    found, resolved = [], timed
    for key, history, natural in (("customer_key", customers, "customer_id"), ("product_key", products, "product_id")):
        valid = timed_intervals(history, [natural]).select(
            F.col(key).alias("_ri_key"), F.col("valid_from_ts").alias("_ri_from"), F.col("valid_to_ts").alias("_ri_to")
        )
        at = F.col("order_ts")
        holds = (F.col(key) == F.col("_ri_key")) & (F.col("_ri_from") <= at) & (F.col("_ri_to").isNull() | (at < F.col("_ri_to")))
        found.append(resolved.join(valid, holds, "left_anti"))
        resolved = resolved.join(valid, holds, "left_semi")
    return reduce(DataFrame.unionByName, found)


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
    found = orphans(facts, orders, customers, products)
    rows = found.select("order_item_id", "order_date").orderBy("order_date", "order_item_id").limit(SAMPLE).collect()
    failing = found.count()
    return AssetCheckResult(
        passed=failing == 0,
        metadata={"failing_rows": failing, "sample_order_item_ids": [r["order_item_id"] for r in rows],
                  "failing_days": sorted({r["order_date"].isoformat() for r in rows})},
    )  # fmt: skip


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
