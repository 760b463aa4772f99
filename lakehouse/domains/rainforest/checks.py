"""The rainforest checks: each table's as its pandera model declares them, and row accounting."""

from dagster import AssetChecksDefinition

from lakehouse.domains.rainforest.contracts import schemas
from lakehouse.domains.rainforest.contracts.columns import EVENT_DATE, ORDER_DATE, PARTITION
from lakehouse.domains.rainforest.contracts.keys import PARTITIONS, bronze, gold, interface, silver
from lakehouse.quality.checks import asset_checks, model_checks, row_accounting_check

# A versioned table's (dim_*) checks judge the versions the run wrote (its partitions), not the history.
MODELS = [
    (bronze("orders"), schemas.BronzeOrder),
    (silver("dim_buyer"), schemas.DimBuyer),
    (silver("dim_seller"), schemas.DimSeller),
    (silver("dim_category"), schemas.DimCategory),
    (silver("dim_product"), schemas.DimProduct),
    (silver("fact_orders"), schemas.FactOrder),
    (silver("fact_order_items"), schemas.FactOrderItem),
    (silver("fact_clickstream"), schemas.FactClickstream),
    (gold("wide_orders"), schemas.WideOrder),
    (gold("wide_order_items"), schemas.WideOrderItem),
    (gold("daily_category_metrics"), schemas.DailyCategoryMetric),
    (gold("daily_order_metrics"), schemas.DailyOrderMetric),
    (interface("daily_category_report"), schemas.DailyCategoryReport),
    (interface("daily_order_report"), schemas.DailyOrderReport),
]


def _accounting(fact: str, upstream: str, day: str) -> AssetChecksDefinition:
    return row_accounting_check(
        silver(fact), PARTITIONS, bronze(upstream), silver("fact_rejects"), (PARTITION, day, PARTITION),
        f"bronze {upstream} rows = {fact} rows + {upstream} rows in fact_rejects, per day.",
        rejects_where=f"`table` = '{upstream}'",
    )  # fmt: skip


CHECKS = [
    *(check for key, model in MODELS for check in asset_checks(key, PARTITIONS, model_checks(model))),
    _accounting("fact_orders", "orders", ORDER_DATE),
    _accounting("fact_order_items", "orderitem", ORDER_DATE),
    _accounting("fact_clickstream", "clickstream", EVENT_DATE),
]
