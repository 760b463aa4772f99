"""A drop folder of incoming files: validated, quarantined or taken, then archived, never lost.

Layout under `root`: `to_process/` (where files arrive), `error_files/<reason>/<stamp>/<name>`
(quarantine), `processed/<stamp>/<name>` (archive); `<stamp>` is the intake's UTC time,
`YYYYMMDD_HHMMSS`. Every file gets a `file_ledger` row before it is moved, and a move is a copy
(to a temporary name, renamed into place) followed by the delete of the original, so a file is in
to_process/, in its destination, or (after a crash between the two) in both; the next intake
finishes what the ledger says was decided.

What `intake` decides for a file, in order: not `suffix` -> wrong_file_type; empty, undecodable,
a required column missing from its header, or no row with a readable day -> bad_schema; the same
content as a file the ledger already holds -> duplicate (archived); otherwise received, with the
days its rows name. A run then `take`s the received files whose days it covers and `archive`s
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
import shutil
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from dagster import ConfigurableResource

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


def inspect_file(path: Path, suffix: str, required: Sequence[str], day_column: str) -> Inspection:
    """The file's verdict by name and content (see the module docstring), read once."""
    if not path.name.lower().endswith(suffix):
        return Inspection(WRONG_FILE_TYPE, f"not a {suffix} file")
    data = path.read_bytes()
    if not data.strip():
        return Inspection(BAD_SCHEMA, "empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Inspection(BAD_SCHEMA, f"not UTF-8 (byte {error.start})")
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = [name.strip() for name in next(rows, [])]
        missing = [name for name in required if name not in header]
        if missing:
            return Inspection(BAD_SCHEMA, f"missing columns: {', '.join(missing)}")
        at = header.index(day_column)
        days = {_day(row[at]) for row in rows if len(row) > at}
    except csv.Error as error:
        return Inspection(BAD_SCHEMA, f"unreadable CSV: {error}")
    days.discard(None)
    if not days:
        return Inspection(BAD_SCHEMA, f"no row has a readable {day_column}")
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
    """`root`'s drop folders and their `ledger`; see the module docstring."""

    def __init__(self, root: str | Path, ledger: FileLedger, suffix: str, required: Sequence[str], day_column: str):
        self.root, self.ledger = Path(root), ledger
        self.suffix, self.required, self.day_column = suffix, tuple(required), day_column

    @property
    def incoming(self) -> Path:
        return self.root / INCOMING

    def path(self, entry: Entry) -> Path:
        """Where the entry's file is now (its destination once moved)."""
        return self.root / entry.location

    def _free(self, location: str) -> str:
        """`location`, or beside it in `<stamp>-2/`, `-3/`... when a file of the same name is there
        (two intakes in one second, or the same name refused twice)."""
        folder, name = location.rsplit("/", 1)
        candidate, n = location, 1
        while (self.root / candidate).exists():
            n += 1
            candidate = f"{folder}-{n}/{name}"
        return candidate

    def _arrived(self) -> list[Path]:
        """Files in the incoming folder, by name (hidden names are uploads in progress)."""
        if not self.incoming.is_dir():
            return []
        return sorted(p for p in self.incoming.iterdir() if p.is_file() and not p.name.startswith("."))

    def finish_moves(self) -> list[str]:
        """Complete the moves a crash interrupted (the ledger had decided them)."""
        done = []
        for entry in self.ledger.unmoved():
            source = self.incoming / entry.file_name
            if source.exists() and sha256_of(source)[1] != entry.sha256:
                if not self.path(entry).exists():
                    continue  # cannot happen (copy before delete); kept visible as unmoved
                # Moved, and another file took the name since: that one is judged as a new arrival.
            else:
                _move(source, self.path(entry))
            self.ledger.update([entry.file_id], moved=1)
            done.append(entry.file_name)
        return done

    def intake(self, moment: datetime | None = None) -> IntakeReport:
        """Judge every new arrival; quarantine or archive the refused and duplicate ones."""
        report = IntakeReport(resumed_moves=self.finish_moves())
        when = moment or datetime.now(timezone.utc)
        folder, seen_at = stamp(when), when.astimezone(timezone.utc).isoformat(timespec="seconds")
        for path in self._arrived():
            try:
                size, digest = sha256_of(path)
                known = [e for e in self.ledger.find(path.name, digest) if e.status in (RECEIVED, PROCESSING)]
                if known:
                    continue  # already taken in, waiting for (or inside) a run
                self._supersede(path.name, digest)
                verdict = inspect_file(path, self.suffix, self.required, self.day_column)
            except FileNotFoundError:
                report.vanished.append(path.name)
                continue
            if verdict.refused:
                status = REJECTED + verdict.refused
                location = f"{QUARANTINE}/{_QUARANTINE_FOLDERS[verdict.refused]}/{folder}/{path.name}"
                report.quarantined.setdefault(verdict.refused, []).append(path.name)
            elif self.ledger.holding(digest):
                status, location = DUPLICATE, f"{ARCHIVE}/{folder}/{path.name}"
                report.duplicates.append(path.name)
            else:
                self.ledger.add(path.name, size, digest, seen_at, RECEIVED, f"{INCOMING}/{path.name}", verdict.days)
                report.received.append(path.name)
                continue
            location = self._free(location)
            entry = self.ledger.add(path.name, size, digest, seen_at, status, location, verdict.days, verdict.detail)
            _move(path, self.path(entry))
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
        return [self.ledger.get(e.file_id) for e in taken], self.ledger.touching(days), left

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
        for path in self._arrived():
            try:
                _, digest = sha256_of(path)
                known = self.ledger.find(path.name, digest)
                if any(e.status in (RECEIVED, PROCESSING) for e in known):
                    found.append((path.name, digest, next(e.days for e in known if e.status in (RECEIVED, PROCESSING))))
                    continue
                if any(e.status == COMPLETED for e in self.ledger.holding(digest)):
                    continue
                verdict = inspect_file(path, self.suffix, self.required, self.day_column)
            except FileNotFoundError:
                continue
            if verdict.refused is None:
                found.append((path.name, digest, verdict.days))
        return found


class DropFolder(ConfigurableResource):
    """A domain's drop folder and its ledger as a Dagster resource; the domain says what a good file is."""

    root: str
    ledger_path: str
    ledger_table: str = "file_ledger"
    days_column: str = "days"

    def open(self, suffix: str, required: Sequence[str], day_column: str) -> FileDrop:
        ledger = FileLedger(self.ledger_path, self.ledger_table, self.days_column)
        return FileDrop(self.root, ledger, suffix, required, day_column)
