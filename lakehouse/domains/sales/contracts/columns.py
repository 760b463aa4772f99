"""Column names of the sales tables (the spec's, `specs/sales.md`)."""

# A store file's mandatory columns; a file lacking one is quarantined as bad_schema.
MANDATORY = (
    "customer_id", "store_id", "product_name", "sales_date", "sales_person_id", "price", "quantity", "total_cost",
)  # fmt: skip
ADDITIONAL = "additional_column"  # a file's other columns, `col=value, ...` in its header order
SOURCE_FILE, FILE_ID, INGESTED_AT, CORRUPT = "_source_file", "_file_id", "_ingested_at", "_corrupt_record"
PARTITION = "partition_date"  # bronze and rejects: the row's sales_date, or its file's first day when unreadable
SALES_DATE, SALES_MONTH = "sales_date", "sales_month"

BRONZE = [*MANDATORY, ADDITIONAL, CORRUPT, SOURCE_FILE, FILE_ID, INGESTED_AT, PARTITION]
REJECTS = ["reason", "record", SOURCE_FILE, FILE_ID, PARTITION]

CUSTOMER_DATA_MART = [
    "customer_id", "first_name", "last_name", "address", "pincode", "phone_number", SALES_DATE, "total_cost",
]  # fmt: skip
SALES_TEAM_DATA_MART = [
    "store_id", "sales_person_id", "sales_person_first_name", "sales_person_last_name", "store_manager_name",
    "manager_id", "is_manager", "sales_person_address", "sales_person_pincode", SALES_DATE, "total_cost", SALES_MONTH,
]  # fmt: skip
CUSTOMER_MONTHLY_PURCHASE = ["customer_id", "full_name", "address", "phone_number", SALES_MONTH, "total_sales"]
SALES_TEAM_INCENTIVE = ["store_id", "sales_person_id", "full_name", SALES_MONTH, "total_sales", "incentive"]
