"""Store files -> bronze rows: every mandatory column as text, the rest folded, placed in a day."""

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.domains.sales.contracts.columns import (
    ADDITIONAL,
    BRONZE,
    CORRUPT,
    FILE_ID,
    INGESTED_AT,
    MANDATORY,
    PARTITION,
    SOURCE_FILE,
)
from lakehouse.resources.landing import read_csv_files

FILES_DDL = f"_path string, {SOURCE_FILE} string, {FILE_ID} long, {INGESTED_AT} string, _first_day string"
_ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"


def sales_day(text: Column) -> Column:
    """A `yyyy-MM-dd` text as a date; null when it is not exactly one (no lenient parsing)."""
    trimmed = F.trim(text)
    return F.when(trimmed.rlike(_ISO_DAY), F.try_to_date(trimmed, "yyyy-MM-dd"))


def _local_path(uri: Column) -> Column:
    """Spark's `_metadata.file_path` (a URI) as the plain path the ledger knows."""
    # A '+' is literal in a URI path but would decode to a space: keep it.
    decoded = F.url_decode(F.replace(uri, F.lit("+"), F.lit("%2B")))
    return F.regexp_replace(decoded, r"^file:/+", "/")


def to_bronze(spark: SparkSession, files: list[tuple], days: list[str], headers: dict | None = None) -> DataFrame:
    """The rows of `files` that fall on `days`, in BRONZE columns.

    `files`: (path, file name, ledger id, first seen at (ISO), first day the file names). A row's
    day is its sales_date, or its file's first day when that does not read as a date (the row is
    rejected in silver, with its reason, on that day). `headers`: each path's column names, when
    the paths are not local files.
    """
    empty = spark.createDataFrame([], ", ".join(f"`{c}` string" for c in BRONZE))
    raw = read_csv_files(spark, [f[0] for f in files], fold=(MANDATORY, ADDITIONAL), headers=headers) if files else None
    if raw is None:
        return empty.select(*_typed(empty))
    known = spark.createDataFrame(files, FILES_DDL)
    joined = raw.withColumn("_path", _local_path(F.col("_source_file"))).drop("_source_file").join(known, "_path")
    day = F.coalesce(sales_day(F.col("sales_date")), F.to_date("_first_day"))
    placed = joined.withColumn(PARTITION, day).where(F.col(PARTITION).isin([F.lit(d).cast("date") for d in days]))
    for name in (*MANDATORY, ADDITIONAL, CORRUPT):
        if name not in placed.columns:
            placed = placed.withColumn(name, F.lit(None).cast("string"))
    return placed.select(*_typed(placed))


def _typed(frame: DataFrame) -> list[Column]:
    cast = {FILE_ID: "long", INGESTED_AT: "timestamp", PARTITION: "date"}
    return [F.col(name).cast(cast.get(name, "string")).alias(name) for name in BRONZE]
