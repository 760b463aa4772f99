"""Turn quality rules into Dagster asset checks that read only the run's partitions."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from collections.abc import Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    MetadataValue,
    PartitionsDefinition,
    PreviewWarning,
    asset_check,
)

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.quality.rules import Rule


@dataclass(frozen=True)
class Check:
    """A named rule on one asset; ERROR + blocking stops bad data from flowing downstream."""

    name: str
    description: str
    rule: Rule
    blocking: bool = True
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR


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
    key: Sequence[str],
    partitions_def: PartitionsDefinition | None,
    checks: list[Check],
    run_days_of: str | None = None,
) -> list[AssetChecksDefinition]:
    """One Dagster asset check per rule, partitioned like the asset so it sees the run's range.

    `run_days_of`: for a versioned table, whose loaded history reaches back before the run, the
    partition column whose run days the rules judge (the versions the run wrote).
    """
    return [_build(list(key), partitions_def, check, run_days_of) for check in checks]


def _run_days(context: AssetCheckExecutionContext, frame: DataFrame, column: str) -> DataFrame:
    window = context.op_execution_context.partition_time_window
    start, end = window.start.date(), window.end.date()
    return frame.where((F.col(column) >= F.lit(start)) & (F.col(column) < F.lit(end)))


def _build(key: list[str], partitions_def, check: Check, run_days_of: str | None) -> AssetChecksDefinition:
    with warnings.catch_warnings():
        # Partitioned checks are a Dagster preview; they are what keeps a check to its run's range.
        warnings.simplefilter("ignore", PreviewWarning)

        @asset_check(
            asset=key,
            name=check.name,
            description=check.description,
            blocking=check.blocking,
            partitions_def=partitions_def,
        )
        def _check(context, frame) -> AssetCheckResult:  # context: AssetCheckExecutionContext
            if frame is None:  # nothing in range (e.g. no previous state): nothing can be wrong
                return AssetCheckResult(passed=True, metadata={"rows_checked": 0})
            if run_days_of:
                frame = _run_days(context, frame, run_days_of)
            result = check.rule(frame)
            return AssetCheckResult(
                passed=result.passed,
                severity=check.severity,
                metadata={"failing_count": result.failing_count, **_metadata(result.details)},
            )

    return _check
