"""What the end-to-end domain tests share: one in-process range run of a job, a table read back without Spark, row helpers."""

import json
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG


def run_range(defs, instance, job: str, first: str, last: str):
    """One in-process run of `job` over partitions first..last (a single-run backfill), failures kept in the result."""
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    return defs.resolve_job_def(job).execute_in_process(instance=instance, tags=tags, raise_on_error=False)


def read_table(home: Path, key: str) -> list[dict]:
    """Every committed row of a table as Python values, its Hive partition column included (as Spark reads it:
    files under `_`/`.` folders are not the table's), in file order. pyarrow: no Spark job."""
    folder = home / "warehouse" / key
    fields = json.loads((folder / "_schema.json").read_text())["fields"]
    rows = []
    for path in sorted(folder.rglob("*.parquet")):
        parts = path.relative_to(folder).parts[:-1]
        if any(part.startswith(("_", ".")) for part in parts):
            continue
        partition = {name: date.fromisoformat(value) for name, value in (part.split("=", 1) for part in parts)}
        for row in pq.read_table(path, coerce_int96_timestamp_unit="us").to_pylist():
            row.update(partition)
            rows.append({f["name"]: naive(row[f["name"]]) for f in fields})
    return rows


def naive(value):
    """A UTC timestamp as Spark's collect() gives it in a UTC session: naive."""
    return value.replace(tzinfo=None) if isinstance(value, datetime) and value.tzinfo else value


def text(value: str | None) -> str | None:
    """Trimmed, None when empty (silver's reading of a text field)."""
    value = (value or "").strip()
    return value or None


def without(rows: list[dict], *columns: str) -> list[dict]:
    """The rows without `columns`."""
    return [{k: v for k, v in row.items() if k not in columns} for row in rows]


def by(rows: list[dict], *key: str) -> dict:
    """The rows by their `key` values, which must be unique."""
    found = {tuple(r[k] for k in key): r for r in rows}
    assert len(found) == len(rows), f"{key} is not unique"
    return found
