"""Load the generated rainforest CSV files into PostgreSQL schema `rainforest` (psycopg 3, COPY).

The database holds the current state only, as the app's own database would: for a table with
`last_updated_ts` (appuser, product, ...) the latest row per key, since a changed row is re-sent at
the end of its file and the primary key allows one; sellerproduct is the current
`sellerproduct.csv`. Dated exports (`<table>@<date>.csv`) are history and are not loaded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from lakehouse.datagen.loading import LoadError, redact, scrub

# Spark type (simpleString) -> PostgreSQL type; decimals map to numeric of the same shape.
SQL_TYPES = {"int": "integer", "string": "text", "boolean": "boolean", "timestamp": "timestamp"}
COPY_BYTES, COPY_ROWS = 1 << 20, 20_000


def upstream():
    """The upstream contract module (SCHEMA, TABLES).

    Imported on use: importing it runs the domain packages (Dagster assets), which the datagen
    registry, its --help and the superstore generator must not depend on.
    """
    from lakehouse.domains.rainforest.contracts import upstream as contract

    return contract


def sql_type(dtype) -> str:
    """PostgreSQL type of an upstream column's Spark type: numeric(p,s) for money and ratings."""
    spark = dtype.simpleString()
    decimal = re.fullmatch(r"decimal\((\d+),(\d+)\)", spark)
    return f"numeric({decimal[1]},{decimal[2]})" if decimal else SQL_TYPES[spark]


def create_table(table) -> str:
    """CREATE TABLE with the primary key and no foreign keys.

    No foreign keys on purpose: the generator's faults (orphan items, NULL buyers) are exactly the
    rows an app database without constraints holds, and the pipeline must cope with them.
    """
    columns = ", ".join(f'"{name}" {sql_type(dtype)}' for name, dtype in table.columns)
    key = ", ".join(f'"{name}"' for name in table.key)
    return f'CREATE TABLE {upstream().SCHEMA}."{table.name}" ({columns}, PRIMARY KEY ({key}))'


def load(db_url: str, csv_dir: Path) -> dict[str, int]:
    """Replace schema `rainforest` with the CSV files' rows, in one transaction; rows per table.

    The password may be in the URL or come from PGPASSWORD (libpq reads it).
    """
    import psycopg  # only the database path needs the driver

    schema, loaded = upstream().SCHEMA, {}
    try:
        with psycopg.connect(db_url) as conn, conn.cursor() as cur:  # commits on success
            cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cur.execute(f"CREATE SCHEMA {schema}")
            for table in upstream().TABLES.values():
                cur.execute(create_table(table))
                columns = ", ".join(f'"{name}"' for name in table.column_names)
                # CSV format: an unquoted empty field is NULL, exactly as the files encode it.
                copy_sql = f'COPY {schema}."{table.name}" ({columns}) FROM STDIN (FORMAT csv, HEADER true)'
                with cur.copy(copy_sql) as copy:
                    for chunk in _current(table, Path(csv_dir) / f"{table.name}.csv"):
                        copy.write(chunk)
                loaded[table.name] = cur.rowcount
    except psycopg.Error as exc:
        raise LoadError(f"loading {redact(db_url)} failed: {scrub(str(exc), db_url)}") from None
    return loaded


def _current(table, path: Path) -> Iterator[bytes]:
    """The CSV file in chunks for COPY; with `last_updated_ts`, only the latest row per key."""
    if "last_updated_ts" not in table.column_names:
        with open(path, "rb") as fh:
            while chunk := fh.read(COPY_BYTES):
                yield chunk
        return
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        key, updated = [header.index(name) for name in table.key], header.index("last_updated_ts")
        latest: dict[tuple[str, ...], list[str]] = {}
        for row in reader:  # a re-sent row comes later in the file, so a tie goes to it
            at = tuple(row[i] for i in key)
            if at not in latest or row[updated] >= latest[at][updated]:
                latest[at] = row  # keeps the key's first position: base order
    rows = [header, *latest.values()]
    for i in range(0, len(rows), COPY_ROWS):
        buf = io.StringIO()  # the generator's own CSV dialect: an unquoted empty field stays NULL
        csv.writer(buf, lineterminator="\n").writerows(rows[i : i + COPY_ROWS])
        yield buf.getvalue().encode("utf-8")
