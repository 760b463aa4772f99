"""A drop folder of incoming files: validated, quarantined or taken, then archived, never lost.

Layout under `root` (a local folder, or an S3 prefix: `S3Files`): `to_process/` (where files arrive), `error_files/<reason>/<stamp>/<name>`
(quarantine), `processed/<stamp>/<name>` (archive); `<stamp>` is the intake's UTC time,
`YYYYMMDD_HHMMSS`. Every file gets a `file_ledger` row before it is moved, and a move is a copy
(to a temporary name, renamed into place) followed by the delete of the original, so a file is in
to_process/, in its destination, or (after a crash between the two) in both; the next intake
finishes what the ledger says was decided.

What `intake` decides for a file, in order: not `suffix` -> wrong_file_type; empty (or a header
only), undecodable, or a required column missing from its header -> bad_schema; the same
content as a file the ledger already holds -> duplicate (archived); otherwise received, with the
days its rows name (none readable: the date in its name, else its arrival day, where the rules
reject its rows). A run then `take`s the received files whose days it covers and `archive`s
them when its tables are written. A file that disappears between listing and reading has no
row: it is no longer there to lose. A waiting file overwritten in to_process/ by other content
before a run took it is `replaced` (its bytes are gone; the new content is a new arrival). This module knows no domain: the caller names the suffix,
the required columns and the column holding each row's day.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from dagster import ConfigurableResource
from dagster_aws.s3 import S3Resource

from lakehouse.resources.databases import DatabaseResource
from lakehouse.resources.landing import header_of
from lakehouse.resources.file_ledger import (
    COMPLETED,
    DUPLICATE,
    PROCESSING,
    RECEIVED,
    REJECTED,
    REPLACED,
    Entry,
    FileLedger,
)

INCOMING, QUARANTINE, ARCHIVE = "to_process", "error_files", "processed"
WRONG_FILE_TYPE, BAD_SCHEMA = "wrong_file_type", "bad_schema"
_QUARANTINE_FOLDERS = {WRONG_FILE_TYPE: "wrong_file_types", BAD_SCHEMA: "bad_schema"}
_CHUNK = 1 << 20

csv.field_size_limit(sys.maxsize)  # a huge field is a row for the rules to judge, not a crash here


def stamp(moment: datetime | None = None) -> str:
    """The folder name of one intake or archive: UTC `YYYYMMDD_HHMMSS`."""
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%d_%H%M%S")


def sha256_of(path: Path) -> tuple[int, str]:
    """(size in bytes, hex SHA-256) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@dataclass(frozen=True)
class Inspection:
    """What reading a file told: why it is refused (None: it is good) and the days its rows name."""

    refused: str | None
    detail: str = ""
    days: tuple[str, ...] = ()


def _day(text: str) -> str | None:
    text = text.strip()
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def inspect_file(path: Path, suffix: str, required: Sequence[str], day_column: str, arrived: str | None = None) -> Inspection:
    """A local file's verdict by name and content (see the module docstring)."""
    return inspect(path.name, lambda: path.read_bytes(), suffix, required, day_column, arrived)


def inspect(name: str, read, suffix: str, required: Sequence[str], day_column: str, arrived: str | None = None) -> Inspection:
    """The verdict on a file called `name` whose bytes `read()` returns (only read when the name passes).

    `arrived`: the intake's day, the day of a file whose rows name none (and whose name holds no date).
    """
    if not name.lower().endswith(suffix):
        return Inspection(WRONG_FILE_TYPE, f"not a {suffix} file")
    data = read()
    if not data.strip():
        return Inspection(BAD_SCHEMA, "empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Inspection(BAD_SCHEMA, f"not UTF-8 (byte {error.start})")
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = [column.strip() for column in next(rows, [])]
        missing = [column for column in required if column not in header]
        if missing:
            return Inspection(BAD_SCHEMA, f"missing columns: {', '.join(missing)}")
        at = header.index(day_column)
        lines = [row for row in rows if row]
        days = {_day(row[at]) for row in lines if len(row) > at}
    except csv.Error as error:
        return Inspection(BAD_SCHEMA, f"unreadable CSV: {error}")
    if not lines:
        return Inspection(BAD_SCHEMA, "no data rows (a header only)")
    days.discard(None)
    if not days:
        # Rows whose day does not read are the rules' business (rejected with their reason), not
        # the file's: they are placed in the day the file's name says, else the day it arrived.
        named = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", name)
        day = (_day(f"{named[1]}-{named[2]}-{named[3]}") if named else None) or arrived
        if day is None:  # no name date and no arrival day given: nowhere to put the rows
            return Inspection(BAD_SCHEMA, f"no row has a readable {day_column}")
        return Inspection(None, f"no row has a readable {day_column}", days=(day,))
    return Inspection(None, days=tuple(sorted(days)))


class MoveError(Exception):
    """A move's target holds other content: the source is kept, never deleted."""


def _move(source: Path, target: Path) -> None:
    """Copy `source` to `target` (atomically: a temporary name renamed), then delete `source`.

    A target already there is a copy a crash left (same content: only the delete remains);
    with other content the move stops before deleting anything.
    """
    if source.exists():
        if target.exists() and sha256_of(target)[1] != sha256_of(source)[1]:
            raise MoveError(f"{target} exists with other content than {source}; {source} is kept")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
            shutil.copyfile(source, partial)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
        source.unlink()


class LocalFiles:
    """The drop folders under a local `root`; names are paths relative to it (`to_process/a.csv`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / name

    def list(self, folder: str) -> list[str]:
        """The files of `folder` (hidden names are uploads in progress), by name."""
        where = self.root / folder
        if not where.is_dir():
            return []
        return sorted(p.name for p in where.iterdir() if p.is_file() and not p.name.startswith("."))

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def header(self, name: str) -> tuple[str, ...]:
        """The column names of a CSV file (its first line only is read)."""
        with open(self.path(name), newline="", encoding="utf-8-sig", errors="replace") as handle:
            return header_of(handle)

    def digest(self, name: str) -> tuple[int, str]:
        return sha256_of(self.path(name))

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def move(self, source: str, target: str) -> None:
        _move(self.path(source), self.path(target))


class S3Files:
    """The drop folders under `s3://<bucket>/<prefix>/` (boto3, e.g. a dagster-aws S3Resource's client).

    S3 has no rename: a move copies the object (one atomic PUT on the target) then deletes the
    source, so a crash between the two leaves both, which the ledger finishes like a local move.
    """

    def __init__(self, client, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")
        self.root = f"s3a://{bucket}/{self.prefix}"

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def path(self, name: str) -> str:
        """The object's URI as Spark reads it."""
        return f"s3a://{self.bucket}/{self._key(name)}"

    def list(self, folder: str) -> list[str]:
        prefix = self._key(folder).rstrip("/") + "/"
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")
        names = (item["Key"][len(prefix):] for page in pages for item in page.get("Contents", []))
        return sorted(name for name in names if name and not name.startswith("."))

    def read(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(self.path(name)) from None

    def digest(self, name: str) -> tuple[int, str]:
        data = self.read(name)
        return len(data), hashlib.sha256(data).hexdigest()

    def header(self, name: str) -> tuple[str, ...]:
        return header_of(io.StringIO(self.read(name).decode("utf-8-sig", errors="replace"), newline=""))

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def move(self, source: str, target: str) -> None:
        if not self.exists(source):
            return
        if self.exists(target):
            if self.digest(target)[1] != self.digest(source)[1]:
                raise MoveError(f"{self.path(target)} exists with other content than {self.path(source)}; it is kept")
        else:
            copied = {"Bucket": self.bucket, "Key": self._key(source)}
            self.client.copy_object(Bucket=self.bucket, Key=self._key(target), CopySource=copied)
        self.client.delete_object(Bucket=self.bucket, Key=self._key(source))


@dataclass
class IntakeReport:
    """What one intake did, by file name."""

    received: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    quarantined: dict[str, list[str]] = field(default_factory=dict)  # reason -> names
    vanished: list[str] = field(default_factory=list)
    resumed_moves: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.received)} received", f"{len(self.duplicates)} duplicate"]
        parts += [f"{len(names)} {reason}" for reason, names in sorted(self.quarantined.items())]
        if self.vanished:
            parts.append(f"{len(self.vanished)} vanished before reading")
        if self.resumed_moves:
            parts.append(f"{len(self.resumed_moves)} unfinished moves finished")
        return ", ".join(parts)


class FileDrop:
    """The drop folders of `files` (a local root, `LocalFiles` or `S3Files`) and their `ledger`; see the module docstring."""

    def __init__(self, files, ledger: FileLedger, suffix: str, required: Sequence[str], day_column: str):
        self.files = files if hasattr(files, "move") else LocalFiles(files)
        self.ledger, self.root = ledger, self.files.root
        self.suffix, self.required, self.day_column = suffix, tuple(required), day_column

    @property
    def incoming(self):
        return self.files.path(INCOMING)

    def path(self, entry: Entry):
        """Where the entry's file is now (its destination once moved): a Path, or an s3a:// URI."""
        return self.files.path(entry.location)

    def header(self, entry: Entry) -> tuple[str, ...]:
        """The column names of the entry's file, wherever it is."""
        return self.files.header(entry.location)

    def _free(self, location: str) -> str:
        """`location`, or beside it in `<stamp>-2/`, `-3/`... when a file of the same name is there
        (two intakes in one second, or the same name refused twice)."""
        folder, name = location.rsplit("/", 1)
        candidate, n = location, 1
        while self.files.exists(candidate):
            n += 1
            candidate = f"{folder}-{n}/{name}"
        return candidate

    def arrived(self) -> list[str]:
        """The names of the files in the incoming folder."""
        return self.files.list(INCOMING)

    def finish_moves(self) -> list[str]:
        """Complete the moves a crash interrupted (the ledger had decided them)."""
        done = []
        for entry in self.ledger.unmoved():
            source = f"{INCOMING}/{entry.file_name}"
            if self.files.exists(source) and self.files.digest(source)[1] != entry.sha256:
                if not self.files.exists(entry.location):
                    continue  # cannot happen (copy before delete); kept visible as unmoved
                # Moved, and another file took the name since: that one is judged as a new arrival.
            else:
                self.files.move(source, entry.location)
            self.ledger.update([entry.file_id], moved=1)
            done.append(entry.file_name)
        return done

    def _inspect(self, name: str, data: bytes, when: datetime) -> Inspection:
        day = when.astimezone(timezone.utc).date().isoformat()
        return inspect(name, lambda: data, self.suffix, self.required, self.day_column, day)

    def _read(self, name: str) -> tuple[bytes, int, str]:
        """An arrival's bytes, size and SHA-256, from one read (FileNotFoundError: it is gone)."""
        data = self.files.read(f"{INCOMING}/{name}")
        return data, len(data), hashlib.sha256(data).hexdigest()

    def intake(self, moment: datetime | None = None) -> IntakeReport:
        """Judge every new arrival; quarantine or archive the refused and duplicate ones."""
        report = IntakeReport(resumed_moves=self.finish_moves())
        when = moment or datetime.now(timezone.utc)
        folder, seen_at = stamp(when), when.astimezone(timezone.utc).isoformat(timespec="seconds")
        for name in self.arrived():
            source = f"{INCOMING}/{name}"
            try:
                data, size, digest = self._read(name)
                known = [e for e in self.ledger.find(name, digest) if e.status in (RECEIVED, PROCESSING)]
                if known:
                    continue  # already taken in, waiting for (or inside) a run
                self._supersede(name, digest)
                verdict = self._inspect(name, data, when)
            except FileNotFoundError:
                report.vanished.append(name)
                continue
            if verdict.refused:
                status = REJECTED + verdict.refused
                location = f"{QUARANTINE}/{_QUARANTINE_FOLDERS[verdict.refused]}/{folder}/{name}"
                report.quarantined.setdefault(verdict.refused, []).append(name)
            elif self.ledger.holding(digest):
                status, location = DUPLICATE, f"{ARCHIVE}/{folder}/{name}"
                report.duplicates.append(name)
            else:
                self.ledger.add(name, size, digest, seen_at, RECEIVED, source, verdict.days, verdict.detail)
                report.received.append(name)
                continue
            location = self._free(location)
            entry = self.ledger.add(name, size, digest, seen_at, status, location, verdict.days, verdict.detail)
            self.files.move(source, location)
            self.ledger.update([entry.file_id], moved=1)
        return report

    def _supersede(self, name: str, digest: str) -> None:
        """Rows of `name` still waiting whose content was overwritten in to_process/ before a run took it."""
        for entry in self.ledger.with_status(RECEIVED, PROCESSING):
            if entry.file_name == name and entry.sha256 != digest:
                self.ledger.update([entry.file_id], status=REPLACED, moved=1,
                                   detail="overwritten in to_process/ by a later upload before it was archived")  # fmt: skip

    def take(self, days: Sequence[str]) -> tuple[list[Entry], list[Entry], list[Entry]]:
        """(files taken now, files of `days` already completed, received files left for other days).

        A received file is taken when every day it names is one of `days`: its rows go into those
        days' partitions only; a file left over waits for a run that covers it. Files a crashed
        run took (still `processing`) are taken again.
        """
        wanted = set(days)
        waiting = self.ledger.with_status(RECEIVED, PROCESSING)
        taken = [e for e in waiting if set(e.days) <= wanted]
        left = [e for e in waiting if not set(e.days) <= wanted]
        self.ledger.update([e.file_id for e in taken if e.status == RECEIVED], status=PROCESSING)
        return [replace(e, status=PROCESSING) for e in taken], self.ledger.touching(days), left

    def archive(self, counts: dict[int, tuple[int, int]], moment: datetime | None = None) -> list[str]:
        """Mark the files `counts` names completed with their (accepted, rejected) rows, then archive them."""
        folder = stamp(moment)
        entries = [self.ledger.get(file_id) for file_id in counts]
        self.ledger.set_counts(counts, {e.file_id: self._free(f"{ARCHIVE}/{folder}/{e.file_name}") for e in entries})
        self.finish_moves()
        return [e.file_name for e in entries]

    def waiting(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(name, sha256, days) of the arrivals a run would process, without changing anything (for sensors).

        Refused files are left out (the next run's intake quarantines them); so are duplicates of
        files already completed.
        """
        found = []
        for name in self.arrived():
            try:
                data, _, digest = self._read(name)
                known = self.ledger.find(name, digest)
                if any(e.status in (RECEIVED, PROCESSING) for e in known):
                    found.append((name, digest, next(e.days for e in known if e.status in (RECEIVED, PROCESSING))))
                    continue
                if any(e.status == COMPLETED for e in self.ledger.holding(digest)):
                    continue
                verdict = self._inspect(name, data, datetime.now(timezone.utc))
            except FileNotFoundError:
                continue
            if verdict.refused is None:
                found.append((name, digest, verdict.days))
        return found


class DropFolder(ConfigurableResource):
    """A domain's drop folder and its ledger as a Dagster resource; the domain says what a good file is.

    The ledger is the SQLite file `ledger_path`, or a table in `database` when one is configured.
    """

    root: str
    ledger_path: str
    ledger_table: str = "file_ledger"
    days_column: str = "days"
    database: DatabaseResource | None = None
    # On S3 (LAKEHOUSE_STORAGE=s3): the folders live under s3://<s3_bucket>/<s3_prefix>/.
    s3: S3Resource | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""

    def ledger(self) -> FileLedger:
        target = self.database.target() if self.database else None
        if target is not None:
            return FileLedger.in_database(target, self.database.db_schema, self.ledger_table, self.days_column)
        return FileLedger(self.ledger_path, self.ledger_table, self.days_column)

    def open(self, suffix: str, required: Sequence[str], day_column: str) -> FileDrop:
        files = S3Files(self.s3.get_client(), self.s3_bucket, self.s3_prefix) if self.s3 else LocalFiles(self.root)
        return FileDrop(files, self.ledger(), suffix, required, day_column)
