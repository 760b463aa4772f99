"""The shop jobs (a day's tables; a month's KPIs) and their schedules."""

from dagster import AssetKey, build_schedule_from_partitioned_job, define_asset_job

from lakehouse.domains.shop.contracts.keys import gold

MONTHLY_KEYS = [gold("category_performance"), gold("top_products"), gold("orders_per_customer")]
# bronze/shop/rejects (unpartitioned) too: each daily run rewrites it from the landing files, as superstore's does.
DAILY_KEYS = [["bronze", "shop", e] for e in ("customers", "products", "orders", "order_items", "rejects")] + [
    ["silver", "shop", t] for t in ("customers", "products", "orders", "order_items", "rejects")
] + [gold(t) for t in ("dim_date", "dim_customer", "dim_product", "fact_sales", "daily_revenue", "customer_lifetime_value")]

shop_daily = define_asset_job(
    "shop_daily", selection=[AssetKey(k) for k in DAILY_KEYS],
    description="The exports of a day (or a range, in one run) to the star schema, daily revenue and lifetime value.",
)  # fmt: skip
shop_monthly = define_asset_job(
    "shop_monthly", selection=[AssetKey(k) for k in MONTHLY_KEYS],
    description="A month's category performance, top products and orders per customer, from its days' facts.",
)  # fmt: skip

# After the night's exports have landed; after superstore (02:00) and rainforest (03:00).
shop_daily_schedule = build_schedule_from_partitioned_job(shop_daily, hour_of_day=4, minute_of_hour=0)
shop_monthly_schedule = build_schedule_from_partitioned_job(shop_monthly, hour_of_day=5, minute_of_hour=0)
