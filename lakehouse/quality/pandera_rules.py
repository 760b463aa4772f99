"""Quality rules as pandera checks, so a table's rules are declared once, in its pandera model.

`mean_below` and `rows_satisfy` are registered pandera dataframe checks whose verdict is the
`rules` builder of the same name: a model declares them in its `Config` (with `Config.unique`
for duplicates), a plain `Model.validate(frame)` runs them, and `quality.checks.model_checks`
turns the same declarations into the pipeline's rules, which also keep the numbers per day.
"""

from __future__ import annotations

import copy
import inspect

from pandera.api.checks import Check
from pandera.extensions import register_check_method
from pyspark.sql import DataFrame

from lakehouse.quality import rules


def _register(function):
    """Register `function` as a pandera check of pyspark frames, once: pandera refuses a name twice."""
    if function.__name__ not in Check.REGISTERED_CUSTOM_CHECKS:
        statistics = list(inspect.signature(function).parameters)[1:]
        register_check_method(function, statistics=statistics, supported_types=DataFrame)
    return function


@_register
def mean_below(frame: DataFrame, *, column: str, threshold: float, group_by=()) -> bool:
    """`rules.mean_below` as a pandera check (pandera keeps the verdict only)."""
    return rules.mean_below(column, threshold, group_by)(frame).passed


@_register
def rows_satisfy(frame: DataFrame, *, condition: str, key_columns=()) -> bool:
    """`rules.rows_satisfy` as a pandera check (pandera keeps the verdict only)."""
    return rules.rows_satisfy(condition, key_columns)(frame).passed


RULES = {"mean_below": rules.mean_below, "rows_satisfy": rules.rows_satisfy}


def rule_of(check: Check) -> rules.Rule | None:
    """The quality rule a pandera check declares, None for a check that is not one of `RULES`.

    A registered check keeps its method's name (pandera does not let a Config entry rename it)
    and every statistic, None for those left out.
    """
    if check.name not in RULES:
        return None
    return RULES[check.name](**{k: v for k, v in check.statistics.items() if v is not None})


def without_rules(model):
    """The model's schema less `Config.unique` and the `RULES` checks: those are checks of their own."""
    schema = copy.deepcopy(model.to_schema())
    schema.unique = None
    schema.checks = [check for check in schema.checks if check.name not in RULES]
    return schema
