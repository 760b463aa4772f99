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
        # One select of SQL expressions: built from Column objects, every function, literal and
        # operator is a call into the JVM (~20 per column, 22k in a rainforest day, ~4 s of it).
        return raw.selectExpr(*_checked_columns(schema, time_column, set(raw.columns)))


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _text(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _json_sql(values: dict[str, str]) -> str:
    """SQL of a JSON object of `values` (name -> SQL expression) as strings, nulls kept."""
    fields = ", ".join(f"{_text(key)}, CAST({value} AS STRING)" for key, value in values.items())
    return f"to_json(named_struct({fields}), map('ignoreNullFields', 'false'))"


def _checked_columns(schema: StructType, time_column: str | None, header: set[str]) -> list[str]:
    """The SQL expressions of `CsvTables._checked` over a `LandingFiles.read_csv` frame with columns `header`."""
    # A column not in the header at all is null, and flagged on every row.
    values = {f.name: _quoted(f.name) if f.name in header else "CAST(NULL AS STRING)" for f in schema}
    absent_columns = "coalesce(_absent_columns, CAST(array() AS array<string>))"
    problems, typed = [], []
    for field in schema:
        value, kind = values[field.name], field.dataType.simpleString()
        present = f"nullif(trim({value}), '')"  # an empty field is a legitimate NULL
        absent = f"array_contains({absent_columns}, {_text(field.name)})" if field.name in header else "true"
        if isinstance(field.dataType, StringType):
            parsed, unparseable = value, "false"
        else:
            parsed = f"try_cast({present} AS {kind})"
            unparseable = f"({present} IS NOT NULL AND {parsed} IS NULL)"
        problems.append(f"CASE WHEN {absent} THEN {_text('missing_column:' + field.name)} END")
        problems.append(f"CASE WHEN NOT ({absent}) AND {unparseable} THEN {_text('unparseable:' + field.name)} END")
        if field.name == time_column:
            problems.append(f"CASE WHEN NOT ({absent}) AND {present} IS NULL THEN {_text('missing_time:' + field.name)} END")
        typed.append(f"CAST({parsed} AS {kind}) AS {_quoted(field.name)}")
    # Spark's CSV parser judges a line's width only by the columns a query needs, so a short line
    # passes when its missing fields are pruned: the (never true) length test keeps every column in.
    malformed = f"({_quoted(CORRUPT)} IS NOT NULL OR length({_json_sql(values)}) < 2)"
    listed = f"filter(array({', '.join(problems)}), p -> p IS NOT NULL)"
    with_line = _json_sql({**values, "_line": _quoted(CORRUPT)})
    return [
        *typed,
        f"CASE WHEN {malformed} THEN array('malformed_row') ELSE {listed} END AS {_REASONS}",
        f"CASE WHEN {malformed} THEN {with_line} ELSE {_json_sql(values)} END AS {RECORD}",
    ]
