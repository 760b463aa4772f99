"""Rejects: rows that break a table's rules are cut out with every reason, never dropped.

A rule is `(reason, condition)`, the condition true when a row breaks it. `split` judges every
row against a table's rules in order and cuts the frame in two, both halves keeping the
`REASON` column: the valid rows (REASON null) and the rejected ones, whose REASON is every
failed rule's reason joined by ';' in the order given. With a de-duplication key, rows sharing
it keep one survivor and the others are rejected as `duplicate_key` (always the last reason).
Domains shape each half into their own tables (columns, the record as JSON with `record_json`);
row accounting (in = valid + rejected) is `quality.rules.row_accounting`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.versioning.as_of import join_as_of, join_as_of_time

Rule = tuple[str, Column]  # (reason, condition that is true when the row breaks the rule)

DUPLICATE_KEY = "duplicate_key"
REASON = "_reject_reason"  # the failed rules' reasons, ';'-joined; null when the row is valid
_FOUND = "_reject_found_"  # prefix of the lookup flags added by `flag_found`
_JSON_OPTIONS = {"ignoreNullFields": "false", "timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"}
# The frames `split` persisted inside the current `released()` block (None outside any).
_PERSISTED: contextvars.ContextVar[list[DataFrame] | None] = contextvars.ContextVar("persisted", default=None)


@contextmanager
def released() -> Iterator[None]:
    """Unpersist, when the block ends, the judged rows every `split(..., persist=True)` in it cached.

    Only those: `catalog.clearCache()` empties the cache manager every session of the Spark
    application shares, so on a Spark Connect server (or any Spark that several runs use at
    once) it would drop the caches of other runs' steps while they still read them.
    """
    held: list[DataFrame] = []
    token = _PERSISTED.set(held)
    try:
        yield
    finally:
        # `held`, not the variable: an asset's generator may be resumed in another context than
        # the one its block began in, and there the variable does not hold this block's list.
        for frame in held:
            frame.unpersist()
        try:
            _PERSISTED.reset(token)
        except ValueError:  # ended in another context, which never saw the block begin
            pass


def reasons(rules: Sequence[Rule]) -> Column:
    """The failed rules' reasons joined by ';' in the given order, null when none failed."""
    if not rules:
        return F.lit(None).cast("string")
    # when(false) and when(null) both give null, which concat_ws skips: a comparison with a null
    # value is not a failure of its rule (a null is another rule's business).
    joined = F.concat_ws(";", *[F.when(failed, F.lit(reason)) for reason, failed in rules])
    return F.when(joined != "", joined)


def null_key_rules(columns: Sequence[str]) -> list[Rule]:
    """`null_key:<col>` for each column, in the order given."""
    return [(f"null_key:{name}", F.col(name).isNull()) for name in columns]


def flag_found(frame: DataFrame, column: str, reference: DataFrame, reference_column: str, same: str | None = None) -> DataFrame:
    """`frame` plus a flag (see `missing`) that is true when `column`'s value occurs in
    `reference.reference_column` (with an equal `same` column, e.g. the day, when given), null otherwise.

    The reference values are made distinct first, so the lookup never multiplies rows.
    """
    flag = f"{_FOUND}{column}"
    keys = [F.col(reference_column).alias("_reject_ref_value")]
    if same:
        keys.append(F.col(same).alias("_reject_ref_same"))
    found = reference.select(*keys).where(F.col("_reject_ref_value").isNotNull()).distinct()
    condition = F.col(column) == F.col("_reject_ref_value")
    if same:
        condition = condition & (F.col(same) == F.col("_reject_ref_same"))
    return frame.join(found.withColumn(flag, F.lit(True)), condition, "left").drop("_reject_ref_value", "_reject_ref_same")


def flag_found_as_of(frame: DataFrame, column: str, history: DataFrame, key_column: str, day: str) -> DataFrame:
    """`frame` plus the `flag_found` flag of `column`, looked up in the versioned `history` as of each row's `day`."""
    return _flag_found_in_history(join_as_of, frame, column, history, key_column, day)


def flag_found_at(frame: DataFrame, column: str, at: str, history: DataFrame, key_column: str) -> DataFrame:
    """`frame` plus the `flag_found` flag of `column`, looked up in the versioned `history` at each row's instant `at`.

    Like `flag_found_as_of`, at the time of day (`join_as_of_time`): a key created at 10:00 is
    not found for a row at 09:00 of the same day.
    """
    return _flag_found_in_history(join_as_of_time, frame, column, history, key_column, at)


def _flag_found_in_history(join, frame: DataFrame, column: str, history: DataFrame, key_column: str, when: str) -> DataFrame:
    """The lookup both flags share, by the as-of `join` at each row's `when`; made distinct first (a key may stand
    twice in a day's state), so it never multiplies rows."""
    flag = f"{_FOUND}{column}"
    asked = frame.select(column, when).distinct()
    found = join(asked, when, history, [key_column], [(column, key_column)], [F.lit(True).alias(flag)], "inner")
    return frame.join(found.distinct(), [column, when], "left")


def missing(column: str) -> Column:
    """True when a non-null `column` was not found by `flag_found` (a null one is a null_key case)."""
    return F.col(column).isNotNull() & F.col(f"{_FOUND}{column}").isNull()


def record_json(columns: Sequence[str]) -> Column:
    """The row's `columns` as received, as one JSON object (nulls kept as `null`)."""
    return F.to_json(F.struct(*columns), _JSON_OPTIONS)


def split(
    frame: DataFrame,
    rules: Sequence[Rule],
    key: Sequence[str] = (),
    group: Sequence[str] = (),
    order: Sequence[Column] = (),
    persist: bool = False,
) -> tuple[DataFrame, DataFrame]:
    """(valid rows, rejected rows), both with `REASON`; see the module docstring.

    De-duplication, when `key` is given: rows sharing a non-null `key` (and `group`, e.g. a day)
    keep one survivor, the first by (passes the other rules first, then `order`): make `order`
    total for a deterministic survivor; a valid row always wins over a broken one.
    `persist`: when both halves are written by separate Spark jobs, cache the judged rows on disk
    so lookups and the de-duplication sort run once; the cache is released at the end of the
    enclosing `released()` block (outside one, by the caller).
    """
    checked = frame.withColumn(REASON, reasons(rules))
    if key:
        keyed = F.lit(True)
        for name in key:
            keyed = keyed & F.col(name).isNotNull()
        survivor_first = Window.partitionBy(*key, *group).orderBy(F.col(REASON).isNotNull(), *order)
        duplicate = keyed & (F.row_number().over(survivor_first) > 1)
        joined = F.concat_ws(";", F.col(REASON), F.when(duplicate, F.lit(DUPLICATE_KEY)))
        checked = checked.withColumn(REASON, F.when(joined != "", joined))
    if persist:
        checked = checked.persist(StorageLevel.DISK_ONLY)
        held = _PERSISTED.get()
        if held is not None:
            held.append(checked)
    return checked.where(F.col(REASON).isNull()), checked.where(F.col(REASON).isNotNull())
