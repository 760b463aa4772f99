"""`lakehouse checks`: each check's latest result, per domain and table, read from the Dagster instance.

The instance is the one DAGSTER_HOME names (the UI's); nothing is run or written to it. Exit codes
gate a deploy: 0 when no blocking ERROR check's latest result failed, 1 when one did (or on an
error, said on stderr), 2 when the instance holds no check result matching the filters.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from lakehouse.cli import CliError, dagster_home, day

HELP = "Report each check's latest result from the Dagster instance; exit 1 if a blocking check failed."
FORMATS = ("text", "markdown", "html")
NO_RESULTS = 2


def _since(value: str) -> datetime:
    """--since: the start of that day, UTC."""
    return datetime.combine(day(value), datetime.min.time(), timezone.utc)


def add_arguments(parser) -> None:
    parser.add_argument("--domain", metavar="D", help="only this domain's tables (the asset key's second part)")
    parser.add_argument("--since", metavar="DATE", type=_since,
                        help="only evaluations recorded on/after this day (UTC, YYYY-MM-DD)")  # fmt: skip
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), markdown or html")
    parser.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")


def run(args) -> int:
    from dagster import DagsterInstance

    from lakehouse.cli import check_records, check_report

    home = dagster_home(create=False)
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
