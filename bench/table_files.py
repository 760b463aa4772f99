"""What the benchmarks read of the tables a run wrote: Parquet files, bytes and rows (footers only, no Spark)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from lakehouse_cli import TABLES

from lakehouse.resources.versioned_tables import CHECKPOINT


def parquet_files(folder: Path, checkpoints: bool = False) -> list[Path]:
    """The *.parquet files under `folder`, never staged ones; a versioned table's checkpoint only if asked."""
    skipped = {"_staging"} if checkpoints else {"_staging", CHECKPOINT}
    return [
        path for path in sorted(folder.rglob("*.parquet"))
        if path.is_file() and not skipped.intersection(path.relative_to(folder).parts)
    ]  # fmt: skip


@dataclass(frozen=True)
class Footprint:
    """What some Parquet files hold on disk: files, bytes and rows (from their footers)."""

    files: int
    bytes: int
    rows: int


def footprint(folders: Sequence[Path], checkpoints: bool = False) -> Footprint:
    """The Parquet files under `folders` (see `parquet_files`), summed; no Spark."""
    files = [path for folder in folders for path in parquet_files(folder, checkpoints)]
    return Footprint(
        len(files), sum(path.stat().st_size for path in files), sum(pq.read_metadata(path).num_rows for path in files)
    )


def table_rows(warehouse: Path, tables: Sequence[str] = TABLES) -> dict[str, int]:
    """Rows per table folder in `tables` (superstore's by default), checkpoints not counted; no Spark."""
    return {table: footprint([warehouse / table]).rows for table in tables}


def compare_rows(dagster_rows: dict[str, int], baseline_rows: dict[str, int]) -> bool:
    """Print the rows of every table by Dagster and by the baseline; True when all agree."""
    print("  rows per table (dagster / baseline):")
    for table, count in dagster_rows.items():
        flag = "" if count == baseline_rows.get(table) else "   <-- MISMATCH"
        print(f"    {table:<50}{count:>12,}{baseline_rows.get(table, 0):>12,}{flag}")
    match = dagster_rows == baseline_rows
    if not match:
        print("  WARNING: the baseline did not write the same rows; the overhead ratio compares unequal work")
    return match
