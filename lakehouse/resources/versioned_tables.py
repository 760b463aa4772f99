"""Storage of versioned tables (SCD type 2): version partitions plus one checkpoint of the state.

A versioned table is an ordinary partitioned table (`valid_from=D/`, committed by `_SUCCESS`)
whose output metadata names its key (`lakehouse/versioned`). Beside its partitions it keeps:
- `_versioned.json`: the key and the partition column, for readers outside Spark (`lakehouse sql`);
- `_checkpoint/as_of=C/`: the state as of day C (latest live version per key, as stored), so a
  read of the state as of D opens the checkpoint and the partitions (C, D] instead of every day
  since the first. It is refreshed when a run ends CHECKPOINT_DAYS or more after it, so a daily
  read opens at most that many day folders whatever the length of history; only the newest is
  kept (storage stays ~one table's size beside the versions); a table with less history than that
  has none. A run that rewrites days on or
  before C drops it first (it may no longer be true); the next read then scans from the first
  day once, and that run writes a new one.
"""

from __future__ import annotations

import datetime
import json
from functools import reduce

from dagster import PartitionKeyRange, PartitionsDefinition
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType
from pyspark.sql.utils import is_remote

from lakehouse.resources.storage import Storage, folder_files
from lakehouse.versioning.as_of import latest

VERSIONED = "lakehouse/versioned"  # output metadata: the key columns of a versioned table
VERSIONED_FILE = "_versioned.json"
CHECKPOINT = "_checkpoint"
CHECKPOINT_COLUMN = "as_of"
CHECKPOINT_DAYS = 30
_ANY = ("0000-00-00", "9999-99-99")
_PINNED: list[DataFrame] = []  # Spark Connect checkpoints of this process (see `history`)


class MissingPartitionsError(Exception):
    """An upstream table lacks partitions a run needs."""


class OldLayoutError(Exception):
    """A table folder holds partitions of an earlier layout; it must be rebuilt."""


def compact(keys: list[str]) -> str:
    """Partition keys for a message: one key, or `first...last (N partitions)`."""
    keys = sorted(keys)
    return keys[0] if len(keys) == 1 else f"{keys[0]}...{keys[-1]} ({len(keys)} partitions)"


def require_committed(store: Storage, table: str, column: str, keys: list[str], asset: str, purpose: str) -> list[str]:
    """The committed files of partitions `keys`; fails, naming the days and the command that fills them, unless all are."""
    committed = store.committed_files(table, column, min(keys), max(keys))
    missing = [key for key in keys if key not in committed]
    if missing:
        raise MissingPartitionsError(
            f"{asset} is missing partition(s) {compact(missing)} {purpose}; materialize them first (e.g. "
            f"dagster asset materialize -m lakehouse.definitions --select '{asset}' "
            f"--partition-range {min(missing)}...{max(missing)})"
        )
    return [file for key in keys for file in committed[key]]


def read_files(spark: SparkSession, schema: StructType, table: str, files: list[str]) -> DataFrame:
    """The rows of committed `files` under `table`, in the schema's column order (none: an empty frame)."""
    if not files:
        return spark.createDataFrame([], schema)
    frame = spark.read.schema(schema).option("basePath", table).parquet(*files)
    return frame.select(*schema.fieldNames())  # Spark moves partition columns last


def _day(key: str) -> datetime.date:
    return datetime.date.fromisoformat(key)


def check_layout(store: Storage, table: str, column: str, asset: str) -> None:
    """Fail with what to do when the table's partition folders are not `column=` ones."""
    found = store.partition_columns(table) - {column}
    if not found:
        return
    old = sorted(found)[0]
    days = sorted(store.partition_values(table, old))
    span = f"{days[0]}...{days[-1]}" if days else "<first day>...<last day>"
    raise OldLayoutError(
        f"{asset} at {table} was written by an earlier layout (partition folders `{old}=`, this version "
        f"writes `{column}=`). Move that folder aside (or delete it) together with the tables built from it, "
        f"then rebuild them: dagster asset materialize -m lakehouse.definitions --select '{asset}*' "
        f"--partition-range {span}"
    )


def _checkpoints(store: Storage, table: str, at_most: str) -> list[str]:
    return sorted(store.committed_partitions(store.join(table, CHECKPOINT), CHECKPOINT_COLUMN, _ANY[0], at_most))


def history(
    spark: SparkSession,
    store: Storage,
    table: str,
    column: str,
    schema: StructType,
    partitions_def: PartitionsDefinition,
    up_to: str,
    state_day: str | None,
    asset: str,
) -> DataFrame:
    """The versions a reader needs to know the state on every day from `state_day` to `up_to`.

    That is the newest checkpoint on or before `state_day` plus every partition after it through
    `up_to` (all of them from the first day when there is no checkpoint), all committed.
    `state_day` None: the state before the first day (so no checkpoint can serve).
    """
    check_layout(store, table, column, asset)
    checkpoints = _checkpoints(store, table, state_day) if state_day else []
    first = partitions_def.get_first_partition_key()
    if checkpoints:
        first = (_day(checkpoints[-1]) + datetime.timedelta(days=1)).isoformat()
    frames = []
    if checkpoints:
        state = store.join(table, CHECKPOINT, f"{CHECKPOINT_COLUMN}={checkpoints[-1]}")
        frames.append(read_files(spark, schema, state, folder_files(store, state)))
    if first <= up_to:
        wanted = partitions_def.get_partition_keys_in_range(PartitionKeyRange(first, up_to))
        files = require_committed(store, table, column, wanted, asset, f"needed to know its state as of {state_day or first}")
        frames.append(read_files(spark, schema, table, files))
    if not frames:
        return spark.createDataFrame([], schema)
    union = reduce(DataFrame.unionByName, frames)
    # Materialized once, with its lineage cut: a reader derives many frames from a history (the
    # state on several days, joins), and analysing a scan of a few hundred day folders again for
    # each of them cost more than the work itself (29 s of planning for a year's dimensions, 9 s
    # after). The rows are versions since a checkpoint: small, and read once anyway.
    checkpointed = union.select(*schema.fieldNames()).localCheckpoint()
    if is_remote():
        # A Spark Connect client releases a checkpoint from the frame's __del__, a gRPC call made
        # inside garbage collection, which corrupted the client's heap and aborted runs (SIGABRT
        # in 2 of 9 daily runs on pyspark 4.3). Kept alive instead: the server frees them with the
        # session when the run's process ends.
        _PINNED.append(checkpointed)
    return checkpointed


def before_commit(store: Storage, table: str, first_key: str) -> None:
    """Drop checkpoints the run's days may change (as of its first day or later)."""
    for day in store.committed_partitions(store.join(table, CHECKPOINT), CHECKPOINT_COLUMN, first_key, _ANY[1]):
        store.delete_tree(store.join(table, CHECKPOINT, f"{CHECKPOINT_COLUMN}={day}"))


def after_commit(
    spark: SparkSession,
    store: Storage,
    table: str,
    column: str,
    key: list[str],
    schema: StructType,
    partitions_def: PartitionsDefinition,
    last_key: str,
    staging: str,
    asset: str,
) -> str | None:
    """Write `_versioned.json` and, when due, a checkpoint as of the run's last day; returns its day."""
    store.write_text(store.join(table, VERSIONED_FILE), json.dumps({"key": key, "partition": column}))
    existing = _checkpoints(store, table, _ANY[1])
    since = existing[-1] if existing else partitions_def.get_first_partition_key()
    if (_day(last_key) - _day(since)).days < CHECKPOINT_DAYS:
        return None  # a read opens fewer than CHECKPOINT_DAYS day folders: nothing to save yet
    versions = history(spark, store, table, column, schema, partitions_def, last_key, last_key, asset)
    # Staged at the path it takes in the table, so a sweep after a killed run knows what to tidy.
    staged = store.join(staging, CHECKPOINT, f"{CHECKPOINT_COLUMN}={last_key}")
    try:
        # One file in key order, zstd: a second copy of the state, kept as small as it goes
        # (any Parquet reader, DuckDB included, reads zstd).
        state = latest(versions, key).select(*schema.fieldNames()).coalesce(1).sortWithinPartitions(*key)
        state.write.option("compression", "zstd").parquet(staged)
        store.commit_tree(staged, store.join(table, CHECKPOINT, f"{CHECKPOINT_COLUMN}={last_key}"))
    finally:
        store.delete_tree(staged)
    for day in existing:
        if day != last_key:
            store.delete_tree(store.join(table, CHECKPOINT, f"{CHECKPOINT_COLUMN}={day}"))
    return last_key
