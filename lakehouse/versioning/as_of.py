"""THE as-of reader of versioned tables: every "table on day D" in the project goes through here.

A history frame holds stored versions (the table's columns plus VERSION_COLUMNS), e.g. what the
IO manager loads for a versioned input: a checkpoint of the state before the run plus the version
partitions since. The state as of D is, per key, the latest version with valid_from <= D (by
valid_from, version_in_day), and nothing for a key whose latest version is a deletion. At day
granularity a key's last version of a day stands for that day; `valid_to` is the next day the key
changed (null while it is still valid). Where a fact must take the version valid at its own time
of day (an order at 10:00 before a price change at 15:00), `join_as_of_time` reads the same
versions at the instant they took effect instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.versioning.spec import IS_DELETED, SEQ, VALID_FROM, VALID_FROM_TS

AS_OF = "as_of"  # the day a state is taken on, in frames holding states of several days
VALID_TO = "valid_to"
VALID_TO_TS = "valid_to_ts"
IS_CURRENT = "is_current"


def latest(history: DataFrame, key: Sequence[str], day: datetime.date | None = None) -> DataFrame:
    """The state as of `day` (after all of `history` when None): the live keys' standing rows, version columns kept.

    One row per key, but for what `intervals` keeps standing together (a key the source gave
    two rows at one instant, rows with a null key).
    """
    frame = history if day is None else history.where(F.col(VALID_FROM) <= F.lit(day))
    return intervals(frame, key).where(F.col(VALID_TO).isNull()).drop(VALID_TO)


def with_validity(history: DataFrame, key: Sequence[str]) -> DataFrame:
    """Every version with `valid_to`, `valid_to_ts` (the next version's start) and `is_current`, derived."""
    following = Window.partitionBy(*key).orderBy(VALID_FROM, SEQ)
    return (
        history.withColumn(VALID_TO, F.lead(VALID_FROM).over(following))
        .withColumn(VALID_TO_TS, F.lead(VALID_FROM_TS).over(following))
        .withColumn(IS_CURRENT, F.col(VALID_TO).isNull() & ~F.col(IS_DELETED))
    )


def any_null(columns: Sequence[str]) -> Column:
    """True when any of `columns` is null: a row whose key identifies nothing."""
    return reduce(lambda a, b: a | b, [F.col(c).isNull() for c in columns])


def intervals(history: DataFrame, key: Sequence[str], ties: bool = True) -> DataFrame:
    """The live day intervals: a key's versions standing at the end of each day it changed, valid [valid_from, valid_to).

    What stands at the end of a day is the key's last change: its versions with that day's
    greatest `valid_from_ts`. Several of them (the source gave one key two rows at one instant,
    or twice the same row) all stand, so a reader sees the duplicate and can judge it. A row with
    a null key column is no key's version: it stands on its own, from its day on, never replaced,
    so none is hidden behind another. `ties=False` keeps one row per key and day instead (the
    last by version_in_day), for lookups that must never multiply a row.
    """
    keyed, unkeyed = history.where(~any_null(key)), history.where(any_null(key))
    change = F.coalesce(VALID_FROM_TS, F.lit("0001-01-01").cast("timestamp"))  # a null time sorts first
    # Every window here is partitioned by the key alone, so the read is ONE shuffle (windows by
    # key and day, then by key, plus a distinct and a join took four: a Spark stage each, which
    # on a small day is most of the time). Days are ordered as day numbers, for range frames.
    by_key = Window.partitionBy(*key).orderBy(F.unix_date(VALID_FROM))
    same_day = by_key.rangeBetween(Window.currentRow, Window.currentRow)
    end_of_day = keyed.withColumn("_asof_last", F.max(change).over(same_day)).where(change == F.col("_asof_last"))
    if not ties:
        last = F.row_number().over(Window.partitionBy(*key, VALID_FROM).orderBy(F.col(SEQ).desc()))
        end_of_day = end_of_day.withColumn("_asof_rank", last).where(F.col("_asof_rank") == 1).drop("_asof_rank")
    # valid_to: the next day the key changed (every day with a version keeps one standing row).
    later = by_key.rangeBetween(1, Window.unboundedFollowing)
    with_end = end_of_day.withColumn(VALID_TO, F.min(VALID_FROM).over(later)).select(*history.columns, VALID_TO)
    standing = unkeyed.withColumn(VALID_TO, F.lit(None).cast("date"))
    return with_end.unionByName(standing).where(~F.col(IS_DELETED))


def _valid_on(day: Column) -> Column:
    return (F.col(VALID_FROM) <= day) & (F.col(VALID_TO).isNull() | (day < F.col(VALID_TO)))


def states_at(history: DataFrame, key: Sequence[str], days: DataFrame) -> DataFrame:
    """The state as of every day in `days` (a small frame with an `as_of` column), with that column."""
    live = intervals(history, key)
    chosen = F.broadcast(days.select(AS_OF).distinct())
    return live.join(chosen, _valid_on(F.col(AS_OF))).drop(VALID_TO)


def join_as_of(
    frame: DataFrame,
    day: str,
    history: DataFrame,
    key: Sequence[str],
    on: Sequence[tuple[str, str]],
    columns: Sequence[str | Column],
    how: str = "left",
) -> DataFrame:
    """`frame` plus `columns` of the `history` versions valid on each row's `day`, matched `on` (frame, history) pairs.

    `key` is the history's own key (what identifies a version's row); `on` may use part of it
    (e.g. a bridge by one of its two ids), and then a row can match several versions; on the whole
    key it matches at most one (the key's last version of the day, see `intervals`).
    """
    live = intervals(history, key, ties=False)
    return _join_valid(frame, F.col(day), live, F.col(VALID_FROM), F.col(VALID_TO), on, columns, how)


def effective_at() -> Column:
    """The instant a stored version took effect: its `valid_from_ts`, but never before its `valid_from` day.

    A version without a change timestamp (check strategy, deletions) starts at its day's midnight;
    a row that arrived late keeps its own earlier timestamp but is placed on the day it was seen,
    and no reader saw it before that day, so it takes effect then (as in the day-level reader).
    """
    midnight = F.col(VALID_FROM).cast("timestamp")
    return F.greatest(F.coalesce(F.col(VALID_FROM_TS), midnight), midnight)


def timed_intervals(history: DataFrame, key: Sequence[str]) -> DataFrame:
    """Live versions with the instants they were valid between: [`valid_from_ts`, `valid_to_ts`), both derived.

    Per key, versions are ordered by when they took effect (`effective_at`), then (valid_from,
    version_in_day); of several taking effect at one instant only the last stands. Deletions end
    the version before them and are not returned. Rows with a null key column match nothing.
    """
    keyed = history.where(~any_null(key)).withColumn("_asof_at", effective_at())
    in_order = Window.partitionBy(*key).orderBy("_asof_at", VALID_FROM, SEQ)
    following = F.lead("_asof_at").over(in_order)
    timed = keyed.withColumn(VALID_TO_TS, following)
    standing = (F.col(VALID_TO_TS).isNull() | (F.col(VALID_TO_TS) > F.col("_asof_at"))) & ~F.col(IS_DELETED)
    return timed.where(standing).withColumn(VALID_FROM_TS, F.col("_asof_at")).drop("_asof_at")


def join_as_of_time(
    frame: DataFrame,
    at: str,
    history: DataFrame,
    key: Sequence[str],
    on: Sequence[tuple[str, str]],
    columns: Sequence[str | Column],
    how: str = "left",
) -> DataFrame:
    """`frame` plus `columns` of the `history` versions valid at each row's timestamp `at` (a change at 15:00 is not valid at 10:00).

    Like `join_as_of`, at the instant instead of the day: a version is valid from the instant it
    took effect (inclusive) to the next one of its key (exclusive); see `timed_intervals`.
    """
    live = timed_intervals(history, key)
    return _join_valid(frame, F.col(at), live, F.col(VALID_FROM_TS), F.col(VALID_TO_TS), on, columns, how)


def _join_valid(
    frame: DataFrame,
    at: Column,
    live: DataFrame,
    start: Column,
    end: Column,
    on: Sequence[tuple[str, str]],
    columns: Sequence[str | Column],
    how: str,
) -> DataFrame:
    """`frame` joined to the `live` versions whose [start, end) holds `at`, matched `on` (frame, history) pairs."""
    matches = live.select(
        *[F.col(theirs).alias(f"_asof_on{i}") for i, (_, theirs) in enumerate(on)],
        start.alias("_asof_from"),
        end.alias("_asof_to"),
        *columns,
    )
    condition = (F.col("_asof_from") <= at) & (F.col("_asof_to").isNull() | (at < F.col("_asof_to")))
    for i, (mine, _) in enumerate(on):
        condition = condition & (frame[mine] == F.col(f"_asof_on{i}"))
    joined = frame.join(matches, condition, how)
    return joined.drop("_asof_from", "_asof_to", *[f"_asof_on{i}" for i in range(len(on))])


def began_in(history: DataFrame, first: datetime.date, last: datetime.date) -> DataFrame:
    """The versions that began on a day of [first, last]: what a run over those days writes of a versioned table."""
    return history.where(F.col(VALID_FROM).between(F.lit(first), F.lit(last)))


def change_days(histories: Sequence[DataFrame], first: datetime.date, last: datetime.date) -> DataFrame:
    """The days in [first, last] on which any of `histories` has a version, as a frame of `as_of`."""
    days = None
    for history in histories:
        found = began_in(history, first, last).select(F.col(VALID_FROM).alias(AS_OF))
        days = found if days is None else days.unionByName(found)
    return days.distinct()
