"""The DuckDB objects `lakehouse sql` creates over the warehouse's committed files.

- One schema per layer and one view per table, `<layer>.<domain>_<table>`, reading exactly the
  committed Parquet files, columns in `_schema.json` order, the partition column typed as there.
  A table without files is a view of zero rows with the same columns and types.
- A versioned table's view adds, per key ordered by (valid_from, version_in_day), `valid_to` and
  `valid_to_ts` (the next version's `valid_from` and `valid_from_ts`, NULL for the last one) and
  `is_current` (the last version, unless it is a deletion).
- A versioned table also gets the table macro `<layer>.<domain>_<table>_as_of(as_of_day)`: per key the
  latest version with valid_from <= as_of_day (a DATE or a 'YYYY-MM-DD' string), deleted keys dropped;
  its columns are the table's own plus valid_from and valid_from_ts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lakehouse.cli.layout import LAYERS, Table
from lakehouse.versioning.spec import IS_DELETED, SEQ, VALID_FROM_TS, VERSION_COLUMNS

AS_OF_PARAMETER = "as_of_day"  # a name no table column is expected to have (it would be shadowed)

_SPARK_TYPES = {
    "string": "VARCHAR",
    "byte": "TINYINT",
    "short": "SMALLINT",
    "integer": "INTEGER",
    "long": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "binary": "BLOB",
    "date": "DATE",
    # Spark's session-zone timestamp: shown as UTC wall time, the type rows_sql casts it to.
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
}


def duckdb_type(spark_type) -> str:
    """The DuckDB type of a Spark type as it appears in a StructType's JSON."""
    if isinstance(spark_type, dict):
        kind = spark_type.get("type")
        if kind == "struct":
            fields = (f"{quote(f['name'])} {duckdb_type(f['type'])}" for f in spark_type["fields"])
            return f"STRUCT({', '.join(fields)})"
        if kind == "array":
            return f"{duckdb_type(spark_type['elementType'])}[]"
        if kind == "map":
            return f"MAP({duckdb_type(spark_type['keyType'])}, {duckdb_type(spark_type['valueType'])})"
        raise ValueError(f"unsupported Spark type {kind!r}")
    decimal = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", spark_type)
    if decimal:
        return f"DECIMAL({decimal[1]}, {decimal[2]})"
    if re.fullmatch(r"(var)?char\(\d+\)", spark_type):
        return "VARCHAR"
    if spark_type not in _SPARK_TYPES:
        raise ValueError(f"unsupported Spark type {spark_type!r}")
    return _SPARK_TYPES[spark_type]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _object(table: Table, suffix: str = "") -> str:
    return f"{quote(table.layer)}.{quote(f'{table.domain}_{table.name}{suffix}')}"


def _spark_type(table: Table, column: str):
    # A partition column missing from _schema.json is typed as its folder names are: text.
    return next((f["type"] for f in table.fields if f["name"] == column), "string")


def rows_sql(table: Table, uri: Callable[[str], str]) -> str:
    """A SELECT of the table's committed rows (Spark types are mapped only where DuckDB cannot read them)."""
    columns = table.columns + ([table.partition] if table.partition and table.partition not in table.columns else [])
    if not table.files:
        nulls = ", ".join(f"CAST(NULL AS {duckdb_type(_spark_type(table, c))}) AS {quote(c)}" for c in columns)
        return f"SELECT {nulls} WHERE false"
    files = "[" + ", ".join(literal(uri(path)) for path in table.files) + "]"
    if table.partition:
        kind = duckdb_type(_spark_type(table, table.partition))
        options = f"hive_partitioning = true, hive_types = {{{literal(table.partition)}: {literal(kind)}}}"
    else:
        # Off, or a `name=value` folder above the warehouse would show up as a column.
        options = "hive_partitioning = false"
    # Spark writes timestamps as INT96 (TIMESTAMP to DuckDB) or as UTC-adjusted micros (TIMESTAMPTZ)
    # depending on its settings; the cast gives every view the type its empty form has.
    timestamps = {f["name"] for f in table.fields if f["type"] == "timestamp"} - {table.partition}
    select = ", ".join(f"CAST({quote(c)} AS TIMESTAMP) AS {quote(c)}" if c in timestamps else quote(c) for c in columns)
    return f"SELECT {select} FROM read_parquet({files}, {options})"


def _versioning(table: Table) -> tuple[str, str, list[str]]:
    """Quoted day column, key columns and per-key version order of a versioned table."""
    day = quote(table.versioning.partition)
    return day, ", ".join(map(quote, table.versioning.key)), [day, quote(SEQ)]


def _versions_sql(table: Table, rows: str) -> str:
    day, key, order = _versioning(table)
    return (
        f"SELECT *, lead({day}) OVER w AS valid_to, lead({quote(VALID_FROM_TS)}) OVER w AS valid_to_ts, "
        f"(lead({day}) OVER w IS NULL AND NOT coalesce({quote(IS_DELETED)}, false)) AS is_current "
        f"FROM ({rows}) WINDOW w AS (PARTITION BY {key} ORDER BY {', '.join(order)})"
    )


def _as_of_sql(table: Table, rows: str) -> str:
    day, key, order = _versioning(table)
    own = [c for c in table.columns if c not in (*VERSION_COLUMNS, table.versioning.partition)]
    columns = ", ".join(map(quote, [*own, table.versioning.partition, VALID_FROM_TS]))
    newest_first = ", ".join(f"{column} DESC" for column in order)
    return (
        f"CREATE MACRO {_object(table, '_as_of')}({AS_OF_PARAMETER}) AS TABLE "
        f"SELECT {columns} FROM ("
        f"SELECT * FROM ({rows}) WHERE {day} <= CAST({AS_OF_PARAMETER} AS DATE) "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {newest_first}) = 1"
        f") WHERE NOT coalesce({quote(IS_DELETED)}, false)"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _files_info(table: Table) -> str:
    info = _count(len(table.files), "file")
    if table.partition:
        info = f"{_count(table.partitions, 'partition')}, {info}"
    if table.uncommitted:
        info += f", {_count(table.uncommitted, 'uncommitted partition')} skipped"
    return info


def create_objects(con, tables: list[Table], skipped: list[tuple[str, str]], uri: Callable[[str], str]) -> list[tuple]:
    """Create the schemas, views and macros; return (name, kind, partition, info) rows, by name.

    A table whose objects cannot be created is listed as skipped with the reason, so one damaged
    table does not keep the others from being queried.
    """
    import duckdb

    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(layer)}")
    listing = [(folder, "skipped", "", reason) for folder, reason in skipped]
    for table in tables:
        try:
            rows = rows_sql(table, uri)
            if not table.versioning:
                con.execute(f"CREATE VIEW {_object(table)} AS {rows}")
                listing.append((table.view, "view", table.partition or "", _files_info(table)))
                continue
            con.execute(f"CREATE VIEW {_object(table)} AS {_versions_sql(table, rows)}")
            con.execute(_as_of_sql(table, rows))
        except (ValueError, duckdb.Error) as error:
            con.execute(f"DROP VIEW IF EXISTS {_object(table)}")
            listing.append((table.folder, "skipped", "", str(error).splitlines()[0]))
            continue
        key = ", ".join(table.versioning.key)
        listing += [
            (table.view, "versioned view", table.partition,
             f"key {key}; {_files_info(table)}; adds valid_to, valid_to_ts, is_current"),
            (f"{table.view}_as_of({AS_OF_PARAMETER})", "table macro", table.partition,
             f"per {key} the latest version with {table.partition} <= {AS_OF_PARAMETER}, deleted keys dropped"),
        ]
    return sorted(listing)
