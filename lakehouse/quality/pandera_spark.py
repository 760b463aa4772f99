"""A pandera model's field checks as Spark conditions, so a whole model is judged in one pass.

pandera's pyspark backend runs one Spark job per non-nullable field and per check (a
`filter(...).limit(1).count()` each): 10 to 20 jobs per table per run, most of what judging a
small daily partition costs. Here a model is split into what pandera answers from the frame's
schema alone (column presence, types, strictness: no Spark job) and its data checks, each a
condition that one aggregation counts for every check and every day at once. A check this module
cannot translate (a custom column check, a dataframe-level check) stays pandera's to run.

Each condition says what a violating row is, exactly as pandera's builtin does: a null value
violates only `not_nullable` (pandera's comparisons filter on `~cond`, which a null never meets).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

NOT_NULLABLE = "not_nullable"  # pandera's name of a null in a non-nullable field


def _in_range(c: Column, s: dict) -> Column:
    low = c >= s["min_value"] if s.get("include_min", True) else c > s["min_value"]
    high = c <= s["max_value"] if s.get("include_max", True) else c < s["max_value"]
    return low & high


def _str_length(c: Column, s: dict) -> Column:
    length, low, high = F.length(c), s.get("min_value"), s.get("max_value")
    if low is not None and high is not None:
        return (length >= low) & (length <= high)
    return length >= low if low is not None else length <= high


def _pattern(s: dict) -> str:
    return getattr(s["pattern"], "pattern", s["pattern"])  # a compiled re.Pattern or its text


def _str_matches(c: Column, s: dict) -> Column:
    pattern = _pattern(s)
    return c.rlike(pattern if pattern.startswith("^") else f"^{pattern}")


# pandera's pyspark builtin checks (backends/pyspark/builtin_checks.py): the condition a valid value meets.
_VALID: dict[str, Callable[[Column, dict], Column]] = {
    "equal_to": lambda c, s: c == s["value"],
    "not_equal_to": lambda c, s: c != s["value"],
    "greater_than": lambda c, s: c > s["min_value"],
    "greater_than_or_equal_to": lambda c, s: c >= s["min_value"],
    "less_than": lambda c, s: c < s["max_value"],
    "less_than_or_equal_to": lambda c, s: c <= s["max_value"],
    "in_range": _in_range,
    "isin": lambda c, s: c.isin(list(s["allowed_values"])),
    "notin": lambda c, s: ~c.isin(list(s["forbidden_values"])),
    "str_matches": _str_matches,
    "str_contains": lambda c, s: c.rlike(_pattern(s)),
    "str_startswith": lambda c, s: c.startswith(s["string"]),
    "str_endswith": lambda c, s: c.endswith(s["string"]),
    "str_length": _str_length,
}


@dataclass(frozen=True)
class DataCheck:
    """One field's check: its label as pandera reports it, and which rows violate it."""

    label: str
    column: str
    violation: Callable[[], Column]  # built per evaluation: a Column needs a live session
    only_if_nullable: bool = False  # a null check is moot on a column Spark declares non-nullable


@dataclass(frozen=True)
class ModelPlan:
    """A pandera schema split three ways: schema-only checks, translated data checks, the rest."""

    shape: object  # the schema with no data check left: pandera validates it without a Spark job
    data_checks: list[DataCheck]
    rest: object | None  # a schema of the checks left to pandera, None when there are none


def plan(schema) -> ModelPlan:
    """Split `schema` (a pandera.pyspark DataFrameSchema) into the three parts of a ModelPlan."""
    shape, rest = copy.deepcopy(schema), copy.deepcopy(schema)
    data_checks: list[DataCheck] = []
    untranslated = bool(schema.checks) or bool(schema.unique)
    for name, column in schema.columns.items():
        if not column.nullable:
            data_checks.append(DataCheck(f"{name}: {NOT_NULLABLE}", name, lambda n=name: F.col(n).isNull(), True))
        kept = []
        for check in column.checks:
            valid = _VALID.get(check.name)
            if valid is None or getattr(column, "unique", False):
                kept.append(check)
                continue
            statistics = dict(check.statistics)
            data_checks.append(DataCheck(
                f"{name}: {check.error}", name, lambda n=name, v=valid, s=statistics: ~v(F.col(n), s)
            ))  # fmt: skip
        untranslated |= bool(kept) or bool(getattr(column, "unique", False))
        for part, checks in ((shape, []), (rest, kept)):  # nulls are counted here, once
            part.columns[name].nullable = True
            part.columns[name].checks = checks
    shape.checks, shape.unique = [], None
    return ModelPlan(shape, data_checks, rest if untranslated else None)
