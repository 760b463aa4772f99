"""Versioned tables through the IO managers: version partitions, `_versioned.json`, the checkpoint of
the state (written when due, dropped when a run rewrites days before it), history reads that open
the checkpoint plus the days after it, and a table of an earlier layout refused with what to do."""

import json
import os
from datetime import date, timedelta

from dagster import AssetExecutionContext, AssetIn, BackfillPolicy, DailyPartitionsDefinition, asset

from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.resources.spark import SparkResource
from lakehouse.versioning.as_of import latest
from lakehouse_tests.conftest import materialize_range
from lakehouse_tests.resources.test_parquet_io_manager import local_io, resources, s3_io  # noqa: F401

DAYS = DailyPartitionsDefinition(start_date="2020-01-01")
STATE = ["silver", "t", "state"]
DDL = "id int, name string, valid_from_ts timestamp, version_in_day int, is_deleted boolean, valid_from date"


def day(n: int) -> date:
    return date(2020, 1, 1) + timedelta(days=n - 1)


# Day number -> versions (id, name, is_deleted) that begin that day.
CHANGES = {1: [(1, "a", False), (2, "b", False)], 3: [(1, "a2", False)], 10: [(2, "b", True)],
           35: [(3, "c", False)], 41: [(1, "a3", False)]}  # fmt: skip


def expected_state(n: int) -> list[tuple[int, str]]:
    state = {}
    for d in sorted(k for k in CHANGES if k <= n):
        for i, name, deleted in CHANGES[d]:
            state.pop(i, None) if deleted else state.__setitem__(i, name)
    return sorted(state.items())


def _run_days(context: AssetExecutionContext) -> list[int]:
    window = context.partition_time_window
    first = (window.start.date() - day(1)).days + 1
    return list(range(first, first + (window.end.date() - window.start.date()).days))


@asset(key=STATE, partitions_def=DAYS, backfill_policy=BackfillPolicy.single_run(),
       metadata={PARTITION_EXPR: "valid_from", VERSIONED: ["id"]})  # fmt: skip
def state(context: AssetExecutionContext, spark: SparkResource):
    """Hand-made versions for the run's days."""
    rows = [(i, name, None, 0, deleted, day(d)) for d in _run_days(context) for i, name, deleted in CHANGES.get(d, [])]
    return spark.spark_session.createDataFrame(rows, DDL)


def reader(captured: dict):
    @asset(key=["gold", "t", "reader"], ins={"history": AssetIn(key=STATE)}, partitions_def=DAYS,
           backfill_policy=BackfillPolicy.single_run(), metadata={PARTITION_EXPR: "day"})  # fmt: skip
    def _reader(context: AssetExecutionContext, history):
        """The state as of each run day, as read from the loaded history."""
        captured["history_days"] = sorted({r.valid_from for r in history.select("valid_from").collect()})
        captured["states"] = {
            d: sorted((r.id, r.name) for r in latest(history, ["id"], day(d)).collect()) for d in _run_days(context)
        }
        return history.sparkSession.createDataFrame([], "n int, day date")

    return _reader


def checkpoints(io_manager) -> list[str]:
    folder = os.path.join(io_manager.table_uri(STATE), "_checkpoint")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_checkpoint_bounds_what_a_read_opens(spark, spark_resource, local_io):  # noqa: F811
    res, captured = resources(local_io, spark_resource), {}
    assert materialize_range([state], res, "2020-01-01", "2020-01-20").success
    assert checkpoints(local_io) == []  # 19 days of history: nothing worth a checkpoint yet
    assert materialize_range([state], res, "2020-01-21", "2020-02-09").success
    assert checkpoints(local_io) == ["as_of=2020-02-09"]  # 39 days since the first one
    table = local_io.table_uri(STATE)
    assert json.loads(open(os.path.join(table, "_versioned.json")).read()) == {"key": ["id"], "partition": "valid_from"}
    cp = spark.read.parquet(os.path.join(table, "_checkpoint", "as_of=2020-02-09"))
    assert sorted((r.id, r.name, r.valid_from) for r in cp.collect()) == [(1, "a2", day(3)), (3, "c", day(35))]

    assert materialize_range([state], res, "2020-02-10", "2020-02-11").success
    assert materialize_range([state, reader(captured)], res, "2020-02-10", "2020-02-11", selection=["gold/t/reader"]).success
    # The checkpoint's rows keep their own valid_from; then only the two days after it are read
    # (day 42 has no version: an empty day).
    assert captured["history_days"] == [day(3), day(35), day(41)]
    assert captured["states"] == {41: expected_state(41), 42: expected_state(42)}
    assert expected_state(41) == [(1, "a3"), (3, "c")]


def test_rewriting_days_before_the_checkpoint_drops_it(spark, spark_resource, local_io):  # noqa: F811
    res, captured = resources(local_io, spark_resource), {}
    assert materialize_range([state], res, "2020-01-01", "2020-02-11").success
    assert checkpoints(local_io) == ["as_of=2020-02-11"]
    assert materialize_range([state], res, "2020-01-05", "2020-01-05").success
    assert checkpoints(local_io) == []  # it may not hold any more; 4 days since the first: none due
    assert materialize_range([state, reader(captured)], res, "2020-01-09", "2020-02-11", selection=["gold/t/reader"]).success
    assert captured["states"][9] == expected_state(9) == [(1, "a2"), (2, "b")]
    assert captured["states"][10] == [(1, "a2")]
    assert captured["states"][42] == expected_state(42)
    assert materialize_range([state], res, "2020-02-12", "2020-02-12").success
    assert checkpoints(local_io) == ["as_of=2020-02-12"]


def test_missing_history_is_named(spark_resource, local_io):  # noqa: F811
    res = resources(local_io, spark_resource)
    assert materialize_range([state], res, "2020-01-01", "2020-01-02").success
    assert materialize_range([state], res, "2020-01-05", "2020-01-05").success
    result = materialize_range([state, reader({})], res, "2020-01-05", "2020-01-05", selection=["gold/t/reader"],
                               raise_on_error=False)  # fmt: skip
    assert not result.success
    message = str(result.failure_data_for_node("gold__t__reader").error.cause)
    assert "silver/t/state is missing partition(s) 2020-01-03...2020-01-04 (2 partitions)" in message


def test_a_table_of_an_earlier_layout_is_refused_with_what_to_do(spark_resource, local_io):  # noqa: F811
    old = os.path.join(local_io.table_uri(STATE), "snapshot_date=2020-01-01")
    os.makedirs(old)
    open(os.path.join(old, "_SUCCESS"), "w").close()
    result = materialize_range([state], resources(local_io, spark_resource), "2020-01-01", "2020-01-02", raise_on_error=False)
    assert not result.success
    message = str(result.failure_data_for_node("silver__t__state").error.cause)
    assert "silver/t/state at " in message and "(partition folders `snapshot_date=`, this version writes `valid_from=`)" in message
    assert "--select 'silver/t/state*' --partition-range 2020-01-01...2020-01-01" in message


def test_s3_versions_checkpoint_and_history(spark, spark_resource, s3_io):  # noqa: F811
    res, captured = resources(s3_io, spark_resource), {}
    assert materialize_range([state], res, "2020-01-01", "2020-02-09").success
    assert materialize_range([state], res, "2020-02-10", "2020-02-11").success
    assert materialize_range([state, reader(captured)], res, "2020-02-10", "2020-02-11", selection=["gold/t/reader"]).success
    assert captured["history_days"] == [day(3), day(35), day(41)]
    assert captured["states"] == {41: expected_state(41), 42: expected_state(42)}
    store, table = s3_io.storage(), s3_io.table_uri(STATE)
    assert store.committed_partitions(store.join(table, "_checkpoint"), "as_of", "0", "9") == {"2020-02-09"}
    assert json.loads(store.read_text(store.join(table, "_versioned.json")))["key"] == ["id"]
