"""The rainforest reject table's shape, on the foundation's reject mechanism (lakehouse.quality.rejects).

A bronze frame holds a table's upstream columns (upstream order), `_extracted_at` and
`partition_date`. `split` cuts it into the rows that pass every rule (bronze columns unchanged)
and one reject row per failing bronze row, `table, reason, record, <date column>`: `reason` joins
the failed rules with ';' in the order given (duplicate_key always last) and `record` is the
upstream columns as received, as JSON (nulls kept as `null`).
"""

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import EXTRACTED_AT, PARTITION
from lakehouse.domains.rainforest.contracts.upstream import Table
from lakehouse.quality import rejects
from lakehouse.quality.rejects import Rule


def bronze_columns(table: Table) -> list[str]:
    """The columns of a bronze frame of `table`, in order."""
    return [*table.column_names, EXTRACTED_AT, PARTITION]


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
    across the whole frame) keep one survivor, the first by (passes the other rules first,
    [earliest day when not by_day], every upstream column ascending, `_extracted_at`). `valid`
    has the bronze columns; `rejects` has `table, reason, record, <date_column>`; both also keep
    the `carry` columns (e.g. a version's valid_from) after those. The judged rows are cached for
    the two outputs; the silver assets release them once both are written.
    """
    order = [
        *([] if by_day else [F.col(PARTITION)]),
        *[F.col(name).asc_nulls_first() for name in table.column_names],
        F.col(EXTRACTED_AT).asc_nulls_first(),
    ]
    group = [PARTITION] if by_day else []
    valid, rejected = rejects.split(frame, rules, key, group, order, persist=True)
    return valid.select(*bronze_columns(table), *carry), rejected.select(
        F.lit(table.name).alias("table"),
        F.col(rejects.REASON).alias("reason"),
        rejects.record_json(table.column_names).alias("record"),
        F.col(PARTITION).alias(date_column),
        *carry,
    )
