"""`lakehouse tables`: the data catalog, one line per table of the warehouse.

Each line: the table's SQL view (`<layer>.<domain>_<table>`, as `lakehouse sql` names it), layer,
kind (events, versioned, periodic snapshot), partition column, committed partitions and the latest
of them, the latest partition the Dagster instance recorded a materialization of (and when), the
row count and the column count. `--columns` adds each table's columns and DuckDB types (the ones
`describe` shows in `lakehouse sql`); `--csv` prints CSV; `--layer` and `--domain` filter.

Where each value comes from:
- the warehouse, through the store `lakehouse sql` uses (local folder or S3; lakehouse.cli.layout):
  the tables, their committed partitions and `_schema.json` fields. Rows are summed from the
  committed Parquet files' footers (DuckDB's `parquet_file_metadata`, one query per table), so no
  data is scanned.
- the code location (`lakehouse.definitions`): the kind, from the table's asset metadata
  (lakehouse.table_kinds). Importing it takes ~3-4 s (Dagster and the pyspark modules; no JVM
  starts), most of this command's time. A table with no asset there is "versioned" if its folder
  says so, else "unknown".
- the Dagster instance DAGSTER_HOME names: the latest partition key materialized, or for an
  unpartitioned asset the latest materialization. Without an instance these are `-`, with one note
  on stderr saying what to set: the catalog never fails for that.
Absent values print as `-` (an empty field in CSV); text numbers have thousands separators.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

from lakehouse.cli import CliError, dagster_home, one_line
from lakehouse.keys import LAYERS

HELP = "List every table: layer, kind, partitions, last materialized partition, rows and columns."
HEADER = ["table", "layer", "kind", "partition", "partitions", "last partition", "last materialized", "rows", "columns"]
NUMERIC = [False, False, False, False, True, False, False, True, True]
COLUMNS_HEADER = ["table", "column", "type"]
UNKNOWN = "unknown"  # the kind of a table no asset of the code location writes
# Partition keys ordered as text only when they are all ISO days or months (`YYYY-MM[-DD]`).
_ISO = re.compile(r"\d{4}-\d{2}(-\d{2})?")


@dataclass(frozen=True)
class Entry:
    """One catalog line; None is a value that does not apply or is not known."""

    view: str
    layer: str
    kind: str
    partition: str | None
    partitions: int | None
    last_partition: str | None
    last_materialized: str | None
    rows: int | None
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)


def add_arguments(parser) -> None:
    parser.add_argument("--layer", choices=LAYERS, help="only this layer's tables")
    parser.add_argument("--domain", metavar="D", help="only this domain's tables")
    parser.add_argument("--columns", action="store_true",
                        help="list each table's columns and types (in CSV: one row per column)")  # fmt: skip
    parser.add_argument("--csv", action="store_true", help="print CSV (a header line, then rows)")


def run(args) -> int:
    from lakehouse.cli import output
    from lakehouse.cli.layout import discover
    from lakehouse.cli.stores import open_warehouse
    from lakehouse.settings import Settings

    store = open_warehouse(Settings.from_env())
    tables, skipped = discover(store.paths(), store.read_text)
    if not tables and not skipped:
        raise CliError(f"no tables under {store.label}: {store.hint}")
    for folder, reason in skipped:
        print(f"lakehouse tables: skipped {folder}: {reason}", file=sys.stderr)
    tables = sorted((t for t in tables if args.layer in (None, t.layer) and args.domain in (None, t.domain)),
                    key=lambda t: (LAYERS.index(t.layer), t.domain, t.name))  # fmt: skip
    specs = _asset_specs()
    rows = _row_counts(store, tables)
    materialized = _materializations([(t.layer, t.domain, t.name) for t in tables])
    entries = [_entry(t, specs.get((t.layer, t.domain, t.name)), rows[t.folder], materialized.get((t.layer, t.domain, t.name)))
               for t in tables]  # fmt: skip
    if args.csv and args.columns:
        output.write_csv(COLUMNS_HEADER, [(e.view, name, kind) for e in entries for name, kind in e.columns], sys.stdout)
    elif args.csv:
        output.write_csv(HEADER, [_values(e) for e in entries], sys.stdout)
    else:
        text = [[_text(value) for value in _values(e)] for e in entries]
        if args.columns:  # the count, then one `name type` line per column, stacked in the cell
            text = [[*row[:-1], "\n".join([row[-1], *(f"{n} {k}" for n, k in e.columns)])] for row, e in zip(text, entries)]
        output.write_table(HEADER, NUMERIC[:-1] + [not args.columns], text, sys.stdout)
    return 0


def _values(entry: Entry) -> tuple:
    return (entry.view, entry.layer, entry.kind, entry.partition, entry.partitions, entry.last_partition,
            entry.last_materialized, entry.rows, len(entry.columns))  # fmt: skip


def _text(value) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _entry(table, spec, rows, last_materialized) -> Entry:
    from lakehouse.cli.views import duckdb_type
    from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
    from lakehouse.table_kinds import VERSIONED_STATE, kind_of

    if spec is None:
        kind, partition = (VERSIONED_STATE if table.versioning else UNKNOWN), table.partition
    else:
        try:
            kind = kind_of(spec.metadata)
        except ValueError as error:
            raise CliError(f"asset {spec.key.to_user_string()}: {error}") from None
        # A partitioned table with no partition folder yet is still partitioned: its asset says by what.
        partition = table.partition or spec.metadata.get(PARTITION_EXPR)

    def column_type(spark_type) -> str:
        try:
            return duckdb_type(spark_type)
        except ValueError:
            return str(spark_type)

    return Entry(
        view=table.view,
        layer=table.layer,
        kind=kind,
        partition=partition,
        partitions=table.partitions if partition else None,
        last_partition=latest(table.committed),
        last_materialized=last_materialized,
        rows=rows,
        columns=tuple((f["name"], column_type(f["type"])) for f in table.fields),
    )


def latest(keys) -> str | None:
    """The latest partition key: ISO days or months compare as text, whole numbers as numbers."""
    keys = list(keys)
    if not keys:
        return None
    if all(_ISO.fullmatch(key) for key in keys) or not all(key.isdigit() for key in keys):
        return max(keys)
    return max(keys, key=int)


def _asset_specs() -> dict[tuple, object]:
    """The code location's assets by key path; none (and a note) if it cannot be loaded."""
    try:
        from lakehouse.definitions import defs

        return {tuple(spec.key.path): spec for spec in defs.resolve_all_asset_specs()}
    except Exception as error:  # the catalog still lists the warehouse: kinds are then its own
        print(f"lakehouse tables: kinds not read from lakehouse.definitions ({type(error).__name__}: "
              f"{one_line(str(error))})", file=sys.stderr)  # fmt: skip
        return {}


def _row_counts(store, tables) -> dict[str, int | None]:
    """Per table folder the rows of its committed files, from their Parquet footers (None: unreadable)."""
    import duckdb

    from lakehouse.cli.stores import duckdb_connection

    con = duckdb_connection(store)
    counts: dict[str, int | None] = {}
    for table in tables:
        if not table.files:
            counts[table.folder] = 0
            continue
        try:
            # The footer's num_rows per file: the same count `SELECT count(*)` gives, no column read.
            query = "SELECT sum(num_rows) FROM parquet_file_metadata(?)"
            counts[table.folder] = int(con.execute(query, [[store.uri(f) for f in table.files]]).fetchone()[0])
        except duckdb.Error as error:
            counts[table.folder] = None
            print(f"lakehouse tables: rows of {table.view} not counted: {one_line(str(error))}", file=sys.stderr)
    return counts


def _materializations(keys: list[tuple]) -> dict[tuple, str]:
    """Per asset key path, its latest materialized partition and when; {} (and a note) without an instance."""
    try:
        home = dagster_home(create=False)
    except CliError as error:
        print(f"lakehouse tables: last materialized not shown: {error}", file=sys.stderr)
        return {}
    from dagster import AssetKey, DagsterInstance

    try:
        with DagsterInstance.from_config(str(home)) as instance:
            found = {key: _last_materialized(instance, AssetKey(list(key))) for key in keys}
    except Exception as error:  # an instance it cannot read must not keep the warehouse from being listed
        print(f"lakehouse tables: last materialized not shown: cannot read the instance in {home} "
              f"({type(error).__name__}: {one_line(str(error))})", file=sys.stderr)  # fmt: skip
        return {}
    return {key: value for key, value in found.items() if value is not None}


def _last_materialized(instance, key) -> str | None:
    """`<partition> (<when> UTC)` of the latest partition materialized; `<when> UTC` if unpartitioned."""
    from dagster import AssetRecordsFilter, DagsterEventType

    # One grouped query on the event log's (asset key, event type, partition) index returns each
    # partition's latest event id without deserializing any event, so a few thousand partitions cost
    # milliseconds; then one event is fetched, for its time. Not get_latest_materialization_event:
    # it is the event written last, which after a backfill of old days is not the latest partition.
    by_partition = instance.get_latest_storage_id_by_partition(key, DagsterEventType.ASSET_MATERIALIZATION)
    if by_partition:
        partition = latest(by_partition)
        page = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, storage_ids=[by_partition[partition]]), limit=1)
        return f"{partition} ({_when(page.records[0].timestamp)})" if page.records else partition
    event = instance.get_latest_materialization_event(key)
    return None if event is None else _when(event.timestamp)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
