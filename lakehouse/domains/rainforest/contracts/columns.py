"""Column contracts of the silver and gold tables, in output order (partition column last)."""

# Partition columns: bronze event tables use PARTITION (the event day); versioned tables (bronze
# dimensions and bridges, silver dim_* and brg_*) `valid_from` (lakehouse.versioning); orders and
# items ORDER_DATE; clickstream EVENT_DATE; dimension_rejects REJECTED_ON.
PARTITION = "partition_date"
ORDER_DATE = "order_date"
EVENT_DATE = "event_date"
REJECTED_ON = "rejected_on"  # dimension_rejects: the day the rejected version began
EXTRACTED_AT = "_extracted_at"

# Rejects (bronze and silver): the source table, why, and the row as received (JSON text).
REJECT_COLUMNS = ["table", "reason", "record"]

# Silver dimensions and bridges: a version's own columns (versioning adds valid_from_ts,
# version_in_day, is_deleted and the valid_from partition).
DIM_BUYER = [
    "buyer_id", "user_id", "username", "email", "is_active", "first_time_purchased_timestamp",
    "buyer_created_ts", "appuser_created_ts", "last_updated_by", "last_updated_ts",
]
DIM_SELLER = [
    "seller_id", "user_id", "username", "email", "is_active", "first_time_sold_timestamp",
    "seller_created_ts", "appuser_created_ts", "last_updated_by", "last_updated_ts",
]
DIM_CATEGORY = ["category_id", "category_name", "created_ts", "last_updated_by", "last_updated_ts"]
DIM_PRODUCT = [
    "product_id", "product_name", "description", "price", "brand_id", "brand_name", "brand_country",
    "manufacturer_id", "manufacturer_name", "manufacturer_type",
]
BRG_PRODUCT_CATEGORY = ["product_id", "category_id"]
BRG_SELLER_PRODUCT = ["seller_id", "product_id"]

FACT_ORDERS = ["order_id", "buyer_id", "order_ts", "total_price", "created_ts", ORDER_DATE]
FACT_ORDER_ITEMS = [
    "order_item_id", "order_id", "product_id", "seller_id", "quantity", "base_price", "tax",
    "revenue", "created_ts", ORDER_DATE,
]
FACT_CLICKSTREAM = ["event_id", "user_id", "event_type", "product_id", "order_id", "event_ts", "created_ts", EVENT_DATE]

WIDE_ORDERS = [
    "order_id", "buyer_id", "order_ts", "total_price", "user_id", "username", "email", "is_active",
    "first_time_purchased_timestamp", ORDER_DATE,
]
WIDE_ORDER_ITEMS = [
    "order_item_id", "order_id", "product_id", "seller_id", "quantity", "base_price", "tax", "revenue",
    "product_name", "price", "brand_name", "manufacturer_name", "seller_user_id", "seller_username",
    "categories", ORDER_DATE,
]
DAILY_CATEGORY_METRICS = [ORDER_DATE, "category_id", "category_name", "mean_revenue", "median_revenue"]
DAILY_ORDER_METRICS = [ORDER_DATE, "total_revenue", "mean_revenue"]

DAILY_CATEGORY_REPORT = ["Date", "Product Category", "Mean Revenue", "Median Revenue"]
DAILY_ORDER_REPORT = ["Date", "Revenue", "Mean Revenue"]
