"""Sales benchmark: store files through `lakehouse run sales`, as users run it; ends with one JSON line.

1. A "large" drop folder (`--files` store files of `--rows-per-file` lines, 3 stores a day from
   2024-01-01, plus the generator's 6 faulty files): one `lakehouse run sales` takes them all
   (intake, one daily run over every day, one monthly run) -> `sales_files_per_second`,
   `sales_rows_per_second`.
2. A "small" one (`--small-files`), run the same way.
3. In each, ONE new file (the next day, store 121) and `lakehouse run sales` again:
   `sales_incremental_ratio` = that run after the large history / after the small one (goal <=
   1.25: the ledger lookup, the intake and the runs must not scan the archive or all history).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from lakehouse_cli import REPO, _bench_env, lakehouse_run_command
from measure import emit, environment, print_environment, print_footer, progress, run_fields, run_measured, tail

from lakehouse.datagen.sales import generate
from lakehouse.instance import write_instance_config
from lakehouse.resources import spark_server

FIRST_DAY = date(2024, 1, 1)
STORES_PER_DAY = 3
LINES_AT_SCALE_1 = 25  # the generator's mean lines per file at scale 1 (10-40)
BUDGET_SECONDS = 15 * 60


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="store files of the large drop (default 2000)")
    parser.add_argument("--small-files", type=int, default=20, help="store files of the small drop (default 20)")
    parser.add_argument("--rows-per-file", type=int, default=100, help="mean lines per file (default 100)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per run")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / f"{datetime.now():%Y%m%d-%H%M%S}-sales")
    parser.add_argument("--spark-server-home", type=Path, default=None,
                        help="run against the Spark Connect server the other benchmarks share there "
                        "(their --spark-server-home; `make bench-quick`), not a Spark per run")
    return parser


def shared_server(home: Path | None) -> str | None:
    """The url of the shared server running in `home` (None: no --spark-server-home)."""
    if home is None:
        return None
    server = spark_server.status(home.resolve() / "spark-server")
    if server is None:
        raise SystemExit(f"--spark-server-home {home}: no Spark server runs there (start one with another benchmark)")
    return server.url


class Drop:
    """One LAKEHOUSE_HOME with its Dagster instance, driven through the CLI."""

    def __init__(self, root: Path, name: str, timeout: float, remote: str | None):
        self.home, self.dagster_home, self.name, self.timeout = root / name, root / name / "dagster", name, timeout
        self.remote = remote  # a Spark Connect url, or None: each run starts its own Spark
        write_instance_config(self.dagster_home)
        self.landing = self.home / "landing" / "sales"

    def run(self, label: str) -> float:
        env = {**_bench_env(), "LAKEHOUSE_HOME": str(self.home), "DAGSTER_HOME": str(self.dagster_home)}
        if self.remote:
            env["LAKEHOUSE_SPARK_REMOTE"] = self.remote
        log = self.home / "logs" / f"bench-{label}.log"
        progress(f"{self.name}: lakehouse run sales ({label})")
        measured = run_measured(label, lakehouse_run_command("sales"), env, log, REPO, self.timeout)
        if not measured.ok:
            sys.stdout.write(tail(log))
            raise SystemExit(f"{self.name}: {label} failed (exit {measured.returncode}); log: {log}")
        progress(f"{self.name}: {label} took {measured.seconds:.1f} s")
        return measured.seconds

    def add_file(self, day: date, scale: float) -> None:
        """One more store file for `day` (store 121), as a store would drop it."""
        scratch = self.home / "new-file"
        generate(scratch, seed=day.toordinal(), scale=scale, start=day, end=day)
        name = f"sales_121_{day:%Y%m%d}.csv"
        shutil.copy(scratch / "to_process" / name, self.landing / "to_process" / name)
        shutil.rmtree(scratch)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scale = args.rows_per_file / LINES_AT_SCALE_1
    env = environment(REPO)
    remote = shared_server(args.spark_server_home)
    print_environment(env, None, args.out, remote is not None)
    began = time.perf_counter()
    figures = {}
    for name, files in (("large", args.files), ("small", args.small_files)):
        days = max(1, math.ceil(files / STORES_PER_DAY))
        last = FIRST_DAY + timedelta(days=days - 1)
        new_day = last + timedelta(days=1)
        if new_day >= date.today():
            raise SystemExit(f"--files {files} reaches {new_day}, a day that has not ended yet: ask for fewer")
        drop = Drop(args.out, name, args.timeout, remote)
        progress(f"{name}: generating {days * STORES_PER_DAY} store files ({days} days, ~{args.rows_per_file} lines each)")
        report = generate(drop.landing, seed=11, scale=scale, start=FIRST_DAY, end=last)
        seconds = drop.run("history")
        drop.add_file(new_day, scale)
        figures[name] = {"files": days * STORES_PER_DAY, "rows": report.rows, "history_seconds": seconds,
                         "days": days, "new_file_seconds": drop.run("new file")}  # fmt: skip
    large, small = figures["large"], figures["small"]
    total = time.perf_counter() - began
    result = {
        "domain": "sales",
        "sales_files": large["files"],
        "sales_rows": large["rows"],
        "sales_history_seconds": round(large["history_seconds"], 1),
        "sales_files_per_second": round(large["files"] / large["history_seconds"], 2),
        "sales_rows_per_second": round(large["rows"] / large["history_seconds"], 1),
        "sales_new_file_seconds_after_small": round(small["new_file_seconds"], 1),
        "sales_new_file_seconds_after_large": round(large["new_file_seconds"], 1),
        "sales_small_files": small["files"],
        "sales_incremental_ratio": round(large["new_file_seconds"] / small["new_file_seconds"], 3),
        # the small drop's run and the days each drop's history covers (the new file's day follows them)
        "sales_small_rows": small["rows"],
        "sales_small_history_seconds": round(small["history_seconds"], 1),
        "sales_history_days": large["days"],
        "sales_small_history_days": small["days"],
        **run_fields(env, None, args.out, total, BUDGET_SECONDS, remote is not None),
    }
    width = 36
    print("\nsales benchmark:")
    for key in ("sales_files", "sales_rows", "sales_history_seconds", "sales_files_per_second", "sales_rows_per_second",
                "sales_new_file_seconds_after_small", "sales_new_file_seconds_after_large", "sales_incremental_ratio"):  # fmt: skip
        print(f"  {key:<{width}}{result[key]}")
    print_footer(result, BUDGET_SECONDS, width)
    emit(result, args.out, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
