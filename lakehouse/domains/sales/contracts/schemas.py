"""pandera models of the sales silver and gold tables: types, nullability, ranges, rules."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.quality import pandera_rules  # noqa: F401 (registers the checks the Configs declare)

_STORE_MONTH = "PARTITION BY store_id, sales_month"
# rank() by total_sales: the rank-1 rows (ties included) earn round(1%, 2), every other row 0.
INCENTIVE_RULE = (
    f"incentive = CASE WHEN total_sales = max(total_sales) OVER ({_STORE_MONTH}) "
    "THEN round(total_sales * 0.01, 2) ELSE 0 END"
)
# A store-month with sales has a winner earning something (1% of under 0.50 rounds to 0).
WINNER_RULE = f"max(incentive) OVER ({_STORE_MONTH}) > 0 OR max(total_sales) OVER ({_STORE_MONTH}) < 0.5"


class EnrichedSale(DataFrameModel):
    """silver/sales/enriched_sales"""

    customer_id: T.IntegerType() = Field(nullable=False)
    store_id: T.IntegerType() = Field(nullable=False)
    product_name: T.StringType() = Field(nullable=False)
    sales_person_id: T.IntegerType() = Field(nullable=False)
    price: T.DecimalType(10, 2) = Field(nullable=False, ge=0)
    quantity: T.IntegerType() = Field(nullable=False)
    total_cost: T.DecimalType(12, 2) = Field(nullable=False)
    sales_month: T.StringType() = Field(nullable=False, str_matches=r"^\d{4}-\d{2}$")
    sales_date: T.DateType() = Field(nullable=False)

    class Config:
        mean_below = {
            "column": "total_cost", "threshold": 100_000, "group_by": ["sales_date"],
            "title": "mean_revenue_per_day_below_100k", "raise_warning": True,
            "description": "Average sale per day stays below 100,000 (an outlier warning).",
        }  # fmt: skip


class CustomerDataMart(DataFrameModel):
    """gold/sales/customer_data_mart"""

    customer_id: T.IntegerType() = Field(nullable=False)
    first_name: T.StringType() = Field(nullable=True)
    last_name: T.StringType() = Field(nullable=True)
    address: T.StringType() = Field(nullable=True)
    pincode: T.StringType() = Field(nullable=True)
    phone_number: T.StringType() = Field(nullable=True)
    sales_date: T.DateType() = Field(nullable=False)
    total_cost: T.DecimalType(12, 2) = Field(nullable=False)

    class Config:
        strict = True
        description = "Exactly the spec's columns and types."


class SalesTeamDataMart(DataFrameModel):
    """gold/sales/sales_team_data_mart"""

    store_id: T.IntegerType() = Field(nullable=False)
    sales_person_id: T.IntegerType() = Field(nullable=False)
    sales_person_first_name: T.StringType() = Field(nullable=True)
    sales_person_last_name: T.StringType() = Field(nullable=True)
    store_manager_name: T.StringType() = Field(nullable=True)
    manager_id: T.IntegerType() = Field(nullable=True)
    is_manager: T.StringType() = Field(nullable=True, isin=["Y", "N"])
    sales_person_address: T.StringType() = Field(nullable=True)
    sales_person_pincode: T.StringType() = Field(nullable=True)
    sales_date: T.DateType() = Field(nullable=False)
    total_cost: T.DecimalType(12, 2) = Field(nullable=False)
    sales_month: T.StringType() = Field(nullable=False)

    class Config:
        strict = True
        description = "Exactly the spec's columns and types."


class CustomerMonthlyPurchase(DataFrameModel):
    """gold/sales/customer_monthly_purchase"""

    customer_id: T.IntegerType() = Field(nullable=False)
    full_name: T.StringType() = Field(nullable=False)
    address: T.StringType() = Field(nullable=True)
    phone_number: T.StringType() = Field(nullable=True)
    sales_month: T.StringType() = Field(nullable=False)
    total_sales: T.DecimalType(14, 2) = Field(nullable=False)

    class Config:
        strict = True
        description = "Exactly the spec's columns and types."
        unique = ["customer_id", "sales_month"]
        metadata = {"unique_description": "No duplicate records: one row per customer and month."}


class SalesTeamIncentive(DataFrameModel):
    """gold/sales/sales_team_incentive"""

    store_id: T.IntegerType() = Field(nullable=False)
    sales_person_id: T.IntegerType() = Field(nullable=False)
    full_name: T.StringType() = Field(nullable=False)
    sales_month: T.StringType() = Field(nullable=False)
    total_sales: T.DecimalType(14, 2) = Field(nullable=False)
    incentive: T.DecimalType(14, 2) = Field(nullable=False, ge=0)

    class Config:
        strict = True
        description = "Exactly the spec's columns and types."
        unique = ["store_id", "sales_person_id", "sales_month"]
        metadata = {"unique_description": "No duplicate records: one row per store, salesperson and month."}
        rows_satisfy = {
            "condition": INCENTIVE_RULE, "key_columns": ["store_id", "sales_person_id", "sales_month"],
            "title": "incentive_is_one_percent_for_winners",
            "description": "The top seller of each store and month (ties all) earns 1% of their sales, the others 0.",
        }  # fmt: skip
