"""Bronze extraction: an upstream table's rows for a run's days, typed, placed in their day."""

from datetime import datetime, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.columns import EXTRACTED_AT, PARTITION, REJECT_COLUMNS
from lakehouse.domains.rainforest.upstream import EVENT, Table


def extract(
    source, spark: SparkSession, table: Table, start: datetime, end: datetime, extracted_at: datetime
) -> DataFrame:
    """Rows of `table` for the days in [start, end): events by their time, snapshots once per day.

    `start` and `end` are naive UTC midnights. A snapshot day holds every row created by the end
    of that day, so the source is asked only for rows created before `end` (pushed down to the
    database) and each row is repeated for the run's days it existed on.
    """
    if table.kind == EVENT:
        frame = source.read(spark, table.name, table.schema, table.time_column, start, end)
        frame = frame.withColumn(PARTITION, F.to_date(table.time_column))
    else:
        upper = end if table.time_column else None
        frame = source.read(spark, table.name, table.schema, table.time_column, None, upper)
        last = (end - timedelta(days=1)).date()
        days = F.sequence(F.lit(start.date()), F.lit(last), F.expr("INTERVAL 1 DAY"))
        frame = frame.withColumn(PARTITION, F.explode(days))
        if table.time_column:
            frame = frame.filter(F.to_date(table.time_column) <= F.col(PARTITION))
    return frame.select(*table.column_names, F.lit(extracted_at).alias(EXTRACTED_AT), PARTITION)


def unplaceable(source, spark: SparkSession, table: Table, extracted_at: datetime) -> DataFrame:
    """Rows of `table` that no day can hold (untypeable, or without a time), with the reason."""
    frame = source.invalid(spark, table.name, table.schema, table.time_column)
    return frame.select(
        F.lit(table.name).alias("table"), "reason", "record", F.lit(extracted_at).alias(EXTRACTED_AT)
    ).select(*REJECT_COLUMNS, EXTRACTED_AT)
