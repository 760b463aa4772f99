"""The rainforest checks: no duplicate keys, revenue below 100,000, schemas and row accounting."""

import re

from dagster import AssetChecksDefinition

from lakehouse.domains.rainforest.contracts import schemas
from lakehouse.domains.rainforest.contracts.columns import EVENT_DATE, ORDER_DATE, PARTITION
from lakehouse.domains.rainforest.contracts.keys import PARTITIONS, bronze, gold, interface, silver
from lakehouse.quality.checks import Check, asset_checks, row_accounting_check
from lakehouse.quality.rules import conforms_to, mean_below, no_duplicates
from lakehouse.versioning import SEQ, VALID_FROM

REVENUE_LIMIT = 100_000  # USD; a day's (or day and category's) mean revenue must stay strictly below


def unique(*keys: str) -> Check:
    name = re.sub(r"\W+", "_", keys[-1].lower())
    return Check(f"{name}_unique", f"No duplicate records: one row per {', '.join(keys)}.", no_duplicates(keys))


def schema(model) -> Check:
    return Check("schema", "Exactly the spec's columns, with types, nullability and ranges.", conforms_to(model))


def revenue_below_limit(column: str, group_by: list[str]) -> Check:
    return Check(
        "mean_revenue_below_100k",
        f"Average revenue ({column}) below {REVENUE_LIMIT:,} USD per {', '.join(group_by)}.",
        mean_below(column, REVENUE_LIMIT, group_by=group_by),
    )


def _accounting(fact: str, upstream: str, day: str) -> AssetChecksDefinition:
    return row_accounting_check(
        silver(fact), PARTITIONS, bronze(upstream), silver("fact_rejects"), (PARTITION, day, PARTITION),
        f"bronze {upstream} rows = {fact} rows + {upstream} rows in fact_rejects, per day.",
        rejects_where=f"`table` = '{upstream}'",
    )  # fmt: skip


def _versions(key: list[str], checks: list[Check]) -> list[AssetChecksDefinition]:
    """Checks of a versioned table: they judge the versions the run wrote (its partitions), not the history."""
    return asset_checks(key, PARTITIONS, checks)


CHECKS = [
    *asset_checks(bronze("orders"), PARTITIONS, [unique("order_id")]),
    *_versions(silver("dim_buyer"), [unique(VALID_FROM, SEQ, "buyer_id"), schema(schemas.DimBuyer)]),
    *_versions(silver("dim_seller"), [unique(VALID_FROM, SEQ, "seller_id")]),
    *_versions(silver("dim_category"), [unique(VALID_FROM, SEQ, "category_id")]),
    *_versions(silver("dim_product"), [unique(VALID_FROM, SEQ, "product_id"), schema(schemas.DimProduct)]),
    *asset_checks(silver("fact_orders"), PARTITIONS, [unique("order_id"), schema(schemas.FactOrder)]),
    *asset_checks(silver("fact_order_items"), PARTITIONS, [unique("order_item_id"), schema(schemas.FactOrderItem)]),
    *asset_checks(silver("fact_clickstream"), PARTITIONS, [unique("event_id"), schema(schemas.FactClickstream)]),
    _accounting("fact_orders", "orders", ORDER_DATE),
    _accounting("fact_order_items", "orderitem", ORDER_DATE),
    _accounting("fact_clickstream", "clickstream", EVENT_DATE),
    *asset_checks(gold("wide_orders"), PARTITIONS, [unique("order_id"), schema(schemas.WideOrder)]),
    *asset_checks(gold("wide_order_items"), PARTITIONS, [unique("order_item_id"), schema(schemas.WideOrderItem)]),
    *asset_checks(
        gold("daily_category_metrics"),
        PARTITIONS,
        [
            unique(ORDER_DATE, "category_id"),
            revenue_below_limit("mean_revenue", [ORDER_DATE, "category_id"]),
            schema(schemas.DailyCategoryMetric),
        ],
    ),
    *asset_checks(
        gold("daily_order_metrics"),
        PARTITIONS,
        [unique(ORDER_DATE), revenue_below_limit("mean_revenue", [ORDER_DATE]), schema(schemas.DailyOrderMetric)],
    ),
    *asset_checks(
        interface("daily_category_report"),
        PARTITIONS,
        [
            unique("Date", "Product Category"),
            revenue_below_limit("Mean Revenue", ["Date", "Product Category"]),
            schema(schemas.DailyCategoryReport),
        ],
    ),
    *asset_checks(
        interface("daily_order_report"),
        PARTITIONS,
        [unique("Date"), revenue_below_limit("Mean Revenue", ["Date"]), schema(schemas.DailyOrderReport)],
    ),
]
