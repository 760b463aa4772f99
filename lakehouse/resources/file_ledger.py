"""The ledger of dropped files: one row per file seen, its content hash, status, row counts and days.

Every file found in an incoming folder gets a row before anything is done with it, and the row
says where the file is going (`location`) before it is moved; `moved` turns true once the move is
complete. So after a crash the ledger tells an unfinished move (finish it) from a file sent
again (a new row). Statuses: received (valid, waiting for a run that covers its days),
processing (a run took it), completed, duplicate, rejected:<why>, replaced (overwritten while waiting).

The embedded ledger is one SQLite file, or a table in the domain's database (PostgreSQL,
MySQL/MariaDB); one transaction per change, so a killed process leaves the last committed state. It knows no domain: the column of a file's days is named by the caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lakehouse.resources.databases import Database

RECEIVED, PROCESSING, COMPLETED, DUPLICATE = "received", "processing", "completed", "duplicate"
REPLACED = "replaced"  # a waiting file overwritten by other content before a run took it
REJECTED = "rejected:"  # + the reason, e.g. rejected:wrong_file_type
IN_FLIGHT = (RECEIVED, PROCESSING)  # a file still in the incoming folder, owned by the ledger


@dataclass(frozen=True)
class Entry:
    """One ledger row."""

    file_id: int
    file_name: str
    size_bytes: int
    sha256: str
    first_seen_at: str
    status: str
    rows_accepted: int | None
    rows_rejected: int | None
    days: tuple[str, ...]
    location: str
    moved: bool
    detail: str = ""


class FileLedger:
    """A ledger table `table`, the files' days in column `days_column`: in the SQLite file `path`,
    or in a database (`in_database`: PostgreSQL or MySQL/MariaDB, the same columns)."""

    def __init__(self, path: str | Path | None, table: str = "file_ledger", days_column: str = "days",
                 database: Database | None = None, db_schema: str | None = None):  # fmt: skip
        self.table, self.days_column, self.database = table, days_column, database
        if database is None:
            self.path = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._name, self._mark = table, "?"
        else:
            self.path, self._name, self._mark = None, database.table(db_schema, table), "%s"
        self._create(db_schema)

    @classmethod
    def in_database(cls, database: Database, db_schema: str | None, table: str, days_column: str) -> FileLedger:
        return cls(None, table, days_column, database, db_schema)

    def _create(self, db_schema: str | None) -> None:
        dialect = self.database.dialect if self.database else "sqlite"
        text = "VARCHAR(1024)" if dialect == "mysql" else "TEXT"  # MySQL indexes need a bounded type
        key = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGSERIAL PRIMARY KEY",
               "mysql": "BIGINT AUTO_INCREMENT PRIMARY KEY"}[dialect]  # fmt: skip
        indexed = ", INDEX (sha256), INDEX (status)" if dialect == "mysql" else ""
        with self._connect() as db:
            if dialect == "postgresql" and db_schema:
                db.execute(f"CREATE SCHEMA IF NOT EXISTS {self.database.quote(db_schema)}")
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self._name} ("
                f" file_id {key}, file_name {text} NOT NULL, size_bytes BIGINT NOT NULL,"
                f" sha256 VARCHAR(64) NOT NULL, first_seen_at VARCHAR(64) NOT NULL, status VARCHAR(64) NOT NULL,"
                f" rows_accepted BIGINT, rows_rejected BIGINT, {self.days_column} {text} NOT NULL,"
                f" location {text} NOT NULL, moved INTEGER NOT NULL DEFAULT 0, detail {text} NOT NULL{indexed})"
            )
            if dialect != "mysql":
                index = self.table.replace(".", "_")
                db.execute(f"CREATE INDEX IF NOT EXISTS {index}_sha256 ON {self._name} (sha256)")
                db.execute(f"CREATE INDEX IF NOT EXISTS {index}_status ON {self._name} (status)")

    def _connect(self) -> _Transaction:
        if self.database is not None:
            return _Transaction(self.database.connect(), begin=None)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")  # a sensor reads while a run writes
        return _Transaction(db, begin="BEGIN IMMEDIATE")

    def _sql(self, text: str) -> str:
        """`text` with the table's name for `{t}` and this database's placeholders for `?`."""
        return text.replace("{t}", self._name).replace("?", self._mark)

    def _entries(self, where: str, params: Sequence = ()) -> list[Entry]:
        columns = (
            "file_id, file_name, size_bytes, sha256, first_seen_at, status, rows_accepted, rows_rejected,"
            f" {self.days_column}, location, moved, detail"
        )
        with self._connect() as db:
            rows = db.execute(self._sql(f"SELECT {columns} FROM {{t}} WHERE {where} ORDER BY file_id"), params).fetchall()
        return [Entry(*row[:8], tuple(d for d in row[8].split(",") if d), row[9], bool(row[10]), row[11]) for row in rows]

    def add(self, name: str, size: int, sha256: str, seen_at: str, status: str, location: str,
            days: Iterable[str] = (), detail: str = "") -> Entry:  # fmt: skip
        """A new row (the file not moved yet); `detail` says why a file was refused."""
        insert = self._sql(
            f"INSERT INTO {{t}} (file_name, size_bytes, sha256, first_seen_at, status, {self.days_column},"
            " location, moved, detail) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)"
        )
        values = (name, size, sha256, seen_at, status, ",".join(sorted(days)), location, detail)
        with self._connect() as db:
            if self.database is not None and self.database.dialect == "postgresql":
                file_id = db.execute(insert + " RETURNING file_id", values).fetchone()[0]
            else:
                file_id = db.execute(insert, values).lastrowid
        return self.get(file_id)

    def get(self, file_id: int) -> Entry:
        return self._entries("file_id = ?", (file_id,))[0]

    def update(self, file_ids: Iterable[int], **values) -> None:
        """Set columns of rows, all in one transaction (`days` names the days column)."""
        if "days" in values:
            values[self.days_column] = ",".join(sorted(values.pop("days")))
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._connect() as db:
            for file_id in file_ids:
                db.execute(self._sql(f"UPDATE {{t}} SET {assignments} WHERE file_id = ?"), (*values.values(), file_id))

    def set_counts(self, counts: dict[int, tuple[int, int]], location_of: dict[int, str]) -> None:
        """Completed files: their accepted and rejected rows and their archive location, in one transaction."""
        with self._connect() as db:
            for file_id, (accepted, rejected) in counts.items():
                db.execute(
                    self._sql("UPDATE {t} SET status = ?, rows_accepted = ?, rows_rejected = ?, location = ?, moved = 0"
                              " WHERE file_id = ?"),
                    (COMPLETED, accepted, rejected, location_of[file_id], file_id),
                )  # fmt: skip

    def find(self, file_name: str, sha256: str) -> list[Entry]:
        """The rows of this name and content, oldest first."""
        return self._entries("file_name = ? AND sha256 = ?", (file_name, sha256))

    def holding(self, sha256: str) -> list[Entry]:
        """Rows whose content is (or is being) processed: a later file with it is a duplicate."""
        return self._entries("sha256 = ? AND status IN (?, ?, ?)", (sha256, RECEIVED, PROCESSING, COMPLETED))

    def with_status(self, *statuses: str) -> list[Entry]:
        marks = ", ".join("?" for _ in statuses)
        return self._entries(f"status IN ({marks})", statuses)

    def touching(self, days: Sequence[str]) -> list[Entry]:
        """Completed files holding rows of any of `days` (their days are a short comma list)."""
        if not days:
            return []
        # Completed rows are read whole (a few short columns each: ~1 ms per thousand files) and
        # their day lists tested here; no archive is listed.
        wanted = set(days)
        found = self._entries("status = ?", (COMPLETED,))
        return [entry for entry in found if wanted & set(entry.days)]

    def unmoved(self) -> list[Entry]:
        """Rows whose file's move was decided but not finished (a crash between the two)."""
        return self._entries("moved = 0 AND status NOT IN (?, ?)", (RECEIVED, PROCESSING))

    def all(self) -> list[Entry]:
        return self._entries("1 = 1")


class _Transaction:
    """A connection whose `with` block is one transaction, then closed; `execute` returns the cursor."""

    def __init__(self, db, begin: str | None):
        self._db, self._begin = db, begin

    def __enter__(self) -> _Transaction:
        if self._begin:
            self._db.execute(self._begin)
        return self

    def execute(self, sql: str, params: Sequence = ()):
        cursor = self._db.cursor()
        cursor.execute(sql, tuple(params))
        return cursor

    def __exit__(self, kind, error, trace) -> None:
        try:
            if self._begin:
                self._db.execute("ROLLBACK" if kind else "COMMIT")
            elif kind:
                self._db.rollback()
            else:
                self._db.commit()
        finally:
            self._db.close()
