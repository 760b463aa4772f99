"""What `lakehouse checks` reads from a Dagster instance: each check's latest result, its failing days, rejects.

Results come from Dagster's `asset_check_executions` index table (SQLite or Postgres), one row per
evaluation, so a read is one scan of small columns plus one fetch of each check's latest event,
instead of deserializing every evaluation in the event log. "Latest" is the highest event storage
id, the order events were written in: a range run's summary is written after its days (the row id
would not do: a range run's rows are planned before its days are evaluated, by any concurrent run
too). Each day's own latest evaluation gives the check's failing days, whichever run wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PAGE = 1000  # materialization records per request when summing a run's rejects
ROW_COUNT = "dagster/row_count"


@dataclass(frozen=True)
class CheckResult:
    """A check's latest evaluation: its verdict, numbers (plain values), run and days, and its failing days."""

    asset_key: tuple[str, ...]
    name: str
    passed: bool
    severity: str  # ERROR or WARN
    blocking: bool
    metadata: dict
    run_id: str
    days: tuple[str, ...]  # the day it judged, or its run's first and last day; () if unpartitioned
    day_count: int
    failing_days: tuple[str, ...]  # days whose own latest evaluation failed

    @property
    def gates(self) -> bool:
        """Fails a deploy gate: a blocking ERROR check whose latest result failed (Dagster blocks on ERROR only)."""
        return self.blocking and self.severity == "ERROR" and not self.passed


@dataclass(frozen=True)
class Rejects:
    """A rejects table's rows written by its latest run (the sum of that run's per-day row counts)."""

    asset_key: tuple[str, ...]
    rows: int | None  # None: the run recorded no row counts
    run_id: str
    days: tuple[str, ...]
    day_count: int


def domain_of(key: Iterable[str]) -> str:
    """Our asset keys are [layer, domain, table]; anything else is reported under its first part."""
    path = list(key)
    return path[1] if len(path) >= 3 else path[0]


def read(instance, since: datetime | None, domain: str | None) -> tuple[list[CheckResult], list[Rejects]]:
    """The latest result of each check evaluated on/after `since` (aware), and of each rejects table."""
    return _check_results(instance.event_log_storage, since, domain), _rejects(instance, since, domain)


def _check_results(storage, since, domain) -> list[CheckResult]:
    with storage.index_connection() as conn:
        latest, day_latest = _latest(conn, since, domain)
        rows = _rows(conn, [row_id for _, row_id in latest.values()])
        # A range summary has no partition: its days are its run's rows of the check (planned or evaluated).
        spans = _spans(conn, {run_id for run_id, day, _ in rows.values() if day is None})
    failing: dict[tuple, list[str]] = {}
    for (key, name, day), (_, failed) in sorted(day_latest.items()):
        if failed:
            failing.setdefault((key, name), []).append(day)
    results = []
    for (key, name), (_, row_id) in latest.items():
        run_id, day, event = rows[row_id]
        if day is not None:
            days, count = (day,), 1
        else:
            first, last, count = spans.get((key, name, run_id), (None, None, 0))
            days = tuple(dict.fromkeys(d for d in (first, last) if d is not None))
        results.append(_result(event, run_id, days, count, tuple(failing.get((key, name), ()))))
    return results


def _latest(conn, since, domain) -> tuple[dict, dict]:
    """Per check its latest evaluation (storage id, row id); per check and day (storage id, failed)."""
    import sqlalchemy as db
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus as Status
    from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable as T

    done = [Status.SUCCEEDED.value, Status.FAILED.value]  # not PLANNED: a check still running has no result
    where = [T.c.execution_status.in_(done), T.c.evaluation_event_storage_id.isnot(None)]
    if since is not None:  # the column is naive UTC
        where.append(T.c.evaluation_event_timestamp >= since.replace(tzinfo=None))
    query = db.select(T.c.id, T.c.asset_key, T.c.check_name, T.c.partition, T.c.execution_status,
                      T.c.evaluation_event_storage_id).where(*where)  # fmt: skip
    latest: dict[tuple, tuple] = {}
    day_latest: dict[tuple, tuple] = {}
    for row_id, key, name, day, status, storage_id in conn.execute(query):
        if domain is not None and domain_of(json.loads(key)) != domain:
            continue
        if storage_id > latest.get((key, name), (-1,))[0]:
            latest[(key, name)] = (storage_id, row_id)
        if day is not None and storage_id > day_latest.get((key, name, day), (-1,))[0]:
            day_latest[(key, name, day)] = (storage_id, status == Status.FAILED.value)
    return latest, day_latest


def _rows(conn, ids: list[int]) -> dict[int, tuple]:
    """Rows by id: (run id, partition, serialized evaluation event)."""
    import sqlalchemy as db
    from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable as T

    if not ids:
        return {}
    query = db.select(T.c.id, T.c.run_id, T.c.partition, T.c.evaluation_event).where(T.c.id.in_(ids))
    return {row_id: (run_id, day, event) for row_id, run_id, day, event in conn.execute(query)}


def _spans(conn, runs: set[str]) -> dict[tuple, tuple]:
    """Per check and run, the run's first and last day and how many days it has."""
    import sqlalchemy as db
    from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable as T

    if not runs:
        return {}
    query = (
        db.select(T.c.asset_key, T.c.check_name, T.c.run_id, db.func.min(T.c.partition),
                  db.func.max(T.c.partition), db.func.count(db.distinct(T.c.partition)))
        .where(T.c.run_id.in_(sorted(runs)), T.c.partition.isnot(None))
        .group_by(T.c.asset_key, T.c.check_name, T.c.run_id)
    )  # fmt: skip
    return {(key, name, run): (first, last, count) for key, name, run, first, last, count in conn.execute(query)}


def _result(serialized: str, run_id: str, days, day_count: int, failing_days) -> CheckResult:
    from dagster import deserialize_value
    from dagster._core.events.log import EventLogEntry

    evaluation = deserialize_value(serialized, EventLogEntry).dagster_event.event_specific_data
    return CheckResult(
        asset_key=tuple(evaluation.asset_key.path),
        name=evaluation.check_name,
        passed=evaluation.passed,
        severity=evaluation.severity.value,
        blocking=bool(evaluation.blocking),
        metadata={key: _plain(value) for key, value in evaluation.metadata.items()},
        run_id=run_id,
        days=days,
        day_count=day_count,
        failing_days=failing_days,
    )


def _plain(value):
    """A metadata value as Python: numbers, text, JSON lists; our checks store None and booleans as text."""
    plain = getattr(value, "value", value)
    return {"None": None, "True": True, "False": False}.get(plain, plain) if isinstance(plain, str) else plain


def _rejects(instance, since, domain) -> list[Rejects]:
    """Each `*rejects` table's rows in its latest run: that run's materializations, one per day in a range."""
    after = None if since is None else since.timestamp() - 0.001  # the filter is "after"; --since is "on/after"
    found = []
    for key in instance.get_asset_keys():
        if not key.path[-1].endswith("rejects") or (domain is not None and domain_of(key.path) != domain):
            continue
        records = _latest_run(instance, key, after)
        if records:
            counts = [r.asset_materialization.metadata.get(ROW_COUNT) for r in records]
            counts = [int(count.value) for count in counts if count is not None]
            days = sorted({r.partition_key for r in records if r.partition_key is not None})
            span = tuple(dict.fromkeys(days[:1] + days[-1:]))
            found.append(Rejects(tuple(key.path), sum(counts) if counts else None, records[0].run_id, span, len(days)))
    return found


def _latest_run(instance, key, after: float | None) -> list:
    """The materialization records of `key` by its latest run (after `after`), newest first."""
    from dagster import AssetRecordsFilter

    records, cursor = [], None
    while True:
        page = instance.fetch_materializations(AssetRecordsFilter(asset_key=key, after_timestamp=after),
                                               limit=PAGE, cursor=cursor)  # fmt: skip
        for record in page.records:
            if records and record.run_id != records[0].run_id:
                return records
            records.append(record)
        if not page.has_more:
            return records
        cursor = page.cursor
