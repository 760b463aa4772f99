"""Load the generated sales dimension tables into PostgreSQL (schema `sales`) or MySQL/MariaDB.

The tables are created from the domain's upstream contract (dropped first: a load gives exactly
the generated rows); an empty CSV field is NULL. The password never appears in a message.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from lakehouse.datagen.loading import LoadError, redact

SQL_TYPES = {"int": "INTEGER", "string": "VARCHAR(255)", "date": "DATE"}


def _sql_type(kind: str) -> str:
    return kind.upper() if kind.startswith("decimal") else SQL_TYPES[kind]


def load(folder: Path, url: str) -> str:
    """Load `<folder>/<table>.csv` of every dimension table into the database at `url`; where (redacted)."""
    from lakehouse.domains.sales.contracts.upstream import SCHEMA, TABLES  # imports Dagster: on use only
    from lakehouse.resources.databases import parse
    from lakehouse.resources.sources import SourceError

    try:
        target = parse(url, os.environ.get("PGPASSWORD"), "--db-url")
        db = target.connect()
    except (SourceError, Exception) as error:  # the driver's own errors never hold the password
        raise LoadError(f"cannot connect to {redact(url)}: {error}") from None
    try:
        cursor = db.cursor()
        if target.dialect == "postgresql":
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {target.quote(SCHEMA)}")
        for name, schema in TABLES.items():
            table = target.table(SCHEMA, name)
            columns = ", ".join(f"{target.quote(f.name)} {_sql_type(f.dataType.simpleString())}" for f in schema)
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            with open(folder / f"{name}.csv", newline="", encoding="utf-8") as handle:
                rows = [[value if value != "" else None for value in row] for row in list(csv.reader(handle))[1:]]
            marks = ", ".join(["%s"] * len(schema))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        db.commit()
    except Exception as error:
        db.rollback()
        raise LoadError(f"loading {redact(url)} failed: {error}") from None
    finally:
        db.close()
    return redact(url)
