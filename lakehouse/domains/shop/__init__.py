"""Shop: a web shop's monthly app-table exports to a Kimball star schema (with dimension history) and KPIs."""

from dagster import Definitions

from lakehouse.domains.shop import bronze, gold, silver
from lakehouse.domains.shop.checks import CHECKS
from lakehouse.domains.shop.contracts import keys
from lakehouse.domains.shop.jobs import shop_daily, shop_daily_schedule, shop_monthly, shop_monthly_schedule

defs = Definitions(
    assets=[
        *bronze.BRONZE_TABLES,
        bronze.bronze_rejects,
        silver.silver_customers,
        silver.silver_products,
        silver.shop_silver,
        gold.dim_date,
        gold.dim_customer,
        gold.dim_product,
        gold.fact_sales,
        gold.daily_revenue,
        gold.customer_lifetime_value,
        gold.category_performance,
        gold.top_products,
        gold.orders_per_customer,
    ],
    asset_checks=CHECKS,
    jobs=[shop_daily, shop_monthly],
    schedules=[shop_daily_schedule, shop_monthly_schedule],
)

# What shows sample data is in place: the exports, one folder per entity.
LANDING_FILES = "*/*.csv"
# What `make demo` materializes: the sample data's days (a sample deployment's partitions end there too).
DEMO_PARTITION_RANGE = keys.DEMO_PARTITION_RANGE
