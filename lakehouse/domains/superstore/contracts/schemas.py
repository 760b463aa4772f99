"""pandera models of the superstore silver and gold tables: types, nullability, ranges, values."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

SHIP_MODES = ["Standard Class", "Second Class", "First Class", "Same Day"]
SEGMENTS = ["Consumer", "Corporate", "Home Office"]


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
