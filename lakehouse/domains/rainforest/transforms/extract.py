"""Bronze extraction: an upstream table's rows for a run's days, typed; events by day, state as versions."""

from datetime import date, datetime, timedelta
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import EXTRACTED_AT, PARTITION, REJECT_COLUMNS
from lakehouse.domains.rainforest.contracts.upstream import Table
from lakehouse.versioning import track
from lakehouse.versioning.as_of import AS_OF, latest


def extract_events(source, spark: SparkSession, table: Table, start: datetime, end: datetime, extracted_at) -> DataFrame:
    """Rows of an event table whose time is in [start, end) (naive UTC midnights), each in its day."""
    frame = source.read(spark, table.name, table.schema, table.time_column, start, end)
    frame = frame.withColumn(PARTITION, F.to_date(table.time_column))
    return frame.select(*table.column_names, F.lit(extracted_at).alias(EXTRACTED_AT), PARTITION)


def extract_versions(
    source, spark: SparkSession, table: Table, start: datetime, end: datetime, extracted_at, history: DataFrame | None
) -> DataFrame:
    """The versions a STATE table gains on the days in [start, end), given its own history before them.

    With timestamps, the source is asked for the rows created before `end` (pushed down to the
    database) and `track.by_timestamp` places each one; without, each run day on which the
    table's export changes (its dated exports, see `TableSource.exports`) is compared with the day
    before by `track.by_comparison`. `history` is the table's own versions before `start` (None on
    the first day).
    """
    spec = table.versioned
    first, last = start.date(), (end - timedelta(days=1)).date()
    previous = None if history is None else latest(history, spec.key)

    def rows(export: date | None = None) -> DataFrame:
        upper = end if spec.by_timestamp else None
        frame = source.read(spark, table.name, table.schema, table.time_column, None, upper, export=export)
        return frame.select(*table.column_names, F.lit(extracted_at).alias(EXTRACTED_AT))

    if spec.by_timestamp:
        return track.by_timestamp(rows(), previous, spec, first, last)
    days = export_days(source.exports(table.name), first, last)
    extracts = reduce(DataFrame.unionByName, [rows(export).withColumn(AS_OF, F.lit(day)) for day, export in days])
    compared = spark.createDataFrame([(day,) for day, _ in days], f"{AS_OF} date")
    return track.by_comparison(extracts, compared, previous, spec)


def export_days(exports: list[date], first: date, last: date) -> list[tuple[date, date | None]]:
    """The run days on which a table's export can change, each with the export that holds it.

    An export dated X is the table at the end of X; day D is held by the earliest export dated on
    or after D, or by the current table when there is none. So the table can only change on the
    run's first day and on the day after each export inside the run.
    """
    days = [first] + [x + timedelta(days=1) for x in exports if first <= x < last]
    held_by = lambda day: next((x for x in exports if x >= day), None)  # noqa: E731
    return [(day, held_by(day)) for day in days]


def unplaceable(source, spark: SparkSession, table: Table, extracted_at: datetime) -> DataFrame:
    """Rows of `table` (and of its dated exports) that no day can hold, with the reason."""
    frames = [(table.name, source.invalid(spark, table.name, table.schema, table.time_column))]
    for export in source.exports(table.name):
        invalid = source.invalid(spark, table.name, table.schema, table.time_column, export=export)
        frames.append((f"{table.name}@{export.isoformat()}", invalid))
    selected = [
        frame.select(F.lit(name).alias("table"), "reason", "record", F.lit(extracted_at).alias(EXTRACTED_AT))
        for name, frame in frames
    ]
    return reduce(DataFrame.unionByName, selected).select(*REJECT_COLUMNS, EXTRACTED_AT)
