"""The warehouse layout that readers rely on (written by lakehouse/resources/parquet_io_manager.py
and versioned_tables.py; the version columns are lakehouse.versioning's).

`<base>/<layer>/<domain>/<table>/` holds `_schema.json` (a Spark StructType as JSON, partition
column included) and either Parquet part files (an unpartitioned table) or Hive folders
`<column>=<value>/`. Only partition folders holding `_SUCCESS` are committed: the others are a
write in progress or a killed one, and are skipped. Of a committed folder holding files of more
than one write (an S3 commit cut short), only the files its marker lists are read. A versioned (SCD type 2) table also holds
`_versioned.json`, `{"key": [...], "partition": "valid_from"}`; its rows carry `valid_from_ts`,
`version_in_day` and `is_deleted`. Every other name starting with `_` or `.` is ignored.
Discovery works on a flat listing of relative paths, so a folder and an S3 prefix read alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from lakehouse.resources.storage import MARKER, readable
from lakehouse.versioning.spec import VERSION_COLUMNS

LAYERS = ("bronze", "silver", "gold", "interface")
# Named again here, not imported: their modules load Spark, which this reader must not need.
SCHEMA_FILE = "_schema.json"
VERSIONED_FILE = "_versioned.json"


@dataclass(frozen=True)
class Versioning:
    """How a versioned table's rows are keyed and ordered: per key, by (partition, version_in_day)."""

    key: tuple[str, ...]
    partition: str


@dataclass(frozen=True)
class Table:
    """One table's committed state: its Spark fields, in order, and the Parquet files to read."""

    layer: str
    domain: str
    name: str
    fields: tuple[dict, ...]
    files: tuple[str, ...]
    partition: str | None = None
    committed: tuple[str, ...] = ()  # the committed partitions' values, sorted as text
    uncommitted: int = 0
    versioning: Versioning | None = None

    @property
    def folder(self) -> str:
        return f"{self.layer}/{self.domain}/{self.name}"

    @property
    def view(self) -> str:
        return f"{self.layer}.{self.domain}_{self.name}"

    @property
    def partitions(self) -> int:
        """How many partitions are committed."""
        return len(self.committed)

    @property
    def columns(self) -> list[str]:
        return [f["name"] for f in self.fields]


@dataclass
class _Folder:
    has_schema: bool = False
    has_versioning: bool = False
    root_names: list[str] = field(default_factory=list)
    # "<column>=<value>" -> the names in that folder
    partitions: dict[str, list[str]] = field(default_factory=dict)


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def discover(paths: Iterable[str], read_text: Callable[[str], str | None]) -> tuple[list[Table], list[tuple[str, str]]]:
    """The tables found in a listing of file paths relative to the base, and (folder, reason) skipped."""
    folders: dict[str, _Folder] = {}
    for path in paths:
        parts = path.split("/")
        if len(parts) < 4 or parts[0] not in LAYERS or _hidden(parts[1]) or _hidden(parts[2]):
            continue
        entry = folders.setdefault("/".join(parts[:3]), _Folder())
        rest = parts[3:]
        if len(rest) == 1:
            entry.has_schema |= rest[0] == SCHEMA_FILE
            entry.has_versioning |= rest[0] == VERSIONED_FILE
            entry.root_names.append(rest[0])
        elif len(rest) >= 2 and "=" in rest[0] and not any(map(_hidden, rest[:-1])):
            # Deeper than one folder: a sub-partitioned table's `<column>=<value>/<sub>=<v>/part-*`.
            entry.partitions.setdefault(rest[0], []).append("/".join(rest[1:]))
        # Anything inside a hidden folder is not part of the layout.

    tables, skipped = [], []
    for folder, entry in sorted(folders.items()):
        try:
            tables.append(_table(folder, entry, read_text))
        except ValueError as error:
            skipped.append((folder, str(error)))
    return tables, skipped


def _table(folder: str, entry: _Folder, read_text: Callable[[str], str | None]) -> Table:
    if not entry.has_schema:
        raise ValueError(f"no {SCHEMA_FILE}")
    fields = tuple(_json(read_text, f"{folder}/{SCHEMA_FILE}").get("fields") or ())
    if not fields:
        raise ValueError(f"{SCHEMA_FILE} has no fields")
    columns = {f["name"] for f in fields}
    partition_columns = {name.partition("=")[0] for name in entry.partitions}
    if len(partition_columns) > 1:
        raise ValueError(f"partition folders of several columns: {sorted(partition_columns)}")
    root_files = [f"{folder}/{name}" for name in readable(entry.root_names, _marker(read_text, folder))]
    if partition_columns and root_files:
        raise ValueError("both partition folders and Parquet files at the table root")

    versioning = None
    if entry.has_versioning:
        spec = _json(read_text, f"{folder}/{VERSIONED_FILE}")
        versioning = Versioning(tuple(spec.get("key") or ()), spec.get("partition") or "")
        needed = [*versioning.key, versioning.partition, *VERSION_COLUMNS]
        missing = [c for c in needed if c not in columns]
        if not versioning.key or missing:
            raise ValueError(f"{VERSIONED_FILE} needs a key and columns missing from {SCHEMA_FILE}: {missing}")
        if partition_columns - {versioning.partition}:
            raise ValueError(f"partitioned by {partition_columns.pop()}, {VERSIONED_FILE} says {versioning.partition}")

    committed = {
        partition: [f"{folder}/{partition}/{name}" for name in readable(names, _marker(read_text, folder, partition))]
        for partition, names in entry.partitions.items()
        if MARKER in names
    }
    layer, domain, name = folder.split("/")
    return Table(
        layer=layer,
        domain=domain,
        name=name,
        fields=fields,
        files=tuple(sorted(root_files + [f for files in committed.values() for f in files])),
        partition=next(iter(partition_columns), versioning.partition if versioning else None),
        committed=tuple(sorted(unquote(partition.partition("=")[2]) for partition in committed)),
        uncommitted=len(entry.partitions) - len(committed),
        versioning=versioning,
    )


def _marker(read_text: Callable[[str], str | None], *folders: str) -> Callable[[], str | None]:
    return lambda: read_text("/".join([*folders, MARKER]))


def _json(read_text: Callable[[str], str | None], path: str) -> dict:
    text = read_text(path)
    try:
        value = json.loads(text) if text is not None else None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path.rsplit('/', 1)[-1]} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path.rsplit('/', 1)[-1]} is missing or not a JSON object")
    return value
