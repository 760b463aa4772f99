"""Bronze -> silver: typing, cleaning, rejects with reasons (lakehouse.quality.rejects) and deterministic de-duplication."""

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.domains.superstore.contracts.columns import BUSINESS_COLUMNS, clean_text, parse_date
from lakehouse.quality import rejects
from lakehouse.quality.rejects import Rule

SILVER_COLUMNS: list[str] = [*BUSINESS_COLUMNS, "_source_file", "_ingested_at", "_duplicates_removed"]

# Everything but row_id: two lines equal on all of these are the same line delivered twice.
DEDUP_KEY: list[str] = [name for name in BUSINESS_COLUMNS if name != "row_id"]


def _typed(name: str) -> Column:
    """The silver value of one bronze business column."""
    if name == "row_id":
        return clean_text(name).try_cast("int")
    if name == "order_date":
        return F.col("partition_date")  # bronze already parsed it to place the row
    if name == "ship_date":
        return parse_date(name)
    if name == "sales":
        return clean_text(name).try_cast("decimal(18,4)")
    return clean_text(name)


def _typed_col(name: str) -> Column:
    """The typed twin of a bronze column while both live side by side."""
    return F.col(f"_typed_{name}")


def _rules() -> list[Rule]:
    """The contract's rules, in its order, on the typed twins of the bronze columns."""
    return [
        ("unparseable_row_id", _typed_col("row_id").isNull()),
        ("null_order_id", _typed_col("order_id").isNull()),
        ("null_customer_id", _typed_col("customer_id").isNull()),
        ("unparseable_ship_date", _typed_col("ship_date").isNull()),
        ("unparseable_sales", _typed_col("sales").isNull()),
        ("ship_before_order", _typed_col("ship_date") < _typed_col("order_date")),
        ("negative_sales", _typed_col("sales") < 0),
    ]


def to_silver(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Type, clean, reject and de-duplicate bronze rows: (silver rows, silver rejects)."""
    # Typed values sit next to the untouched bronze columns so rejects can keep the raw strings.
    checked = bronze.select("*", *[_typed(name).alias(f"_typed_{name}") for name in BUSINESS_COLUMNS])
    valid, rejected = rejects.split(checked, _rules())
    rejected = rejected.select(*bronze.columns, F.col(rejects.REASON).alias("reject_reason"))
    typed = valid.select(*[_typed_col(name).alias(name) for name in BUSINESS_COLUMNS], "_source_file", "_ingested_at")

    # Window over the whole key (nulls group together) instead of dropDuplicates, whose survivor is arbitrary.
    duplicates = Window.partitionBy(*DEDUP_KEY)
    first = duplicates.orderBy("row_id", "_source_file", "_ingested_at")
    silver = (
        typed.withColumn("_rank", F.row_number().over(first))
        .withColumn("_duplicates_removed", (F.count(F.lit(1)).over(duplicates) - 1).cast("int"))
        .filter(F.col("_rank") == 1)
        .select(*SILVER_COLUMNS)
    )
    return silver, rejected
