"""Storage of rainforest's versioned dimensions and bridges, against the copy-per-day layout they replaced.

Measured after the full-year run: the bytes of every *.parquet file (files only, `_checkpoint`
included) under silver/rainforest/dim_* and brg_*. The earlier layout (a full copy of each table
per day) can no longer be run, its code is gone, so its size is an ESTIMATE: bench/state_copy.py
writes ONE day's state of each table (as of the run's last day, version columns dropped, one file
per table as that layout wrote one per day) and its bytes are multiplied by the run's days. That
is exact while the state does not change over the run (the generated marketplace exists before
2024-01-01 and, without --updates, never changes) and an overestimate where it grows. The exact
comparison, measured on the demo data with the old code still there, is in the README.
"""

from __future__ import annotations

from datetime import date

from lakehouse_cli import Scenario, ratio
from measure import progress
from table_files import Footprint, footprint

STATE_GOAL = 2.0  # stored bytes within 2x one day's state: versions plus one checkpoint
DIMENSION_PREFIXES = ("silver/rainforest/dim_", "silver/rainforest/brg_")


def _figures(footprint_: Footprint) -> dict:
    return {"files": footprint_.files, "bytes": footprint_.bytes, "rows": footprint_.rows}


def dims_storage(scenario: Scenario, tables: tuple[str, ...], last: date, days: int) -> dict:
    """The versioned tables' bytes, rows and files, one day's state of them, and the estimate of the old layout."""
    dims = [table for table in tables if table.startswith(DIMENSION_PREFIXES)]
    folders = [scenario.warehouse / table for table in dims]
    stored, versions = footprint(folders, checkpoints=True), footprint(folders)
    copies = scenario.home / "state_copy"
    progress(f"{scenario.name}: one day's state ({last}) of {len(dims)} dimensions and bridges (bench/state_copy.py)")
    scenario.bench_script("state_copy", "state_copy.py", "--warehouse", str(scenario.warehouse),
                          "--out", str(copies), "--day", last.isoformat())  # fmt: skip
    state = footprint([copies / table for table in dims])
    per_table = {
        table: {"stored": _figures(footprint([scenario.warehouse / table], checkpoints=True)),
                "state": _figures(footprint([copies / table]))}
        for table in dims
    }  # fmt: skip
    return {
        "rainforest_dims_bytes_new": stored.bytes,
        "rainforest_dims_files_new": stored.files,
        "rainforest_dims_rows_new": stored.rows,
        "rainforest_dims_version_rows": versions.rows,  # the rest of rows_new is the checkpoints'
        "rainforest_dims_state_bytes": state.bytes,
        "rainforest_dims_state_rows": state.rows,
        "rainforest_dims_bytes_old_estimate": state.bytes * days,
        "rainforest_dims_files_old_estimate": state.files * days,
        "rainforest_dims_ratio_to_state": ratio(stored.bytes, state.bytes) if state.bytes else None,
        "rainforest_dims_state_day": last.isoformat(),
        "rainforest_dims_tables": per_table,
    }


def print_storage(result: dict, days: int) -> None:
    """The summary lines of the storage figures."""
    to_state = result["rainforest_dims_ratio_to_state"]
    verdict = "meets" if to_state is not None and to_state <= STATE_GOAL else "MISSES"
    print(f"  rainforest_dims_bytes_new          {result['rainforest_dims_bytes_new']:,} bytes in "
          f"{result['rainforest_dims_files_new']:,} files, {result['rainforest_dims_rows_new']:,} rows "
          f"(dim_*, brg_*, checkpoints included)")
    print(f"  rainforest_dims_ratio_to_state     {to_state} ({verdict} goal <= {STATE_GOAL:g}): stored / one day's "
          f"state ({result['rainforest_dims_state_bytes']:,} bytes, {result['rainforest_dims_state_rows']:,} rows)")
    print(f"  rainforest_dims_bytes_old_estimate {result['rainforest_dims_bytes_old_estimate']:,} bytes in "
          f"{result['rainforest_dims_files_old_estimate']:,} files: an ESTIMATE, one day's state x {days} days "
          "(the copy-per-day code is gone; exact while the state does not change, high where it grows)")
