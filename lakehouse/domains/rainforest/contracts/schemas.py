"""pandera models of the rainforest tables: types, nullability, ranges, unique keys, revenue limits."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.domains.rainforest.contracts.columns import ORDER_DATE
from lakehouse.domains.rainforest.contracts.upstream import EVENT_TYPES
from lakehouse.quality import pandera_rules  # noqa: F401 (registers the checks the Configs declare)
from lakehouse.versioning import SEQ, VALID_FROM

MONEY = T.DecimalType(10, 2)
REVENUE = T.DecimalType(18, 2)
CATEGORIES = T.ArrayType(
    T.StructType([T.StructField("category_id", T.IntegerType()), T.StructField("category_name", T.StringType())])
)
REVENUE_LIMIT = 100_000  # USD; a day's (or day and category's) mean revenue must stay strictly below


def revenue_below_limit(column: str, group_by: list[str]) -> dict:
    """A `Config.mean_below`: the mean of `column` per `group_by` below REVENUE_LIMIT, blocking."""
    return {
        "column": column, "threshold": REVENUE_LIMIT, "group_by": group_by, "title": "mean_revenue_below_100k",
        "description": f"Average revenue ({column}) below {REVENUE_LIMIT:,} USD per {', '.join(group_by)}.",
    }  # fmt: skip


class _Table(DataFrameModel):
    """A table whose columns the spec fixes; its subclasses' Configs add to this one."""

    class Config:
        strict = True
        description = "Exactly the spec's columns, with types, nullability and ranges."


class BronzeOrder(DataFrameModel):
    """bronze/rainforest/orders (rules only: bronze keeps the source's columns)"""

    class Config:
        unique = ["order_id"]


class _Version(_Table):
    """The columns versioning adds to a versioned table (lakehouse.versioning)."""

    valid_from_ts: T.TimestampType() = Field(nullable=True)
    version_in_day: T.IntegerType() = Field(nullable=False, ge=0)
    is_deleted: T.BooleanType() = Field(nullable=False)
    valid_from: T.DateType() = Field(nullable=False)


class DimBuyer(_Version):
    """silver/rainforest/dim_buyer"""

    buyer_id: T.IntegerType() = Field(nullable=False)
    user_id: T.IntegerType() = Field(nullable=False)
    username: T.StringType() = Field(nullable=True)
    email: T.StringType() = Field(nullable=True)
    is_active: T.BooleanType() = Field(nullable=True)
    first_time_purchased_timestamp: T.TimestampType() = Field(nullable=True)
    buyer_created_ts: T.TimestampType() = Field(nullable=False)
    appuser_created_ts: T.TimestampType() = Field(nullable=False)
    last_updated_by: T.IntegerType() = Field(nullable=True)
    last_updated_ts: T.TimestampType() = Field(nullable=True)

    class Config:
        unique = [VALID_FROM, SEQ, "buyer_id"]


class DimSeller(DataFrameModel):
    """silver/rainforest/dim_seller (rules only)"""

    class Config:
        unique = [VALID_FROM, SEQ, "seller_id"]


class DimCategory(DataFrameModel):
    """silver/rainforest/dim_category (rules only)"""

    class Config:
        unique = [VALID_FROM, SEQ, "category_id"]


class DimProduct(_Version):
    """silver/rainforest/dim_product"""

    product_id: T.IntegerType() = Field(nullable=False)
    product_name: T.StringType() = Field(nullable=True)
    description: T.StringType() = Field(nullable=True)
    price: MONEY = Field(nullable=True, ge=0)
    brand_id: T.IntegerType() = Field(nullable=True)
    brand_name: T.StringType() = Field(nullable=True)
    brand_country: T.StringType() = Field(nullable=True)
    manufacturer_id: T.IntegerType() = Field(nullable=True)
    manufacturer_name: T.StringType() = Field(nullable=True)
    manufacturer_type: T.StringType() = Field(nullable=True)

    class Config:
        unique = [VALID_FROM, SEQ, "product_id"]


class _Order(_Table):
    """The order columns fact_orders and wide_orders share."""

    order_id: T.IntegerType() = Field(nullable=False)
    buyer_id: T.IntegerType() = Field(nullable=False)
    order_ts: T.TimestampType() = Field(nullable=False)
    total_price: MONEY = Field(nullable=True, ge=0)
    order_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["order_id"]


class FactOrder(_Order):
    """silver/rainforest/fact_orders"""

    created_ts: T.TimestampType() = Field(nullable=True)


class _OrderItem(_Table):
    """The item columns fact_order_items and wide_order_items share."""

    order_item_id: T.IntegerType() = Field(nullable=False)
    order_id: T.IntegerType() = Field(nullable=False)
    product_id: T.IntegerType() = Field(nullable=False)
    seller_id: T.IntegerType() = Field(nullable=False)
    quantity: T.IntegerType() = Field(nullable=True, ge=0)
    base_price: MONEY = Field(nullable=True, ge=0)
    tax: MONEY = Field(nullable=True, ge=0)
    revenue: REVENUE = Field(nullable=True, ge=0)
    order_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["order_item_id"]


class FactOrderItem(_OrderItem):
    """silver/rainforest/fact_order_items"""

    created_ts: T.TimestampType() = Field(nullable=False)


class FactClickstream(_Table):
    """silver/rainforest/fact_clickstream"""

    event_id: T.IntegerType() = Field(nullable=False)
    user_id: T.IntegerType() = Field(nullable=False)
    event_type: T.StringType() = Field(nullable=False, isin=list(EVENT_TYPES))
    product_id: T.IntegerType() = Field(nullable=True)
    order_id: T.IntegerType() = Field(nullable=True)
    event_ts: T.TimestampType() = Field(nullable=False)
    created_ts: T.TimestampType() = Field(nullable=True)
    event_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["event_id"]


class WideOrder(_Order):
    """gold/rainforest/wide_orders"""

    user_id: T.IntegerType() = Field(nullable=True)
    username: T.StringType() = Field(nullable=True)
    email: T.StringType() = Field(nullable=True)
    is_active: T.BooleanType() = Field(nullable=True)
    first_time_purchased_timestamp: T.TimestampType() = Field(nullable=True)


class WideOrderItem(_OrderItem):
    """gold/rainforest/wide_order_items"""

    product_name: T.StringType() = Field(nullable=True)
    price: MONEY = Field(nullable=True, ge=0)
    brand_name: T.StringType() = Field(nullable=True)
    manufacturer_name: T.StringType() = Field(nullable=True)
    seller_user_id: T.IntegerType() = Field(nullable=True)
    seller_username: T.StringType() = Field(nullable=True)
    categories: CATEGORIES = Field(nullable=False)


class DailyCategoryMetric(_Table):
    """gold/rainforest/daily_category_metrics"""

    order_date: T.DateType() = Field(nullable=False)
    category_id: T.IntegerType() = Field(nullable=False)
    category_name: T.StringType() = Field(nullable=True)
    mean_revenue: REVENUE = Field(nullable=False, ge=0)
    median_revenue: REVENUE = Field(nullable=False, ge=0)

    class Config:
        unique = [ORDER_DATE, "category_id"]
        mean_below = revenue_below_limit("mean_revenue", [ORDER_DATE, "category_id"])


class DailyOrderMetric(_Table):
    """gold/rainforest/daily_order_metrics"""

    order_date: T.DateType() = Field(nullable=False)
    total_revenue: REVENUE = Field(nullable=False, ge=0)
    mean_revenue: REVENUE = Field(nullable=False, ge=0)

    class Config:
        unique = [ORDER_DATE]
        mean_below = revenue_below_limit("mean_revenue", [ORDER_DATE])


class DailyCategoryReport(_Table):
    """interface/rainforest/daily_category_report"""

    date: T.DateType() = Field(nullable=False, alias="Date")
    product_category: T.StringType() = Field(nullable=True, alias="Product Category")
    mean_revenue: REVENUE = Field(nullable=False, ge=0, alias="Mean Revenue")
    median_revenue: REVENUE = Field(nullable=False, ge=0, alias="Median Revenue")

    class Config:
        unique = ["Date", "Product Category"]
        mean_below = revenue_below_limit("Mean Revenue", ["Date", "Product Category"])


class DailyOrderReport(_Table):
    """interface/rainforest/daily_order_report"""

    date: T.DateType() = Field(nullable=False, alias="Date")
    revenue: REVENUE = Field(nullable=False, ge=0, alias="Revenue")
    mean_revenue: REVENUE = Field(nullable=False, ge=0, alias="Mean Revenue")

    class Config:
        unique = ["Date"]
        mean_below = revenue_below_limit("Mean Revenue", ["Date"])
