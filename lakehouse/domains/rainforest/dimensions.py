"""Bronze snapshots -> silver dimensions and bridges (pure: DataFrames in, DataFrames out).

Every input is a bronze snapshot frame: the table's upstream columns, `_extracted_at` and
`partition_date` (the snapshot day; a row repeats once per day it exists, a frame may hold many
days). Every join and every lookup matches on `partition_date` too, so days never mix.

Rules (a breaking row is rejected with its reasons, never dropped silently), in this order:
  1. `null_key:<col>` for each null key column: the upstream key, plus `user_id` in buyer/seller;
  2. `unknown_user` (buyer, seller: no valid appuser with that user_id that day),
     `unknown_product` then `unknown_category` (bridges: no valid product / category that day;
     sellerproduct is checked for its product only);
  3. `duplicate_key`: rows sharing a key on one day keep one survivor (see `rejects.split`).
Several failures give one reject row, reasons ';'-joined in that order. A reference rule only
judges a non-null column (a null one is already `null_key`). "Valid" means passing every rule.

Accounting, per table and per `partition_date` (I = bronze rows, R = that table's reject rows):
  - buyer:           I = rows of dim_buyer + R  (each valid buyer joins exactly one appuser row)
  - seller:          I = rows of dim_seller + R
  - category:        I = rows of dim_category + R
  - product:         I = rows of dim_product + R  (left joins: a missing brand/manufacturer gives nulls)
  - productcategory: I = rows of brg_product_category + R
  - sellerproduct:   I = rows of brg_seller_product + R
  - appuser, brand, manufacturer (lookups, no output of their own):
                     I = number of distinct non-null keys + R  (R = null_key and duplicate_key only);
    the valid rows are the lookup side of dim_buyer/dim_seller (appuser) and dim_product (brand,
    manufacturer), each of which may use a row any number of times, or not at all.
"""

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.columns import (
    BRG_PRODUCT_CATEGORY,
    BRG_SELLER_PRODUCT,
    DIM_BUYER,
    DIM_CATEGORY,
    DIM_PRODUCT,
    DIM_SELLER,
    PARTITION,
    SNAPSHOT_DATE,
)
from lakehouse.domains.rainforest.rejects import flag_found, missing, null_key_rules, split
from lakehouse.domains.rainforest.upstream import TABLES

REJECTS = ["table", "reason", "record", SNAPSHOT_DATE]


def _simple(frame: DataFrame, name: str, extra_keys: tuple[str, ...] = ()) -> tuple[DataFrame, DataFrame]:
    """Valid rows and rejects of a table judged on its own: null keys and duplicates only."""
    table = TABLES[name]
    rules = null_key_rules([*table.key, *extra_keys])
    return split(frame, table, rules, table.key, by_day=True, date_column=SNAPSHOT_DATE)


def _user_role(frame: DataFrame, name: str, users: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Valid rows and rejects of buyer or seller: a role must point to a valid appuser that day."""
    table = TABLES[name]
    flagged = flag_found(frame, "user_id", users, "user_id", by_day=True)
    rules = [*null_key_rules([*table.key, "user_id"]), ("unknown_user", missing("user_id"))]
    return split(flagged, table, rules, table.key, by_day=True, date_column=SNAPSHOT_DATE)


def _with_user(role: DataFrame, users: DataFrame, role_name: str, first_time: str) -> DataFrame:
    """A role (buyer or seller) with its user's attributes; the clashing created_ts get prefixes."""
    r, u = role.alias("r"), users.alias("u")
    same_user = F.col("r.user_id") == F.col("u.user_id")
    joined = r.join(u, same_user & (F.col(f"r.{PARTITION}") == F.col(f"u.{PARTITION}")))
    return joined.select(
        F.col(f"r.{role_name}_id").alias(f"{role_name}_id"),
        F.col("u.user_id").alias("user_id"),
        F.col("u.username").alias("username"),
        F.col("u.email").alias("email"),
        F.col("u.is_active").alias("is_active"),
        F.col(f"r.{first_time}").alias(first_time),
        F.col("r.created_ts").alias(f"{role_name}_created_ts"),
        F.col("u.created_ts").alias("appuser_created_ts"),
        F.col("u.last_updated_by").alias("last_updated_by"),
        F.col("u.last_updated_ts").alias("last_updated_ts"),
        F.col(f"r.{PARTITION}").alias(SNAPSHOT_DATE),
    )


def _product_dimension(products: DataFrame, brands: DataFrame, manufacturers: DataFrame) -> DataFrame:
    """product ⟕ brand ⟕ manufacturer on the id and the day; a missing match keeps its columns null."""
    p, b, m = products.alias("p"), brands.alias("b"), manufacturers.alias("m")
    same_day = lambda other: F.col(f"p.{PARTITION}") == F.col(f"{other}.{PARTITION}")  # noqa: E731
    joined = p.join(b, (F.col("p.brand_id") == F.col("b.brand_id")) & same_day("b"), "left").join(
        m, (F.col("p.manufacturer_id") == F.col("m.manufacturer_id")) & same_day("m"), "left"
    )
    return joined.select(
        F.col("p.product_id").alias("product_id"),
        F.col("p.name").alias("product_name"),
        F.col("p.description").alias("description"),
        F.col("p.price").alias("price"),
        F.col("p.brand_id").alias("brand_id"),
        F.col("b.name").alias("brand_name"),
        F.col("b.country").alias("brand_country"),
        F.col("p.manufacturer_id").alias("manufacturer_id"),
        F.col("m.name").alias("manufacturer_name"),
        F.col("m.type").alias("manufacturer_type"),
        F.col(f"p.{PARTITION}").alias(SNAPSHOT_DATE),
    ).select(*DIM_PRODUCT)


def build_dimensions(
    appuser: DataFrame,
    buyer: DataFrame,
    seller: DataFrame,
    category: DataFrame,
    brand: DataFrame,
    manufacturer: DataFrame,
    product: DataFrame,
    productcategory: DataFrame,
    sellerproduct: DataFrame,
) -> dict[str, DataFrame]:
    """The silver dimensions, bridges and their rejects from the bronze snapshot frames.

    Keys: dim_buyer, dim_seller, dim_category, dim_product, brg_product_category,
    brg_seller_product (columns from `columns.py`) and rejects (`table, reason, record,
    snapshot_date`). See the module docstring for the rules and the accounting identities.
    """
    users, user_rejects = _simple(appuser, "appuser")
    buyers, buyer_rejects = _user_role(buyer, "buyer", users)
    sellers, seller_rejects = _user_role(seller, "seller", users)
    categories, category_rejects = _simple(category, "category")
    brands, brand_rejects = _simple(brand, "brand")
    manufacturers, manufacturer_rejects = _simple(manufacturer, "manufacturer")
    products, product_rejects = _simple(product, "product")

    table = TABLES["productcategory"]
    flagged = flag_found(productcategory, "product_id", products, "product_id", by_day=True)
    flagged = flag_found(flagged, "category_id", categories, "category_id", by_day=True)
    rules = [
        *null_key_rules(table.key),
        ("unknown_product", missing("product_id")),
        ("unknown_category", missing("category_id")),
    ]
    product_categories, product_category_rejects = split(
        flagged, table, rules, table.key, by_day=True, date_column=SNAPSHOT_DATE
    )

    table = TABLES["sellerproduct"]
    flagged = flag_found(sellerproduct, "product_id", products, "product_id", by_day=True)
    rules = [*null_key_rules(table.key), ("unknown_product", missing("product_id"))]
    seller_products, seller_product_rejects = split(
        flagged, table, rules, table.key, by_day=True, date_column=SNAPSHOT_DATE
    )

    snapshot = F.col(PARTITION).alias(SNAPSHOT_DATE)
    rejects = reduce(
        DataFrame.unionByName,
        [
            user_rejects, buyer_rejects, seller_rejects, category_rejects, brand_rejects,
            manufacturer_rejects, product_rejects, product_category_rejects, seller_product_rejects,
        ],
    )  # fmt: skip
    return {
        "dim_buyer": _with_user(buyers, users, "buyer", "first_time_purchased_timestamp").select(*DIM_BUYER),
        "dim_seller": _with_user(sellers, users, "seller", "first_time_sold_timestamp").select(*DIM_SELLER),
        "dim_category": categories.withColumnRenamed("name", "category_name")
        .select("*", snapshot)
        .select(*DIM_CATEGORY),
        "dim_product": _product_dimension(products, brands, manufacturers),
        "brg_product_category": product_categories.select("*", snapshot).select(*BRG_PRODUCT_CATEGORY),
        "brg_seller_product": seller_products.select("*", snapshot).select(*BRG_SELLER_PRODUCT),
        "rejects": rejects.select(*REJECTS),
    }
