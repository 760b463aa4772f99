"""pandera models of the shop's silver and gold tables: types, nullability, ranges, unique keys, rules."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.quality import pandera_rules  # noqa: F401 (registers the checks the Configs declare)
from lakehouse.versioning import SEQ, VALID_FROM

MONEY = T.DecimalType(12, 2)


class SilverCustomer(DataFrameModel):
    """silver/shop/customers"""

    customer_id: T.StringType() = Field(nullable=False)
    email: T.StringType() = Field(nullable=True)
    is_valid_email: T.BooleanType() = Field(nullable=False)
    country: T.StringType() = Field(nullable=True)
    updated_at: T.TimestampType() = Field(nullable=False)

    class Config:
        unique = [VALID_FROM, SEQ, "customer_id"]
        metadata = {"unique_description": "No duplicate records: one version per customer_id, day and rank in the day."}


class SilverProduct(DataFrameModel):
    """silver/shop/products"""

    product_id: T.StringType() = Field(nullable=False)
    price: MONEY = Field(nullable=False, ge=0)
    cost: MONEY = Field(nullable=False, ge=0)
    stock_quantity: T.IntegerType() = Field(nullable=False, ge=0)

    class Config:
        unique = [VALID_FROM, SEQ, "product_id"]
        metadata = {"unique_description": "No duplicate records: one version per product_id, day and rank in the day."}


class SilverOrder(DataFrameModel):
    """silver/shop/orders"""

    order_id: T.StringType() = Field(nullable=False)
    customer_id: T.StringType() = Field(nullable=False)
    order_ts: T.TimestampType() = Field(nullable=False)
    status: T.StringType() = Field(nullable=True, isin=["pending", "processing", "shipped", "delivered", "cancelled", "returned"])
    total_amount: MONEY = Field(nullable=False)
    is_total_valid: T.BooleanType() = Field(nullable=False)
    order_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["order_id"]
        rows_satisfy = {
            "condition": "avg(CASE WHEN is_total_valid THEN 1.0 ELSE 0.0 END) OVER (PARTITION BY order_date) > 0.99",
            "key_columns": ["order_id"], "title": "total_valid_share_above_99pct", "raise_warning": True,
            "description": "More than 99% of a day's orders have total_amount = subtotal + tax + shipping - discount.",
        }  # fmt: skip


class SilverOrderItem(DataFrameModel):
    """silver/shop/order_items"""

    order_item_id: T.StringType() = Field(nullable=False)
    order_id: T.StringType() = Field(nullable=False)
    product_id: T.StringType() = Field(nullable=False)
    quantity: T.IntegerType() = Field(nullable=False, ge=1)
    line_total: MONEY = Field(nullable=False)
    order_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["order_item_id"]


class DimCustomer(DataFrameModel):
    """gold/shop/dim_customer"""

    customer_key: T.LongType() = Field(nullable=False)
    customer_id: T.StringType() = Field(nullable=False)

    class Config:
        unique = ["customer_key"]
        metadata = {"unique_description": "No duplicate records: one row per customer version (customer_key)."}


class DimProduct(DataFrameModel):
    """gold/shop/dim_product"""

    product_key: T.LongType() = Field(nullable=False)
    product_id: T.StringType() = Field(nullable=False)
    price_tier: T.StringType() = Field(nullable=False, isin=["premium", "mid_range", "budget", "economy"])
    stock_status: T.StringType() = Field(nullable=False, isin=["out_of_stock", "low_stock", "normal", "well_stocked"])

    class Config:
        unique = ["product_key"]
        metadata = {"unique_description": "No duplicate records: one row per product version (product_key)."}


class FactSales(DataFrameModel):
    """gold/shop/fact_sales"""

    order_item_id: T.StringType() = Field(nullable=False)
    date_key: T.IntegerType() = Field(nullable=False)
    customer_key: T.LongType() = Field(nullable=True)
    product_key: T.LongType() = Field(nullable=True)
    quantity: T.IntegerType() = Field(nullable=False, ge=1)
    net_revenue: MONEY = Field(nullable=False)
    order_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["order_item_id"]
        mean_below = {
            "column": "net_revenue", "threshold": 100_000, "group_by": ["order_date"],
            "title": "mean_revenue_below_100k", "raise_warning": True,
            "description": "Average revenue per item and day stays below 100,000 (an outlier warning).",
        }  # fmt: skip


class DailyRevenue(DataFrameModel):
    """gold/shop/daily_revenue"""

    shipping_country: T.StringType() = Field(nullable=True)
    orders: T.LongType() = Field(nullable=False, ge=1)
    order_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["order_date", "shipping_country"]
        # The average revenue of an order, not of a country's day: a day's sums grow with the shop.
        mean_below = {
            "column": "avg_order_value", "threshold": 100_000, "group_by": ["order_date"],
            "title": "mean_revenue_below_100k", "raise_warning": False,
            "description": "The average order value of each day stays below 100,000 (blocking: an order that large is an error).",
        }  # fmt: skip


class CustomerLifetimeValue(DataFrameModel):
    """gold/shop/customer_lifetime_value"""

    customer_id: T.StringType() = Field(nullable=False)
    total_orders: T.LongType() = Field(nullable=False, ge=1)
    value_tier: T.StringType() = Field(nullable=False, isin=["platinum", "gold", "silver", "bronze"])
    customer_status: T.StringType() = Field(nullable=False, isin=["active", "at_risk", "churned"])
    as_of_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["as_of_date", "customer_id"]


class CategoryPerformance(DataFrameModel):
    """gold/shop/category_performance"""

    class Config:
        unique = ["month", "category"]


class TopProducts(DataFrameModel):
    """gold/shop/top_products"""

    rank: T.IntegerType() = Field(nullable=False, ge=1, le=10)

    class Config:
        unique = ["month", "category", "product_id"]


class OrdersPerCustomer(DataFrameModel):
    """gold/shop/orders_per_customer"""

    class Config:
        unique = ["month"]
