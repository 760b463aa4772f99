"""`make bench`, finance part: the bank's extracts and device events through `lakehouse run finance`, as users run it.

All figures come from subprocesses in a scratch folder (bench/out/<UTC timestamp>-finance/):

1. finance_rows_per_second  a full year: `python -m lakehouse.datagen finance --scale S` over 2024-01-01..
                    2024-12-31 (S = 694: 13,880 customers, 27,760 accounts, 3 transactions per account
                    per month: 999,360 transactions), then ONE `lakehouse run finance --from 2024-01-01
                    --to 2024-12-31`, which makes one Dagster run: finance has daily assets only (its
                    unpartitioned bronze rejects join that run). Landing data rows (the CSV exports'
                    customer and account versions and transactions, and every event line, faulty
                    ones included) / that command's wall seconds; finance_transactions_per_second the
                    same for the transactions alone. Also the Dagster run's seconds (from the Dagster
                    instance, and as the command prints them), the command's peak RSS (process tree)
                    and its slowest steps.
2. finance_incremental_ratio (also as incremental_ratio)  one new day after --history-years (default
                    4, or as many calendar years as end before today: daily partitions end yesterday)
                    years of history / the same after one year, at one daily density: the generator
                    gives each of its 40 x scale accounts 3 transactions in every calendar month of its
                    range, so ONE landing at scale --density over 2024-01-01 through the end of the long
                    day's month has the same density every day (a range ending mid-month would crowd
                    that month's transactions into its first days, the long day's among them). ONE
                    warehouse is grown from it (bench/lakehouse_cli.time_new_days): year 1, the short day
                    2025-01-01 timed, the days up to the long day, the long day timed (median of
                    --repeats runs each), every run one `lakehouse run finance --from A --to B`. Both
                    timed days read the same landing (bronze reads the whole exports on each run), so
                    only the history behind them differs. Goal <= 1.25.

Each run's LAKEHOUSE_PII_KEY is the benchmark's own random key (bench/lakehouse_cli.BENCH_PII_KEY): the
caller's is never passed on.

`--days N` (debug) makes a "year" N days, so the whole script can be checked in minutes; its
figures are then no measure of anything.

The last line of stdout is one JSON object with every figure. A failed run prints the tail of its
log and exits non-zero without any figure.
"""

from __future__ import annotations

import argparse
import sys
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
    rows_on,
    runs_text,
    time_new_days,
    timed_days,
)
from measure import print_footer, progress, verdict

from lakehouse.datagen.finance import ACCOUNT_TYPES, EVENTS_DIR, TRANSACTIONS_PER_MONTH, customer_count

INCREMENTAL_GOAL = 1.25
YEAR_END = date(2024, 12, 31)  # the full scenario's last day (the generator's default range ends here)
SHORT_HISTORY_YEARS = 1
LONG_HISTORY_YEARS = 4
BUDGET_SECONDS = 15 * 60


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/finance.py", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=694.0,
                        help=f"datagen scale of the full year ({year_transactions(1):,} transactions a year per unit: "
                        f"{customer_count(1)} customers of {len(ACCOUNT_TYPES)} accounts; 694 = ~1,000,000 "
                        "transactions; default: %(default)s)")
    parser.add_argument("--history-years", type=int, default=None,
                        help="years of history before the new day in the long incremental scenario "
                        f"(the short one has {SHORT_HISTORY_YEARS}; default: {LONG_HISTORY_YEARS}, or as many "
                        "calendar years as end before today: daily partitions end yesterday)")
    parser.add_argument("--density", type=float, default=1.0,
                        help="datagen scale of the incremental scenario, the same every day of its history (1 = "
                        f"{year_transactions(1):,} transactions a year, the sample data's density; "
                        "default: %(default)s)")
    add_run_arguments(parser, "finance_rows_per_second", "bench/out/<UTC timestamp>-finance/")
    args = parser.parse_args(argv)
    check_run_arguments(parser, args, SHORT_HISTORY_YEARS, (YEAR_END - date(YEAR_END.year, 1, 1)).days + 1)
    return args


def year_transactions(scale: float) -> int:
    """Transactions the generator writes over 12 whole months at `scale` (faulty rows aside)."""
    return customer_count(scale) * len(ACCOUNT_TYPES) * TRANSACTIONS_PER_MONTH * 12


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def landing_rows(landing: Path) -> dict[str, int]:
    """Data rows of the landing by source: each table export's (customers, accounts, transactions), the event lines."""
    rows = csv_rows(landing, "*.csv")
    lines = 0
    for path in sorted((landing / EVENTS_DIR).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            lines += sum(1 for line in handle if line.strip())
    return {**rows, EVENTS_DIR: lines}


def transactions_on(landing: Path, day: date) -> int:
    """Transactions dated `day` in the landing's export."""
    return rows_on([landing / "transactions.csv"], "timestamp", day)


def full_year(args, spark: Spark, domain: Domain, batches: list[RunBatch], out: Path, scenarios: list[Scenario]) -> dict:
    """Figure 1: one year of extracts and events, then ONE `lakehouse run finance` over every day of it."""
    scenario = Scenario("full", out / "full", spark, args.run_timeout, domain)
    scenarios.append(scenario)  # so its data is dropped at the end
    first = domain.first_partition
    last = YEAR_END if args.days is None else first + timedelta(days=args.days - 1)
    days = (last - first).days + 1

    progress(f"full: generating scale {args.scale:g} ({customer_count(args.scale):,} customers, "
             f"~{year_transactions(args.scale):,} transactions in a year) over {first}..{last}")
    rows = scenario.generate(args.scale, first, last)
    by_source = landing_rows(scenario.landing)
    transactions = by_source.get("transactions", 0)
    if sum(by_source.values()) != rows:
        print(f"  WARNING: the landing holds {sum(by_source.values()):,} data rows, the generator said {rows:,}")
    progress(f"full: {rows:,} landing rows ({', '.join(f'{k} {v:,}' for k, v in by_source.items())}), "
             f"{scenario.runs[-1].seconds:.1f} s")

    progress(f"full: lakehouse run finance --from {first} --to {last} ({days} days)")
    run = scenario.lakehouse_run("year", first, last)
    breakdown = cli_breakdown(scenario, run, batches)
    runs, not_run = command_runs(breakdown, run), cli_runs(run.log)[1]
    progress(f"full: {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:,.0f} MB: {runs_text(runs)}")
    for line in not_run:
        print(f"  full: {line}")
    print_breakdown("full", run.seconds, breakdown)
    print("  landing rows per source:")
    for source, count in by_source.items():
        print(f"    {source:<40}{count:>12,}")

    return {
        "finance_rows_per_second": round(rows / run.seconds, 1),
        "finance_transactions_per_second": round(transactions / run.seconds, 1),
        "finance_full_seconds": round(run.seconds, 2),
        "finance_landing_rows": rows,
        "finance_transactions": transactions,
        "finance_landing_source_rows": by_source,
        "finance_full_scale": args.scale,
        "finance_full_partition_range": f"{first}...{last}",
        "finance_full_partitions": days,
        "finance_full_year": args.days is None,
        "finance_full_runs": runs,
        "finance_full_not_run": not_run,
        "finance_peak_rss_mb": round(run.peak_rss_mb, 1),
        "finance_datagen_seconds": round(scenario.runs[0].seconds, 2),
        "finance_full_dagster_run_seconds": (breakdown or {}).get("run_seconds"),
        "finance_full_dagster_events": (breakdown or {}).get("dagster_events"),
        "finance_full_steps": (breakdown or {}).get("steps"),
    }


def incremental(args, spark: Spark, domain: Domain, batches: list[RunBatch], out: Path, scenarios: list[Scenario]) -> dict:
    """Figure 2: one new day after a short and after a long history, one daily density, one warehouse."""
    first = domain.first_partition
    scenario = Scenario("incremental", out / "incremental", spark, args.run_timeout, domain)
    scenarios.append(scenario)
    short_day = new_day(first, SHORT_HISTORY_YEARS, args.days)
    long_day = new_day(first, args.history_years, args.days)
    # Every calendar month of the range gets each account's 3 transactions, a partial one too: so
    # the range ends with a whole month, or the long day would carry a crowded month's share.
    last = month_end(long_day)
    progress(f"{scenario.name}: generating scale {args.density:g} (~{year_transactions(args.density):,} "
             f"transactions a year) over {first}..{last}")
    rows = scenario.generate(args.density, first, last)
    day_transactions = [transactions_on(scenario.landing, day) for day in (long_day, short_day)]
    if 0 in day_transactions:
        print(f"  WARNING: no transactions on {short_day} or {long_day}: a timed day has no facts (raise --density)")
    progress(f"{scenario.name}: {rows:,} landing rows; transactions on {long_day}, {short_day}: {day_transactions}")

    measured = time_new_days(scenario, first, short_day, long_day, args.repeats, run=scenario.lakehouse_run,
                             breakdown=lambda scenario, run: cli_breakdown(scenario, run, batches))
    fields = new_days_fields(measured, short_day, long_day, (args.history_years, SHORT_HISTORY_YEARS))
    timed, growth = timed_days(scenario, measured, short_day, long_day, batches)
    return {
        "finance_incremental_ratio": fields["incremental_ratio"],
        "finance_incremental_long_seconds": fields["incremental_long_seconds"],
        "finance_incremental_short_seconds": fields["incremental_short_seconds"],
        **fields,
        "finance_incremental_timed_runs": timed,
        "finance_incremental_timed": "`lakehouse run finance --from D --to D` (its one daily run), on D+1",
        "finance_incremental_step_growth_seconds": growth,
        "incremental_density": args.density,
        "incremental_landing_range": f"{first}...{last}",
        "incremental_days_per_year": args.days or "calendar",
        "incremental_landing_rows": rows,
        "incremental_new_day_transactions": day_transactions,
    }


def print_summary(result: dict, args) -> None:
    """The human-readable figures, before the JSON line."""
    width = 35
    print("\nsummary (finance):")
    if "finance_rows_per_second" in result:
        span = "full year" if result["finance_full_year"] else f"DEBUG: {result['finance_full_partitions']} days only"
        print(f"  {'finance_rows_per_second':<{width}}{result['finance_rows_per_second']:,.0f} "
              f"({result['finance_landing_rows']:,} landing rows / {result['finance_full_seconds']:.1f} s of "
              f"`lakehouse run finance`, {result['finance_full_partition_range']}, {span})")
        print(f"  {'finance_transactions_per_second':<{width}}{result['finance_transactions_per_second']:,.0f} "
              f"({result['finance_transactions']:,} transactions, scale {result['finance_full_scale']:g})")
        print(f"  {'its Dagster runs':<{width}}{runs_text(result['finance_full_runs'])}")
        print(f"  {'finance_peak_rss_mb':<{width}}{result['finance_peak_rss_mb']:,.0f}")
    if "finance_incremental_ratio" in result:
        value = result["finance_incremental_ratio"]
        print(f"  {'finance_incremental_ratio':<{width}}{value:.3f} ({verdict(value, INCREMENTAL_GOAL)}): "
              f"{result['incremental_long_seconds']:.1f} s after {args.history_years} y "
              f"({result['incremental_long_day']}) / {result['incremental_short_seconds']:.1f} s after "
              f"{SHORT_HISTORY_YEARS} y ({result['incremental_short_day']})"
              + ("" if args.days is None else f"; DEBUG: {args.days}-day 'years'"))
        for day, timed in result["finance_incremental_timed_runs"].items():
            print(f"    {day}: {runs_text(timed['runs'])}" + "".join(f"; {line}" for line in timed["not_run"]))
        grown = list(result["finance_incremental_step_growth_seconds"].items())[:5]
        if grown:
            print(f"  {'most grown steps (long - short)':<{width}}"
                  + ", ".join(f"{step} +{s:.1f} s" for step, s in grown))
    print_footer(result, BUDGET_SECONDS, width)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return domain_bench(args, "finance", full_year, incremental, print_summary, BUDGET_SECONDS,
                        {"incremental_goal": INCREMENTAL_GOAL}, (LONG_HISTORY_YEARS, SHORT_HISTORY_YEARS))


if __name__ == "__main__":
    sys.exit(main())
