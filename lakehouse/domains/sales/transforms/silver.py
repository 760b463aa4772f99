"""Bronze rows -> typed sales enriched with customer, store and salesperson, and the rejected rows.

Rules, in this order (a row breaking several gets every reason, ';'-joined):
  1. `malformed_row`: the CSV line does not parse into the header's fields;
  2. `null_key:<col>` for an empty customer_id, store_id, product_name, sales_date or sales_person_id,
     `null_value:<col>` for an empty price, quantity or total_cost;
  3. `unparseable:<col>`: a non-empty value that is not a yyyy-MM-dd date or a number;
  4. `total_mismatch`: |total_cost - price * quantity| > 0.01;
  5. `unknown_customer`, `unknown_store`, `unknown_salesperson`: no dimension row with that id;
     `salesperson_not_in_store`: the salesperson sells for another (known) store.
A dimension with a repeated id keeps one row per id (the first by its columns), so a join never
multiplies a sale.
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.sales.contracts.columns import (
    ADDITIONAL,
    CORRUPT,
    FILE_ID,
    MANDATORY,
    PARTITION,
    SALES_DATE,
    SALES_MONTH,
    SOURCE_FILE,
)
from lakehouse.domains.sales.transforms.bronze import sales_day
from lakehouse.quality.rejects import REASON, flag_found, missing, record_json, split

KEYS = ("customer_id", "store_id", "product_name", "sales_date", "sales_person_id")
NUMBERS = {"customer_id": "int", "store_id": "int", "sales_person_id": "int",
           "price": "decimal(10,2)", "quantity": "int", "total_cost": "decimal(12,2)"}  # fmt: skip
TOLERANCE = 0.01


def _present(name: str) -> Column:
    return F.nullif(F.trim(F.col(f"_raw_{name}")), F.lit(""))


def _typed(bronze: DataFrame) -> DataFrame:
    """Bronze text beside its typed values (the raw kept as `_raw_<col>` for the rules and the record)."""
    raw = bronze.select("*", *[F.col(name).alias(f"_raw_{name}") for name in MANDATORY])
    typed = {name: F.expr(f"try_cast(nullif(trim(`_raw_{name}`), '') AS {kind})") for name, kind in NUMBERS.items()}
    typed[SALES_DATE] = sales_day(F.col(f"_raw_{SALES_DATE}"))
    typed["product_name"] = _present("product_name")
    return raw.withColumns(typed)


def _unique(frame: DataFrame, key: str) -> DataFrame:
    """One row per `key` (null keys dropped), the first by every column: deterministic."""
    valid, _ = split(frame, [("null_key", F.col(key).isNull())], [key], order=[F.col(c) for c in frame.columns])
    return valid.drop(REASON)


def _rules() -> list[tuple[str, Column]]:
    rules = [("malformed_row", F.col(CORRUPT).isNotNull())]
    for name in MANDATORY:
        kind = "null_key" if name in KEYS else "null_value"
        rules.append((f"{kind}:{name}", _present(name).isNull()))
    for name in (SALES_DATE, *NUMBERS):
        rules.append((f"unparseable:{name}", _present(name).isNotNull() & F.col(name).isNull()))
    difference = F.abs(F.col("total_cost") - F.col("price") * F.col("quantity"))
    rules.append(("total_mismatch", difference > F.lit(TOLERANCE)))
    rules += [("unknown_customer", missing("customer_id")), ("unknown_store", missing("store_id")),
              ("unknown_salesperson", missing("sales_person_id"))]  # fmt: skip
    # Judged only against a known store: an unknown one is its own reason.
    known_store = F.col("store_id").isNotNull() & ~missing("store_id")
    rules.append(("salesperson_not_in_store", known_store & (F.col("_team_store_id") != F.col("store_id"))))
    return rules


def enrich(bronze: DataFrame, customers: DataFrame, stores: DataFrame, team: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(enriched sales, rejects) of the bronze rows; see the module docstring for the rules."""
    customers, stores, team = _unique(customers, "customer_id"), _unique(stores, "id"), _unique(team, "id")
    typed = _typed(bronze)
    flagged = flag_found(typed, "customer_id", customers, "customer_id")
    flagged = flag_found(flagged, "store_id", stores, "id")
    flagged = flag_found(flagged, "sales_person_id", team, "id")
    homes = team.select(F.col("id").alias("_team_id"), F.col("store_id").alias("_team_store_id"))
    flagged = flagged.join(homes, F.col("sales_person_id") == F.col("_team_id"), "left")
    valid, rejected = split(flagged, _rules(), persist=True)

    rejects = rejected.select(
        F.col(REASON).alias("reason"),
        record_json([F.col(f"_raw_{n}").alias(n) for n in MANDATORY] + [ADDITIONAL, CORRUPT]).alias("record"),
        SOURCE_FILE, FILE_ID, PARTITION,
    )  # fmt: skip
    c, s, t = customers.alias("c"), stores.alias("s"), team.alias("t")
    joined = (
        valid.alias("v")
        .join(c, F.col("v.customer_id") == F.col("c.customer_id"))
        .join(s, F.col("v.store_id") == F.col("s.id"))
        .join(t, F.col("v.sales_person_id") == F.col("t.id"))
    )
    enriched = joined.select(
        *[F.col(f"v.{name}").alias(name) for name in MANDATORY if name != SALES_DATE],
        F.col("c.first_name").alias("first_name"), F.col("c.last_name").alias("last_name"),
        F.col("c.address").alias("address"), F.col("c.pincode").alias("pincode"),
        F.col("c.phone_number").alias("phone_number"),
        F.col("s.address").alias("store_address"), F.col("s.store_pincode").alias("store_pincode"),
        F.col("s.store_manager_name").alias("store_manager_name"),
        F.col("t.first_name").alias("sales_person_first_name"), F.col("t.last_name").alias("sales_person_last_name"),
        F.col("t.manager_id").alias("manager_id"), F.col("t.is_manager").alias("is_manager"),
        F.col("t.address").alias("sales_person_address"), F.col("t.pincode").alias("sales_person_pincode"),
        F.col(f"v.{ADDITIONAL}").alias(ADDITIONAL), F.col(f"v.{SOURCE_FILE}").alias(SOURCE_FILE),
        F.col(f"v.{FILE_ID}").alias(FILE_ID),
        F.date_format(F.col(f"v.{SALES_DATE}"), "yyyy-MM").alias(SALES_MONTH),
        F.col(f"v.{SALES_DATE}").alias(SALES_DATE),
    )  # fmt: skip
    return enriched, rejects
