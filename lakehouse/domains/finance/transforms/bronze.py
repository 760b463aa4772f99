"""Sources -> bronze: each table's rows of a run's days as extracted, and the transaction events as documents.

A relational row lands in the day of its `Table.time` (customers and accounts: `updated_at`;
transactions: `timestamp`); one that no day can hold (a value its column's type cannot take, no
time) goes to `bronze/finance/rejects`, with the reason the source gives. An event line lands in
the day of its `event_ts`; a line that is not a JSON object, or whose `event_ts` is missing or
not a time, goes to the rejects. Everything else a document may get wrong (a missing
`transaction_id`, a wrong type, a value out of range, a re-sent event) is silver's to judge: bronze
is the raw zone and keeps every field as the document wrote it, plus the line itself.
"""

from __future__ import annotations

from datetime import datetime
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, StringType, StructField, StructType, TimestampType

from lakehouse.domains.finance.contracts.upstream import EVENT_PARTITION, EVENT_SCHEMA, EVENTS, EXTRACTED_AT, TABLES, Table
from lakehouse.quality.landed import text_timestamp
from lakehouse.resources.sources import record_json

LINE, SOURCE_FILE = "_line", "_source_file"
EVENT_COLUMNS = [*EVENT_SCHEMA.names, LINE, SOURCE_FILE, EXTRACTED_AT, EVENT_PARTITION]


def event_schema() -> StructType:
    """bronze/finance/transaction_events' columns, for a run with no event files."""
    extra = [StructField(LINE, StringType()), StructField(SOURCE_FILE, StringType()),
             StructField(EXTRACTED_AT, TimestampType()), StructField(EVENT_PARTITION, DateType())]  # fmt: skip
    return StructType([*EVENT_SCHEMA.fields, *extra])


def extract(source, spark: SparkSession, table: Table, start: datetime, end: datetime, extracted_at: datetime) -> DataFrame:
    """The rows of `table` whose time is in [start, end) (naive UTC midnights; pushed down to a database), each in its day."""
    frame = source.read(spark, table.name, table.schema, table.time, start, end)
    return frame.select(*table.schema.names, F.lit(extracted_at).alias(EXTRACTED_AT), F.to_date(table.time).alias(table.partition))


def unplaceable(source, spark: SparkSession, extracted_at: datetime) -> DataFrame:
    """Every row of the three tables that no day can hold, with the source's reason."""
    frames = [
        source.invalid(spark, t.name, t.schema, t.time).select(F.lit(t.name).alias("table"), "reason", "record")
        for t in TABLES.values()
    ]
    return reduce(DataFrame.unionByName, frames).withColumn(EXTRACTED_AT, F.lit(extracted_at))


def _documents(lines: DataFrame, extracted_at: datetime) -> DataFrame:
    """Each non-blank line with its fields as text (EVENT_SCHEMA), whether it is a JSON object, and its time."""
    # A blank line is no record (a trailing newline, a separator): there is nothing to keep of it.
    lines = lines.where(F.trim("value") != "")
    # get_json_object(.., '$') is null exactly when the text is not valid JSON; from_json alone
    # would make a struct of nulls of a cut line, indistinguishable from an empty object.
    is_object = F.trim("value").startswith("{") & F.get_json_object("value", "$").isNotNull()
    parsed = F.from_json("value", EVENT_SCHEMA)
    return lines.select(
        parsed.alias("_doc"), F.col("value").alias(LINE), SOURCE_FILE, is_object.alias("_is_object"),
        F.lit(extracted_at).alias(EXTRACTED_AT),
    ).select(
        *[F.col(f"_doc.{name}").alias(name) for name in EVENT_SCHEMA.names], LINE, SOURCE_FILE, EXTRACTED_AT,
        "_is_object", F.to_date(text_timestamp(F.col("_doc.event_ts"))).alias(EVENT_PARTITION),
    )  # fmt: skip


def events(lines: DataFrame, extracted_at: datetime) -> DataFrame:
    """Event documents that a day can hold (`lines`: `value`, `_source_file`), in the day of their `event_ts`."""
    docs = _documents(lines, extracted_at)
    return docs.where(F.col("_is_object") & F.col(EVENT_PARTITION).isNotNull()).select(*EVENT_COLUMNS)


def unplaceable_events(lines: DataFrame, extracted_at: datetime) -> DataFrame:
    """Event lines no day can hold: `malformed_json` (not a JSON object), `missing_time:event_ts`, `unparseable:event_ts`."""
    docs = _documents(lines, extracted_at)
    reason = (
        F.when(~F.col("_is_object"), F.lit("malformed_json"))
        .when(F.col("event_ts").isNull() | (F.trim("event_ts") == ""), F.lit("missing_time:event_ts"))
        .otherwise(F.lit("unparseable:event_ts"))
    )
    record = record_json([LINE, SOURCE_FILE])
    rejected = docs.where(~F.col("_is_object") | F.col(EVENT_PARTITION).isNull())
    return rejected.select(F.lit(EVENTS).alias("table"), reason.alias("reason"), record.alias("record"), EXTRACTED_AT)
