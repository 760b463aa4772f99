"""A domain's asset checks without Dagster: the rules its Dagster run evaluates, on a baseline's tables.

The list is the domain's own `checks.CHECKS`, so it cannot drift from the pipeline's. A check
built from a `quality.checks.Check` runs that Check's `.rule` on the checked table; a check
without one (row accounting) is its own function, called with the tables it reads. Each check
runs once, as soon as every table it reads has been written.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dagster import AssetChecksDefinition
from pyspark.sql import DataFrame

from lakehouse.quality.rules import row_accounting

Key = tuple[str, ...]
Judge = Callable[[dict[str, DataFrame]], tuple[bool, dict]]  # tables by input name -> (passed, evidence)


@dataclass(frozen=True)
class PlannedCheck:
    """One asset check: the asset it checks, the tables it reads (input name -> asset key), its judge."""

    asset: Key
    name: str
    inputs: dict[str, Key]
    judge: Judge

    @property
    def label(self) -> str:
        return f"{'/'.join(self.asset)}:{self.name}"


def _rule_judge(check) -> Judge:
    """A Check's rule on the table's rows the run wrote."""

    def judge(frames: dict[str, DataFrame]) -> tuple[bool, dict]:
        result = check.rule(frames["frame"])
        return result.passed, {"failing_count": result.failing_count}

    return judge


def _accounting_judge(captured: dict) -> Judge:
    """A `row_accounting_check` (its closure: the rejects filter and dedup column) over the whole run."""

    def judge(frames: dict[str, DataFrame]) -> tuple[bool, dict]:
        rejects = frames["rejects"]
        if captured.get("rejects_where"):
            rejects = rejects.where(captured["rejects_where"])
        result = row_accounting(frames["source"], frames["kept"], rejects, captured.get("dedup_column"))
        return result.passed, result.details

    return judge


def plan(checks: Sequence[AssetChecksDefinition]) -> list[PlannedCheck]:
    """Each of a domain's asset checks (its `checks.CHECKS`), ready to judge a baseline's tables."""
    planned = []
    for definition in checks:
        (spec,) = definition.check_specs
        # The function the @asset_check decorator wrapped: `asset_checks` builds it around a Check
        # (closure `check`), `row_accounting_check` around its three tables (closure `columns`).
        function = definition.node_def.compute_fn.decorated_fn
        captured = inspect.getclosurevars(function).nonlocals
        inputs = {name: tuple(key.path) for name, key in definition.keys_by_input_name.items()}
        if "check" in captured:
            judge, inputs = _rule_judge(captured["check"]), {"frame": tuple(spec.asset_key.path)}
        elif "columns" in captured:
            judge = _accounting_judge(captured)
        else:
            raise TypeError(f"{spec.key.to_user_string()}: neither a Check nor a row-accounting check")
        planned.append(PlannedCheck(tuple(spec.asset_key.path), spec.name, inputs, judge))
    return planned


class CheckRunner:
    """Runs each planned check once, when every table it reads is written; remembers the failures."""

    def __init__(self, planned: list[PlannedCheck], report: Callable[[str], None]):
        self.pending = list(planned)
        self.report = report
        self.passed: list[str] = []
        self.failed: list[str] = []

    def run_ready(self, tables: dict[Key, DataFrame]) -> None:
        """Judge the pending checks whose tables are all in `tables`."""
        ready = [check for check in self.pending if all(key in tables for key in check.inputs.values())]
        for check in ready:
            self.pending.remove(check)
            passed, evidence = check.judge({name: tables[key] for name, key in check.inputs.items()})
            (self.passed if passed else self.failed).append(check.label)
            self.report(f"check {check.label}: {'passed' if passed else 'FAILED'} {evidence}")
