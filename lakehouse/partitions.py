"""Partitioning shared by every domain: daily partitions and the inputs that look back in time."""

from __future__ import annotations

import os
import warnings
from datetime import date, timedelta
from collections.abc import Sequence

from dagster import (
    AssetIn,
    BetaWarning,
    DailyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    TimeWindowPartitionMapping,
)

from lakehouse.resources.parquet_io_manager import COMMITTED, LOAD_MODE

# Set by `make demo` and `make ui`: a deployment that holds only the sample data. Its partitions
# end at the sample data's last day, so the UI shows "366 materialized" for a demo year instead of
# hundreds of days "missing" up to today. Unset (production), partitions run open-ended to today.
SAMPLE_DEPLOYMENT = "LAKEHOUSE_SAMPLE_DEPLOYMENT"

MONTH_FORMAT = "%Y-%m"  # a monthly partition key, e.g. 2024-01 (the value of a `*_month` column)
MONTH_DAY_FORMAT = "%Y-%m-%d"  # a monthly key that is its first day, e.g. 2024-01-01 (a `month` date column)


def run_days(context) -> tuple[date, date]:
    """The first and last day of a run's partition range (an asset or check execution context)."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def sample_deployment() -> bool:
    """Whether LAKEHOUSE_SAMPLE_DEPLOYMENT is on (1/true/yes): partitions end where the sample data does."""
    value = os.environ.get(SAMPLE_DEPLOYMENT, "").strip().lower()
    if value not in {"", "0", "false", "no", "1", "true", "yes"}:
        raise ValueError(f"{SAMPLE_DEPLOYMENT}={value!r}: set it to 1 (a sample deployment) or leave it unset")
    return value in {"1", "true", "yes"}


def _sample_end(sample_last_day: str | None) -> date | None:
    """The sample data's last day when this is a sample deployment, else None (partitions open-ended)."""
    return date.fromisoformat(sample_last_day) if sample_last_day and sample_deployment() else None


def daily(start_date: str, sample_last_day: str | None = None) -> DailyPartitionsDefinition:
    """Daily UTC partitions from `start_date`, open-ended so schedules can add each new day.

    In a sample deployment (see SAMPLE_DEPLOYMENT) they end at `sample_last_day`, the sample data's last day.
    """
    last = _sample_end(sample_last_day)
    end = None if last is None else (last + timedelta(days=1)).isoformat()  # end_date is exclusive
    return DailyPartitionsDefinition(start_date=start_date, end_date=end, timezone="UTC")


def monthly(start_month: str, fmt: str = MONTH_FORMAT, sample_last_day: str | None = None) -> MonthlyPartitionsDefinition:
    """Monthly UTC partitions keyed `YYYY-MM` (or `fmt`, e.g. MONTH_DAY_FORMAT) from `start_month`; a month exists once it has ended.

    In a sample deployment they end with the month of `sample_last_day`.
    """
    last = _sample_end(sample_last_day)
    end = None if last is None else date(last.year + last.month // 12, last.month % 12 + 1, 1).strftime(fmt)  # exclusive
    return MonthlyPartitionsDefinition(start_date=start_month, end_date=end, fmt=fmt, timezone="UTC")


def committed_days(key: Sequence[str]) -> AssetIn:
    """A coarser asset's days of a daily upstream: those materialized so far (a day no data named is empty)."""
    return AssetIn(key=list(key), metadata={LOAD_MODE: COMMITTED})


def _mapping(start_offset: int, end_offset: int) -> TimeWindowPartitionMapping:
    with warnings.catch_warnings():
        # allow_nonexistent_upstream_partitions is beta; it clips look-backs at the first day.
        warnings.simplefilter("ignore", BetaWarning)
        return TimeWindowPartitionMapping(
            start_offset=start_offset,
            end_offset=end_offset,
            allow_nonexistent_upstream_partitions=True,
        )


def lookback(key: Sequence[str], days: int) -> AssetIn:
    """The upstream's partitions from `days` before the run's first day through its last."""
    return AssetIn(key=list(key), partition_mapping=_mapping(-days, 0))


def previous_state(key: Sequence[str]) -> AssetIn:
    """A self-dependency: the asset's own partition just before the run (None on the first day)."""
    return AssetIn(key=list(key), partition_mapping=_mapping(-1, -1), metadata={LOAD_MODE: "previous"})
