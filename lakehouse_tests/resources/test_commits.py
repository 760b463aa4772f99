"""Commits a reader can trust: markers list a folder's files, killed commits are read around and tidied."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from lakehouse.cli.layout import discover
from lakehouse.resources import staging
from lakehouse.resources.storage import MARKER, LocalStorage, readable
from lakehouse_tests.conftest import REPO, TEST_BUCKET, TEST_KEY, materialize_range
from lakehouse_tests.resources.test_parquet_io_manager import (
    D1,
    D3,
    EVENTS,
    SCHEMA,
    copy_asset,
    events_asset,
    local_io,  # noqa: F401 (fixtures)
    resources,
    rows,
    s3_io,  # noqa: F401
    table_rows,
)

OLD = "part-00000-11111111-1111-1111-1111-111111111111-c000.snappy.parquet"
NEW = "part-00000-22222222-2222-2222-2222-222222222222-c000.snappy.parquet"
DAY = "day=2020-01-01"

# A write killed by SIGKILL at a chosen point of its commit (boto3 and the storage code only, no Spark).
KILLED_COMMIT = """
import os, signal, sys
import boto3
from lakehouse.resources import staging
from lakehouse.resources.storage import LocalStorage, S3Storage

kind, base, prepared, table, point, endpoint, key = sys.argv[1:]
if kind == "s3":
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key, aws_secret_access_key=key)
    store = S3Storage(client, base.split("/")[2])
else:
    store = LocalStorage()
staged = staging.new_folder(store, base, ["silver", "t", "events"])
store.replace_tree(prepared, store.join(staged, "day=2020-01-01"))
die = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
if point == "before_commit":
    die()
if point == "before_marker":
    store.write_text = die  # the commit's marker PUT
else:
    store._delete_others = die  # the commit's deletion of the old files
store.commit_tree(store.join(staged, "day=2020-01-01"), store.join(table, "day=2020-01-01"))
"""


def test_readable_reads_the_marker_only_when_a_folder_holds_two_writes():
    def unread():
        raise AssertionError("the marker was read")

    assert readable([MARKER, OLD, f".{OLD}.crc", "_schema.json"], unread) == [OLD]
    assert readable([MARKER], unread) == []
    listed = json.dumps({"files": [NEW]})
    assert readable([MARKER, OLD, NEW], lambda: listed) == [NEW]
    assert readable([MARKER, OLD, NEW], lambda: "") == [OLD, NEW]  # an earlier version's empty marker


def test_local_commit_lists_the_folders_files(tmp_path):
    staged, table = tmp_path / "staged", tmp_path / "table" / DAY
    staged.mkdir()
    (staged / NEW).write_text("new")
    (staged / f".{NEW}.crc").write_text("")
    LocalStorage().commit_tree(str(staged), str(table))
    assert json.loads((table / MARKER).read_text()) == {"files": [NEW]}
    assert sorted(os.listdir(table)) == [f".{NEW}.crc", MARKER, NEW]


def test_staging_owners_dead_live_and_stale():
    live = staging.owner_name()
    assert not staging.is_abandoned(live)
    host, pid, start, created, suffix = live.split("~")
    assert pid == str(os.getpid()) and start != ""
    assert staging.is_abandoned("~".join([host, pid, str(int(start) + 1), created, suffix]))  # pid reused
    other = "~".join(["another-host", "1", "5", str(int(time.time())), suffix])
    assert not staging.is_abandoned(other)  # another machine's write: not ours to judge yet
    assert staging.is_abandoned(other, now=time.time() + staging.STALE_AFTER + 1)
    assert staging.is_abandoned("0123456789abcdef0123456789abcdef")  # an earlier version's folder


def _killed(kind, base, prepared, table, point, endpoint="", key=""):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", KILLED_COMMIT, kind, base, prepared, table, point, endpoint, key],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr


def _prepare(spark, uri, label):
    """A second write's staged files for day 1, as Spark writes them."""
    frame = spark.createDataFrame(rows([D1], label), SCHEMA)
    frame.coalesce(1).write.partitionBy("day").parquet(uri)
    return f"{uri}/{DAY}"


@pytest.mark.parametrize("point", ["before_marker", "after_marker"])
def test_s3_commit_killed_between_phases(spark, spark_resource, s3_io, point):
    res = resources(s3_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-01").success
    table, base = s3_io.table_uri(EVENTS), s3_io.base_uri()
    prepared = _prepare(spark, f"{base}/_prepared", "v2")
    _killed("s3", base, prepared, table, point, s3_io.s3.endpoint_url, TEST_KEY)

    client = boto3.client("s3", endpoint_url=s3_io.s3.endpoint_url, region_name="us-east-1",
                          aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_KEY)  # fmt: skip

    def listing(prefix):
        found = client.list_objects_v2(Bucket=TEST_BUCKET, Prefix=f"{s3_io.s3_prefix}/{prefix}").get("Contents", [])
        return sorted(item["Key"][len(s3_io.s3_prefix) + 1 :] for item in found)

    day_files = [k for k in listing(f"silver/t/events/{DAY}/") if k.endswith(".parquet")]
    assert len(day_files) == 2  # the old write's file and the new one side by side
    assert len(listing("_staging/silver/t/events/")) == 1  # the killed write's staged day
    committed = "v1" if point == "before_marker" else "v2"
    # A foreign reader of the folder sees both writes until the next write tidies it ...
    assert table_rows(spark, s3_io) == sorted(rows([D1], "v1") + rows([D1], "v2"))
    # ... ours read the files the marker lists: the IO manager, and lakehouse sql's discovery.
    captured = {}
    copy = [events_asset("unused"), copy_asset(captured)]
    assert materialize_range(copy, res, "2020-01-01", "2020-01-01", selection=["gold/t/copy"]).success
    assert captured["rows"] == rows([D1], committed)
    paths = listing("silver/")

    def read_text(path):
        return client.get_object(Bucket=TEST_BUCKET, Key=f"{s3_io.s3_prefix}/{path}")["Body"].read().decode()

    tables, _ = discover(paths, read_text)
    (events,) = [t for t in tables if t.name == "events"]
    assert len(events.files) == 1 and events.partitions == 1

    # The next write of the table, another day, removes what the killed one left.
    assert materialize_range([events_asset("v3")], res, "2020-01-03", "2020-01-03").success
    assert [k for k in listing(f"silver/t/events/{DAY}/") if k.endswith(".parquet")] == [events.files[0]]
    assert listing("_staging/silver/t/events/") == []
    assert table_rows(spark, s3_io) == rows([D1], committed) + rows([D3], "v3")


def test_local_killed_write_is_swept_by_the_next_write(spark, spark_resource, local_io, tmp_path):
    res = resources(local_io, spark_resource)
    assert materialize_range([events_asset("v1")], res, "2020-01-01", "2020-01-01").success
    base, table = local_io.base_uri(), local_io.table_uri(EVENTS)
    prepared = _prepare(spark, str(tmp_path / "prepared"), "v2")
    _killed("local", base, prepared, table, "before_commit")
    root = Path(base, "_staging", *EVENTS)
    (killed,) = os.listdir(root)
    live = root / staging.owner_name()  # a write in progress in a live process: never swept
    (live / DAY).mkdir(parents=True)

    assert materialize_range([events_asset("v3")], res, "2020-01-03", "2020-01-03").success
    assert sorted(os.listdir(root)) == [live.name]
    assert killed not in os.listdir(root)
    assert table_rows(spark, local_io) == rows([D1], "v1") + rows([D3], "v3")
    assert socket.gethostname() in live.name
