"""CLI: `python -m lakehouse.datagen <domain> [--seed N] [--scale F] [--start] [--end] [--out]`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from lakehouse.datagen import GENERATORS


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def default_out(domain: str) -> Path:
    """$LAKEHOUSE_HOME/landing/<domain>/; LAKEHOUSE_HOME defaults to ./data, as in settings."""
    home = (os.environ.get("LAKEHOUSE_HOME") or "").strip() or "./data"
    return Path(home).expanduser().absolute() / "landing" / domain


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; domain defaults (dates) stay with each generator."""
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse.datagen",
        description="Write deterministic sample landing files for one domain. "
        "The same arguments always produce byte-identical files.",
        epilog="example: python -m lakehouse.datagen superstore --scale 100 --seed 7",
    )
    parser.add_argument("domain", choices=sorted(GENERATORS), metavar="DOMAIN",
                        help=f"which domain to generate: {', '.join(sorted(GENERATORS))}")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--scale", type=_positive_float, default=1.0,
        help="volume multiplier; 1.0 is the original dataset's size "
        "(superstore: 9,800 lines, 790 customers; lines grow linearly, customers with sqrt)",
    )
    parser.add_argument("--start", type=_iso_date, default=None,
                        help="first order date, YYYY-MM-DD (superstore default: 2015-01-03)")
    parser.add_argument("--end", type=_iso_date, default=None,
                        help="last order date, YYYY-MM-DD (superstore default: 2018-12-30)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: $LAKEHOUSE_HOME/landing/<domain>/, "
                        "LAKEHOUSE_HOME defaulting to ./data)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one generator and print a one-line summary."""
    parser = build_parser()
    args = parser.parse_args(argv)
    kwargs = {"seed": args.seed, "scale": args.scale}
    if args.start is not None:
        kwargs["start"] = args.start
    if args.end is not None:
        kwargs["end"] = args.end
    out = args.out if args.out is not None else default_out(args.domain)
    began = time.perf_counter()
    try:
        report = GENERATORS[args.domain](out, **kwargs)
    except ValueError as exc:
        parser.error(str(exc))
    files = ", ".join(str(p) for p in report.paths)
    print(
        f"{args.domain}: wrote {len(report.paths)} file(s) [{files}], {report.rows} rows, "
        f"dates {report.first_date}..{report.last_date} ({time.perf_counter() - began:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
