"""`make bench`: the superstore pipeline through the real Dagster CLI, against a plain PySpark baseline.

Three numbers, all from subprocesses in a scratch folder (bench/out/<timestamp>/):

1. overhead_ratio   Dagster CLI backfill of the whole history in one run / bench/baseline.py (the same
                    transforms, Parquet layout and the 8 checks' rules in a plain PySpark script), on the
                    same ~1M-line data.
2. incremental_ratio  one new day (`--partition D`) after --history-years (default 2) years / the
                    same after one year, at the same daily density (median of --repeats runs each),
                    in ONE warehouse grown from one landing (lakehouse_cli.time_new_days).
3. rows_per_second  landing lines / wall time of that full backfill; peak_rss_mb of its process tree.

The defaults keep this script to about half of `make bench`'s 30 minutes. `--days N` (debug) makes a
"year" N days (the full backfill covers 2015-01-01 and the N-1 days after it), so the script can be
checked in minutes; its figures are then no measure of anything.

Each Dagster run's wall time is also split (`time_split`, printed and in the JSON line) into Spark
jobs of the rules, of the writes and others, the Spark start, driver-side time, check steps, time
between steps and CLI start-up, from Spark's event log and the run's records (bench/spark_events.py).

The last line of stdout is one JSON object with every figure. A failed run prints the tail of its
log and exits non-zero without any ratio.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from lakehouse_cli import (
    FIRST_PARTITION,
    GROUP,
    REPO,
    BenchFailure,
    Scenario,
    Spark,
    add_run_arguments,
    baseline_and_backfill,
    check_run_arguments,
    materialization_events,
    new_day,
    new_days_fields,
    print_failure,
    ratio,
    spark_for_runs,
    time_new_days,
)
from measure import emit, environment, print_environment, print_footer, progress, run_fields
from spark_events import job_seconds
from table_files import compare_rows, table_rows

OVERHEAD_GOAL = 1.3
INCREMENTAL_GOAL = 1.25
# The generator's default range (the Kaggle file's), used by the full-backfill scenario.
DATA_START = date(2015, 1, 3)
DATA_END = date(2018, 12, 30)
FULL_END = DATA_END + timedelta(days=1)  # the full backfill's last partition: the data's last year ends here
SHORT_HISTORY_YEARS = 1
BUDGET_SECONDS = 15 * 60  # half of `make bench`'s 30 minutes; bench/rainforest.py has the other half


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0,
                        help="datagen scale of the full-backfill scenario (100 = ~980,000 lines over "
                        f"{DATA_START}..{DATA_END}; default: %(default)s)")
    parser.add_argument("--history-years", type=int, default=2,
                        help="years of history before the new day in the long incremental scenario "
                        f"(the short one has {SHORT_HISTORY_YEARS}; default: %(default)s)")
    parser.add_argument("--density", type=float, default=0.25,
                        help="datagen scale per year of history in the incremental scenarios "
                        "(0.25 = ~2,450 lines/year, the default data set's density; default: %(default)s)")
    add_run_arguments(parser, "overhead_ratio, rows_per_second, peak_rss_mb", "bench/out/<UTC timestamp>/")
    args = parser.parse_args(argv)
    check_run_arguments(parser, args, SHORT_HISTORY_YEARS, (FULL_END - FIRST_PARTITION).days + 1)
    return args


def full_backfill(args, spark: Spark, out: Path, scenarios: list[Scenario]) -> dict:
    """Scenario 3 (and 1): one dataset, the plain baseline, then the Dagster backfill of it all."""
    scenario = Scenario("full", out / "full", spark, args.run_timeout)
    scenarios.append(scenario)
    first = FIRST_PARTITION
    last = FULL_END if args.days is None else first + timedelta(days=args.days - 1)
    data_end = min(DATA_END, last)

    progress(f"full: generating scale {args.scale:g} over {DATA_START}..{data_end}")
    lines = scenario.generate(args.scale, DATA_START, data_end)
    progress(f"full: {lines:,} landing lines ({scenario.runs[-1].seconds:.1f} s)")

    base, dag, breakdown = baseline_and_backfill(scenario, first, last)
    events = materialization_events(dag.log)
    print("  per-partition ASSET_MATERIALIZATION events (count, seconds from first to last):")
    for step, (count, seconds) in events.items():
        print(f"    {step:<70}{count:>6}{seconds:>6}")

    dagster_rows = table_rows(scenario.warehouse)
    match = compare_rows(dagster_rows, table_rows(scenario.baseline_out))

    return {
        "overhead_ratio": ratio(dag.seconds, base.seconds),
        "dagster_backfill_seconds": round(dag.seconds, 2),
        "baseline_seconds": round(base.seconds, 2),
        "baseline_spark_job_seconds": job_seconds(scenario.jobs(base)[0]),
        "rows_per_second": round(lines / dag.seconds, 1),
        "landing_lines": lines,
        "full_scale": args.scale,
        "full_partition_range": f"{first}...{last}",
        "full_partitions": (last - first).days + 1,
        "peak_rss_mb": round(dag.peak_rss_mb, 1),
        "baseline_peak_rss_mb": round(base.peak_rss_mb, 1),
        "dagster_run_seconds": (breakdown or {}).get("run_seconds"),
        "dagster_steps": (breakdown or {}).get("steps"),
        "dagster_events": (breakdown or {}).get("dagster_events"),
        "time_split": (breakdown or {}).get("time_split"),
        "materialization_events": sum(count for count, _ in events.values()),
        "materialization_event_seconds": sum(seconds for _, seconds in events.values()),
        "outputs_match_baseline": match,
        "table_rows": dagster_rows,
    }


def incremental(args, spark: Spark, out: Path, scenarios: list[Scenario]) -> dict:
    """Scenario 2: one new day after a short and after a long history, same daily density, one warehouse."""
    scenario = Scenario("incremental", out / "incremental", spark, args.run_timeout)
    scenarios.append(scenario)
    short_day = new_day(FIRST_PARTITION, SHORT_HISTORY_YEARS, args.days)
    long_day = new_day(FIRST_PARTITION, args.history_years, args.days)
    scale = args.density * args.history_years  # the generator spreads a scale's lines over the range
    progress(f"{scenario.name}: generating scale {scale:g} over {DATA_START}..{long_day}")
    lines = scenario.generate(scale, DATA_START, long_day)
    progress(f"{scenario.name}: {lines:,} landing lines")
    measured = time_new_days(scenario, FIRST_PARTITION, short_day, long_day, args.repeats)
    return {
        **new_days_fields(measured, short_day, long_day, (args.history_years, SHORT_HISTORY_YEARS)),
        "incremental_density": args.density,
        "incremental_days_per_year": args.days or "calendar",
        "incremental_landing_lines": lines,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = (args.out or REPO / "bench" / "out" / stamp).absolute()
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()

    env = environment(REPO)
    print_environment(env, args.spark_master, out, args.spark_server)

    result: dict = {"ok": False, "domain": GROUP}
    scenarios: list[Scenario] = []
    try:
        with spark_for_runs(args, out) as spark:
            if not args.skip_full:
                result.update(full_backfill(args, spark, out, scenarios))
            if not args.skip_incremental:
                result.update(incremental(args, spark, out, scenarios))
    except BenchFailure as error:
        print_failure(error)
        print(json.dumps({"ok": False, "error": str(error), "git_commit": env["git_commit"]}))
        return 1
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    finally:
        if not args.keep_data:
            for scenario in scenarios:
                scenario.drop_data()

    total = time.perf_counter() - began
    result.update(run_fields(env, args.spark_master, out, total, BUDGET_SECONDS, args.spark_server),
                  overhead_goal=OVERHEAD_GOAL, incremental_goal=INCREMENTAL_GOAL)
    print("\nsummary:")
    if "overhead_ratio" in result:
        verdict = "meets" if result["overhead_ratio"] <= OVERHEAD_GOAL else "MISSES"
        print(f"  overhead_ratio    {result['overhead_ratio']:.3f} ({verdict} goal <= {OVERHEAD_GOAL}): "
              f"Dagster {result['dagster_backfill_seconds']:.1f} s / baseline {result['baseline_seconds']:.1f} s")
        span = "" if args.days is None else f", DEBUG: {result['full_partition_range']} only"
        print(f"  rows_per_second   {result['rows_per_second']:,.0f} ({result['landing_lines']:,} lines{span})")
        print(f"  peak_rss_mb       {result['peak_rss_mb']:,.0f} (baseline {result['baseline_peak_rss_mb']:,.0f})")
    if "incremental_ratio" in result:
        verdict = "meets" if result["incremental_ratio"] <= INCREMENTAL_GOAL else "MISSES"
        print(f"  incremental_ratio {result['incremental_ratio']:.3f} ({verdict} goal <= {INCREMENTAL_GOAL}): "
              f"{result['incremental_long_seconds']:.1f} s after {args.history_years} y / "
              f"{result['incremental_short_seconds']:.1f} s after {SHORT_HISTORY_YEARS} y")
    print_footer(result, BUDGET_SECONDS, 18)
    emit(result, out, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
