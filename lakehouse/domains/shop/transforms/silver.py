"""Bronze -> silver: typed, cleaned, judged; customers and products become versions (SCD type 2).

Rules (a row breaking one goes to `silver/shop/rejects` with every reason, `;`-joined):
- every entity: `empty_key:<column>` for an empty id; `unparseable:<column>` for a number, flag
  or time that does not parse;
- orders and items: `duplicate_key` for a second row of one id on one day (a re-sent row: the
  first one stays); items: `unknown_order` (no valid order of that id on the item's day) and
  `unknown_product` (no product of that id as of the item's day).
Customers and products are a change feed (each export holds the rows created or changed since the
last): `versioning.track.by_timestamp(complete=False)` makes a version of each row that changes
something, so a re-sent version collapses into the one it repeats and a correction (a later
`updated_at`) is a new version.
"""

from __future__ import annotations


from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.shop.contracts.landing import EXTRA, INGESTED_AT, PARTITION, SOURCE_FILE
from lakehouse.domains.shop.transforms.measures import margin_percent
from lakehouse.quality import rejects
from lakehouse.quality.landed import empty_key_rules, text_timestamp, trimmed
from lakehouse.versioning import Versioned

MONEY = "decimal(12,2)"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
NO_DESCRIPTION = "No description available"
REJECTED_ON = "rejected_on"
REJECT_COLUMNS = ["entity", "reason", "record", SOURCE_FILE, REJECTED_ON]

CUSTOMER_COLUMNS = (
    "customer_id", "email", "email_domain", "is_valid_email", "first_name", "last_name", "full_name", "phone",
    "country", "city", "address", "created_at", "updated_at", SOURCE_FILE,
)  # fmt: skip
PRODUCT_COLUMNS = (
    "product_id", "sku", "name", "description", "category", "subcategory", "brand", "price", "cost",
    "margin_percent", "stock_quantity", "is_active", "created_at", "updated_at", SOURCE_FILE,
)  # fmt: skip
CUSTOMERS = Versioned(("customer_id",), CUSTOMER_COLUMNS, changed_at="updated_at", created_at="created_at",
                      untracked=(SOURCE_FILE,))  # fmt: skip
PRODUCTS = Versioned(("product_id",), PRODUCT_COLUMNS, changed_at="updated_at", created_at="created_at",
                     untracked=(SOURCE_FILE,))  # fmt: skip
ORDER_COLUMNS = [
    "order_id", "customer_id", "order_ts", "status", "payment_method", "subtotal", "tax_amount", "shipping_amount",
    "discount_amount", "total_amount", "currency", "shipping_country", "shipping_city", "calculated_total",
    "is_total_valid", SOURCE_FILE, "order_date",
]  # fmt: skip
ITEM_COLUMNS = [
    "order_item_id", "order_id", "product_id", "quantity", "unit_price", "discount_percent", "line_total",
    "gross_amount", "calculated_line_total", "is_line_total_valid", SOURCE_FILE, "order_date",
]  # fmt: skip


def _typed(frame: DataFrame, kinds: dict[str, str]) -> tuple[DataFrame, list[rejects.Rule]]:
    """`frame` with `_t_<name>` typed twins of `kinds` ({name: Spark type}) and their `unparseable:` rules."""
    twins = {name: (text_timestamp(F.col(name)) if kind == "timestamp" else trimmed(name).try_cast(kind)) for name, kind in kinds.items()}
    typed = frame.select("*", *[column.alias(f"_t_{name}") for name, column in twins.items()])
    # Every typed column is required: empty or not parseable, the row cannot be typed.
    return typed, [(f"unparseable:{name}", F.col(f"_t_{name}").isNull()) for name in kinds]


def _rejected(rows: DataFrame, entity: str, bronze_columns: list[str], day: str) -> DataFrame:
    """Rejected rows in the rejects table's shape: the bronze row as JSON, the day it was placed in."""
    record = rejects.record_json([c for c in bronze_columns if c not in (SOURCE_FILE, INGESTED_AT, EXTRA, day)])
    return rows.select(F.lit(entity).alias("entity"), F.col(rejects.REASON).alias("reason"), record.alias("record"),
                       SOURCE_FILE, F.col(day).alias(REJECTED_ON))  # fmt: skip


def customers(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(the valid customer rows, typed and cleaned, rejects); `track.from_change_feed` makes versions of them."""
    typed, rules = _typed(bronze, {"created_at": "timestamp", "updated_at": "timestamp"})
    valid, rejected = rejects.split(typed, empty_key_rules(["customer_id"]) + rules)
    email = F.lower(trimmed("email"))
    first_last = F.concat_ws(" ", trimmed("first_name"), trimmed("last_name"))
    rows = valid.select(
        trimmed("customer_id").alias("customer_id"),
        email.alias("email"),
        F.when(email.contains("@"), F.substring_index(email, "@", -1)).alias("email_domain"),
        F.coalesce(email.rlike(EMAIL_PATTERN), F.lit(False)).alias("is_valid_email"),
        trimmed("first_name").alias("first_name"),
        trimmed("last_name").alias("last_name"),
        F.when(first_last != "", F.initcap(first_last)).alias("full_name"),
        trimmed("phone").alias("phone"),
        F.upper(trimmed("country")).alias("country"),
        trimmed("city").alias("city"),
        trimmed("address").alias("address"),
        F.col("_t_created_at").alias("created_at"),
        F.col("_t_updated_at").alias("updated_at"),
        SOURCE_FILE,
    )
    return rows, _rejected(rejected, "customers", bronze.columns, PARTITION["customers"])


def products(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(the valid product rows, typed, with their margin, rejects); `track.from_change_feed` makes versions of them."""
    kinds = {"price": MONEY, "cost": MONEY, "stock_quantity": "int", "is_active": "boolean",
             "created_at": "timestamp", "updated_at": "timestamp"}  # fmt: skip
    typed, rules = _typed(bronze, kinds)
    valid, rejected = rejects.split(typed, empty_key_rules(["product_id"]) + rules)
    rows = valid.select(
        *[trimmed(c).alias(c) for c in ("product_id", "sku", "name")],
        F.coalesce(trimmed("description"), F.lit(NO_DESCRIPTION)).alias("description"),
        *[trimmed(c).alias(c) for c in ("category", "subcategory", "brand")],
        F.col("_t_price").alias("price"),
        F.col("_t_cost").alias("cost"),
        margin_percent(F.col("_t_price"), F.col("_t_cost")).alias("margin_percent"),
        F.col("_t_stock_quantity").alias("stock_quantity"),
        F.col("_t_is_active").alias("is_active"),
        F.col("_t_created_at").alias("created_at"),
        F.col("_t_updated_at").alias("updated_at"),
        SOURCE_FILE,
    )
    return rows, _rejected(rejected, "products", bronze.columns, PARTITION["products"])


def orders(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(the day's valid orders, rejects): typed amounts, `calculated_total`, `is_total_valid`."""
    amounts = ["subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount"]
    typed, rules = _typed(bronze, {**{a: MONEY for a in amounts}, "order_ts": "timestamp"})
    order = [F.col(SOURCE_FILE), F.col("order_ts")]
    valid, rejected = rejects.split(typed, empty_key_rules(["order_id", "customer_id"]) + rules, ["order_id"], ["order_date"], order)
    calculated = F.col("_t_subtotal") + F.col("_t_tax_amount") + F.col("_t_shipping_amount") - F.col("_t_discount_amount")
    rows = valid.select(
        trimmed("order_id").alias("order_id"),
        trimmed("customer_id").alias("customer_id"),
        F.col("_t_order_ts").alias("order_ts"),
        F.lower(trimmed("status")).alias("status"),
        trimmed("payment_method").alias("payment_method"),
        *[F.col(f"_t_{a}").alias(a) for a in amounts],
        F.upper(trimmed("currency")).alias("currency"),
        F.upper(trimmed("shipping_country")).alias("shipping_country"),
        trimmed("shipping_city").alias("shipping_city"),
        calculated.cast(MONEY).alias("calculated_total"),
        (F.abs(F.col("_t_total_amount") - calculated) < F.lit(0.01)).alias("is_total_valid"),
        SOURCE_FILE,
        "order_date",
    )
    return rows, _rejected(rejected, "orders", bronze.columns, "order_date")


def order_items(
    bronze: DataFrame, valid_orders: DataFrame, product_history: DataFrame
) -> tuple[DataFrame, DataFrame]:
    """(the day's valid items, rejects): `gross_amount`, `calculated_line_total`, `is_line_total_valid`."""
    kinds = {"quantity": "int", "unit_price": MONEY, "discount_percent": "decimal(5,2)", "line_total": MONEY}
    typed, rules = _typed(bronze, kinds)
    typed = typed.withColumn("_order_id", trimmed("order_id")).withColumn("_product_id", trimmed("product_id"))
    typed = rejects.flag_found(typed, "_order_id", valid_orders, "order_id", same="order_date")
    typed = rejects.flag_found_as_of(typed, "_product_id", product_history, "product_id", "order_date")
    rules += [("unknown_order", rejects.missing("_order_id")), ("unknown_product", rejects.missing("_product_id"))]
    keys = empty_key_rules(["order_item_id", "order_id", "product_id"])
    valid, rejected = rejects.split(typed, keys + rules, ["order_item_id"], ["order_date"], [F.col(SOURCE_FILE)])
    gross = F.col("_t_quantity") * F.col("_t_unit_price")
    calculated = F.round(gross * (1 - F.col("_t_discount_percent") / 100), 2)
    rows = valid.select(
        trimmed("order_item_id").alias("order_item_id"),
        F.col("_order_id").alias("order_id"),
        F.col("_product_id").alias("product_id"),
        F.col("_t_quantity").alias("quantity"),
        F.col("_t_unit_price").alias("unit_price"),
        F.col("_t_discount_percent").alias("discount_percent"),
        F.col("_t_line_total").alias("line_total"),
        gross.cast(MONEY).alias("gross_amount"),
        calculated.cast(MONEY).alias("calculated_line_total"),
        (F.abs(F.col("_t_line_total") - calculated) < F.lit(0.01)).alias("is_line_total_valid"),
        SOURCE_FILE,
        "order_date",
    )
    return rows, _rejected(rejected, "order_items", bronze.columns, "order_date")
