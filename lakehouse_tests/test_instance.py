"""The batched SQLite instance storage: a range run's events land as Dagster's own storage writes them."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    Definitions,
    IOManager,
    asset,
    asset_check,
    define_asset_job,
)
from dagster._core.events import ASSET_CHECK_EVENTS
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from lakehouse.quality.checks import Check, log_days
from lakehouse.quality.rules import RuleResult
from lakehouse.instance import BATCH_VARIABLE, INSTANCE_YAML, BatchedSqliteEventLogStorage, write_instance_config

DAYS = DailyPartitionsDefinition("2024-01-01", end_date="2024-03-01")  # 60 days, one leap day among them


class _Discard(IOManager):
    def handle_output(self, context, obj) -> None:
        context.add_output_metadata({"run_rows": obj})

    def load_input(self, context):
        return None


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run(), io_manager_key="discard")
def days_table() -> int:
    """A daily table whose range run yields one materialization per day."""
    return 3


@asset(partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run(), io_manager_key="discard", deps=[days_table])
def next_table() -> int:
    """A second asset in the same run, so one run's batches hold events of two assets."""
    return 3


@asset_check(asset=days_table, partitions_def=DAYS, blocking=True)
def days_table_even(context) -> AssetCheckResult:
    """Each day's verdict logged as one batch (lakehouse.quality.checks.log_days): odd days fail."""
    days = list(context.op_execution_context.partition_keys)
    results = {day: RuleResult(int(day[-2:]) % 2 == 0, int(day[-2:]) % 2, {}) for day in days}
    log_days(context, Check("days_table_even", "", rule=None), AssetKey("days_table"), results)
    return AssetCheckResult(passed=True)


DEFS = Definitions(
    assets=[days_table, next_table],
    asset_checks=[days_table_even],
    jobs=[define_asset_job("both", [days_table, next_table])],
    resources={"discard": _Discard()},
)


def _instance(home: Path, batched: bool, monkeypatch) -> DagsterInstance:
    if batched:
        assert write_instance_config(home) is True
        monkeypatch.setenv(BATCH_VARIABLE, "1000")
    else:
        home.mkdir()
        (home / "dagster.yaml").write_text("")
        monkeypatch.delenv(BATCH_VARIABLE, raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # the written config names its folder itself
    return DagsterInstance.from_config(str(home))


def _run(instance: DagsterInstance, first: str, last: str) -> str:
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    result = DEFS.resolve_job_def("both").execute_in_process(instance=instance, tags=tags)
    assert result.success
    return result.run_id


def _what_instance_says(instance: DagsterInstance, run_ids: list[str]) -> dict:
    said = {}
    for name in ("days_table", "next_table"):
        key = AssetKey(name)
        latest = instance.get_latest_materialization_event(key)
        records = instance.fetch_materializations(key, limit=10_000).records
        said[name] = {
            "partitions": sorted(instance.get_materialized_partitions(key)),
            "latest": (latest.dagster_event.partition, run_ids.index(latest.run_id)),
            "records": [(r.partition_key, run_ids.index(r.run_id)) for r in records],
            "metadata": {k: v.value for k, v in records[0].asset_materialization.metadata.items()},
        }
    checks = instance.event_log_storage.get_asset_check_partition_info([AssetCheckKey(AssetKey("days_table"), "days_table_even")])
    said["check_days"] = sorted(
        ((c.partition_key, c.latest_execution_status.value, run_ids.index(c.latest_planned_run_id)) for c in checks),
        key=lambda found: found[0] or "",
    )
    said["run_events"] = [
        [e.dagster_event_type for e in instance.all_logs(run_id) if e.is_dagster_event] for run_id in run_ids
    ]
    return said


def _index_rows(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "history" / "runs" / "index.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("event_logs", "asset_keys", "asset_event_tags")}


def test_batched_storage_stores_what_dagster_stores(tmp_path, monkeypatch):
    said, rows, check_batches = {}, {}, []
    store_check_batch = BatchedSqliteEventLogStorage._store_check_batch
    monkeypatch.setattr(BatchedSqliteEventLogStorage, "_store_check_batch",
                        lambda self, events: check_batches.append(len(events)) or store_check_batch(self, events))
    asked, has_table = Counter(), SqliteEventLogStorage.has_table
    monkeypatch.setattr(SqliteEventLogStorage, "has_table",
                        lambda self, name: asked.update([(type(self).__name__, name)]) or has_table(self, name))
    for batched in (False, True):
        home = tmp_path / ("batched" if batched else "default")
        instance = _instance(home, batched, monkeypatch)
        assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage) is batched
        # A range, then a re-run of its middle days: the latest per day moves to the second run.
        run_ids = [_run(instance, "2024-01-01", "2024-02-29"), _run(instance, "2024-02-28", "2024-02-29")]
        said[batched], rows[batched] = _what_instance_says(instance, run_ids), _index_rows(home)
        instance.dispose()

    assert said[True] == said[False]
    assert check_batches == [60, 2]  # each run's per-day check evaluations, written as one batch
    days = said[True]["days_table"]
    assert len(days["partitions"]) == 60 and days["partitions"][59] == "2024-02-29"
    assert days["latest"] == ("2024-02-29", 1)
    assert len(days["records"]) == 62 and days["records"][0] == ("2024-02-29", 1)
    assert days["metadata"] == {"run_rows": 3}
    assert said[True]["run_events"][1].count(DagsterEventType.ASSET_MATERIALIZATION) == 4
    # Each day's check verdict is its own (the range summary has no partition), the re-run's latest.
    check_days = said[True]["check_days"]
    assert len(check_days) == 61 and check_days[0] == (None, "SUCCEEDED", 1)
    assert check_days[1:3] == [("2024-01-01", "FAILED", 0), ("2024-01-02", "SUCCEEDED", 0)]
    assert check_days[-2:] == [("2024-02-28", "SUCCEEDED", 1), ("2024-02-29", "FAILED", 1)]
    assert rows[True] == rows[False]
    assert rows[True]["asset_keys"] == 2
    # Dagster's storage asks whether the check table exists before each of the two runs' 66 check
    # events (a new connection each time); the batched one asks once.
    assert asked[("SqliteEventLogStorage", "asset_check_executions")] == 66
    assert asked[("BatchedSqliteEventLogStorage", "asset_check_executions")] == 1


def test_instance_config_is_written_once_and_never_replaces_a_users(tmp_path):
    home = tmp_path / "home"
    assert write_instance_config(home) is True
    assert (home / "dagster.yaml").read_text() == INSTANCE_YAML.format(
        variable="DAGSTER_EVENT_BATCH_SIZE", base_dir=f'"{home.resolve()}"'
    )
    assert write_instance_config(home) is False  # already there
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    assert write_instance_config(home) is False
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text("")  # the empty file older `make` targets touched
    assert write_instance_config(home) is True


def test_batch_of_other_events_falls_back_to_one_by_one(tmp_path, monkeypatch):
    instance = _instance(tmp_path / "home", True, monkeypatch)
    run_id = _run(instance, "2024-01-01", "2024-01-02")
    storage = instance.event_log_storage
    entries = [e for e in instance.all_logs(run_id) if e.is_dagster_event and e.dagster_event_type not in ASSET_CHECK_EVENTS][:3]  # run and step events
    before = len(instance.all_logs(run_id))
    storage.store_event_batch(entries)
    assert [e.dagster_event_type for e in instance.all_logs(run_id)[before:]] == [e.dagster_event_type for e in entries]
