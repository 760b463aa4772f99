"""Silver facts and dimensions -> gold wide tables (one big table per grain), as pure functions.

Silver dimensions and bridges hold one row per key per `snapshot_date` (a daily snapshot) and the
facts carry `order_date`, so every fact -> dimension join matches the day as well as the key: a
frame may hold many days (a range run), and each order sees the dimensions as of its own day.
All joins are left joins: a fact row is never dropped, and never multiplied.
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.columns import ORDER_DATE, SNAPSHOT_DATE, WIDE_ORDER_ITEMS, WIDE_ORDERS

# The element type of wide_order_items.categories.
CATEGORY = "struct<category_id:int,category_name:string>"
CATEGORIES = f"array<{CATEGORY}>"


def _as_of_order_date(dimension: DataFrame, *columns: str | Column) -> DataFrame:
    """A dimension's `columns` with its snapshot_date renamed to order_date, ready to join facts on."""
    return dimension.select(*columns, F.col(SNAPSHOT_DATE).alias(ORDER_DATE))


def wide_orders(fact_orders: DataFrame, dim_buyer: DataFrame) -> DataFrame:
    """Each order with its buyer's user attributes (WIDE_ORDERS columns, in order).

    The buyer is found through dim_buyer on buyer_id and the order's day. An order whose buyer is
    missing from that day's snapshot keeps null user attributes (is_active null: not active).
    """
    buyers = _as_of_order_date(
        dim_buyer, "buyer_id", "user_id", "username", "email", "is_active", "first_time_purchased_timestamp"
    )
    # The fixed join: the original matched orders.buyer_id against seller_id (another user's row);
    # the buyer is the dim_buyer row with the same buyer_id, as of the order's day.
    joined = fact_orders.join(buyers, on=["buyer_id", ORDER_DATE], how="left")
    return joined.select(*WIDE_ORDERS)


def _categories_per_product(brg_product_category: DataFrame, dim_category: DataFrame) -> DataFrame:
    """(product_id, order_date, categories): one row per product and day, categories sorted by id.

    Aggregated before the join to the items, so a product in several categories adds no rows.
    A bridge row whose category is missing from that day's dim_category keeps a null name.
    """
    bridge = _as_of_order_date(brg_product_category, "product_id", "category_id")
    names = _as_of_order_date(dim_category, "category_id", "category_name")
    element = F.struct("category_id", "category_name").cast(CATEGORY)
    return (
        bridge.join(names, on=["category_id", ORDER_DATE], how="left")
        .groupBy("product_id", ORDER_DATE)
        # array_sort orders structs field by field, so by category_id first.
        .agg(F.array_sort(F.collect_set(element)).cast(CATEGORIES).alias("categories"))
    )


def wide_order_items(
    fact_order_items: DataFrame,
    dim_product: DataFrame,
    dim_seller: DataFrame,
    brg_product_category: DataFrame,
    dim_category: DataFrame,
) -> DataFrame:
    """Each order item with its product, its seller and the product's categories (WIDE_ORDER_ITEMS).

    product_name, price, brand_name and manufacturer_name come from dim_product (on product_id);
    seller_user_id and seller_username from dim_seller (on seller_id); `categories` is an
    array<struct<category_id, category_name>> sorted by category_id, empty (never null) when the
    product has no category that day. One output row per input item.
    """
    products = _as_of_order_date(dim_product, "product_id", "product_name", "price", "brand_name", "manufacturer_name")
    sellers = _as_of_order_date(
        dim_seller, "seller_id", F.col("user_id").alias("seller_user_id"), F.col("username").alias("seller_username")
    )
    categories = _categories_per_product(brg_product_category, dim_category)
    joined = (
        fact_order_items.join(products, on=["product_id", ORDER_DATE], how="left")
        .join(sellers, on=["seller_id", ORDER_DATE], how="left")
        .join(categories, on=["product_id", ORDER_DATE], how="left")
        .withColumn("categories", F.coalesce(F.col("categories"), F.array().cast(CATEGORIES)))
    )
    return joined.select(*WIDE_ORDER_ITEMS)
