"""pandera models of the finance silver and gold tables: types, nullability, ranges, unique keys, rules."""

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.domains.finance.contracts.upstream import ACCOUNT_TYPES, DEVICE_TYPES, TRANSACTION_TYPES
from lakehouse.quality import pandera_rules  # noqa: F401 (registers the checks the Configs declare)
from lakehouse.versioning import SEQ, VALID_FROM

MONEY = T.DecimalType(12, 2)
HEX = r"^[0-9a-f]{64}$"  # a keyed hash: HMAC-SHA256 in hex


class SilverCustomer(DataFrameModel):
    """silver/finance/customers"""

    customer_id: T.StringType() = Field(nullable=False)
    email_hash: T.StringType() = Field(nullable=True, str_matches=HEX)
    phone_hash: T.StringType() = Field(nullable=True, str_matches=HEX)
    updated_at: T.TimestampType() = Field(nullable=False)

    class Config:
        unique = [VALID_FROM, SEQ, "customer_id"]
        metadata = {"unique_description": "No duplicate records: one version per customer_id, day and rank in the day."}


class SilverAccount(DataFrameModel):
    """silver/finance/accounts"""

    account_id: T.StringType() = Field(nullable=False)
    customer_id: T.StringType() = Field(nullable=False)
    account_type: T.StringType() = Field(nullable=False, isin=list(ACCOUNT_TYPES))
    balance: MONEY = Field(nullable=True)
    updated_at: T.TimestampType() = Field(nullable=False)

    class Config:
        unique = [VALID_FROM, SEQ, "account_id"]
        metadata = {"unique_description": "No duplicate records: one version per account_id, day and rank in the day."}


class SilverTransaction(DataFrameModel):
    """silver/finance/transactions"""

    transaction_id: T.StringType() = Field(nullable=False)
    account_id: T.StringType() = Field(nullable=False)
    transaction_type: T.StringType() = Field(nullable=False, isin=list(TRANSACTION_TYPES))
    amount: MONEY = Field(nullable=False)
    timestamp: T.TimestampType() = Field(nullable=False)
    transaction_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["transaction_id"]


class SilverEvent(DataFrameModel):
    """silver/finance/transaction_events"""

    transaction_id: T.StringType() = Field(nullable=False)
    device_type: T.StringType() = Field(nullable=True, isin=list(DEVICE_TYPES))
    fraud_score: T.DoubleType() = Field(nullable=True, ge=0, le=1)
    event_ts: T.TimestampType() = Field(nullable=False)
    event_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["transaction_id"]


class SilverReject(DataFrameModel):
    """silver/finance/rejects"""

    entity: T.StringType() = Field(nullable=False)
    reason: T.StringType() = Field(nullable=False)
    rejected_on: T.DateType() = Field(nullable=False)


class DimCustomers(DataFrameModel):
    """gold/finance/dim_customers"""

    customer_key: T.LongType() = Field(nullable=False)
    customer_id: T.StringType() = Field(nullable=False)
    email_hash: T.StringType() = Field(nullable=True, str_matches=HEX)

    class Config:
        unique = [VALID_FROM, SEQ, "customer_key"]
        metadata = {"unique_description": "No duplicate records: one row per customer version (customer_key, day, rank)."}


class DimAccounts(DataFrameModel):
    """gold/finance/dim_accounts"""

    account_key: T.LongType() = Field(nullable=False)
    account_id: T.StringType() = Field(nullable=False)
    customer_key: T.LongType() = Field(nullable=False)
    account_type: T.StringType() = Field(nullable=False, isin=list(ACCOUNT_TYPES))

    class Config:
        unique = [VALID_FROM, SEQ, "account_key"]
        metadata = {"unique_description": "No duplicate records: one row per account version (account_key, day, rank)."}


class DimDates(DataFrameModel):
    """gold/finance/dim_dates"""

    date_key: T.IntegerType() = Field(nullable=False)
    date: T.DateType() = Field(nullable=False)
    month: T.IntegerType() = Field(nullable=False, ge=1, le=12)
    day: T.IntegerType() = Field(nullable=False, ge=1, le=31)
    quarter: T.IntegerType() = Field(nullable=False, ge=1, le=4)
    day_of_week: T.IntegerType() = Field(nullable=False, ge=1, le=7)

    class Config:
        unique = ["date_key"]


class FactTransactions(DataFrameModel):
    """gold/finance/fact_transactions"""

    transaction_id: T.StringType() = Field(nullable=False)
    date_key: T.IntegerType() = Field(nullable=False)
    account_key: T.LongType() = Field(nullable=True)  # a null key is the integrity check's to report
    customer_key: T.LongType() = Field(nullable=True)
    amount: MONEY = Field(nullable=False)
    transaction_type: T.StringType() = Field(nullable=False, isin=list(TRANSACTION_TYPES))
    device_type: T.StringType() = Field(nullable=True, isin=list(DEVICE_TYPES))
    fraud_score: T.DoubleType() = Field(nullable=True, ge=0, le=1)
    transaction_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["transaction_id"]
        metadata = {"unique_description": "No duplicate records: one row per transaction_id."}
        rows_satisfy = {
            "condition": "avg(CASE WHEN device_type IS NULL THEN 1.0 ELSE 0.0 END) OVER (PARTITION BY transaction_date) < 0.05",
            "key_columns": ["transaction_id"], "title": "device_event_missing_below_5pct", "raise_warning": True,
            "description": "Fewer than 5% of a day's transactions lack a device event (their device fields are null).",
        }  # fmt: skip
        mean_below = {
            "column": "amount", "threshold": 100_000, "group_by": ["transaction_date"],
            "title": "mean_amount_below_100k", "raise_warning": True,
            "description": "The average transaction amount of each day stays below 100,000 (an outlier warning).",
        }  # fmt: skip


class CustomerTransactionTotals(DataFrameModel):
    """gold/finance/customer_transaction_totals"""

    customer_key: T.LongType() = Field(nullable=False)
    total_amount: T.DecimalType(22, 2) = Field(nullable=False)
    as_of_date: T.DateType() = Field(nullable=False)

    class Config:
        unique = ["as_of_date", "customer_key"]
