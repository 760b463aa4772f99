"""The sales jobs (the day's files, the month's tables), the schedule, and the sensors that react to files.

`sales_files_sensor` asks the drop folder which arrivals a run would take (no change to the
folder or the ledger) and requests `sales_daily` runs over exactly their days (one per run of
consecutive days); a run's key is its files' hashes, so the same files never launch twice. Both
sensors are on by default: a running Dagster daemon (`dagster dev`) reacts to a dropped file. When a daily run succeeds,
`sales_monthly_sensor` requests the months it touched, whose tables read every day of the month.
"""

import hashlib
from datetime import date, timedelta

from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    build_schedule_from_partitioned_job,
    define_asset_job,
    run_status_sensor,
    sensor,
)

from lakehouse.domains.sales.contracts.keys import DAYS, ENRICHED, FILES, MONTHS, REJECTS, TRANSACTIONS, WRITE_BACK, gold
from lakehouse.domains.sales.files import open_drop
from lakehouse.resources.file_drop import DropFolder

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
DAILY_KEYS = [TRANSACTIONS, ENRICHED, REJECTS, FILES, gold("customer_data_mart")]
MONTHLY_KEYS = [gold("sales_team_data_mart"), gold("customer_monthly_purchase"), gold("sales_team_incentive"), WRITE_BACK]

sales_daily = define_asset_job(
    "sales_daily",
    selection=[AssetKey(key) for key in DAILY_KEYS],
    description="The store files of a day (or a range, in one run): bronze, silver, the customer mart, the archive.",
)
sales_monthly = define_asset_job(
    "sales_monthly",
    selection=[AssetKey(key) for key in MONTHLY_KEYS],
    description="The month's sales-team mart, customer purchases and incentives (a range of months in one run).",
)

# Store files of a day arrive by the evening; the daily run takes them after midnight UTC.
sales_daily_schedule = build_schedule_from_partitioned_job(sales_daily, hour_of_day=1, minute_of_hour=30)


def range_tags(first: str, last: str) -> dict[str, str]:
    return {RANGE_START: first, RANGE_END: last}


def day_ranges(waiting: list[tuple[str, str, tuple[str, ...]]], last_day: str) -> list[tuple[str, str, list[str]]]:
    """(first day, last day, file hashes) of the runs the waiting files need: their days in runs of
    consecutive days, a file naming several days keeping them in one run; days not ended are left."""
    spans = sorted((min(days), max(days), digest) for _, digest, days in waiting if days and max(days) <= last_day)
    ranges: list[list] = []
    for first, last, digest in spans:
        if ranges and date.fromisoformat(first) <= date.fromisoformat(ranges[-1][1]) + timedelta(days=1):
            ranges[-1][1] = max(ranges[-1][1], last)
            ranges[-1][2].append(digest)
        else:
            ranges.append([first, last, [digest]])
    return [(first, last, sorted(digests)) for first, last, digests in ranges]


def _key(digests) -> str:
    return hashlib.sha256("".join(sorted(digests)).encode()).hexdigest()


@sensor(job=sales_daily, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def sales_files_sensor(context: SensorEvaluationContext, sales_files: DropFolder):
    """Runs for exactly the days named by the files waiting in to_process/ (each keyed by its files' hashes)."""
    # The parameter's name is the resource key (contracts.keys.DROP): Dagster binds resources by name.
    waiting = open_drop(sales_files).waiting()
    if not waiting:
        return SkipReason("no new store files in to_process/")
    ranges = day_ranges(waiting, DAYS.get_last_partition_key() or "")
    if not ranges:
        return SkipReason("the waiting files name only days that have not ended yet")
    everything = _key(digest for _, _, digests in ranges for digest in digests)
    if everything == context.cursor:  # Dagster would not launch a run key twice; say so rather than ask again
        return SkipReason(f"runs for these {len(waiting)} file(s) were already requested")
    context.update_cursor(everything)
    return [RunRequest(run_key=_key(digests), tags=range_tags(first, last)) for first, last, digests in ranges]


def months_of(first: str, last: str) -> tuple[str, str]:
    """The monthly keys (YYYY-MM) of a day range."""
    return date.fromisoformat(first).strftime("%Y-%m"), date.fromisoformat(last).strftime("%Y-%m")


@run_status_sensor(run_status=DagsterRunStatus.SUCCESS, monitored_jobs=[sales_daily], request_job=sales_monthly,
                   default_status=DefaultSensorStatus.RUNNING)  # fmt: skip
def sales_monthly_sensor(context):
    """After a successful daily run, the months it touched."""
    tags = context.dagster_run.tags
    first, last = tags.get(RANGE_START), tags.get(RANGE_END)
    if first is None:
        key = tags.get("dagster/partition")
        if key is None:
            return SkipReason("the daily run had no partitions")
        first = last = key
    low, high = months_of(first, last)
    ended = MONTHS.get_last_partition_key()
    if ended is None or low > ended:
        return SkipReason(f"month {low} has not ended yet")
    return RunRequest(run_key=f"{context.dagster_run.run_id}-months", tags=range_tags(low, min(high, ended)))
