"""Table sources: an upstream system's tables read typed, per time window, from CSV exports or a database.

Both sources honour one contract (`TableSource`): `read` returns the rows a window holds, typed
exactly as the caller's StructType; `invalid` returns every row `read` can never return, with a
reason; `exports` lists the dated earlier exports of a table (the table as it stood at the end of
that day), which `read(..., export=day)` reads, so a table without timestamps still has a history.
A database source has none: it holds the current state only. Sources know no domain: the caller passes the table name, its schema and its time column.
PostgreSQL over Spark JDBC lives in `lakehouse.resources.jdbc`.
"""

import glob
import os
import re
from datetime import UTC, date, datetime

from dagster import ConfigurableResource
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructType

from lakehouse.resources.landing import CORRUPT, LandingFiles

REASON, RECORD = "reason", "record"
INVALID_DDL = f"{REASON} string, {RECORD} string"
_REASONS = "_reasons"


class SourceError(Exception):
    """A source cannot be read. `transient`: worth retrying later (unreachable, timed out)."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class TableSource(ConfigurableResource):
    """Where an upstream system's tables come from; see the module docstring for the contract."""

    def read(
        self,
        spark: SparkSession,
        table: str,
        schema: StructType,
        time_column: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        export: date | None = None,
    ) -> DataFrame:
        """Rows whose `time_column` is in [start, end) (None: open bound), typed exactly as `schema`.

        `export`: read that dated export (one of `exports(table)`) instead of the current table.
        """
        raise NotImplementedError

    def invalid(
        self, spark: SparkSession, table: str, schema: StructType, time_column: str | None = None,
        export: date | None = None,
    ) -> DataFrame:  # fmt: skip
        """Every row `read` can never return, as `reason` and `record` (the row's values as JSON)."""
        raise NotImplementedError

    def exports(self, table: str) -> list[date]:
        """The days of the table's dated earlier exports, in order (none by default)."""
        return []

    def describe(self) -> str:
        """Where the tables come from, for logs and metadata (never a secret)."""
        raise NotImplementedError


def utc_naive(moment: datetime) -> datetime:
    """Window bounds are naive UTC (the session time zone); an aware bound is converted."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def bound_text(moment: datetime) -> str:
    return utc_naive(moment).isoformat(sep=" ", timespec="microseconds").removesuffix(".000000")


def in_window(frame: DataFrame, schema: StructType, time_column: str | None, start, end) -> DataFrame:
    """Keep rows with start <= time < end; a null time fails any bound (SQL null semantics)."""
    if time_column is None:
        return frame
    # String literals cast in the session time zone: F.lit(datetime) would use Python's local zone.
    dtype = schema[time_column].dataType
    if start is not None:
        frame = frame.filter(F.col(time_column) >= F.lit(bound_text(start)).cast(dtype))
    if end is not None:
        frame = frame.filter(F.col(time_column) < F.lit(bound_text(end)).cast(dtype))
    return frame


def record_json(columns: list[str], extra: dict[str, Column] | None = None) -> Column:
    """A row's values as one JSON object keyed by column name, nulls kept (values as strings)."""
    fields = [F.col(c).cast("string").alias(c) for c in columns]
    fields += [value.alias(key) for key, value in (extra or {}).items()]
    return F.to_json(F.struct(*fields), {"ignoreNullFields": "false"})


def empty_invalid(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([], INVALID_DDL)


class CsvTables(TableSource):
    """CSV exports `<root>/<domain>/<table>.csv` (header = column names), read with `LandingFiles`.

    `<table>@YYYY-MM-DD.csv` beside it is a dated earlier export: the table at the end of that day.
    """

    root: str
    domain: str

    def describe(self) -> str:
        return f"csv:{LandingFiles(root=self.root).folder(self.domain)}"

    def exports(self, table: str) -> list[date]:
        folder = LandingFiles(root=self.root).folder(self.domain)
        names = (os.path.basename(p) for p in glob.glob(os.path.join(folder, f"{glob.escape(table)}@*.csv")))
        found = (re.fullmatch(rf"{re.escape(table)}@(\d{{4}}-\d{{2}}-\d{{2}})\.csv", n) for n in names)
        return sorted(date.fromisoformat(m.group(1)) for m in found if m)

    def read(self, spark, table, schema, time_column=None, start=None, end=None, export=None) -> DataFrame:
        checked = self._checked(spark, table, schema, time_column, export)
        # A missing time only keeps a row out of bounded windows, which `in_window` does.
        typing = F.filter(_REASONS, lambda r: ~r.startswith("missing_time:"))
        good = checked.filter(F.size(typing) == 0).select(*(f.name for f in schema))
        return in_window(good, schema, time_column, start, end)

    def invalid(self, spark, table, schema, time_column=None, export=None) -> DataFrame:
        checked = self._checked(spark, table, schema, time_column, export)
        bad = checked.filter(F.size(_REASONS) > 0)
        return bad.select(F.concat_ws(";", _REASONS).alias(REASON), RECORD)

    def _checked(
        self, spark: SparkSession, table: str, schema: StructType, time_column: str | None, export: date | None
    ) -> DataFrame:
        """Typed schema columns, `_reasons` (why `read` may not return a row) and the raw `record`."""
        if time_column is not None and time_column not in schema.names:
            raise ValueError(f"time column {time_column!r} is not in the schema of {table}")
        name = f"{table}.csv" if export is None else f"{table}@{export.isoformat()}.csv"
        raw = LandingFiles(root=self.root).read_csv(spark, self.domain, pattern=glob.escape(name))
        names = [f.name for f in schema]
        header = set(raw.columns)
        for name in names:
            if name not in raw.columns:  # not in the header at all: null, and flagged on every row
                raw = raw.withColumn(name, F.lit(None).cast("string"))
        raw = raw.withColumn("_absent_columns", F.coalesce("_absent_columns", F.array().cast("array<string>")))
        # Spark's CSV parser judges a line's width only by the columns a query needs, so a short line
        # passes when its missing fields are pruned: the (never true) length test keeps every column in.
        malformed = F.col(CORRUPT).isNotNull() | (F.length(record_json(names)) < 2)
        problems = []
        typed = []
        for field in schema:
            value = F.col(field.name)
            present = F.nullif(F.trim(value), F.lit(""))  # an empty field is a legitimate NULL
            absent = F.array_contains("_absent_columns", field.name) if field.name in header else F.lit(True)
            if isinstance(field.dataType, StringType):
                parsed = value
                unparseable = F.lit(False)
            else:
                parsed = present.try_cast(field.dataType)
                unparseable = present.isNotNull() & parsed.isNull()
            problems.append(F.when(absent, F.lit(f"missing_column:{field.name}")))
            problems.append(F.when(~absent & unparseable, F.lit(f"unparseable:{field.name}")))
            if field.name == time_column:
                problems.append(F.when(~absent & present.isNull(), F.lit(f"missing_time:{time_column}")))
            typed.append(parsed.cast(field.dataType).alias(field.name))
        listed = F.filter(F.array(*problems), lambda p: p.isNotNull())
        reasons = F.when(malformed, F.array(F.lit("malformed_row"))).otherwise(listed)
        record = F.when(malformed, record_json(names, {"_line": F.col(CORRUPT)})).otherwise(record_json(names))
        return raw.select(*typed, reasons.alias(_REASONS), record.alias(RECORD))
