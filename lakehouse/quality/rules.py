"""Data-quality rules over Spark DataFrames; each returns the numbers behind its verdict.

A rule judges a whole frame (`rule(frame)`) or each value of one column apart
(`rule.by(frame, column)`: one verdict per day of a range run, in one pass over the rows). Rules
run Spark aggregations, never collect a table: only counts, a few sample keys and per-group
figures (bounded by `sample` per day) reach the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pandera.config import ValidationDepth, config_context
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse import pii
from lakehouse.quality import pandera_spark

SAMPLE = 5
_BY = "_rule_by"  # the judged column's value as a string: the key of each verdict
EVERY_VALUE = "*"  # an `evaluate` key: the verdict of every value (no day or date is spelled so)


@dataclass(frozen=True)
class RuleResult:
    """A verdict with its evidence: how many rows or groups fail and a sample of them."""

    passed: bool
    failing_count: int
    details: dict = field(default_factory=dict)


def failed(error: Exception) -> RuleResult:
    """The verdict of a rule that could not be evaluated: failed, with why (a Spark error's repr is its bare class)."""
    return RuleResult(False, 1, {"error": f"{type(error).__name__}: {error}"[:500]})


class Rule:
    """A rule: `evaluate(frame, column)` maps each value of `column` (all rows: None) to its result.

    Only failing values need a key (the others get `empty()`); EVERY_VALUE answers for them all.
    Each `collect()` below brings back per-value aggregates or at most `sample` rows per value:
    bounded by the run's days, never by the table's rows.
    """

    def evaluate(self, frame: DataFrame, column: str | None) -> dict[str | None, RuleResult]:
        raise NotImplementedError

    def empty(self) -> RuleResult:
        """The verdict on no rows (a value of the column that no row has)."""
        raise NotImplementedError

    def __call__(self, frame: DataFrame) -> RuleResult:
        return self.evaluate(frame, None).get(None) or self.empty()

    def by(self, frame: DataFrame, column: str, values: Sequence[str]) -> dict[str, RuleResult]:
        """One result per value in `values` (a day of the run), rows or none."""
        found = self.evaluate(frame, column)
        return {value: found.get(value) or found.get(EVERY_VALUE) or self.empty() for value in values}


def _by(frame: DataFrame, column: str | None) -> DataFrame:
    return frame.withColumn(_BY, F.col(column).cast("string") if column else F.lit(None).cast("string"))


def _samples(frame: DataFrame, columns: Sequence[str], order: Sequence, sample: int) -> dict[str | None, list[str]]:
    """Up to `sample` rows of `columns` per judged value, in `order`, as `a|b` strings."""
    ranked = frame.withColumn("_rank", F.row_number().over(Window.partitionBy(_BY).orderBy(*order)))
    rows = ranked.filter(F.col("_rank") <= sample).select(_BY, "_rank", *columns).collect()
    picked: dict[str | None, list[tuple[int, str]]] = {}
    for row in rows:
        text = "|".join("" if v is None else str(v) for v in row[2:])
        picked.setdefault(row[_BY], []).append((row["_rank"], text))
    return {value: [text for _, text in sorted(found)] for value, found in picked.items()}


class _RuleFunction(Rule):
    """A rule made of two functions, so each builder below stays a few lines."""

    def __init__(self, evaluate: Callable, empty: Callable[[], RuleResult]):
        self._evaluate, self._empty = evaluate, empty

    def evaluate(self, frame, column):
        return self._evaluate(frame, column)

    def empty(self):
        return self._empty()


def _others(columns: Sequence[str], column: str | None) -> list[str]:
    """`columns` without the judged column (grouping by it twice would make names ambiguous)."""
    return [c for c in columns if c != column]


def no_duplicates(keys: Sequence[str], sample: int = SAMPLE) -> Rule:
    """No two rows share the same values of `keys` (null keys compare equal).

    Judged per day, a key repeated anywhere in the frame (within a day or across days of a range)
    fails every day it appears on; a day's `duplicate_rows` are its rows of such keys, less the
    key's first row when that falls on the day, so the days' counts add up to the frame's.
    """
    keys = list(keys)

    def details(duplicated_keys: int, rows: int) -> dict:
        return {"keys": ", ".join(keys), "duplicated_keys": duplicated_keys, "duplicate_rows": rows}

    def evaluate(frame: DataFrame, column: str | None) -> dict:
        every = Window.partitionBy(*keys)  # window partitions group null keys together, as wanted
        hits = (
            _by(frame, column)
            .withColumn("_rows", F.count(F.lit(1)).over(every))
            .withColumn("_first", F.min(_BY).over(every))
            .filter("_rows > 1")
        )
        kept = [F.first(column).alias(column)] if column in keys else []
        per_day = hits.groupBy(_BY, *_others(keys, column)).agg(
            F.count(F.lit(1)).alias("_rows"), F.first("_first").alias("_first"), *kept
        )
        totals = per_day.groupBy(_BY).agg(
            F.count(F.lit(1)).alias("keys"),
            F.sum("_rows").alias("rows"),
            F.count(F.when(F.col("_first").eqNullSafe(F.col(_BY)), 1)).alias("firsts"),
        ).collect()
        samples = _samples(per_day, keys, keys, sample) if totals else {}
        results = {}
        for row in totals:
            found = details(row["keys"], int(row["rows"]) - row["firsts"])
            found["sample_keys"] = samples.get(row[_BY], [])
            results[row[_BY]] = RuleResult(False, row["keys"], found)
        return results

    return _RuleFunction(evaluate, lambda: RuleResult(True, 0, details(0, 0)))


def mean_below(column: str, threshold: float, group_by: Sequence[str] = (), sample: int = SAMPLE) -> Rule:
    """The mean of `column` (per group of `group_by`) is strictly below `threshold`."""
    group_by = list(group_by)

    def fails():  # a Column needs a live session: built per evaluation, not at import
        return F.col("mean") >= F.lit(threshold)

    def details(groups: int, worst, failing: int) -> dict:
        found = {
            "column": column,
            "threshold": float(threshold),
            "groups": groups,
            "actual_max_mean": None if worst is None else round(float(worst), 4),
        }
        if group_by:
            found["group_by"] = ", ".join(group_by)
        return found

    def evaluate(frame: DataFrame, by: str | None) -> dict:
        kept = [F.first(by).alias(by)] if by in group_by else []
        means = (
            _by(frame, by).groupBy(_BY, *_others(group_by, by))
            .agg(F.avg(F.col(column).cast("double")).alias("mean"), *kept)
        )  # fmt: skip
        totals = means.groupBy(_BY).agg(
            F.count(F.lit(1)).alias("groups"), F.max("mean").alias("max_mean"), F.count(F.when(fails(), 1)).alias("failing")
        ).collect()
        results = {}
        samples = _samples(means.filter(fails()), [*group_by, "mean"], [F.col("mean").desc()], sample) \
            if any(row["failing"] for row in totals) else {}  # fmt: skip
        for row in totals:
            found = details(row["groups"], row["max_mean"], row["failing"])
            if row["failing"]:
                found["sample_failing_groups"] = samples.get(row[_BY], [])
            results[row[_BY]] = RuleResult(row["failing"] == 0, row["failing"], found)
        return results

    return _RuleFunction(evaluate, lambda: RuleResult(True, 0, details(0, None, 0)))


def rows_satisfy(condition: str, key_columns: Sequence[str], sample: int = SAMPLE) -> Rule:
    """Every row satisfies the SQL `condition`; a null result counts as a failure.

    The condition is computed as a column before it filters, so it may hold window functions
    (e.g. `x = max(x) OVER (PARTITION BY g)`), which a filter alone refuses.
    """

    def evaluate(frame: DataFrame, column: str | None) -> dict:
        judged = _by(frame, column).withColumn("_rule_ok", F.coalesce(F.expr(condition), F.lit(False)))
        violations = judged.filter(~F.col("_rule_ok"))
        counts = violations.groupBy(_BY).count().collect()
        samples = _samples(violations, key_columns, key_columns, sample) if counts else {}
        return {
            row[_BY]: RuleResult(False, row["count"], {
                "condition": condition, "failing_rows": row["count"], "sample_keys": samples.get(row[_BY], []),
            })
            for row in counts
        }  # fmt: skip

    return _RuleFunction(evaluate, lambda: RuleResult(True, 0, {"condition": condition, "failing_rows": 0}))


def no_raw_pii() -> Rule:
    """No string column (struct fields included) holds a raw email address or phone number (`pii.raw_value_counts`).

    The evidence is which columns hit and how many rows, never the values: they are the PII.
    """

    def evaluate(frame: DataFrame, column: str | None) -> dict:
        counters = pii.raw_value_counts(frame)
        if not counters:
            return {}
        hits = [counter.alias(f"_pii{i}") for i, counter in enumerate(counters.values())]
        results = {}
        for row in _by(frame, column).groupBy(_BY).agg(*hits).collect():  # one row per day
            found = {name: row[f"_pii{i}"] for i, name in enumerate(counters) if row[f"_pii{i}"]}
            details = {"columns_scanned": len(counters), "columns_with_raw_pii": sorted(found),
                       "raw_values": sum(found.values())}  # fmt: skip
            results[row[_BY]] = RuleResult(not found, sum(found.values()), details)
        return results

    return _RuleFunction(evaluate, lambda: RuleResult(True, 0, {"columns_with_raw_pii": [], "raw_values": 0}))


def _name(model) -> str:
    return getattr(model, "__name__", None) or model.name  # a DataFrameModel or its DataFrameSchema


def _pandera_failures(schema, frame: DataFrame, depth: ValidationDepth) -> list[str]:
    """pandera's failed checks of `frame` as `column: check` (a schema's name where no column is concerned)."""
    with config_context(validation_depth=depth):
        errors = dict(schema.validate(frame).pandera.errors)
    return [
        f"{error.get('column') or schema.name}: {error.get('check')}"
        for by_type in errors.values()
        for reports in by_type.values()
        for error in reports
    ]


def conforms_to(model) -> Rule:
    """The frame passes a pandera.pyspark DataFrameModel (or schema): types, nullability, ranges, allowed values.

    Judged in one pass (`pandera_spark`): pandera checks the frame's schema (presence, types,
    strictness) with no Spark job; every field's data check is one count of one aggregation, per
    day. A schema failure is every day's, and the data is not judged against a schema it lacks.
    Checks pandera must run itself (custom ones) are traced to their days by validating each.
    """
    schema = model.to_schema() if hasattr(model, "to_schema") else model
    parts = pandera_spark.plan(schema)

    def result(failures: list[str]) -> RuleResult:
        found = {"model": _name(model), "failed_checks": len(failures)}
        if failures:
            found["failures"] = failures[:20]
        return RuleResult(not failures, len(failures), found)

    def data_failures(frame: DataFrame, column: str | None) -> dict[str | None, list[str]]:
        nullable = {f.name: f.nullable for f in frame.schema.fields}
        checks = [c for c in parts.data_checks if nullable.get(c.column, True) or not c.only_if_nullable]
        if not checks:
            return {}
        counts = [F.count(F.when(c.violation(), 1)).alias(f"_check{i}") for i, c in enumerate(checks)]
        found = {}
        for row in _by(frame, column).groupBy(_BY).agg(*counts).collect():
            failing = [c.label for i, c in enumerate(checks) if row[f"_check{i}"]]
            if failing:
                found[row[_BY]] = failing
        return found

    def rest_failures(frame: DataFrame, column: str | None) -> dict[str | None, list[str]]:
        whole = _pandera_failures(parts.rest, frame, ValidationDepth.SCHEMA_AND_DATA) if parts.rest else []
        if not whole or column is None:
            return {None: whole} if whole else {}
        values = [row[0] for row in _by(frame, column).select(_BY).distinct().collect()]
        return {
            value: _pandera_failures(parts.rest, frame.where(F.col(column).cast("string") == value),
                                     ValidationDepth.SCHEMA_AND_DATA)
            for value in values
        }  # fmt: skip

    def evaluate(frame: DataFrame, column: str | None) -> dict:
        try:
            failures = _pandera_failures(parts.shape, frame, ValidationDepth.SCHEMA_ONLY)
        except Exception as error:  # pandera 0.35 asserts on some type mismatches (decimal)
            failures = [repr(error)[:500]]
        if failures:
            return {EVERY_VALUE if column else None: result(failures)}
        found = data_failures(frame, column)
        for value, failing in rest_failures(frame, column).items():
            found[value] = found.get(value, []) + failing
        return {value: result(failing) for value, failing in found.items() if failing}

    return _RuleFunction(evaluate, lambda: result([]))


def row_accounting(
    source: DataFrame, kept: DataFrame, rejected: DataFrame, dedup_column: str | None = None
) -> RuleResult:
    """Every source row is kept, rejected or counted in `kept[dedup_column]` as a removed duplicate."""
    return row_accounting_by(source, kept, rejected, (None, None, None), [None], dedup_column)[None]


def row_accounting_by(
    source: DataFrame,
    kept: DataFrame,
    rejected: DataFrame,
    columns: tuple[str | None, str | None, str | None],
    values: Sequence[str | None],
    dedup_column: str | None = None,
) -> dict[str | None, RuleResult]:
    """`row_accounting` per value (a day) of `columns`, the day column of source, kept and rejected rows."""

    def counts(frame: DataFrame, column: str | None, extra=()) -> dict:
        rows = _by(frame, column).groupBy(_BY).agg(F.count(F.lit(1)).alias("rows"), *extra).collect()
        return {row[_BY]: row for row in rows}

    source_day, kept_day, rejected_day = columns
    dedup = [F.coalesce(F.sum(dedup_column), F.lit(0)).alias("duplicates")] if dedup_column else []
    rows_in, rows_out, rows_rejected = counts(source, source_day), counts(kept, kept_day, dedup), counts(rejected, rejected_day)
    results = {}
    for value in values:
        found_in = rows_in[value]["rows"] if value in rows_in else 0
        found_out = rows_out[value]["rows"] if value in rows_out else 0
        duplicates = int(rows_out[value]["duplicates"]) if dedup_column and value in rows_out else 0
        found_rejected = rows_rejected[value]["rows"] if value in rows_rejected else 0
        unaccounted = found_in - found_out - found_rejected - duplicates
        details = {
            "rows_in": found_in,
            "rows_out": found_out,
            "rows_rejected": found_rejected,
            "duplicates_removed": duplicates,
            "unaccounted": unaccounted,
        }
        results[value] = RuleResult(unaccounted == 0, abs(unaccounted), details)
    return results
