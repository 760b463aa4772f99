"""Periodic snapshots, domain-free: one row per entity per day, built from the day before plus the day's events.

A periodic snapshot (ARCHITECTURE.md, "Three kinds of tables") holds, in partition `as_of_date=D`,
every entity seen on or before D with measures accumulated over all its events up to D: running
sums, the earliest and the latest of something (lifetime value, running totals). A run over the
days [first, last] reads only the snapshot as of first - 1 and the events of [first, last], so its
cost does not grow with history, and it gives exactly what one run per day gives (each day's
snapshot is the previous one plus that day's events; `lakehouse_tests/test_snapshots.py` holds it).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse import calendar

AS_OF_DATE = "as_of_date"
# How a measure accumulates: the same function combines a day's events and the running value.
COMBINE = {"sum": F.sum, "min": F.min, "max": F.max}
_DAY = "_snap_day"


def accumulate(
    previous: DataFrame | None,
    events: DataFrame,
    key: Sequence[str],
    day: str,
    measures: Mapping[str, str],
    first: datetime.date,
    last: datetime.date,
) -> DataFrame:
    """The snapshots as of every day of [first, last]: `key`, `as_of_date` and each measure accumulated.

    `events` has the key, the `day` (a date in [first, last]) and one column per measure, each
    combined as `measures` says ("sum", "min" or "max"); `previous` is the snapshot as of first - 1
    (None on the first day of history). An entity appears from the day of its first event on, and
    stays in every later day's snapshot with its running values.
    """
    combine = {name: COMBINE[how] for name, how in measures.items()}
    names = list(measures)
    days_in_run = events.where(F.col(day).between(F.lit(first), F.lit(last)))
    daily = days_in_run.groupBy(*key, F.col(day).alias(_DAY)).agg(*[fn(name).alias(name) for name, fn in combine.items()])
    if previous is not None:
        # The day before the run stands for all of history: one more "event" per entity, on first - 1.
        before = previous.select(*key, F.lit(first - datetime.timedelta(days=1)).alias(_DAY), *names)
        daily = before.unionByName(daily)
    starts = daily.groupBy(*key).agg(F.min(_DAY).alias("_snap_start"))
    run_days = calendar.days(events.sparkSession, first, last, _DAY)
    # Every entity on every day of the run from its first event on; the snapshot's own size.
    grid = starts.join(F.broadcast(run_days), F.col(_DAY) >= F.col("_snap_start")).drop("_snap_start")
    seeded = grid.unionByName(daily.select(*key, _DAY).where(F.col(_DAY) < F.lit(first)))
    joined = seeded.join(daily, [*key, _DAY], "left")
    so_far = Window.partitionBy(*key).orderBy(_DAY).rowsBetween(Window.unboundedPreceding, Window.currentRow)
    running = joined.select(*key, _DAY, *[fn(name).over(so_far).alias(name) for name, fn in combine.items()])
    return running.where(F.col(_DAY) >= F.lit(first)).select(*key, F.col(_DAY).alias(AS_OF_DATE), *names)
