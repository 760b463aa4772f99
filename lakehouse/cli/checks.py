"""`lakehouse checks`: each check's latest result, per domain and table, read from the Dagster instance.

The instance is the one DAGSTER_HOME names (the UI's); nothing is run or written to it. Exit codes
gate a deploy: 0 when no blocking ERROR check's latest result failed, 1 when one did (or on an
error, said on stderr), 2 when the instance holds no check result matching the filters.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from lakehouse.cli import CliError

HELP = "Report each check's latest result from the Dagster instance; exit 1 if a blocking check failed."
FORMATS = ("text", "markdown", "html")
NO_RESULTS = 2
SET_HOME = "set DAGSTER_HOME to the Dagster instance folder, e.g. the .dagster folder `make demo` uses"


def _day(value: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def add_arguments(parser) -> None:
    parser.add_argument("--domain", metavar="D", help="only this domain's tables (the asset key's second part)")
    parser.add_argument("--since", metavar="DATE", type=_day,
                        help="only evaluations recorded on/after this day (UTC, YYYY-MM-DD)")  # fmt: skip
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), markdown or html")
    parser.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")


def instance_home() -> Path:
    """The instance folder DAGSTER_HOME names, made absolute (Dagster refuses a relative one)."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if not home:
        raise CliError(f"DAGSTER_HOME is not set: {SET_HOME}")
    path = Path(home).expanduser().resolve()
    if not path.is_dir():
        raise CliError(f"DAGSTER_HOME={home} is not a folder: {SET_HOME}")
    # Opening a folder that holds no instance would create one there: a mistyped path says so instead.
    if not (path / "dagster.yaml").is_file() and not (path / "history").is_dir():
        raise CliError(f"DAGSTER_HOME={home} holds no Dagster instance (no dagster.yaml, no history/): {SET_HOME}")
    return path


def run(args) -> int:
    from dagster import DagsterInstance

    from lakehouse.cli import check_records, check_report

    home = instance_home()
    with DagsterInstance.from_config(str(home)) as instance:
        if not hasattr(instance.event_log_storage, "index_connection"):
            raise CliError(f"the instance in {home} does not keep its event log in SQL (SQLite or Postgres)")
        results, rejects = check_records.read(instance, args.since, args.domain)
    if not results:
        print(f"lakehouse checks: no check results{_filters(args)} in DAGSTER_HOME={home}: "
              "run the pipeline first, or point DAGSTER_HOME at the instance that ran it", file=sys.stderr)  # fmt: skip
        return NO_RESULTS
    report = check_report.build(results, rejects, f"DAGSTER_HOME={home}{_filters(args)}")
    rendered = check_report.RENDERERS[args.format](report)
    if args.out:
        try:
            Path(args.out).write_text(rendered)
        except OSError as error:
            raise CliError(f"cannot write {args.out}: {error.strerror or error}") from None
    else:
        sys.stdout.write(rendered)
    return 1 if any(result.gates for result in results) else 0


def _filters(args) -> str:
    """The filters in force, as a parenthesis after what they filter."""
    filters = [f"domain {args.domain}"] if args.domain else []
    if args.since:
        filters.append(f"since {args.since.date()}")
    return f" ({', '.join(filters)})" if filters else ""
