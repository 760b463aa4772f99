"""Partitioning shared by every domain: daily partitions and the inputs that look back in time."""

from __future__ import annotations

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

MONTH_FORMAT = "%Y-%m"  # a monthly partition key, e.g. 2024-01 (the value of a `*_month` column)
MONTH_DAY_FORMAT = "%Y-%m-%d"  # a monthly key that is its first day, e.g. 2024-01-01 (a `month` date column)


def run_days(context) -> tuple[date, date]:
    """The first and last day of a run's partition range (an asset or check execution context)."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def daily(start_date: str) -> DailyPartitionsDefinition:
    """Daily UTC partitions from `start_date`, open-ended so schedules can add each new day."""
    return DailyPartitionsDefinition(start_date=start_date, timezone="UTC")


def monthly(start_month: str, fmt: str = MONTH_FORMAT) -> MonthlyPartitionsDefinition:
    """Monthly UTC partitions keyed `YYYY-MM` (or `fmt`, e.g. MONTH_DAY_FORMAT) from `start_month`; a month exists once it has ended."""
    return MonthlyPartitionsDefinition(start_date=start_month, fmt=fmt, timezone="UTC")


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
