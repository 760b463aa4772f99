"""Data-quality rules over Spark DataFrames; each returns the numbers behind its verdict.

Rules run Spark aggregations, never collect a table: only counts, a few sample keys and
per-group figures (bounded by `sample`) reach the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pandera.config import ValidationDepth, config_context
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

SAMPLE = 5


@dataclass(frozen=True)
class RuleResult:
    """A verdict with its evidence: how many rows or groups fail and a sample of them."""

    passed: bool
    failing_count: int
    details: dict = field(default_factory=dict)


Rule = Callable[[DataFrame], RuleResult]


def _sample(frame: DataFrame, columns: Sequence[str], sample: int) -> list[str]:
    rows = frame.select(*columns).limit(sample).take(sample)
    return ["|".join("" if v is None else str(v) for v in row) for row in rows]


def no_duplicates(keys: Sequence[str], sample: int = SAMPLE) -> Rule:
    """No two rows share the same values of `keys` (null keys compare equal)."""
    keys = list(keys)

    def rule(frame: DataFrame) -> RuleResult:
        groups = frame.groupBy(*keys).agg(F.count(F.lit(1)).alias("_rows")).filter("_rows > 1")
        totals = groups.agg(
            F.count(F.lit(1)).alias("keys"), F.coalesce(F.sum("_rows"), F.lit(0)).alias("rows")
        ).first()
        duplicated_keys = totals["keys"]
        details = {
            "keys": ", ".join(keys),
            "duplicated_keys": duplicated_keys,
            "duplicate_rows": int(totals["rows"]) - duplicated_keys,
        }
        if duplicated_keys:
            details["sample_keys"] = _sample(groups.orderBy(*keys), keys, sample)
        return RuleResult(duplicated_keys == 0, duplicated_keys, details)

    return rule


def mean_below(
    column: str, threshold: float, group_by: Sequence[str] = (), sample: int = SAMPLE
) -> Rule:
    """The mean of `column` (per group of `group_by`) is strictly below `threshold`."""
    group_by = list(group_by)

    def rule(frame: DataFrame) -> RuleResult:
        means = frame.groupBy(*group_by).agg(F.avg(F.col(column).cast("double")).alias("mean"))
        failing = means.filter(F.col("mean") >= F.lit(threshold))
        totals = means.agg(
            F.count(F.lit(1)).alias("groups"),
            F.max("mean").alias("max_mean"),
            F.count(F.when(F.col("mean") >= F.lit(threshold), 1)).alias("failing"),
        ).first()
        worst = totals["max_mean"]
        details = {
            "column": column,
            "threshold": float(threshold),
            "groups": totals["groups"],
            "actual_max_mean": None if worst is None else round(float(worst), 4),
        }
        if group_by:
            details["group_by"] = ", ".join(group_by)
        if totals["failing"]:
            details["sample_failing_groups"] = _sample(
                failing.orderBy(F.col("mean").desc()), [*group_by, "mean"], sample
            )
        return RuleResult(totals["failing"] == 0, totals["failing"], details)

    return rule


def rows_satisfy(condition: str, key_columns: Sequence[str], sample: int = SAMPLE) -> Rule:
    """Every row satisfies the SQL `condition`; a null result counts as a failure."""

    def rule(frame: DataFrame) -> RuleResult:
        violations = frame.filter(~F.coalesce(F.expr(condition), F.lit(False)))
        failing = violations.count()
        details = {"condition": condition, "failing_rows": failing}
        if failing:
            details["sample_keys"] = _sample(violations, key_columns, sample)
        return RuleResult(failing == 0, failing, details)

    return rule


def conforms_to(model) -> Rule:
    """The frame passes a pandera.pyspark DataFrameModel: types, nullability, ranges, allowed values."""

    def rule(frame: DataFrame) -> RuleResult:
        # pandera.pyspark validates only the schema by default; ask for the data checks too.
        try:
            with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
                errors = dict(model.validate(frame).pandera.errors)
        except Exception as error:  # pandera 0.35 asserts on some type mismatches (decimal)
            details = {"model": model.__name__, "failed_checks": 1, "failures": [repr(error)[:500]]}
            return RuleResult(False, 1, details)
        failures = [
            f"{error.get('column') or model.__name__}: {error.get('check')}"
            for by_type in errors.values()
            for reports in by_type.values()
            for error in reports
        ]
        details = {"model": model.__name__, "failed_checks": len(failures)}
        if failures:
            details["failures"] = failures[:20]
        return RuleResult(not failures, len(failures), details)

    return rule


def row_accounting(
    source: DataFrame, kept: DataFrame, rejected: DataFrame, dedup_column: str | None = None
) -> RuleResult:
    """Every source row is kept, rejected or counted in `kept[dedup_column]` as a removed duplicate."""
    rows_in = source.count()
    rows_out = kept.count()
    rows_rejected = rejected.count()
    duplicates = 0
    if dedup_column:
        duplicates = kept.agg(F.coalesce(F.sum(dedup_column), F.lit(0)).alias("d")).first()["d"]
    unaccounted = rows_in - rows_out - rows_rejected - int(duplicates)
    details = {
        "rows_in": rows_in,
        "rows_out": rows_out,
        "rows_rejected": rows_rejected,
        "duplicates_removed": int(duplicates),
        "unaccounted": unaccounted,
    }
    return RuleResult(unaccounted == 0, abs(unaccounted), details)
