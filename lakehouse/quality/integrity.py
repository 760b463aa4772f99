"""Referential integrity of facts against versioned dimensions: every key a version valid at the fact's own instant."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from dagster import AssetCheckResult
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.versioning.as_of import timed_intervals

SAMPLE = 5
Reference = tuple[str, DataFrame, Sequence[str]]  # (the fact's key column, the dimension's history, its version key)


def unresolved(facts: DataFrame, at: str, references: Sequence[Reference]) -> DataFrame:
    """Rows of `facts` whose key (of any reference) is no dimension version valid at the row's timestamp `at`, each row once."""
    # Per key, the rows it fails among those whose earlier keys resolve: disjoint sets, so their union
    # is every row failing any key, once. (Chained anti-joins kept only the rows failing all of them.)
    found, resolved = [], facts
    for key, history, natural in references:
        valid = timed_intervals(history, natural).select(
            F.col(key).alias("_ri_key"), F.col("valid_from_ts").alias("_ri_from"), F.col("valid_to_ts").alias("_ri_to")
        )
        moment = F.col(at)
        holds = (F.col(key) == F.col("_ri_key")) & (F.col("_ri_from") <= moment) & (F.col("_ri_to").isNull() | (moment < F.col("_ri_to")))
        found.append(resolved.join(valid, holds, "left_anti"))
        resolved = resolved.join(valid, holds, "left_semi")
    return reduce(DataFrame.unionByName, found)


def integrity_result(found: DataFrame, id_column: str, day_column: str) -> AssetCheckResult:
    """The check's verdict on `unresolved` rows: passed when none, with their count, a sample of ids and their days."""
    failing = found.count()
    # The sample re-runs the joins: only worth it when something failed (most days nothing does).
    rows = found.select(id_column, day_column).orderBy(day_column, id_column).limit(SAMPLE).collect() if failing else []
    return AssetCheckResult(
        passed=failing == 0,
        metadata={"failing_rows": failing, f"sample_{id_column}s": [r[id_column] for r in rows],
                  "failing_days": sorted({r[day_column].isoformat() for r in rows})},
    )  # fmt: skip
