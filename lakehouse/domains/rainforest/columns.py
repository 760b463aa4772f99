"""Column contracts of the silver and gold tables, in output order (partition column last)."""

# Partition columns: bronze tables use PARTITION (event day or snapshot day); silver dimensions
# and bridges SNAPSHOT_DATE; orders and items ORDER_DATE; clickstream EVENT_DATE.
PARTITION = "partition_date"
SNAPSHOT_DATE = "snapshot_date"
ORDER_DATE = "order_date"
EVENT_DATE = "event_date"
EXTRACTED_AT = "_extracted_at"

# Rejects (bronze and silver): the source table, why, and the row as received (JSON text).
REJECT_COLUMNS = ["table", "reason", "record"]

DIM_BUYER = [
    "buyer_id", "user_id", "username", "email", "is_active", "first_time_purchased_timestamp",
    "buyer_created_ts", "appuser_created_ts", "last_updated_by", "last_updated_ts", SNAPSHOT_DATE,
]
DIM_SELLER = [
    "seller_id", "user_id", "username", "email", "is_active", "first_time_sold_timestamp",
    "seller_created_ts", "appuser_created_ts", "last_updated_by", "last_updated_ts", SNAPSHOT_DATE,
]
DIM_CATEGORY = ["category_id", "category_name", "created_ts", "last_updated_by", "last_updated_ts", SNAPSHOT_DATE]
DIM_PRODUCT = [
    "product_id", "product_name", "description", "price", "brand_id", "brand_name", "brand_country",
    "manufacturer_id", "manufacturer_name", "manufacturer_type", SNAPSHOT_DATE,
]
BRG_PRODUCT_CATEGORY = ["product_id", "category_id", SNAPSHOT_DATE]
BRG_SELLER_PRODUCT = ["seller_id", "product_id", SNAPSHOT_DATE]

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
