"""Silver reject mechanics shared by the rainforest dimensions and facts.

A bronze frame holds a table's upstream columns (upstream order), `_extracted_at` and
`partition_date`. `split` checks every row against a list of rules and a de-duplication key and
cuts the frame in two: the rows that pass every rule (bronze columns unchanged) and one reject
row per failing bronze row, `table, reason, record, <date column>`, where `reason` joins the
failed rules with ';' in the order given (duplicate_key always last) and `record` is the
upstream columns as received, as JSON (nulls kept as `null`).
"""

from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import EXTRACTED_AT, PARTITION
from lakehouse.domains.rainforest.contracts.upstream import Table
from lakehouse.versioning.as_of import join_as_of

Rule = tuple[str, Column]  # (reason, condition that is true when the row breaks the rule)

DUPLICATE_KEY = "duplicate_key"
_REASON = "_chk_reason"  # rules other than duplicate_key, ';'-joined; null when all pass
_FOUND = "_chk_found_"  # prefix of the lookup flags added by `flag_found`
_JSON_OPTIONS = {"ignoreNullFields": "false", "timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"}


def bronze_columns(table: Table) -> list[str]:
    """The columns of a bronze frame of `table`, in order."""
    return [*table.column_names, EXTRACTED_AT, PARTITION]


def null_key_rules(columns: Sequence[str]) -> list[Rule]:
    """`null_key:<col>` for each column, in the order given."""
    return [(f"null_key:{name}", F.col(name).isNull()) for name in columns]


def flag_found(frame: DataFrame, column: str, reference: DataFrame, reference_column: str, by_day: bool) -> DataFrame:
    """`frame` plus a flag column (see `missing`) that is true when `column`'s value occurs in
    `reference.reference_column` (on the same `partition_date` when `by_day`), null otherwise.

    The reference values are made distinct first, so the lookup never multiplies rows.
    """
    flag = f"{_FOUND}{column}"
    keys = [F.col(reference_column).alias("_chk_ref_value")]
    if by_day:
        keys.append(F.col(PARTITION).alias("_chk_ref_day"))
    found = reference.select(*keys).where(F.col("_chk_ref_value").isNotNull()).distinct()
    condition = F.col(column) == F.col("_chk_ref_value")
    if by_day:
        condition = condition & (F.col(PARTITION) == F.col("_chk_ref_day"))
    return frame.join(found.withColumn(flag, F.lit(True)), condition, "left").drop("_chk_ref_value", "_chk_ref_day")


def flag_found_as_of(frame: DataFrame, column: str, history: DataFrame, key_column: str) -> DataFrame:
    """`frame` plus the `flag_found` flag of `column`, looked up in the versioned `history` as of each row's day.

    The lookup is made distinct first (a key may stand twice in a day's state), so it never
    multiplies rows.
    """
    flag = f"{_FOUND}{column}"
    asked = frame.select(column, PARTITION).distinct()
    found = join_as_of(asked, PARTITION, history, [key_column], [(column, key_column)], [F.lit(True).alias(flag)], "inner")
    return frame.join(found.distinct(), [column, PARTITION], "left")


def missing(column: str) -> Column:
    """True when a non-null `column` was not found by `flag_found` (a null one is a null_key case)."""
    return F.col(column).isNotNull() & F.col(f"{_FOUND}{column}").isNull()


def split(
    frame: DataFrame,
    table: Table,
    rules: Sequence[Rule],
    key: Sequence[str],
    by_day: bool,
    date_column: str,
    carry: Sequence[str] = (),
) -> tuple[DataFrame, DataFrame]:
    """Cut `frame` (a bronze frame of `table`, maybe with `flag_found` columns) into (valid, rejects).

    De-duplication: rows sharing a non-null `key` (within a `partition_date` when `by_day`, else
    across the whole frame) keep one survivor, the rest are `duplicate_key`. The survivor is the
    first row by (passes the other rules first, [earliest day when not by_day], every upstream
    column ascending, `_extracted_at`): deterministic, and a valid row wins over a broken one.
    `valid` has the bronze columns; `rejects` has `table, reason, record, <date_column>`; both
    also keep the `carry` columns (e.g. a version's valid_from) after those.
    """
    checked = frame.withColumn(_REASON, _joined(rules))
    group = [*key, PARTITION] if by_day else list(key)
    order = [
        F.col(_REASON).isNotNull(),
        *([] if by_day else [F.col(PARTITION)]),
        *[F.col(name).asc_nulls_first() for name in table.column_names],
        F.col(EXTRACTED_AT).asc_nulls_first(),
    ]
    keyed = F.lit(True)
    for name in key:
        keyed = keyed & F.col(name).isNotNull()
    duplicate = keyed & (F.row_number().over(Window.partitionBy(*group).orderBy(*order)) > 1)
    reason = F.concat_ws(";", F.col(_REASON), F.when(duplicate, F.lit(DUPLICATE_KEY)))
    # Both halves are written by separate Spark jobs (the valid table, then the rejects table):
    # cache the judged rows so the joins and the de-duplication sort run once. The asset that
    # writes them releases the cache once all its outputs are written (see silver.py).
    checked = checked.withColumn(_REASON, F.when(reason != "", reason)).persist(StorageLevel.DISK_ONLY)

    valid = checked.where(F.col(_REASON).isNull()).select(*bronze_columns(table), *carry)
    rejects = checked.where(F.col(_REASON).isNotNull()).select(
        F.lit(table.name).alias("table"),
        F.col(_REASON).alias("reason"),
        F.to_json(F.struct(*table.column_names), _JSON_OPTIONS).alias("record"),
        F.col(PARTITION).alias(date_column),
        *carry,
    )
    return valid, rejects


def _joined(rules: Sequence[Rule]) -> Column:
    """The failed rules' reasons joined by ';' in the given order, null when none failed."""
    if not rules:
        return F.lit(None).cast("string")
    # when(false) and when(null) both give null, which concat_ws skips.
    joined = F.concat_ws(";", *[F.when(failed, F.lit(reason)) for reason, failed in rules])
    return F.when(joined != "", joined)
