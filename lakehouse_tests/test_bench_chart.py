"""bench/chart.py: the PNG `make bench` draws from the scripts' result.json files (no Spark)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

CHART = Path(__file__).resolve().parent.parent / "bench" / "chart.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CALENDAR = {"incremental_history_years": [2, 1], "incremental_days_per_year": "calendar"}


def write_result(folder: Path, result: dict) -> None:
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps(result) + "\n")


def chart(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHART), *args], capture_output=True, text=True, timeout=120)


def test_chart_plots_each_domains_points(tmp_path):
    results = tmp_path / "out"
    # superstore twice: the newer run (by its `date`) is the one plotted
    write_result(results / "20261201T000000Z", {
        "ok": True, "domain": "superstore", "date": "2026-12-01T00:00:00+00:00", "git_commit": "aaaaaaa",
        "landing_lines": 1, "dagster_backfill_seconds": 1.0,
        "incremental_long_seconds": 1.0, "incremental_short_seconds": 1.0, **CALENDAR,
    })  # fmt: skip
    write_result(results / "20261207T000000Z", {
        "ok": True, "domain": "superstore", "date": "2026-12-07T00:00:00+00:00", "git_commit": "bbbbbbb",
        "landing_lines": 980000, "dagster_backfill_seconds": 196.4,
        "incremental_long_seconds": 27.8, "incremental_short_seconds": 26.5, **CALENDAR,
    })  # fmt: skip
    write_result(results / "20261207T010000Z-sales", {
        "ok": True, "domain": "sales", "date": "2026-12-07T01:00:00+00:00",
        "sales_rows": 200353, "sales_history_seconds": 130.5, "sales_small_rows": 2000,
        "sales_small_history_seconds": 40.0, "sales_history_days": 730, "sales_small_history_days": 73,
        "sales_new_file_seconds_after_large": 49.3, "sales_new_file_seconds_after_small": 49.1,
    })  # fmt: skip
    # shop with 31-day "years" (--days 31): 1 and 2 of them are 31/365 and 62/365 years
    write_result(results / "20261207T020000Z-shop", {
        "ok": True, "domain": "shop", "date": "2026-12-07T02:00:00+00:00",
        "shop_landing_rows": 1604340, "shop_full_seconds": 683.5,
        "incremental_long_seconds": 69.2, "incremental_short_seconds": 56.0,
        "incremental_history_years": [2, 1], "incremental_days_per_year": 31,
    })  # fmt: skip
    write_result(results / "20261207T030000Z-finance", {"ok": False, "domain": "finance", "error": "boom"})
    png = tmp_path / "chart" / "bench.png"

    done = chart(str(results), "--out", str(png))

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "superstore: full run 980,000 rows 196.4 s; new day after 1 y 26.5 s, after 2 y 27.8 s",
        "sales: full run 2,000 rows 40 s, 200,353 rows 130.5 s; new day after 0.2 y 49.1 s, after 2 y 49.3 s",
        "shop: full run 1,604,340 rows 683.5 s; new day after 0.0849 y 56 s, after 0.17 y 69.2 s",
        f"wrote {png} (1000x420 px, {png.stat().st_size:,} bytes)",
    ]
    assert "no result for rainforest (bench/rainforest.py): skipped" in done.stderr
    assert "no result for finance (bench/finance.py): skipped" in done.stderr  # its only run failed
    data = png.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1000, 420)
    assert len(data) < 80_000


def test_chart_skips_a_missing_panel_and_takes_result_files(tmp_path):
    result = tmp_path / "rainforest.json"  # --skip-full: new days only
    result.write_text(json.dumps({
        "ok": True, "domain": "rainforest", "incremental_long_seconds": 87.7,
        "incremental_short_seconds": 89.0, **CALENDAR,
    }))  # fmt: skip
    png = tmp_path / "quick.png"

    done = chart(str(result), "--out", str(png), "--title", "")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "rainforest: full run -; new day after 1 y 89 s, after 2 y 87.7 s"
    assert "rainforest: no full run in its result (--skip-full?): left out of the first panel" in done.stderr
    assert png.read_bytes()[:8] == PNG_SIGNATURE


def test_chart_without_results_says_to_run_make_bench(tmp_path):
    empty = tmp_path / "out"
    empty.mkdir()
    png = tmp_path / "bench.png"

    done = chart(str(empty), "--out", str(png))

    assert done.returncode == 1
    assert done.stdout == ""
    assert f"chart: no benchmark results with figures to plot in {empty}: run `make bench` first" in done.stderr
    assert not png.exists()
