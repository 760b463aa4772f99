"""`make bench`'s chart: time per run against data size, and a new day's cost against its history, per domain.

Each benchmark script keeps its JSON line as <its --out folder>/result.json (bench/measure.emit);
this reads those (by default every bench/out/*/result.json, the newest per domain by its `date`)
and draws one PNG of two panels:

- time per run against data size: the wall seconds of each full run a script makes (superstore's
  and rainforest's one-run backfill, sales' `lakehouse run sales` of its large and small drops,
  shop's and finance's `lakehouse run` of a year) against the rows it took in (landing lines,
  upstream or landing rows; log scale);
- daily cost against length of history: the seconds of one new day's run after the short and after
  the long history (`incremental_short_seconds`, `incremental_long_seconds` at
  `incremental_history_years`; sales: one new file's run after its small and its large drop, whose
  history is their days), in years (a `--days N` "year" is N days, so N/365 years).

It prints one line per domain with the points it plotted. A domain without a result, or whose
result lacks one of the two kinds of point (e.g. rainforest with --skip-full), is left out of that
panel with a note on stderr; no result at all is exit 1.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULT_FILE = "result.json"  # bench/measure.RESULT_FILE (not imported: measure needs psutil)
WIDTH, HEIGHT, DPI = 1000, 420, 100  # the PNG's pixels
# The domains in `make bench`'s order, with their script and colour (the same in both panels).
DOMAINS = {
    "superstore": ("bench/run.py", "#1f77b4"),
    "rainforest": ("bench/rainforest.py", "#2ca02c"),
    "sales": ("bench/sales.py", "#ff7f0e"),
    "shop": ("bench/shop.py", "#9467bd"),
    "finance": ("bench/finance.py", "#d62728"),
}
OTHER_COLOURS = ("#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
# Each domain's full runs in its JSON line: (rows field, seconds field), smallest first.
FULL_RUNS = {
    "superstore": [("landing_lines", "dagster_backfill_seconds")],
    "rainforest": [("upstream_rows", "rainforest_backfill_seconds")],
    "sales": [("sales_small_rows", "sales_small_history_seconds"), ("sales_rows", "sales_history_seconds")],
    "shop": [("shop_landing_rows", "shop_full_seconds")],
    "finance": [("finance_landing_rows", "finance_full_seconds")],
}
# Sales' new file after each drop: (days of history field, seconds field).
SALES_DAYS = [("sales_small_history_days", "sales_new_file_seconds_after_small"),
              ("sales_history_days", "sales_new_file_seconds_after_large")]  # fmt: skip
DAYS_PER_YEAR = 365


@dataclass
class Series:
    """One domain's points: (rows, seconds) of its full runs, (years of history, seconds) of its new days."""

    domain: str
    source: Path
    result: dict
    runs: list[tuple[int, float]] = field(default_factory=list)
    days: list[tuple[float, float]] = field(default_factory=list)

    def line(self) -> str:
        """What was plotted, one line: `shop: full run 1,604,340 rows 683.5 s; new day after 1 y 56 s, after 2 y 69.2 s`."""
        runs = ", ".join(f"{rows:,} rows {seconds:g} s" for rows, seconds in self.runs) or "-"
        days = ", ".join(f"after {years:.3g} y {seconds:g} s" for years, seconds in self.days) or "-"
        return f"{self.domain}: full run {runs}; new day {days}"


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def full_runs(domain: str, result: dict) -> list[tuple[int, float]]:
    points = []
    for rows_key, seconds_key in FULL_RUNS.get(domain, []):
        rows, seconds = _number(result.get(rows_key)), _number(result.get(seconds_key))
        if rows and seconds:
            points.append((int(rows), seconds))
    return sorted(points)


def new_days(domain: str, result: dict) -> list[tuple[float, float]]:
    if domain == "sales":
        pairs = [(_number(result.get(d)), _number(result.get(s))) for d, s in SALES_DAYS]
        return sorted((days / DAYS_PER_YEAR, seconds) for days, seconds in pairs if days and seconds)
    years = result.get("incremental_history_years")  # [long, short]
    seconds = [_number(result.get("incremental_long_seconds")), _number(result.get("incremental_short_seconds"))]
    if not (isinstance(years, list) and len(years) == 2 and all(_number(y) for y in years) and all(seconds)):
        return []
    per_year = result.get("incremental_days_per_year")
    scale = per_year / DAYS_PER_YEAR if _number(per_year) else 1.0  # "calendar": whole years
    return sorted((float(y) * scale, s) for y, s in zip(years, seconds))


def result_files(paths: list[Path]) -> list[Path]:
    """Result files: each path itself, or a folder's result.json and its subfolders' ones."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob(RESULT_FILE)) + sorted(path.glob(f"*/{RESULT_FILE}"))
        elif path.is_file():
            found.append(path)
    return found


def newest_per_domain(files: list[Path]) -> dict[str, tuple[Path, dict]]:
    """The newest successful result of each domain (by its `date`, then the file's time); notes on stderr."""
    chosen: dict[str, tuple[tuple, Path, dict]] = {}
    for path in files:
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            print(f"chart: {path}: not a result ({error}): skipped", file=sys.stderr)
            continue
        if not isinstance(result, dict) or not result.get("ok") or not result.get("domain"):
            print(f"chart: {path}: no successful run of a named domain: skipped", file=sys.stderr)
            continue
        key = (str(result.get("date") or ""), path.stat().st_mtime)
        domain = str(result["domain"])
        if domain not in chosen or key > chosen[domain][0]:
            chosen[domain] = (key, path, result)
    return {domain: (path, result) for domain, (_, path, result) in chosen.items()}


def collect(paths: list[Path]) -> list[Series]:
    """Every domain's series, in `make bench`'s order then any other; what is missing noted on stderr."""
    results = newest_per_domain(result_files(paths))
    order = [d for d in DOMAINS if d in results] + sorted(d for d in results if d not in DOMAINS)
    for domain, (script, _) in DOMAINS.items():
        if domain not in results:
            print(f"chart: no result for {domain} ({script}): skipped", file=sys.stderr)
    found = []
    for domain in order:
        path, result = results[domain]
        series = Series(domain, path, result, full_runs(domain, result), new_days(domain, result))
        print(f"chart: {domain} from {path}", file=sys.stderr)
        if not series.runs:
            print(f"chart: {domain}: no full run in its result (--skip-full?): left out of the first panel", file=sys.stderr)
        if not series.days:
            print(f"chart: {domain}: no timed new days in its result (--skip-incremental?): left out of the second panel",
                  file=sys.stderr)
        if series.runs or series.days:
            found.append(series)
    return found


def default_title(found: list[Series]) -> str:
    """'make bench at 532eef9, eeafb14 (2026-12-04 ... 2026-12-07)': the commits and days the results come from."""
    commits = list(dict.fromkeys(str(s.result["git_commit"]) + ("+" if s.result.get("git_dirty") else "")
                                 for s in found if s.result.get("git_commit")))  # fmt: skip
    days = sorted({str(s.result["date"])[:10] for s in found if s.result.get("date")})
    span = f" ({days[0]}{' ... ' + days[-1] if len(days) > 1 else ''})" if days else ""
    return "make bench" + (f" at {', '.join(commits)}" if commits else "") + span


def colour(domain: str) -> str:
    if domain in DOMAINS:
        return DOMAINS[domain][1]
    return OTHER_COLOURS[sum(map(ord, domain)) % len(OTHER_COLOURS)]


def _rows(value: float) -> str:
    """An axis label of a row count: 500, 20k, 1M, 2.5M."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"


def draw(found: list[Series], title: str) -> bytes:
    """The two panels as PNG bytes: WIDTH x HEIGHT pixels, a palette image (small)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    from PIL import Image

    fig, (sizes, history) = plt.subplots(1, 2, figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    for series in found:
        style = dict(color=colour(series.domain), marker="o", markersize=5, linewidth=1.5, label=series.domain)
        if series.runs:
            sizes.plot(*zip(*series.runs), **style)
        if series.days:
            history.plot(*zip(*series.days), **style)
    sizes.set_xscale("log")
    sizes.margins(x=0.08)
    sizes.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    sizes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _rows(x)))
    sizes.xaxis.set_minor_formatter(NullFormatter())
    sizes.set_title("Time per run against data size", fontsize=11)
    sizes.set_xlabel("rows taken in by the run (landing / upstream rows, log scale)")
    sizes.set_ylabel("wall time of the run (s)")
    history.set_title("Daily cost against length of history", fontsize=11)
    history.set_xlabel("history before the new day (years)")
    history.set_ylabel("wall time of the new day's run (s)")
    for axes in (sizes, history):
        axes.set_ylim(bottom=0)
        axes.grid(True, which="major", alpha=0.3)
        axes.tick_params(labelsize=8)
    history.set_xlim(left=0)
    sizes.legend(fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    buffer.seek(0)
    image = Image.open(buffer).convert("RGB").quantize(colors=64, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/chart.py", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="*", type=Path, default=[REPO / "bench" / "out"],
                        help=f"result files, or folders whose {RESULT_FILE} and */{RESULT_FILE} are read "
                        "(default: bench/out)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "bench.png",
                        help="the PNG to write (default: bench/out/bench.png)")
    parser.add_argument("--title", default=None,
                        help="the chart's title (default: 'make bench at' the results' commits and days; '' for none)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    found = collect(args.results)
    if not found:
        where = ", ".join(str(path) for path in args.results)
        print(f"chart: no benchmark results with figures to plot in {where}: run `make bench` first "
              f"(each script leaves its {RESULT_FILE} in its --out folder)", file=sys.stderr)
        return 1
    png = draw(found, default_title(found) if args.title is None else args.title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    for series in found:
        print(series.line())
    print(f"wrote {args.out} ({WIDTH}x{HEIGHT} px, {len(png):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
