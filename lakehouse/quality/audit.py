"""Audited publish: a table's rules judge the run's staged rows day by day, before any day is published.

Domains declare rules per table (`quality.checks.asset_checks` registers them here); the IO
manager asks `rules_for(key)` when it has staged a run's rows, calls `judge`, publishes only the
days that pass every blocking rule and keeps the `AuditReport`, which the asset checks then turn
into Dagster evaluations (one per day). This module knows no storage and no domain.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from pyspark.sql import DataFrame

from lakehouse.quality.rules import Rule, RuleResult, failed


@dataclass(frozen=True)
class AuditedRule:
    """What the IO manager needs of a check: its name, its rule, and whether a failure holds a day back."""

    name: str
    rule: Rule
    holds_back: bool


_RULES: dict[tuple[str, ...], dict[str, AuditedRule]] = {}


def register(key: Sequence[str], rules: Sequence[AuditedRule]) -> None:
    """Declare `rules` on the table `key` (a later rule of the same name replaces an earlier one)."""
    table = _RULES.setdefault(tuple(key), {})
    for rule in rules:
        table[rule.name] = rule


def rules_for(key: Sequence[str]) -> list[AuditedRule]:
    return list(_RULES.get(tuple(key), {}).values())


@dataclass
class AuditReport:
    """Every rule's verdict on every day of one run of one table, and what was held back."""

    asset: str
    run_id: str
    column: str
    days: list[str]
    results: dict[str, dict[str, dict]]  # rule name -> day -> {passed, failing_count, details}
    held_back: list[str] = field(default_factory=list)
    audit_path: str | None = None

    def result(self, rule: str, day: str) -> RuleResult:
        found = self.results[rule][day]
        return RuleResult(found["passed"], found["failing_count"], found["details"])

    def failing_days(self, rule: str) -> list[str]:
        return [day for day in self.days if not self.results[rule][day]["passed"]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AuditReport:
        return cls(**json.loads(text))


def judge(
    frame: DataFrame, column: str, days: list[str], rules: Sequence[AuditedRule], asset: str, run_id: str
) -> AuditReport:
    """Each rule on each day of `days` (the run's partitions) of the staged `frame`."""
    results = {}
    for audited in rules:
        try:
            verdicts = audited.rule.by(frame, column, days)
        except Exception as error:  # a rule that cannot be evaluated fails, with why; it never passes
            verdicts = dict.fromkeys(days, failed(error))
        results[audited.name] = {day: asdict(result) for day, result in verdicts.items()}
    held = sorted({
        day for audited in rules if audited.holds_back for day in days if not results[audited.name][day]["passed"]
    })  # fmt: skip
    return AuditReport(asset, run_id, column, list(days), results, held)
