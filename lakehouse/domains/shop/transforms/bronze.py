"""Landing rows -> bronze: every contract column as text, lineage, and the day each row belongs to.

Customers and products go to the day of their `updated_at`, orders to the day of their
`order_date` (kept as text in `order_ts`), items to the day of their order's (looked up in the
orders' landing files, since an item has no date of its own). A row no day can hold goes to
`bronze/shop/rejects` with its reason: a file lacking a contract column, a malformed line, a
time that does not parse, an item whose order no orders file dates.
"""

from __future__ import annotations

import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.shop.contracts.landing import (
    COLUMNS,
    EXTRA,
    INGESTED_AT,
    PARTITION,
    PLACED_BY,
    RENAMED,
    SOURCE_FILE,
    bronze_columns,
)
from lakehouse.quality import rejects
from lakehouse.quality.landed import text_timestamp
from lakehouse.resources.landing import CORRUPT

REJECT_COLUMNS = ["entity", "reason", "record", SOURCE_FILE, INGESTED_AT]


def order_days(orders: DataFrame) -> DataFrame:
    """order_id -> the day of its `order_date` in the orders' landing files (the earliest, if sent with two)."""
    dated = orders.select(F.trim("order_id").alias("_order_id"), F.to_date(text_timestamp(F.col("order_date"))).alias("_day"))
    return dated.where(F.col("_order_id").isNotNull() & F.col("_day").isNotNull()).groupBy("_order_id").agg(
        F.min("_day").alias("_day")
    )


def to_bronze(
    raw: DataFrame, entity: str, ingested_at: datetime.datetime, orders: DataFrame | None = None
) -> tuple[DataFrame, DataFrame]:
    """(placed rows, rejects) of one entity's landing rows; `orders` (its landing rows) dates the items."""
    absent = F.coalesce(F.col("_absent_columns"), F.array().cast("array<string>"))
    placed_by = PLACED_BY[entity]
    checked = raw.select(
        *[(F.col(c) if c in raw.columns else F.lit(None).cast("string")).alias(RENAMED.get(c, c)) for c in COLUMNS[entity]],
        F.col(EXTRA) if EXTRA in raw.columns else F.lit(None).cast("string").alias(EXTRA),
        F.col(SOURCE_FILE).cast("string").alias(SOURCE_FILE),
        F.lit(ingested_at).cast("timestamp").alias(INGESTED_AT),
        absent.alias("_absent"),
        F.col(CORRUPT).isNotNull().alias("_malformed"),
    )
    if orders is None:
        checked = checked.withColumn("_day", F.to_date(text_timestamp(F.col(RENAMED.get(placed_by, placed_by)))))
        unplaced = f"unparseable:{placed_by}"
    else:
        checked = checked.join(order_days(orders), F.trim(F.col("order_id")) == F.col("_order_id"), "left").drop("_order_id")
        unplaced = "unknown_order"
    rules = [(f"missing_column:{c}", F.array_contains("_absent", c)) for c in COLUMNS[entity]]
    rules += [("malformed_row", F.col("_malformed")), (unplaced, F.col("_day").isNull())]
    valid, rejected = rejects.split(checked, rules)
    placed = valid.select(*bronze_columns(entity), F.col("_day").alias(PARTITION[entity]))
    record = rejects.record_json([RENAMED.get(c, c) for c in COLUMNS[entity]] + [EXTRA])
    refused = rejected.select(
        F.lit(entity).alias("entity"), F.col(rejects.REASON).alias("reason"), record.alias("record"), SOURCE_FILE, INGESTED_AT
    )
    return placed, refused
