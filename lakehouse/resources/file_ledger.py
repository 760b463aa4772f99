"""The ledger of dropped files: one row per file seen, its content hash, status, row counts and days.

Every file found in an incoming folder gets a row before anything is done with it, and the row
says where the file is going (`location`) before it is moved; `moved` turns true once the move is
complete. So after a crash the ledger tells an unfinished move (finish it) from a file sent
again (a new row). Statuses: received (valid, waiting for a run that covers its days),
processing (a run took it), completed, duplicate, rejected:<why>, replaced (overwritten while waiting).

The embedded ledger is one SQLite file (one transaction per change, so a killed process leaves
the last committed state). It knows no domain: the column of a file's days is named by the caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

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
    """A SQLite ledger at `path`, table `table`, the files' days in column `days_column`."""

    def __init__(self, path: str | Path, table: str = "file_ledger", days_column: str = "days"):
        self.path, self.table, self.days_column = Path(path), table, days_column
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ("
                " file_id INTEGER PRIMARY KEY AUTOINCREMENT, file_name TEXT NOT NULL,"
                " size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, first_seen_at TEXT NOT NULL,"
                " status TEXT NOT NULL, rows_accepted INTEGER, rows_rejected INTEGER,"
                f" {days_column} TEXT NOT NULL DEFAULT '', location TEXT NOT NULL, moved INTEGER NOT NULL DEFAULT 0,"
                " detail TEXT NOT NULL DEFAULT '')"
            )
            db.execute(f"CREATE INDEX IF NOT EXISTS {table}_sha256 ON {table} (sha256)")
            db.execute(f"CREATE INDEX IF NOT EXISTS {table}_status ON {table} (status)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")  # a sensor reads while a run writes
        return _Transaction(db)

    def _entries(self, where: str, params: Sequence = ()) -> list[Entry]:
        columns = (
            "file_id, file_name, size_bytes, sha256, first_seen_at, status, rows_accepted, rows_rejected,"
            f" {self.days_column}, location, moved, detail"
        )
        with self._connect() as db:
            rows = db.execute(f"SELECT {columns} FROM {self.table} WHERE {where} ORDER BY file_id", params).fetchall()
        return [Entry(*row[:8], tuple(d for d in row[8].split(",") if d), row[9], bool(row[10]), row[11]) for row in rows]

    def add(self, name: str, size: int, sha256: str, seen_at: str, status: str, location: str,
            days: Iterable[str] = (), detail: str = "") -> Entry:  # fmt: skip
        """A new row (the file not moved yet); `detail` says why a file was refused."""
        with self._connect() as db:
            cursor = db.execute(
                f"INSERT INTO {self.table} (file_name, size_bytes, sha256, first_seen_at, status, {self.days_column},"
                " location, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, size, sha256, seen_at, status, ",".join(sorted(days)), location, detail),
            )
            file_id = cursor.lastrowid
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
                db.execute(f"UPDATE {self.table} SET {assignments} WHERE file_id = ?", (*values.values(), file_id))

    def set_counts(self, counts: dict[int, tuple[int, int]], location_of: dict[int, str]) -> None:
        """Completed files: their accepted and rejected rows and their archive location, in one transaction."""
        with self._connect() as db:
            for file_id, (accepted, rejected) in counts.items():
                db.execute(
                    f"UPDATE {self.table} SET status = ?, rows_accepted = ?, rows_rejected = ?, location = ?, moved = 0"
                    " WHERE file_id = ?",
                    (COMPLETED, accepted, rejected, location_of[file_id], file_id),
                )

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
    """A connection whose `with` block is one transaction (BEGIN IMMEDIATE ... COMMIT), then closed."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind, error, trace) -> None:
        try:
            self._db.execute("ROLLBACK" if kind else "COMMIT")
        finally:
            self._db.close()
