"""A run's new versions of a versioned table, from what the source shows and the state before the run.

Both strategies give, for a run over the days [first, last], exactly the versions that one run per
day would give on the same source, so a range run and N single-day runs agree, and re-running a day
gives the same versions. `previous` is the state as of first - 1 (`as_of.latest`), None on the
first day. Output: the spec's version columns, one row per version, `valid_from` in [first, last].

By timestamp (`Versioned.changed_at` / `created_at`): each source row is a version of its key that
takes effect at its timestamp: the key's first row (by time) when the key was created, later rows
(re-sent after a change) at their change time. A row that took effect before `first` and differs
from `previous` (first load, or a late row) becomes a version on `first`, keeping its own timestamp;
rows in the range become versions on their own day, several in one day all kept. A key in
`previous` that has no row in effect by the end of `first` is deleted on `first`; it comes back on
the day a row of it takes effect again (re-created). A row equal to the version before it (on the
tracked columns) is no new version, so re-sent identical rows and re-runs add nothing. A change
feed (`complete=False`: each export holds only the rows created or changed since the last) deletes
nothing, and each of its rows takes effect at its own change time.

By comparison (no timestamps): `extracts` holds the source as it stood on each of some days of
the run (column `as_of`); on each such day a key whose rows differ from the day before (or from
`previous`) gets its rows as versions, and a key that is gone gets a deletion.
"""

from __future__ import annotations

import datetime
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.versioning.as_of import AS_OF, any_null, latest
from lakehouse.versioning.spec import IS_DELETED, SEQ, VALID_FROM, VALID_FROM_TS, Versioned

_PHASE = "_trk_phase"  # 0: the state before the run, 1: in effect before the run, 2: in the range
_N = "_trk_n"
_EFFECTIVE = "_trk_effective"
_JSON = {"ignoreNullFields": "false"}


def _midnight(day: datetime.date) -> Column:
    # A string cast in the session time zone (UTC), like the sources' window bounds.
    return F.lit(f"{day.isoformat()} 00:00:00").cast("timestamp")


def _same(tracked: tuple[str, ...], lagged: str) -> Column:
    """True when every tracked column equals (null-safe) the one `lagged` holds (a struct)."""
    same = F.lit(True)
    for name in tracked:
        same = same & F.col(name).eqNullSafe(F.col(f"{lagged}.{name}"))
    return same


def _identity(spec: Versioned) -> list[Column]:
    """What tells one key's rows from another's: the key, and for a row with a null key its tracked values.

    A null key identifies nothing: such rows (which silver rejects) must not stand for each other.
    """
    return [*[F.col(c) for c in spec.key], F.when(any_null(spec.key), F.xxhash64(*spec.tracked or spec.key))]


def _numbered(versions: DataFrame, spec: Versioned, order: list[Column]) -> DataFrame:
    """`version_in_day` from 0 per key and day, in `order`; the spec's version columns only."""
    window = Window.partitionBy(*_identity(spec), VALID_FROM).orderBy(*order)
    return versions.withColumn(SEQ, (F.row_number().over(window) - 1).cast("int")).select(*spec.version_columns)


def by_timestamp(
    rows: DataFrame,
    previous: DataFrame | None,
    spec: Versioned,
    first: datetime.date,
    last: datetime.date,
    complete: bool = True,
) -> DataFrame:
    """The run's versions by timestamp (see the module docstring); `rows` has the spec's columns.

    `complete=False` reads `rows` as a change feed (each export holds only the rows created or
    changed since the last one, as change-data-capture delivers them): a key without a row in
    the run is unchanged, never gone, so no deletion is made.
    """
    cols, tracked = list(spec.columns), spec.tracked
    start, end = _midnight(first), _midnight(last + datetime.timedelta(days=1))
    end_of_first = _midnight(first + datetime.timedelta(days=1))
    change = F.coalesce(*[F.col(c) for c in (spec.changed_at, spec.created_at) if c])
    creation = F.coalesce(*[F.col(c) for c in (spec.created_at, spec.changed_at) if c])
    ident = _identity(spec)
    by_time = Window.partitionBy(*ident).orderBy(change.asc_nulls_first(), *[F.col(c).asc_nulls_first() for c in tracked])
    numbered = rows.select(*cols).withColumn(_N, F.row_number().over(by_time))
    # In a complete source a key's first row is its creation; in a change feed the run's first row
    # of a key may be a later change of it, so every row takes effect at its own change time.
    effective = numbered.withColumn(_EFFECTIVE, F.when(F.col(_N) == 1, creation).otherwise(change) if complete else change)
    effective = effective.where(F.col(_EFFECTIVE) < end)

    # One pass over the source rows: of those in effect before the run only the newest enters (on
    # `first`), those in the range each take their own day. (Two filtered copies of `effective`
    # unioned read and shuffled the source twice.) The windows keep the key's partitioning.
    before_run = F.col(_EFFECTIVE) < start
    newest = Window.partitionBy(*ident, before_run).orderBy(F.col(_N).desc())
    placed = effective.withColumn("_trk_rank", F.row_number().over(newest))
    placed = placed.where(~before_run | (F.col("_trk_rank") == 1)).drop("_trk_rank")
    phases = [
        placed.withColumn(_PHASE, F.when(before_run, F.lit(1)).otherwise(F.lit(2))).withColumn(
            VALID_FROM, F.when(before_run, F.lit(first)).otherwise(F.to_date(_EFFECTIVE))
        )
    ]
    if previous is not None:
        # Rows a key holds together (two at one instant) in the same order as the source's rows.
        by_content = Window.partitionBy(*ident).orderBy(*[F.col(c).asc_nulls_first() for c in tracked])
        phases.append(
            previous.select(*cols, F.col(VALID_FROM_TS).alias(_EFFECTIVE))
            .withColumn(_N, F.row_number().over(by_content))
            .withColumn(_PHASE, F.lit(0))
            .withColumn(VALID_FROM, F.lit(None).cast("date"))
        )
    sequence = reduce(DataFrame.unionByName, phases)
    in_order = Window.partitionBy(*ident).orderBy(_PHASE, _N)
    # A key of the state before the run with no row in effect by the end of `first` is gone.
    ends = (F.col(_PHASE) == 0) & (
        F.lead(_EFFECTIVE).over(in_order).isNull() | (F.lead(_EFFECTIVE).over(in_order) >= end_of_first)
    )
    if not complete:
        ends = F.lit(False)
    sequence = sequence.withColumn("_trk_gone", ends)
    gone = F.col("_trk_gone")
    before_me = F.lag(F.struct(*tracked, gone.alias("_trk_gone"))).over(in_order)
    sequence = sequence.withColumn("_trk_before", before_me)
    new = (F.col(_PHASE) > 0) & (
        F.col("_trk_before").isNull() | F.col("_trk_before._trk_gone") | ~_same(tracked, "_trk_before")
    )
    # Versions and deletions in one pass (a row is at most one of them: deletions are phase 0).
    changes = sequence.where(new | gone).select(
        *cols,
        F.when(gone, F.lit(None).cast("timestamp")).otherwise(F.col(_EFFECTIVE)).alias(VALID_FROM_TS),
        gone.alias(IS_DELETED),
        F.when(gone, F.lit(first)).otherwise(F.col(VALID_FROM)).alias(VALID_FROM),
        _PHASE,
        _N,
    )
    order = [F.col(IS_DELETED).desc(), F.col(_PHASE), F.col(_N)]
    return _numbered(changes, spec, order)


def by_comparison(
    extracts: DataFrame,
    days: DataFrame,
    previous: DataFrame | None,
    spec: Versioned,
    ts_column: str | None = None,
) -> DataFrame:
    """The run's versions by comparing the source on each of `days` with the day before (see the module docstring).

    `days` (column `as_of`) lists the days compared, in the run, a day with no row at all
    included (everything on it is gone); `extracts` holds the spec's columns and `as_of`, the
    source as it stood on each of those days. `ts_column`, when given, is an untracked column of
    `extracts` whose value becomes the version's `valid_from_ts` (null otherwise).
    """
    cols, key = list(spec.columns), list(spec.key)
    others = [c for c in cols if c not in key]
    carried = others + ([ts_column] if ts_column and ts_column not in cols else [])
    numbered = days.select(AS_OF).distinct().withColumn("_trk_i", F.row_number().over(Window.orderBy(AS_OF)))
    index = F.broadcast(numbered)
    current = extracts.join(index, AS_OF).select(*cols, *carried[len(others):], "_trk_i")
    if previous is not None:
        current = current.unionByName(previous.select(*cols, *carried[len(others):], F.lit(0).alias("_trk_i")))
    # Shuffled once by key: the grouping by key and day and the window over a key's days share it.
    current = current.withColumn("_trk_id", _identity(spec)[-1]).repartition(*key, "_trk_id")
    # One row per key and day: its rows (several when the source repeats a key) and what is compared.
    grouped = current.groupBy(*key, "_trk_id", "_trk_i").agg(
        F.array_sort(F.collect_list(F.struct(*carried))).alias("_trk_rows"),
        F.to_json(F.array_sort(F.collect_list(F.struct(*spec.tracked))), _JSON).alias("_trk_signature"),
    )
    in_order = Window.partitionBy(*key, "_trk_id").orderBy("_trk_i")
    before_i, before_signature = F.lag("_trk_i").over(in_order), F.lag("_trk_signature").over(in_order)
    after_i = F.lead("_trk_i").over(in_order)
    flagged = grouped.select(
        "*",
        ((F.col("_trk_i") > 0) & (before_i.isNull() | (before_i != F.col("_trk_i") - 1)
                                  | (before_signature != F.col("_trk_signature")))).alias("_trk_new"),
        (after_i.isNull() | (after_i != F.col("_trk_i") + 1)).alias("_trk_gap"),
    )  # fmt: skip
    on_day = index.select(F.col("_trk_i").alias("_trk_day_i"), F.col(AS_OF).alias(VALID_FROM))

    # A key whose rows changed gets them as versions that day; a key missing on the day after one it
    # had rows on is gone that day (if that day is compared). One row can be both (changed, then
    # gone): each flagged row yields its entries in one pass, not two filtered copies unioned.
    entries = F.filter(
        F.array(
            F.when(F.col("_trk_new"), F.struct(F.lit(0).alias("offset"), F.lit(False).alias("deleted"))),
            F.when(F.col("_trk_gap"), F.struct(F.lit(1).alias("offset"), F.lit(True).alias("deleted"))),
        ),
        lambda entry: entry.isNotNull(),
    )
    flagged_entries = flagged.where("_trk_new OR _trk_gap").select("*", F.explode(entries).alias("_trk_entry"))
    placed = flagged_entries.join(on_day, F.col("_trk_i") + F.col("_trk_entry.offset") == F.col("_trk_day_i"))
    exploded = placed.select(
        *key, VALID_FROM, F.col("_trk_entry.deleted").alias(IS_DELETED), F.explode("_trk_rows").alias("_trk_row")
    )
    ts = F.lit(None).cast("timestamp")
    if ts_column:
        ts = F.when(~F.col(IS_DELETED), F.col(f"_trk_row.{ts_column}")).otherwise(ts)
    versions = exploded.select(
        *key, *[F.col(f"_trk_row.{c}").alias(c) for c in others], ts.alias(VALID_FROM_TS), IS_DELETED, VALID_FROM,
    )  # fmt: skip
    order = [F.col(IS_DELETED).desc(), *[F.col(c).asc_nulls_first() for c in others]]
    return _numbered(versions.select(*cols, VALID_FROM_TS, IS_DELETED, VALID_FROM), spec, order)


def from_change_feed(
    rows: DataFrame, history: DataFrame | None, spec: Versioned, first: datetime.date, last: datetime.date
) -> DataFrame:
    """The run's versions of a change feed's rows, given the table's own stored versions before the run (None: none)."""
    previous = None if history is None else latest(history, spec.key)
    return by_timestamp(rows, previous, spec, first, last, complete=False)
