"""`make bench`, shop part: the web shop's monthly exports through `lakehouse run shop`, as users run it.

All figures come from subprocesses in a scratch folder (bench/out/<UTC timestamp>-shop/):

1. shop_rows_per_second  a full year: `python -m lakehouse.datagen shop --scale S` over 2024-01-01..
                    2024-12-31 (S = 95: 475,000 orders of ~2.1 items, ~1,000,000 order items), then ONE
                    `lakehouse run shop --from 2024-01-01 --to 2024-12-31`, which makes one Dagster run
                    per partitioning: the daily assets over 366 days, then the monthly ones over 12
                    months. Landing data rows (every export's, all four entities) / that command's wall
                    seconds; shop_order_items_per_second the same for the order items alone. Also each
                    Dagster run's seconds (from the Dagster instance, and as the command prints them),
                    the command's peak RSS (process tree) and its slowest steps.
2. shop_incremental_ratio (also as incremental_ratio)  one new day after --history-years (default 4,
                    or as many calendar years as end before today: daily partitions end yesterday)
                    years of history / the same after one year, at one daily density: the generator
                    spreads 5,000 x scale orders over whatever range it is given, so the landing of
                    2024-01-01 through the long day is generated at scale = --density x its days / 366
                    (customers and products grow with it, as a shop's do). ONE warehouse is grown from
                    that one landing (bench/lakehouse_cli.time_new_days): year 1 (`lakehouse run shop
                    --from 2024-01-01 --to 2024-12-31`), the short day 2025-01-01 timed, the days up to
                    the long day, the long day timed (median of --repeats runs each). Both timed days
                    read the same landing (bronze reads every export of an entity on each run), so only
                    the history behind them differs. Goal <= 1.25.

Every run is what `lakehouse run shop --from A --to B` runs on the day after B (`days_runner`): on
a new day, yesterday's month is not over, so the command makes the daily run alone (its monthly
partition does not exist yet). For a past day the command also runs that day's month, whose
monthly assets read every day of it: a one-day `lakehouse run shop` of 2025-01-01 fails with
MissingPartitionsError (2025-01-02...31 not materialized yet). So a range that ends on the last day
of a month (year 1, the history up to the long day, the full year) is one `lakehouse run shop`
command (daily, then monthly), and any other (a timed new day) is the command's daily run alone:
`dagster asset materialize` with its assets and `--partition-range D...D`, as `lakehouse run`
launches it (so without the CLI's own start-up, polling and summary around it).

`--days N` (debug) makes a "year" N days, so the whole script can be checked in minutes; its
figures are then no measure of anything. With N = 31 the full run and year 1 end on a month's
last day and go through `lakehouse run shop`; otherwise they too are daily runs alone.

The last line of stdout is one JSON object with every figure. A failed run prints the tail of its
log and exits non-zero without any figure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from lakehouse_cli import (
    Domain,
    RunBatch,
    Scenario,
    Spark,
    add_run_arguments,
    check_run_arguments,
    cli_breakdown,
    cli_runs,
    command_runs,
    csv_rows,
    domain_bench,
    new_day,
    new_days_fields,
    print_breakdown,
    ratio,
    rows_on,
    runs_text,
    time_new_days,
    timed_days,
)
from measure import Measured, print_footer, progress, verdict

INCREMENTAL_GOAL = 1.25
YEAR_END = date(2024, 12, 31)  # the full scenario's last day (the generator's default range ends here)
ORDERS_PER_SCALE = 5_000  # orders at scale 1, spread over the generated range
ITEMS_PER_ORDER = 2.1  # the generator's mean items per order (1-5 items, weights 40/30/15/10/5)
SHORT_HISTORY_YEARS = 1
LONG_HISTORY_YEARS = 4
BUDGET_SECONDS = 15 * 60


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/shop.py", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=95.0,
                        help=f"datagen scale of the full year ({ORDERS_PER_SCALE:,} orders, ~{ORDERS_PER_SCALE * ITEMS_PER_ORDER:,.0f} "
                        "order items per unit; 95 = ~1,000,000 order items; default: %(default)s)")
    parser.add_argument("--history-years", type=int, default=None,
                        help="years of history before the new day in the long incremental scenario "
                        f"(the short one has {SHORT_HISTORY_YEARS}; default: {LONG_HISTORY_YEARS}, or as many "
                        "calendar years as end before today: daily partitions end yesterday)")
    parser.add_argument("--density", type=float, default=1.0,
                        help="datagen scale per year of history in the incremental scenario (1 = "
                        f"{ORDERS_PER_SCALE:,} orders a year, the sample data's density; default: %(default)s)")
    add_run_arguments(parser, "shop_rows_per_second", "bench/out/<UTC timestamp>-shop/")
    args = parser.parse_args(argv)
    check_run_arguments(parser, args, SHORT_HISTORY_YEARS, (YEAR_END - date(YEAR_END.year, 1, 1)).days + 1)
    return args


def entity_rows(landing: Path) -> dict[str, int]:
    """Data rows of the landing exports, by entity (the folder: customers, products, orders, order_items)."""
    rows: dict[str, int] = {}
    for name, count in csv_rows(landing, "*/*.csv").items():
        entity = name.split("/", 1)[0]
        rows[entity] = rows.get(entity, 0) + count
    return rows


def orders_on(landing: Path, day: date) -> int:
    """Orders dated `day` in the landing (its month's export)."""
    return rows_on(sorted((landing / "orders").glob(f"orders_{day:%Y-%m}.csv")), "order_date", day)


def days_runner(scenario: Scenario, batches: list[RunBatch]) -> Callable[[str, date, date | None], Measured]:
    """`run(name, start, end)`: days start..end (one day when `end` is None) as `lakehouse run shop --from
    start --to end` runs them on the day after `end`, in a warehouse grown day by day from the first.

    Through the command itself when `end` closes its month (every month it touches then has all its
    days); otherwise the command's daily run alone, as it launches it: the month of `end` is not
    over on the next day, so it has no monthly run (and one now would lack the month's later days).
    """
    daily = next(batch for batch in batches if batch.label == "daily")

    def run(name: str, start: date, end: date | None = None) -> Measured:
        end = end or start
        if (end + timedelta(days=1)).day == 1:
            return scenario.lakehouse_run(name, start, end)
        return scenario.materialize(name, start, end, select=daily.select)

    return run


def full_year(args, spark: Spark, domain: Domain, batches: list[RunBatch], out: Path, scenarios: list[Scenario]) -> dict:
    """Figure 1: one year of exports, then ONE `lakehouse run shop` over every day of it."""
    scenario = Scenario("full", out / "full", spark, args.run_timeout, domain)
    scenarios.append(scenario)  # so its data is dropped at the end
    first = domain.first_partition
    last = YEAR_END if args.days is None else first + timedelta(days=args.days - 1)
    days = (last - first).days + 1

    progress(f"full: generating scale {args.scale:g} over {first}..{last}")
    rows = scenario.generate(args.scale, first, last)
    by_entity = entity_rows(scenario.landing)
    items = by_entity.get("order_items", 0)
    if sum(by_entity.values()) != rows:
        print(f"  WARNING: the exports hold {sum(by_entity.values()):,} data rows, the generator said {rows:,}")
    progress(f"full: {rows:,} landing rows ({', '.join(f'{k} {v:,}' for k, v in by_entity.items())}), "
             f"{scenario.runs[-1].seconds:.1f} s")

    progress(f"full: lakehouse run shop --from {first} --to {last} ({days} days)"
             + ("" if (last + timedelta(days=1)).day == 1 else ": DEBUG, its daily run alone (mid-month)"))
    run = days_runner(scenario, batches)("year", first, last)
    breakdown = cli_breakdown(scenario, run, batches)
    runs, not_run = command_runs(breakdown, run), cli_runs(run.log)[1]
    progress(f"full: {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:,.0f} MB: {runs_text(runs)}")
    for line in not_run:
        print(f"  full: {line}")
    print_breakdown("full", run.seconds, breakdown)
    print("  landing rows per entity:")
    for entity, count in by_entity.items():
        print(f"    {entity:<40}{count:>12,}")

    return {
        "shop_rows_per_second": round(rows / run.seconds, 1),
        "shop_order_items_per_second": round(items / run.seconds, 1),
        "shop_full_seconds": round(run.seconds, 2),
        "shop_landing_rows": rows,
        "shop_order_items": items,
        "shop_landing_entity_rows": by_entity,
        "shop_full_scale": args.scale,
        "shop_full_partition_range": f"{first}...{last}",
        "shop_full_partitions": days,
        "shop_full_year": args.days is None,
        "shop_full_runs": runs,
        "shop_full_not_run": not_run,
        "shop_peak_rss_mb": round(run.peak_rss_mb, 1),
        "shop_datagen_seconds": round(scenario.runs[0].seconds, 2),
        "shop_full_dagster_run_seconds": (breakdown or {}).get("run_seconds"),
        "shop_full_dagster_events": (breakdown or {}).get("dagster_events"),
        "shop_full_steps": (breakdown or {}).get("steps"),
    }


def incremental(args, spark: Spark, domain: Domain, batches: list[RunBatch], out: Path, scenarios: list[Scenario]) -> dict:
    """Figure 2: one new day after a short and after a long history, one daily density, one warehouse."""
    first = domain.first_partition
    scenario = Scenario("incremental", out / "incremental", spark, args.run_timeout, domain)
    scenarios.append(scenario)
    short_day = new_day(first, SHORT_HISTORY_YEARS, args.days)
    long_day = new_day(first, args.history_years, args.days)
    year_days = (short_day - first).days  # 366 for 2024, or --days
    # The generator spreads 5,000 x scale orders over its range: scale with the range for one density.
    scale = args.density * ((long_day - first).days + 1) / year_days
    progress(f"{scenario.name}: generating scale {scale:g} ({args.density:g} per {year_days}-day year) over {first}..{long_day}")
    rows = scenario.generate(scale, first, long_day)
    day_orders = [orders_on(scenario.landing, day) for day in (long_day, short_day)]
    if 0 in day_orders:
        print(f"  WARNING: no orders on {short_day} or {long_day}: a timed day has no facts (raise --density)")
    progress(f"{scenario.name}: {rows:,} landing rows; orders on {long_day}, {short_day}: {day_orders}")

    measured = time_new_days(scenario, first, short_day, long_day, args.repeats, run=days_runner(scenario, batches),
                             breakdown=lambda scenario, run: cli_breakdown(scenario, run, batches))
    fields = new_days_fields(measured, short_day, long_day, (args.history_years, SHORT_HISTORY_YEARS))
    timed, growth = timed_days(scenario, measured, short_day, long_day, batches)
    by_kind = {}  # partitioning -> (long seconds, short seconds) of each timed day's run of it
    for kind in {run["partitioning"] for t in timed.values() for run in t["runs"]}:
        seconds = [next((r.get("run_seconds") for r in timed[d.isoformat()]["runs"] if r["partitioning"] == kind), None)
                   for d in (long_day, short_day)]  # fmt: skip
        if None not in seconds:
            by_kind[kind] = seconds
    return {
        "shop_incremental_ratio": fields["incremental_ratio"],
        **fields,
        "shop_incremental_run_ratios": {kind: ratio(a, b) for kind, (a, b) in sorted(by_kind.items()) if b},
        "shop_incremental_timed_runs": timed,
        "shop_incremental_timed": "the daily run of `lakehouse run shop --from D --to D` alone, as the command launches "
                                  "it and runs it on D+1 (D's month not over: no monthly run)",
        "shop_incremental_step_growth_seconds": growth,
        "incremental_density": args.density,
        "incremental_scale": round(scale, 4),
        "incremental_days_per_year": args.days or "calendar",
        "incremental_landing_rows": rows,
        "incremental_new_day_orders": day_orders,
    }


def print_summary(result: dict, args) -> None:
    """The human-readable figures, before the JSON line."""
    width = 35
    print("\nsummary (shop):")
    if "shop_rows_per_second" in result:
        span = "full year" if result["shop_full_year"] else f"DEBUG: {result['shop_full_partitions']} days only"
        print(f"  {'shop_rows_per_second':<{width}}{result['shop_rows_per_second']:,.0f} ({result['shop_landing_rows']:,} "
              f"landing rows / {result['shop_full_seconds']:.1f} s of `lakehouse run shop`, "
              f"{result['shop_full_partition_range']}, {span})")
        print(f"  {'shop_order_items_per_second':<{width}}{result['shop_order_items_per_second']:,.0f} "
              f"({result['shop_order_items']:,} order items, scale {result['shop_full_scale']:g})")
        print(f"  {'its Dagster runs':<{width}}{runs_text(result['shop_full_runs'])}")
        print(f"  {'shop_peak_rss_mb':<{width}}{result['shop_peak_rss_mb']:,.0f}")
    if "shop_incremental_ratio" in result:
        value = result["shop_incremental_ratio"]
        print(f"  {'shop_incremental_ratio':<{width}}{value:.3f} ({verdict(value, INCREMENTAL_GOAL)}): "
              f"{result['incremental_long_seconds']:.1f} s after {args.history_years} y "
              f"({result['incremental_long_day']}) / {result['incremental_short_seconds']:.1f} s after "
              f"{SHORT_HISTORY_YEARS} y ({result['incremental_short_day']})"
              + ("" if args.days is None else f"; DEBUG: {args.days}-day 'years'"))
        print("  each timed day D ran what `lakehouse run shop --from D --to D` runs on D+1, the daily run alone (for a")
        print("  past D it would also run D's month, which fails: the month's later days are not there yet):")
        for day, timed in result["shop_incremental_timed_runs"].items():
            print(f"    {day}: {runs_text(timed['runs'])}" + "".join(f"; {line}" for line in timed["not_run"]))
        if result["shop_incremental_run_ratios"]:
            print(f"  {'Dagster run seconds (long/short)':<{width}}"
                  + ", ".join(f"{kind} {value:.3f}" for kind, value in result["shop_incremental_run_ratios"].items()))
        grown = list(result["shop_incremental_step_growth_seconds"].items())[:5]
        if grown:
            print(f"  {'most grown steps (long - short)':<{width}}"
                  + ", ".join(f"{step} +{s:.1f} s" for step, s in grown))
    print_footer(result, BUDGET_SECONDS, width)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return domain_bench(args, "shop", full_year, incremental, print_summary, BUDGET_SECONDS,
                        {"incremental_goal": INCREMENTAL_GOAL}, (LONG_HISTORY_YEARS, SHORT_HISTORY_YEARS))


if __name__ == "__main__":
    sys.exit(main())
