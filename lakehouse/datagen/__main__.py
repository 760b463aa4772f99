"""CLI: `python -m lakehouse.datagen <domain> [--seed N] [--scale F] [--start] [--end] [--out] [--db-url URL]
[--orders N] [--updates F]`."""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
from datetime import date
from pathlib import Path

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.loading import LoadError


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


def _parameters(domain: str):
    return inspect.signature(GENERATORS[domain]).parameters


def _defaults(name: str) -> str:
    """Each generator's own default for one argument, e.g. 'rainforest 2024-01-01, superstore ...'."""
    return ", ".join(f"{domain} {_parameters(domain)[name].default}" for domain in sorted(GENERATORS))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; domain defaults (dates) stay with each generator."""
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse.datagen",
        description="Write deterministic sample landing files for one domain. "
        "The same arguments always produce byte-identical files.",
        epilog="examples: python -m lakehouse.datagen superstore --scale 100 --seed 7; "
        "python -m lakehouse.datagen rainforest --db-url postgresql://user@host:5432/app "
        "(password in the URL or in PGPASSWORD)",
    )
    parser.add_argument("domain", choices=sorted(GENERATORS), metavar="DOMAIN",
                        help=f"which domain to generate: {', '.join(sorted(GENERATORS))}")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--scale", type=_positive_float, default=1.0,
        help="volume multiplier; 1.0 is each domain's base size "
        "(superstore: 9,800 lines, 790 customers; lines grow linearly, customers with sqrt. "
        "rainforest: 1,000 users, 500 products, 5,000 orders; users, products, orders and "
        "events grow linearly. sales: 25 customers, 10-40 lines per store file. shop: 1,000 "
        "customers, 200 products, 5,000 orders. finance: 20 customers, 2 accounts each; all linear)",
    )
    parser.add_argument("--start", type=_iso_date, default=None,
                        help=f"first date of the range, YYYY-MM-DD (default: {_defaults('start')})")
    parser.add_argument("--end", type=_iso_date, default=None,
                        help=f"last date of the range, YYYY-MM-DD (default: {_defaults('end')})")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: $LAKEHOUSE_HOME/landing/<domain>/, "
                        "LAKEHOUSE_HOME defaulting to ./data)")
    supported = ", ".join(d for d in sorted(GENERATORS) if "db_url" in _parameters(d))
    parser.add_argument("--db-url", default=None, metavar="URL",
                        help=f"also load a database, postgresql://user[:password]@host:port/db (or mysql://... for "
                        f"sales) (only: {supported}; a PostgreSQL password may come from PGPASSWORD)")
    parser.add_argument("--orders", type=int, default=None, metavar="N",
                        help="rainforest: this many orders instead of 5,000 x scale (users and products "
                        "still follow --scale)")
    parser.add_argument("--updates", type=float, default=0.0, metavar="F",
                        help="rainforest: share (0..0.5) of users, products and seller offers that change "
                        "during the range, as re-sent rows and dated sellerproduct@<date>.csv exports "
                        "(default: 0.0; the demo uses 0.02)")
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
    if args.db_url is not None:
        if "db_url" not in _parameters(args.domain):
            parser.error(f"--db-url: the {args.domain} generator writes files only")
        kwargs["db_url"] = args.db_url
    if args.orders is not None:
        if "orders" not in _parameters(args.domain):
            parser.error(f"--orders: the {args.domain} generator has no order count")
        kwargs["orders"] = args.orders
    if "updates" in _parameters(args.domain):
        kwargs["updates"] = args.updates  # always: the registry entry carries the demo's share
    elif args.updates:
        parser.error(f"--updates: the {args.domain} generator has no changes to draw")
    out = args.out if args.out is not None else default_out(args.domain)
    began = time.perf_counter()
    try:
        report = GENERATORS[args.domain](out, **kwargs)
    except ValueError as exc:
        parser.error(str(exc))
    except LoadError as exc:  # its message shows the URL with the password as ***
        print(f"{args.domain}: {exc}", file=sys.stderr)
        return 1
    files = ", ".join(str(p) for p in report.paths)
    loaded = f", loaded into {report.database}" if getattr(report, "database", None) else ""
    print(
        f"{args.domain}: wrote {len(report.paths)} file(s) [{files}], {report.rows} rows, "
        f"dates {report.first_date}..{report.last_date}{loaded} ({time.perf_counter() - began:.2f} s)"
    )
    if kwargs.get("updates"):
        print(f"{args.domain}: {_updates_line(report.updates)}")
    return 0


def _updates_line(updates: dict[str, int]) -> str:
    """The changes a run drew, e.g. 'updates: appuser +3 re-sent rows, ..., sellerproduct -9 dropped pairs'."""
    return "updates: " + ", ".join(
        f"{table} -{n} dropped pairs" if table == "sellerproduct" else f"{table} +{n} re-sent rows"
        for table, n in updates.items()
    )


if __name__ == "__main__":
    sys.exit(main())
