"""Silver facts and dimensions -> gold wide tables (one big table per grain), as pure functions.

Silver dimensions and bridges are versioned (histories, see `lakehouse.versioning`) and the facts
carry `order_date`: every fact -> dimension join goes through `as_of.join_as_of`, so each order
sees the dimensions as of its own day, whatever the number of days a frame holds (a range run).
All joins are left joins: a fact row is never dropped, and never multiplied.
"""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import ORDER_DATE, WIDE_ORDER_ITEMS, WIDE_ORDERS
from lakehouse.versioning.as_of import join_as_of

# The element type of wide_order_items.categories.
CATEGORY = "struct<category_id:int,category_name:string>"
CATEGORIES = f"array<{CATEGORY}>"


def _by_id(frame: DataFrame, dimension: DataFrame, id_column: str, *columns) -> DataFrame:
    """`frame` plus `columns` of the `dimension` version of its `id_column` valid on its order_date."""
    return join_as_of(frame, ORDER_DATE, dimension, [id_column], [(id_column, id_column)], list(columns))


def wide_orders(fact_orders: DataFrame, dim_buyer: DataFrame) -> DataFrame:
    """Each order with its buyer's user attributes (WIDE_ORDERS columns, in order).

    The buyer is found through dim_buyer on buyer_id as of the order's day. An order whose buyer
    is not in dim_buyer that day keeps null user attributes (is_active null: not active).
    """
    # The fixed join: the original matched orders.buyer_id against seller_id (another user's row);
    # the buyer is the dim_buyer row with the same buyer_id, as of the order's day.
    joined = _by_id(
        fact_orders, dim_buyer, "buyer_id", "user_id", "username", "email", "is_active", "first_time_purchased_timestamp"
    )
    return joined.select(*WIDE_ORDERS)


def _categories_per_product(items: DataFrame, brg_product_category: DataFrame, dim_category: DataFrame) -> DataFrame:
    """(product_id, order_date, categories) for the items' products and days, categories sorted by id.

    Aggregated before the join to the items, so a product in several categories adds no rows.
    A bridge row whose category is not in dim_category that day keeps a null name.
    """
    wanted = items.select("product_id", ORDER_DATE).distinct()
    pairs = join_as_of(
        wanted, ORDER_DATE, brg_product_category, ["product_id", "category_id"], [("product_id", "product_id")],
        ["category_id"], how="inner",
    )  # fmt: skip
    named = _by_id(pairs, dim_category, "category_id", "category_name")
    element = F.struct("category_id", "category_name").cast(CATEGORY)
    # array_sort orders structs field by field, so by category_id first.
    return named.groupBy("product_id", ORDER_DATE).agg(
        F.array_sort(F.collect_set(element)).cast(CATEGORIES).alias("categories")
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
    seller_user_id and seller_username from dim_seller (on seller_id), each as of the item's
    order_date; `categories` is an array<struct<category_id, category_name>> sorted by
    category_id, empty (never null) when the product has no category that day. One output row
    per input item.
    """
    with_product = _by_id(
        fact_order_items, dim_product, "product_id", "product_name", "price", "brand_name", "manufacturer_name"
    )
    with_seller = _by_id(
        with_product, dim_seller, "seller_id", F.col("user_id").alias("seller_user_id"),
        F.col("username").alias("seller_username"),
    )  # fmt: skip
    categories = _categories_per_product(fact_order_items, brg_product_category, dim_category)
    joined = with_seller.join(categories, on=["product_id", ORDER_DATE], how="left").withColumn(
        "categories", F.coalesce(F.col("categories"), F.array().cast(CATEGORIES))
    )
    return joined.select(*WIDE_ORDER_ITEMS)
