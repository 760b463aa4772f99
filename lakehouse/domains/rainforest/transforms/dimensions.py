"""Bronze versions -> silver versioned dimensions and bridges (pure: DataFrames in, DataFrames out).

Inputs are bronze histories (versions, see `lakehouse.versioning`) of the nine state tables. A
silver dimension is a function of its inputs' states, so it can only change on a day one of them
changed: for a run over [first, last] every such day is evaluated (plus the day before `first`, the
baseline), each input taken as of that day through `versioning.as_of.states_at`, and
`track.by_comparison` turns the day-to-day differences into versions (new, changed, deleted). The
evaluated days are a handful in a daily run and only the days with changes in a backfill: the
work follows the changes, not days x rows.

On each evaluated day the states are judged as snapshots (a frame may hold many days; every join
and lookup matches the day too, so days never mix). Rules (a breaking row is rejected with its
reasons, never dropped silently), in this order:
  1. `null_key:<col>` for each null key column: the upstream key, plus `user_id` in buyer/seller;
  2. `unknown_user` (buyer, seller: no valid appuser with that user_id that day),
     `unknown_product` then `unknown_category` (bridges: no valid product / category that day;
     sellerproduct is checked for its product only);
  3. `duplicate_key`: rows sharing a key on one day keep one survivor (see `rejects.split`).
Several failures give one reject row, reasons ';'-joined in that order. A reference rule only
judges a non-null column (a null one is already `null_key`). "Valid" means passing every rule.
`dimension_rejects` lists a bronze version that breaks a rule once, on the day it began
(`rejected_on`), judged against the states as of that day. A version that becomes valid later
(its user appears) enters the dimension that later day; one whose reference goes away leaves it
(a deletion version), without a new reject.

Accounting, on each evaluated day: every bronze row whose version began that day is either in
its dimension's state that day (appuser, brand, manufacturer: has a non-null key and survives
de-duplication) or in that day's rejects; and every key of a dimension's state is in its bronze
table's state. (A row judged again later is not counted again: it was accounted on its own day.)
A dimension version's `valid_from_ts` is its latest input change when that falls on its own day,
else null (the change has no time that day: an input deleted, or the first load).
"""

import datetime
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import (
    BRG_PRODUCT_CATEGORY,
    BRG_SELLER_PRODUCT,
    DIM_BUYER,
    DIM_CATEGORY,
    DIM_PRODUCT,
    DIM_SELLER,
    PARTITION,
    REJECTED_ON,
)
from lakehouse.domains.rainforest.transforms.rejects import split
from lakehouse.quality.rejects import flag_found, missing, null_key_rules
from lakehouse.domains.rainforest.contracts.upstream import TABLES
from lakehouse.versioning import VALID_FROM, VALID_FROM_TS, Versioned, track
from lakehouse.versioning.as_of import AS_OF, change_days, states_at

REJECTS = ["table", "reason", "record", REJECTED_ON]
CHANGED = "_changed_ts"  # a dimension row's latest input change time: its version's valid_from_ts
_CARRY = (VALID_FROM, VALID_FROM_TS)  # what judging keeps of each input row's version

# The silver versioned tables: key and columns (versioning adds the version columns).
SPECS = {
    "dim_buyer": Versioned(key=("buyer_id",), columns=tuple(DIM_BUYER)),
    "dim_seller": Versioned(key=("seller_id",), columns=tuple(DIM_SELLER)),
    "dim_category": Versioned(key=("category_id",), columns=tuple(DIM_CATEGORY)),
    "dim_product": Versioned(key=("product_id",), columns=tuple(DIM_PRODUCT)),
    "brg_product_category": Versioned(key=tuple(BRG_PRODUCT_CATEGORY), columns=tuple(BRG_PRODUCT_CATEGORY)),
    "brg_seller_product": Versioned(key=tuple(BRG_SELLER_PRODUCT), columns=tuple(BRG_SELLER_PRODUCT)),
}


def _split(frame: DataFrame, name: str, rules) -> tuple[DataFrame, DataFrame]:
    table = TABLES[name]
    return split(frame, table, rules, table.key, by_day=True, date_column=AS_OF, carry=_CARRY)


def _simple(frame: DataFrame, name: str, extra_keys: tuple[str, ...] = ()) -> tuple[DataFrame, DataFrame]:
    """Valid rows and rejects of a table judged on its own: null keys and duplicates only."""
    return _split(frame, name, null_key_rules([*TABLES[name].key, *extra_keys]))


def _user_role(frame: DataFrame, name: str, users: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Valid rows and rejects of buyer or seller: a role must point to a valid appuser that day."""
    flagged = flag_found(frame, "user_id", users, "user_id", same=PARTITION)
    rules = [*null_key_rules([*TABLES[name].key, "user_id"]), ("unknown_user", missing("user_id"))]
    return _split(flagged, name, rules)


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
        F.greatest(f"r.{VALID_FROM_TS}", f"u.{VALID_FROM_TS}").alias(CHANGED),
        F.col(f"r.{PARTITION}").alias(AS_OF),
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
        F.greatest(f"p.{VALID_FROM_TS}", f"b.{VALID_FROM_TS}", f"m.{VALID_FROM_TS}").alias(CHANGED),
        F.col(f"p.{PARTITION}").alias(AS_OF),
    )


def _snapshots(
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
    """The judged dimensions on each evaluated day (`as_of`, plus CHANGED) and every reject that day."""
    users, user_rejects = _simple(appuser, "appuser")
    buyers, buyer_rejects = _user_role(buyer, "buyer", users)
    sellers, seller_rejects = _user_role(seller, "seller", users)
    categories, category_rejects = _simple(category, "category")
    brands, brand_rejects = _simple(brand, "brand")
    manufacturers, manufacturer_rejects = _simple(manufacturer, "manufacturer")
    products, product_rejects = _simple(product, "product")

    flagged = flag_found(productcategory, "product_id", products, "product_id", same=PARTITION)
    flagged = flag_found(flagged, "category_id", categories, "category_id", same=PARTITION)
    rules = [
        *null_key_rules(TABLES["productcategory"].key),
        ("unknown_product", missing("product_id")),
        ("unknown_category", missing("category_id")),
    ]
    product_categories, product_category_rejects = _split(flagged, "productcategory", rules)

    flagged = flag_found(sellerproduct, "product_id", products, "product_id", same=PARTITION)
    rules = [*null_key_rules(TABLES["sellerproduct"].key), ("unknown_product", missing("product_id"))]
    seller_products, seller_product_rejects = _split(flagged, "sellerproduct", rules)

    day = F.col(PARTITION).alias(AS_OF)
    rejects = reduce(
        DataFrame.unionByName,
        [
            user_rejects, buyer_rejects, seller_rejects, category_rejects, brand_rejects,
            manufacturer_rejects, product_rejects, product_category_rejects, seller_product_rejects,
        ],
    )  # fmt: skip
    return {
        "dim_buyer": _with_user(buyers, users, "buyer", "first_time_purchased_timestamp"),
        "dim_seller": _with_user(sellers, users, "seller", "first_time_sold_timestamp"),
        "dim_category": categories.select(
            "*", F.col("name").alias("category_name"), F.col(VALID_FROM_TS).alias(CHANGED), day
        ),
        "dim_product": _product_dimension(products, brands, manufacturers),
        "brg_product_category": product_categories.select("*", F.lit(None).cast("timestamp").alias(CHANGED), day),
        "brg_seller_product": seller_products.select("*", F.lit(None).cast("timestamp").alias(CHANGED), day),
        "rejects": rejects,
    }


def build_dimensions(histories: dict[str, DataFrame], first: datetime.date, last: datetime.date) -> dict[str, DataFrame]:
    """The silver dimension and bridge versions of the days [first, last], and their rejects.

    `histories` maps each bronze state table (appuser, buyer, seller, category, brand,
    manufacturer, product, productcategory, sellerproduct) to its versions: enough of them to know
    its state from the day before `first` through `last` (what the IO manager loads). Keys of the
    result: the six SPECS tables (versions: their columns plus the version columns) and rejects
    (`table, reason, record, rejected_on`). See the module docstring for the rules.
    """
    spark = next(iter(histories.values())).sparkSession
    baseline = first - datetime.timedelta(days=1)
    days = change_days(list(histories.values()), first, last).unionByName(
        spark.createDataFrame([(baseline,)], f"{AS_OF} date")
    )
    states = {
        name: states_at(history, TABLES[name].key, days).withColumnRenamed(AS_OF, PARTITION)
        for name, history in histories.items()
    }
    judged = _snapshots(**states)
    compared = days.where(F.col(AS_OF) >= F.lit(first))
    built = {}
    for name, spec in SPECS.items():
        frame = judged[name].select(*spec.columns, CHANGED, AS_OF)
        before = frame.where(F.col(AS_OF) == F.lit(baseline))
        # A change time from before the version's own day is not when it began: keep none.
        on_its_day = F.when(F.to_date(CHANGED) == F.col(AS_OF), F.col(CHANGED))
        frame = frame.withColumn(CHANGED, on_its_day)
        built[name] = track.by_comparison(frame.where(F.col(AS_OF) >= F.lit(first)), compared, before, spec, CHANGED)
    # A reject is reported once: on the day the rejected version began, not on every later day.
    rejects = judged["rejects"].where((F.col(AS_OF) >= F.lit(first)) & (F.col(VALID_FROM) == F.col(AS_OF)))
    built["rejects"] = rejects.select("table", "reason", "record", F.col(AS_OF).alias(REJECTED_ON))
    return built
