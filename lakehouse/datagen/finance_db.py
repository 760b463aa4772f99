"""Load the generated finance tables into PostgreSQL schema `finance` (psycopg 3, COPY), in one transaction.

The tables are dropped and created again, so a load holds exactly the generated rows: every version
(one row per (id, updated_at)), as the bank's change feed does. No keys or constraints: the
generator's faults (an empty transaction_id, an unknown account) are rows a database without
constraints holds. A value that cannot be typed (the unparseable amount and timestamp) cannot be
stored, so its row is left out and counted. An empty CSV field is NULL. The password never appears
in a message.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lakehouse.datagen.loading import LoadError, redact, scrub

SCHEMA = "finance"
MONEY, TIME, TEXT = "numeric(12,2)", "timestamp", "text"
COLUMNS = {
    "customers": (("customer_id", TEXT), ("name", TEXT), ("email", TEXT), ("phone", TEXT), ("address", TEXT),
                  ("updated_at", TIME)),
    "accounts": (("account_id", TEXT), ("customer_id", TEXT), ("account_type", TEXT), ("balance", MONEY),
                 ("opened_at", TIME), ("updated_at", TIME)),
    "transactions": (("transaction_id", TEXT), ("account_id", TEXT), ("transaction_type", TEXT),
                     ("amount", MONEY), ("timestamp", TIME)),
}  # fmt: skip
LARGEST = Decimal("9999999999.99")  # numeric(12,2)


def typed(value: str, sql_type: str):
    """The Python value PostgreSQL stores for a CSV field; ValueError when the type cannot hold it."""
    if value == "":
        return None
    if sql_type == TIME:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    if sql_type == MONEY:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if not number.is_finite() or abs(number) > LARGEST or number != number.quantize(Decimal("0.01")):
            raise ValueError(f"not numeric(12,2): {value!r}")
        return number
    return value


def read(path: Path, columns) -> tuple[list[tuple], int]:
    """A CSV file's rows typed for its table, and how many rows could not be typed."""
    rows, untyped = [], 0
    with open(path, encoding="utf-8", newline="") as handle:
        for row in list(csv.reader(handle))[1:]:
            try:
                rows.append(tuple(typed(value, kind) for value, (_, kind) in zip(row, columns, strict=True)))
            except ValueError:
                untyped += 1
    return rows, untyped


def load(folder: Path, url: str) -> tuple[str, dict[str, int]]:
    """Replace the tables of schema `finance` with `<folder>/<table>.csv`; the URL (redacted) and rows left out.

    The password may be in the URL or come from PGPASSWORD.
    """
    from lakehouse.resources.databases import parse  # imports Spark's Python API: on use only
    from lakehouse.resources.sources import SourceError

    try:
        target = parse(url, os.environ.get("PGPASSWORD"), "--db-url")
    except SourceError as error:  # its message names no password
        raise LoadError(f"cannot load {redact(url)}: {error}") from None
    if target.dialect != "postgresql":
        raise LoadError(f"the finance tables load into PostgreSQL only, not {redact(url)}")
    tables = {name: read(Path(folder) / f"{name}.csv", columns) for name, columns in COLUMNS.items()}
    try:
        db = target.connect()
    except Exception as error:
        raise LoadError(f"cannot connect to {redact(url)}: {scrub(str(error), url)}") from None
    try:
        with db.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {target.quote(SCHEMA)}")
            for name, columns in COLUMNS.items():
                table = target.table(SCHEMA, name)
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TABLE {table} ({', '.join(f'{target.quote(c)} {t}' for c, t in columns)})")
                names = ", ".join(target.quote(c) for c, _ in columns)
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in tables[name][0]:
                        copy.write_row(row)
        db.commit()
    except Exception as error:
        db.rollback()
        raise LoadError(f"loading {redact(url)} failed: {scrub(str(error), url)}") from None
    finally:
        db.close()
    return redact(url), {name: untyped for name, (_, untyped) in tables.items()}
