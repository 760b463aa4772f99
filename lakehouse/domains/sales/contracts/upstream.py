"""The reference tables (CSV exports under landing/sales/dimensions/, or the sales database), typed."""

from pyspark.sql.types import DateType, DecimalType, IntegerType, StringType, StructField, StructType

SCHEMA = "sales"  # the database schema that holds them
FOLDER = "sales/dimensions"  # their CSV exports, under $LAKEHOUSE_HOME/landing/


def _schema(*fields: tuple[str, object]) -> StructType:
    return StructType([StructField(name, kind) for name, kind in fields])


TABLES = {
    "customer": _schema(
        ("customer_id", IntegerType()), ("first_name", StringType()), ("last_name", StringType()),
        ("address", StringType()), ("pincode", StringType()), ("phone_number", StringType()),
        ("customer_joining_date", DateType()),
    ),
    "store": _schema(
        ("id", IntegerType()), ("address", StringType()), ("store_pincode", StringType()),
        ("store_manager_name", StringType()), ("store_opening_date", DateType()), ("reviews", StringType()),
    ),
    "product": _schema(
        ("id", IntegerType()), ("name", StringType()), ("current_price", DecimalType(10, 2)),
        ("old_price", DecimalType(10, 2)), ("created_date", DateType()), ("updated_date", DateType()),
        ("expiry_date", DateType()),
    ),
    "sales_team": _schema(
        ("id", IntegerType()), ("first_name", StringType()), ("last_name", StringType()),
        ("manager_id", IntegerType()), ("is_manager", StringType()), ("address", StringType()),
        ("pincode", StringType()), ("joining_date", DateType()), ("store_id", IntegerType()),
    ),
}  # fmt: skip
