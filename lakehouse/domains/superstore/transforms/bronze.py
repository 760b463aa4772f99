"""Landing rows -> bronze: snake_case names, lineage, order-date partition, rejects with reasons."""

import datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.superstore.contracts.columns import BUSINESS_COLUMNS, parse_date, snake_case, snake_case_col
from lakehouse.quality import rejects


def _absent_snake_names(raw: DataFrame) -> Column:
    """The row's file-level absent headers, translated to snake_case (empty when not provided)."""
    if "_absent_columns" not in raw.columns:
        return F.array().cast("array<string>")
    return F.coalesce(F.transform("_absent_columns", snake_case_col), F.array().cast("array<string>"))


def _missing(snake: str, spellings: int) -> Column:
    """True when the row's file has none of the raw spellings of one business column."""
    if spellings == 0:
        return F.lit(True)
    if spellings == 1:
        return F.array_contains("_absent_snake", F.lit(snake))
    absent = F.size(F.filter("_absent_snake", lambda name: name == F.lit(snake)))
    return absent >= F.lit(spellings)


def to_bronze(raw: DataFrame, ingested_at: datetime.datetime) -> tuple[DataFrame, DataFrame]:
    """Split landing rows into (placed bronze rows, bronze rejects)."""
    # Different files may spell one column differently ("Postal Code", "postal code"):
    # they land as separate raw columns that share one snake name and are merged here.
    spellings: dict[str, list[str]] = {}
    for name in raw.columns:
        if not name.startswith("_"):
            spellings.setdefault(snake_case(name), []).append(name)
    extra_columns = [name for name in spellings if name not in BUSINESS_COLUMNS]

    def text(snake: str) -> Column:
        raw_names = spellings.get(snake, [])
        if not raw_names:
            return F.lit(None).cast("string")
        return F.coalesce(*[F.col("`" + name.replace("`", "``") + "`") for name in raw_names]).cast("string")

    if ingested_at.tzinfo is None:  # naive means UTC here, never the driver's local zone
        ingested_at = ingested_at.replace(tzinfo=datetime.timezone.utc)
    corrupt = F.col("_corrupt_record") if "_corrupt_record" in raw.columns else F.lit(None)

    snake_columns = BUSINESS_COLUMNS + extra_columns
    checked = raw.withColumn("_absent_snake", _absent_snake_names(raw)).select(
        *[text(name).alias(name) for name in snake_columns],
        F.col("_source_file").cast("string").alias("_source_file"),
        F.lit(ingested_at).cast("timestamp").alias("_ingested_at"),
        parse_date(text("order_date")).alias("partition_date"),
        *[_missing(name, len(spellings.get(name, []))).alias(f"_missing_{name}") for name in BUSINESS_COLUMNS],
        corrupt.isNotNull().alias("_malformed"),
    )
    rules = [(f"missing_column:{name}", F.col(f"_missing_{name}")) for name in BUSINESS_COLUMNS]
    rules += [("malformed_row", F.col("_malformed")), ("unparseable_order_date", F.col("partition_date").isNull())]
    valid, rejected = rejects.split(checked, rules)

    lineage = [*snake_columns, "_source_file", "_ingested_at"]
    placed = valid.select(*lineage, "partition_date")
    rejected = rejected.select(*lineage, F.col(rejects.REASON).alias("reject_reason"))
    return placed, rejected
