"""The landing contract (specs/shop.md): `landing/shop/<entity>/*.csv`, its exact columns, and where bronze places each row.

Shared by the generator (`lakehouse.datagen.shop`) and bronze, so the two cannot drift.
"""

COLUMNS = {
    "customers": ("customer_id", "email", "first_name", "last_name", "phone", "country", "city", "address",
                  "created_at", "updated_at"),
    "products": ("product_id", "sku", "name", "description", "category", "subcategory", "brand", "price",
                 "cost", "stock_quantity", "is_active", "created_at", "updated_at"),
    "orders": ("order_id", "customer_id", "order_date", "status", "payment_method", "subtotal", "tax_amount",
               "shipping_amount", "discount_amount", "total_amount", "currency", "shipping_country",
               "shipping_city"),
    "order_items": ("order_item_id", "order_id", "product_id", "quantity", "unit_price", "discount_percent",
                    "line_total"),
}  # fmt: skip
ENTITIES = tuple(COLUMNS)
KEYS = {"customers": "customer_id", "products": "product_id", "orders": "order_id", "order_items": "order_item_id"}

# Bronze places a row in the day of this timestamp (items: their order's), in this partition column.
# The source's own `order_date` is a timestamp: bronze keeps its text as `order_ts`, so the
# partition column can carry the spec's name.
PLACED_BY = {"customers": "updated_at", "products": "updated_at", "orders": "order_date", "order_items": "order_date"}
PARTITION = {"customers": "updated_date", "products": "updated_date", "orders": "order_date", "order_items": "order_date"}
RENAMED = {"order_date": "order_ts"}  # source column -> bronze column, where they differ
EXTRA = "_extra_columns"  # a file's columns beyond the contract, `name=value, ...` (kept, ignored after)
SOURCE_FILE, INGESTED_AT = "_source_file", "_ingested_at"


def bronze_columns(entity: str) -> list[str]:
    """An entity's bronze columns: the contract's (renamed where the partition takes the name), lineage, extras."""
    return [RENAMED.get(c, c) for c in COLUMNS[entity]] + [EXTRA, SOURCE_FILE, INGESTED_AT]
