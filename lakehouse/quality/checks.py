"""Turn quality rules into Dagster asset checks whose verdicts are judged before a day is published.

`asset_checks` registers a table's rules with `quality.audit`: the IO manager judges the run's
staged rows with them, day by day, and publishes only the days that pass every blocking ERROR
rule (audited publish). The Dagster check of each rule then reports that run's verdicts from the
audit report: one evaluation per day (Dagster records a range step's check result without a
partition, so each day's is logged beside it, in one batch of events), plus the run's summary.
A check run without its asset (a re-execution of the check alone) judges the committed days.
`model_checks` reads a table's checks from its pandera model, where its rules are declared.
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from dagster import (
    AssetCheckExecutionContext,
    AssetIn,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetKey,
    AssetRecordsFilter,
    MetadataValue,
    PartitionsDefinition,
    PreviewWarning,
    asset_check,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluation,
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster._core.events import DagsterEvent, DagsterEventBatchMetadata, DagsterEventType

from lakehouse.quality import audit, pandera_rules
from lakehouse.quality.rules import Rule, RuleResult, conforms_to, failed, no_duplicates, row_accounting_by

IO_MANAGER = "io_manager"  # the resource that stores the checked tables and their audit reports
SAMPLE_DAYS = 10
SCHEMA = "Types, nullability, ranges and allowed values."  # the schema check's description by default


@dataclass(frozen=True)
class Check:
    """A named rule on one asset; ERROR + blocking holds a failing day back and stops downstream."""

    name: str
    description: str
    rule: Rule
    blocking: bool = True
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR

    @property
    def holds_back(self) -> bool:
        return self.blocking and self.severity == AssetCheckSeverity.ERROR


def model_checks(model) -> list[Check]:
    """The checks a pandera model declares: its `Config.unique`, each `pandera_rules` check, its fields.

    The unique columns and each rule are judged by `rules` (per day, with their numbers), a rule
    declared with `raise_warning=True` as a WARN that never blocks; the "schema" check validates
    the fields without them (no rule runs twice), and only if the model declares fields.
    Descriptions: `Config.metadata["unique_description"]` (pandera's unique has none), a rule's
    `description`, `Config.description` for the schema check.
    """
    schema, config = model.to_schema(), model.__config__
    checks = []
    if schema.unique:
        keys = list(schema.unique)
        name = re.sub(r"\W+", "_", keys[-1].lower())
        described = (config.metadata or {}).get("unique_description")
        checks.append(Check(f"{name}_unique", described or f"No duplicate records: one row per {', '.join(keys)}.",
                            no_duplicates(keys)))  # fmt: skip
    for declared in schema.checks:
        rule = pandera_rules.rule_of(declared)
        if rule is not None:
            severity = AssetCheckSeverity.WARN if declared.raise_warning else AssetCheckSeverity.ERROR
            checks.append(Check(declared.title or declared.name, declared.description or declared.error, rule,
                                blocking=not declared.raise_warning, severity=severity))  # fmt: skip
    if schema.columns:
        checks.append(Check("schema", config.description or SCHEMA, conforms_to(pandera_rules.without_rules(model))))
    return checks


def _metadata(details: dict) -> dict:
    values = {}
    for key, value in details.items():
        if isinstance(value, list):
            values[key] = MetadataValue.json(value)
        elif isinstance(value, bool) or value is None:
            values[key] = MetadataValue.text(str(value))
        else:
            values[key] = value
    return values


def asset_checks(
    key: Sequence[str], partitions_def: PartitionsDefinition | None, checks: list[Check]
) -> list[AssetChecksDefinition]:
    """One Dagster asset check per rule, partitioned like the asset; the rules audit its writes."""
    audit.register(key, [audit.AuditedRule(c.name, c.rule, c.holds_back) for c in checks])
    return [_build(list(key), partitions_def, check) for check in checks]


def _merged(results: list[RuleResult]) -> dict:
    """One rule's details over several days: counts summed, maxima maxed, samples pooled, the rest kept.

    Counts are the days' sums: a key duplicated across two days of a range fails both, so it
    counts twice here (once per day it holds back), and its sample appears once.
    """
    merged: dict = {}
    for result in results:
        for key, value in result.details.items():
            known = merged.get(key)
            if known is None or value is None:
                merged[key] = value if known is None else known
            elif isinstance(value, list):  # a key repeated across days is sampled on each: once here
                merged[key] = list(dict.fromkeys(known + value))[:SAMPLE_DAYS]
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and key != "threshold":
                merged[key] = max(known, value) if key.startswith("actual_max") else known + value
    return merged


def summary(results: dict[str, RuleResult], audit_path: str | None) -> tuple[bool, dict]:
    """A run's verdict over its days: the rule's numbers over them all, the failing days, where their rows are."""
    failing = sorted(day for day, result in results.items() if not result.passed)
    judged = [results[day] for day in failing] or list(results.values())  # samples come from failing days
    details = {"failing_count": sum(r.failing_count for r in results.values()), **_merged(list(results.values()))}
    for key, value in _merged(judged).items():
        if isinstance(value, list):
            details[key] = value
    if len(results) > 1:
        details.update(days_checked=len(results), failing_days=len(failing))
        if failing:
            details["sample_failing_days"] = failing[:SAMPLE_DAYS]
    if failing and audit_path:
        details["audit_path"] = audit_path
    return not failing, details


def log_days(context: AssetCheckExecutionContext, check: Check, key: AssetKey, results: dict[str, RuleResult]):
    """Each day's verdict as its own evaluation, written to the instance as one batch."""
    days = sorted(results)
    # Each day's verdict points at that day's materialization by this run: Dagster shows a
    # partition's check status only while it targets the partition's latest materialization.
    run = context.op_execution_context
    wanted = AssetRecordsFilter(asset_key=key, asset_partitions=days)
    targets = {
        r.partition_key: AssetCheckEvaluationTargetMaterializationData(
            storage_id=r.storage_id, run_id=r.run_id, timestamp=r.timestamp
        )
        for r in run.instance.fetch_materializations(wanted, limit=len(days)).records
        if r.run_id == run.run_id
    }
    step = run._step_execution_context  # noqa: SLF001 (no public way to log a batch)
    batch = uuid.uuid4().hex
    for i, day in enumerate(days):
        result = results[day]
        evaluation = AssetCheckEvaluation(
            asset_key=key, check_name=check.name, passed=result.passed, severity=check.severity,
            blocking=check.blocking, partition=day, target_materialization_data=targets.get(day),
            metadata=_metadata({"failing_count": result.failing_count, **result.details}),
        )  # fmt: skip
        DagsterEvent.from_step(
            DagsterEventType.ASSET_CHECK_EVALUATION, step, evaluation,
            f"Asset check '{check.name}' on '{key.to_user_string()}' {'passed' if result.passed else 'did not pass'} "
            f"for {day}.", DagsterEventBatchMetadata(batch, i == len(days) - 1),
        )  # fmt: skip


def _build(key: list[str], partitions_def, check: Check) -> AssetChecksDefinition:
    with warnings.catch_warnings():
        # Partitioned checks are a Dagster preview; they are what keeps a check to its run's range.
        warnings.simplefilter("ignore", PreviewWarning)

        @asset_check(
            asset=key,
            name=check.name,
            description=check.description,
            blocking=check.blocking,
            partitions_def=partitions_def,
            required_resource_keys={IO_MANAGER},
        )
        def _check(context) -> AssetCheckResult:  # context: AssetCheckExecutionContext
            store = getattr(context.resources, IO_MANAGER)
            days = list(context.op_execution_context.partition_keys) if partitions_def else []
            report = store.audit_report(key, context.op_execution_context.run_id)
            if report is not None and check.name in report.results and set(days) <= set(report.days):
                results = {day: report.result(check.name, day) for day in days}
                where = report.audit_path if report.held_back else None
            else:  # the asset was not written by this run: judge what is committed
                where = None
                try:
                    results = store.judge_committed(key, days, check.rule)
                except Exception as error:  # a check that cannot be evaluated fails, with why
                    results = dict.fromkeys(days or [None], failed(error))
            if len(results) > 1:
                log_days(context, check, AssetKey(key), results)
            passed, details = summary(results, where)
            return AssetCheckResult(passed=passed, severity=check.severity, metadata=_metadata(details))

    return _check


def row_accounting_check(
    key: Sequence[str],
    partitions_def: PartitionsDefinition,
    source: Sequence[str],
    rejects: Sequence[str],
    columns: tuple[str, str, str],
    description: str,
    name: str = "row_accounting",
    rejects_where: str | None = None,
    dedup_column: str | None = None,
) -> AssetChecksDefinition:
    """Blocking: per day, the `source` table's rows = `key`'s rows + its rows in `rejects` (+ duplicates removed).

    It compares three tables after they are published, so it blocks downstream assets but does
    not hold a day back; a pandera model validates one frame, so this is no rule of a model.
    `columns`: the day column of source, kept and rejected rows;
    `rejects_where`: a SQL condition picking the source's rows out of a shared rejects table.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)

        @asset_check(
            asset=list(key),
            name=name,
            additional_ins={"source": AssetIn(key=list(source)), "rejects": AssetIn(key=list(rejects))},
            partitions_def=partitions_def,
            blocking=True,
            description=description,
        )
        def _check(context, kept, source, rejects) -> AssetCheckResult:  # context: AssetCheckExecutionContext
            if rejects_where:
                rejects = rejects.where(rejects_where)
            days = list(context.op_execution_context.partition_keys)
            results = row_accounting_by(source, kept, rejects, columns, days, dedup_column)
            if len(results) > 1:
                log_days(context, Check(name, description, rule=None), AssetKey(list(key)), results)
            passed, details = summary(results, None)
            return AssetCheckResult(passed=passed, metadata=_metadata(details))

    return _check

