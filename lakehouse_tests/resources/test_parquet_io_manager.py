"""The Parquet IO managers through real Dagster runs: layout, range writes and reads, failures."""


import json
import os
import uuid
from datetime import date, timedelta

import boto3
import duckdb
import pytest
from dagster import (
    AssetExecutionContext,
    AssetIn,
    BackfillPolicy,
    DailyPartitionsDefinition,
    asset,
)
from dagster_aws.s3 import S3Resource
from pyspark.sql import functions as F

from lakehouse.partitions import previous_state
from lakehouse.resources.parquet_io_manager import (
    PARTITION_EXPR,
    LocalParquetIOManager,
    S3ParquetIOManager,
)
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.storage import LocalStorage
from lakehouse_tests.conftest import TEST_BUCKET, TEST_KEY, materialize_range

DAYS = DailyPartitionsDefinition(start_date="2020-01-01")
EVENTS = ["silver", "t", "events"]
SCHEMA = "day date, id int, label string"


def _days(context: AssetExecutionContext) -> list[date]:
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    return [start + timedelta(days=i) for i in range((end - start).days)]


def events_asset(label: str, skip_days=(), fail_on_id: int | None = None, extra_day: date | None = None):
    """Two rows per day (ids day*10+1, +2) labelled `label`; optional faults."""

    @asset(
        key=EVENTS,
        partitions_def=DAYS,
        metadata={PARTITION_EXPR: "day"},
        backfill_policy=BackfillPolicy.single_run(),
    )
    def events(context: AssetExecutionContext, spark: SparkResource):
        days = [d for d in _days(context) if d not in skip_days] + ([extra_day] if extra_day else [])
        rows = [(d, d.day * 10 + i, label) for d in days for i in (1, 2)]
        frame = spark.spark_session.createDataFrame(rows, SCHEMA)
        if fail_on_id is not None:  # fails inside a Spark task, midway through the write
            frame = frame.withColumn(
                "label",
                F.when(F.col("id") == fail_on_id, F.raise_error(F.lit("injected failure"))).otherwise(
                    F.col("label")
                ),
            )
        return frame

    return events


def copy_asset(captured: dict):
    """Downstream of events, same partitions: records what it was given."""

    @asset(
        key=["gold", "t", "copy"],
        ins={"events": AssetIn(key=EVENTS)},
        partitions_def=DAYS,
        metadata={PARTITION_EXPR: "day"},
        backfill_policy=BackfillPolicy.single_run(),
    )
    def copy(events):
        captured["rows"] = sorted(tuple(r) for r in events.select("day", "id", "label").collect())
        captured["columns"] = events.columns
        return events

    return copy


@pytest.fixture
def local_io(tmp_path, spark_resource):
    return LocalParquetIOManager(base_path=str(tmp_path / "warehouse"), spark=spark_resource)


@pytest.fixture
def s3_io(spark_resource, s3_endpoint):
    s3 = S3Resource(
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=TEST_KEY,
        aws_secret_access_key=TEST_KEY,
    )
    return S3ParquetIOManager(
        spark=spark_resource, s3=s3, s3_bucket=TEST_BUCKET, s3_prefix=f"t-{uuid.uuid4().hex[:8]}"
    )


def resources(io_manager, spark_resource):
    return {"io_manager": io_manager, "spark": spark_resource}


def table_rows(spark, io_manager, key=EVENTS):
    path = io_manager.table_uri(key)
    return sorted(tuple(r) for r in spark.read.parquet(path).select("day", "id", "label").collect())


def rows(days: list[date], label: str):
    return [(d, d.day * 10 + i, label) for d in days for i in (1, 2)]


D1, D2, D3, D4, D5 = (date(2020, 1, n) for n in range(1, 6))


def test_layout_metadata_and_empty_partition(spark, spark_resource, local_io, tmp_path):
    result = materialize_range(
        [events_asset("v1", skip_days=[D2])], resources(local_io, spark_resource), "2020-01-01", "2020-01-03"
    )
    assert result.success
    table = tmp_path / "warehouse" / "silver" / "t" / "events"
    assert sorted(os.listdir(table)) == ["_schema.json", "day=2020-01-01", "day=2020-01-02", "day=2020-01-03"]
    assert os.listdir(table / "day=2020-01-02") == ["_SUCCESS"]  # empty day, but committed
    assert any(f.endswith(".parquet") for f in os.listdir(table / "day=2020-01-01"))
    assert [f for _, _, files in os.walk(tmp_path / "warehouse" / "_staging") for f in files] == []
    assert json.loads((table / "_schema.json").read_text())["fields"][1]["name"] == "id"

    events = result.get_asset_materialization_events()
    assert sorted(e.materialization.partition for e in events) == ["2020-01-01", "2020-01-02", "2020-01-03"]
    counts = {e.materialization.partition: e.materialization.metadata["dagster/row_count"].value for e in events}
    assert counts == {"2020-01-01": 2, "2020-01-02": 0, "2020-01-03": 2}  # each day its own rows
    metadata = events[0].materialization.metadata
    assert "run_rows" not in metadata and "preview" not in metadata
    assert metadata["partitions_written"].value == 3
    assert metadata["empty_partitions"].value == 1
    assert metadata["partition_range"].value == "2020-01-01...2020-01-03"
    assert metadata["dagster/uri"].value == str(table)
    assert [c.name for c in metadata["dagster/column_schema"].value.columns] == ["day", "id", "label"]

    # Any Parquet reader sees the Hive layout: DuckDB, no Spark.
    found = duckdb.sql(
        f"select day, id, label from read_parquet('{table}/*/*.parquet', hive_partitioning=true) order by id"
    ).fetchall()
    assert found == [(D1, 11, "v1"), (D1, 12, "v1"), (D3, 31, "v1"), (D3, 32, "v1")]


def test_range_write_replaces_exactly_its_partitions(spark, spark_resource, local_io):
    res = resources(local_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-03").success
    day = materialize_range([events_asset("v2")], res, "2020-01-02", "2020-01-02")
    assert day.success
    metadata = day.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["dagster/row_count"].value == 2  # a single day: its own count, and a preview
    assert metadata["preview"].value.splitlines()[2] == "| 2020-01-02 | 21 | v2 |"
    assert table_rows(spark, local_io) == rows([D1], "v1") + rows([D2], "v2") + rows([D3], "v1")
    # Re-running the same partition gives the same rows, not twice the rows.
    assert materialize_range([events_asset("v2")], res, "2020-01-02", "2020-01-02").success
    assert table_rows(spark, local_io) == rows([D1], "v1") + rows([D2], "v2") + rows([D3], "v1")


def test_range_read_loads_exactly_the_runs_partitions(spark, spark_resource, local_io):
    res = resources(local_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-04").success
    captured = {}
    result = materialize_range(
        [events_asset("v1"), copy_asset(captured)], res, "2020-01-02", "2020-01-03",
        selection=["gold/t/copy"],
    )
    assert result.success
    assert captured["rows"] == rows([D2, D3], "v1")
    assert captured["columns"] == ["day", "id", "label"]  # the written column order, not Spark's


def test_missing_upstream_partition_names_asset_and_partitions(spark_resource, local_io):
    res = resources(local_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-02").success
    result = materialize_range(
        [events_asset("v1"), copy_asset({})], res, "2020-01-02", "2020-01-04",
        selection=["gold/t/copy"], raise_on_error=False,
    )
    assert not result.success
    message = str(result.failure_data_for_node("gold__t__copy").error.cause)
    assert "silver/t/events is missing partition(s) 2020-01-03...2020-01-04 (2 partitions)" in message
    assert "--partition-range 2020-01-03...2020-01-04" in message


def test_failed_write_keeps_previous_data(spark, spark_resource, local_io, tmp_path):
    res = resources(local_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-02").success
    failing = events_asset("v2", fail_on_id=22)  # a task dies midway through 2020-01-02
    result = materialize_range([failing], res, "2020-01-01", "2020-01-02", raise_on_error=False)
    assert not result.success
    assert "injected failure" in str(result.failure_data_for_node("silver__t__events").error)
    assert table_rows(spark, local_io) == rows([D1, D2], "v1")
    assert [f for _, _, files in os.walk(tmp_path / "warehouse" / "_staging") for f in files] == []


def test_rows_outside_the_run_fail_and_touch_nothing(spark, spark_resource, local_io):
    res = resources(local_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-03").success
    stray = events_asset("v2", extra_day=D3)  # writes 2020-01-03 rows in a 2020-01-01 run
    result = materialize_range([stray], res, "2020-01-01", "2020-01-01", raise_on_error=False)
    assert not result.success
    assert "outside this run (2020-01-01...2020-01-01): ['2020-01-03']" in str(
        result.failure_data_for_node("silver__t__events").error
    )
    assert table_rows(spark, local_io) == rows([D1, D2, D3], "v1")


def test_unpartitioned_table_round_trip_and_overwrite(spark, spark_resource, local_io):
    @asset(key=["bronze", "t", "flat"])
    def flat(spark: SparkResource):
        return spark.spark_session.createDataFrame([(1, "a"), (2, "b")], "id int, v string")

    @asset(key=["gold", "t", "flat_copy"], ins={"flat": AssetIn(key=["bronze", "t", "flat"])})
    def flat_copy(flat):
        return flat.filter("id = 2")

    res = resources(local_io, spark_resource)
    from dagster import materialize

    assert materialize([flat, flat_copy], resources=res).success
    assert materialize([flat, flat_copy], resources=res).success  # overwrite, not append
    read = lambda key: sorted(tuple(r) for r in spark.read.parquet(local_io.table_uri(key)).collect())  # noqa: E731
    assert read(["bronze", "t", "flat"]) == [(1, "a"), (2, "b")]
    assert read(["gold", "t", "flat_copy"]) == [(2, "b")]


def running_total_asset():
    """Self-dependent: each day's `total` = previous day's total + 1 (the pattern of a snapshot)."""

    @asset(
        key=["gold", "t", "totals"],
        ins={"previous": previous_state(["gold", "t", "totals"])},
        partitions_def=DAYS,
        metadata={PARTITION_EXPR: "day"},
        backfill_policy=BackfillPolicy.single_run(),
    )
    def totals(context: AssetExecutionContext, spark: SparkResource, previous):
        base = 0 if previous is None else previous.first()["total"]
        days = _days(context)
        data = [(d, base + i + 1) for i, d in enumerate(days)]
        return spark.spark_session.createDataFrame(data, "day date, total int")

    return totals


def test_previous_state_reads_only_the_day_before_the_run(spark, spark_resource, local_io):
    res = resources(local_io, spark_resource)
    totals = running_total_asset()
    assert materialize_range([totals], res, "2020-01-01", "2020-01-03").success  # no day before
    assert materialize_range([totals], res, "2020-01-04", "2020-01-05").success
    assert materialize_range([totals], res, "2020-01-02", "2020-01-03").success  # re-run mid-history
    table = local_io.table_uri(["gold", "t", "totals"])
    found = sorted(tuple(r) for r in spark.read.parquet(table).select("day", "total").collect())
    assert found == [(D1, 1), (D2, 2), (D3, 3), (D4, 4), (D5, 5)]

    result = materialize_range([totals], res, "2020-01-08", "2020-01-08", raise_on_error=False)
    assert not result.success
    assert "gold/t/totals is missing partition(s) 2020-01-07" in str(
        result.failure_data_for_node("gold__t__totals").error.cause
    )


def test_local_replace_tree_swaps_whole_folders(tmp_path):
    old, new = tmp_path / "table" / "p", tmp_path / "staged" / "p"
    old.mkdir(parents=True)
    new.mkdir(parents=True)
    (old / "a.parquet").write_text("old")
    (new / "b.parquet").write_text("new")
    LocalStorage().replace_tree(str(new), str(old))
    assert os.listdir(old) == ["b.parquet"]
    assert not new.exists()
    assert os.listdir(tmp_path / "table") == ["p"]  # nothing left beside it


def test_s3_range_write_read_and_failed_write(spark, spark_resource, s3_io):
    res = resources(s3_io, spark_resource)
    assert materialize_range([events_asset("v1", skip_days=[D2])], res, "2020-01-01", "2020-01-03").success
    assert materialize_range([events_asset("v2")], res, "2020-01-02", "2020-01-02").success
    table = s3_io.table_uri(EVENTS)
    assert table.startswith(f"s3a://{TEST_BUCKET}/t-")
    assert table_rows(spark, s3_io) == rows([D1], "v1") + rows([D2], "v2") + rows([D3], "v1")

    client = boto3.client(
        "s3", endpoint_url=s3_io.s3.endpoint_url, region_name="us-east-1",
        aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_KEY,
    )
    prefix = f"{s3_io.s3_prefix}/silver/t/events/"
    keys = [o["Key"][len(prefix):] for o in client.list_objects_v2(Bucket=TEST_BUCKET, Prefix=prefix)["Contents"]]
    assert {k for k in keys if k.endswith("_SUCCESS")} == {f"day=2020-01-0{d}/_SUCCESS" for d in (1, 2, 3)}
    assert "_schema.json" in keys

    failing = events_asset("v3", fail_on_id=12)
    result = materialize_range([failing], res, "2020-01-01", "2020-01-02", raise_on_error=False)
    assert not result.success
    assert table_rows(spark, s3_io) == rows([D1], "v1") + rows([D2], "v2") + rows([D3], "v1")

    captured = {}
    result = materialize_range(
        [events_asset("v1"), copy_asset(captured)], res, "2020-01-02", "2020-01-03", selection=["gold/t/copy"]
    )
    assert result.success
    assert captured["rows"] == rows([D2], "v2") + rows([D3], "v1")
