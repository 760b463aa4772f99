"""pandera models of the superstore silver and gold tables: types, nullability, ranges, values, rules."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.quality import pandera_rules  # noqa: F401 (registers the checks the Configs declare)

SHIP_MODES = ["Standard Class", "Second Class", "First Class", "Same Day"]
SEGMENTS = ["Consumer", "Corporate", "Home Office"]
COUNTS_ORDERED = (
    "orders_last_1m <= orders_last_6m AND orders_last_6m <= orders_last_12m "
    "AND orders_last_12m <= orders_lifetime"
)


class SilverOrderLine(DataFrameModel):
    """silver/superstore/order_lines"""

    row_id: T.IntegerType() = Field(nullable=False, ge=1)
    order_id: T.StringType() = Field(nullable=False)
    order_date: T.DateType() = Field(nullable=False)
    ship_date: T.DateType() = Field(nullable=False)
    ship_mode: T.StringType() = Field(nullable=True, isin=SHIP_MODES)
    customer_id: T.StringType() = Field(nullable=False)
    segment: T.StringType() = Field(nullable=True, isin=SEGMENTS)
    postal_code: T.StringType() = Field(nullable=True)
    sales: T.DecimalType(18, 4) = Field(nullable=False, ge=0)
    duplicates_removed: T.IntegerType() = Field(nullable=False, ge=0, alias="_duplicates_removed")

    class Config:
        mean_below = {
            "column": "sales", "threshold": 100_000, "group_by": ["order_date"],
            "title": "mean_sales_per_day_below_100k", "raise_warning": True,
            "description": "Average line revenue per day stays below 100,000 (an outlier warning).",
        }  # fmt: skip


class GoldSale(DataFrameModel):
    """gold/superstore/sales"""

    order_id: T.StringType() = Field(nullable=False)
    order_date: T.DateType() = Field(nullable=False)
    shipment_date: T.DateType() = Field(nullable=False)
    shipment_mode: T.StringType() = Field(nullable=True, isin=SHIP_MODES)
    city: T.StringType() = Field(nullable=True)
    customer_id: T.StringType() = Field(nullable=False)

    class Config:
        strict = True  # the spec fixes gold's columns exactly
        description = "Exactly the spec's columns and types."
        unique = ["order_id"]
        metadata = {"unique_description": "One row per order."}


class GoldCustomer(DataFrameModel):
    """gold/superstore/customers"""

    customer_id: T.StringType() = Field(nullable=False)
    first_name: T.StringType() = Field(nullable=True)
    last_name: T.StringType() = Field(nullable=True)
    segment: T.StringType() = Field(nullable=True, isin=SEGMENTS)
    country: T.StringType() = Field(nullable=True)
    orders_last_1m: T.LongType() = Field(nullable=False, ge=0)
    orders_last_6m: T.LongType() = Field(nullable=False, ge=0)
    orders_last_12m: T.LongType() = Field(nullable=False, ge=0)
    orders_lifetime: T.LongType() = Field(nullable=False, ge=1)
    as_of_date: T.DateType() = Field(nullable=False)

    class Config:
        strict = True
        description = "Exactly the spec's columns and types."
        unique = ["as_of_date", "customer_id"]
        metadata = {"unique_description": "One row per customer and as-of date."}
        rows_satisfy = {
            "condition": COUNTS_ORDERED, "key_columns": ["as_of_date", "customer_id"], "title": "order_counts_ordered",
            "description": "orders_last_1m <= orders_last_6m <= orders_last_12m <= orders_lifetime.",
        }  # fmt: skip
