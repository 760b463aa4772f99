"""Parquet IO managers: Spark DataFrames persisted as Hive-partitioned Parquet tables.

Layout: `<base>/<layer>/<domain>/<table>/<partition_expr>=<key>/part-*.parquet`, readable by any
Parquet reader. A write goes to `<base>/_staging/...` first and each partition of the run's range
is then committed in place, so a failed write never touches committed data and a range write
replaces exactly its own partitions. A partition is committed when its `_SUCCESS` marker exists,
which also tells an empty day apart from one never materialized; the marker lists the day's
files, and every read here goes through that list (`storage.readable`). Each write first sweeps
what killed runs left of the same table (`staging.sweep`).

A versioned table (output metadata `lakehouse/versioned` = its key; see `versioned_tables`) is
written the same way and also keeps a checkpoint of its state; a downstream input of it loads its
history (the checkpoint before the run plus the partitions since), from which `versioning.as_of`
reads the state on any day of the run.
"""

import functools
import json
import uuid
from pathlib import Path

import pyarrow.parquet as pq

from dagster import (
    ConfigurableIOManager,
    InputContext,
    MetadataValue,
    OutputContext,
    TableColumn,
    TableSchema,
)
from dagster_aws.s3 import S3Resource
from pyspark.sql import DataFrame, Observation
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.quality import audit
from lakehouse.quality.audit import AuditReport
from lakehouse.quality.rules import Rule
from lakehouse.resources import audited_writes, staging, versioned_tables
from lakehouse.resources.spark import SparkResource
from lakehouse.resources.storage import LocalStorage, S3Storage, Storage, folder_files
from lakehouse.resources.versioned_tables import CHECKPOINT, VERSIONED, MissingPartitionsError, read_files

SCHEMA_FILE = "_schema.json"
PARTITION_EXPR = "partition_expr"  # asset metadata: the column that holds the partition key
SUBPARTITIONS = "lakehouse/subpartitions"  # asset metadata: columns that split each partition into folders
LOAD_MODE = "lakehouse/load"  # input metadata; "previous" = the partition just before the run
COMMITTED = "committed"  # a LOAD_MODE: the upstream partitions committed so far, missing ones skipped
PREVIEW_ROWS = 5


__all__ = ["COMMITTED", "LOAD_MODE", "SUBPARTITIONS", "PARTITION_EXPR", "VERSIONED", "MissingPartitionsError", "ParquetIOManager"]


def _counting(frame: DataFrame, counter: Observation) -> DataFrame:
    """`frame`, counting its rows into `counter` as it is written."""
    # On Spark Connect, observe() first asks the server whether the frame is a stream: one more
    # analysis of the whole plan, 0.1-0.2 s on silver's deepest plans (~5 s of a rainforest day).
    # A frame written with `.write` is never a stream, so the client is told the answer. (Classic
    # pyspark asks its JVM for free; there `isStreaming` is a plain property and is left alone.)
    if isinstance(getattr(type(frame), "isStreaming", None), functools.cached_property):
        frame.__dict__["isStreaming"] = False
    return frame.observe(counter, F.count(F.lit(1)).alias("rows"))


class ParquetIOManager(ConfigurableIOManager):
    """Base: table paths, staged range writes and pruned range reads; subclasses pick the storage."""

    spark: SparkResource

    # -- what subclasses provide -------------------------------------------------------------
    def base_uri(self) -> str:
        raise NotImplementedError

    def storage(self) -> Storage:
        raise NotImplementedError

    # -- paths -------------------------------------------------------------------------------
    def table_uri(self, asset_key_path: list[str]) -> str:
        return self.storage().join(self.base_uri(), *asset_key_path)


    # -- writes ------------------------------------------------------------------------------
    def handle_output(self, context: OutputContext, obj: DataFrame | None) -> None:
        if obj is None:
            return
        store, path = self.storage(), context.asset_key.path
        table = self.table_uri(path)
        swept = staging.sweep(store, self.base_uri(), path, table, nested=[CHECKPOINT])
        if swept:
            context.log.info(f"Removed {len(swept)} staging folder(s) that killed runs left: {swept}")
        staged = staging.new_folder(store, self.base_uri(), path)
        # Counted while writing, so the metadata costs no second pass over the data.
        counter = Observation(f"rows-{uuid.uuid4().hex}")
        try:
            if context.has_asset_partitions:
                column = self._partition_column(context.definition_metadata, context.asset_key)
                keys = list(context.asset_partition_keys)
                versioned = context.definition_metadata.get(VERSIONED)
                asset = context.asset_key.to_user_string()
                versioned_tables.check_layout(store, table, column, asset)
                if len(keys) == 1:
                    # One day is one file: no shuffle to split rows by day (a Spark stage, ~0.2 s
                    # of every asset in a daily run).
                    ordered = obj.coalesce(1)
                else:
                    # An explicit task count keeps adaptive execution from folding a many-day range
                    # into one writer task; sorting lets each task write one day's file at a time.
                    tasks = int(obj.sparkSession.conf.get("spark.sql.shuffle.partitions"))
                    ordered = obj.repartition(tasks, column).sortWithinPartitions(column)
                # Sub-partitions only split a partition's files into folders (`<column>=<key>/store_id=1/`):
                # the partition is still committed, replaced and read as one.
                subpartitions = list(context.definition_metadata.get(SUBPARTITIONS) or [])
                writer = _counting(ordered, counter).write.mode("overwrite")
                writer.partitionBy(column, *subpartitions).parquet(staged)
                written = store.partition_values(staged, column)
                stray = sorted(written - set(keys))
                if stray:
                    raise ValueError(
                        f"{context.asset_key.to_user_string()} produced rows for partitions outside "
                        f"this run ({keys[0]}...{keys[-1]}): {stray[:10]}; check the `{column}` column"
                    )
                frame, report = None, None
                if len(keys) > 1 or audit.rules_for(path):
                    # Judged and counted as staged: what the checks pass is exactly what is published.
                    frame = audited_writes.staged_frame(self.spark.spark_session, store, staged, obj.schema)
                    report = audited_writes.judge(frame, path, column, keys, asset, context.run_id, bool(versioned))
                    if len(keys) > 1:  # before publishing: the frame reads the staged files
                        self._rows_per_day(context, frame, column, keys)
                held = set(report.held_back) if report else set()
                published = [key for key in keys if key not in held]
                if versioned:
                    versioned_tables.before_commit(store, table, keys[0])
                for key in published:
                    partition = f"{column}={key}"
                    store.commit_tree(store.join(staged, partition), store.join(table, partition))
                if report:
                    audited_writes.keep(store, table, staged, report)
                store.write_text(store.join(table, SCHEMA_FILE), obj.schema.json())
                metadata = {
                    "partitions_written": len(published),
                    "partition_range": f"{keys[0]}...{keys[-1]}",
                    "empty_partitions": len(set(published) - written),
                }
                if held:
                    metadata["held_back_partitions"] = MetadataValue.json(sorted(held))
                    metadata["audit_path"] = MetadataValue.path(report.audit_path)
                if versioned and published:
                    checkpoint = versioned_tables.after_commit(
                        self.spark.spark_session, store, table, column, list(versioned), obj.schema,
                        context.asset_partitions_def, published[-1], staged, asset,
                    )  # fmt: skip
                    metadata["checkpoint"] = checkpoint or "kept"
            else:
                _counting(obj, counter).write.mode("overwrite").parquet(staged)
                store.write_text(store.join(staged, SCHEMA_FILE), obj.schema.json())
                store.commit_tree(staged, table)
                metadata = {}
        finally:
            store.delete_tree(staged)
        metadata["dagster/uri"] = MetadataValue.path(table)
        metadata["dagster/column_schema"] = TableSchema(
            columns=[TableColumn(f.name, f.dataType.simpleString()) for f in obj.schema.fields]
        )
        # Dagster copies a range run's metadata onto every day's materialization event: a
        # preview per day would only bloat thousands of events, so single-day runs (the daily
        # schedule) get one; a range run's days get their own row counts (_rows_per_day).
        if not context.has_asset_partitions or len(context.asset_partition_keys) == 1:
            metadata["dagster/row_count"] = counter.get["rows"]
            if metadata.get("partitions_written", 1) == 1:
                metadata["preview"] = MetadataValue.md(self._preview(context, obj.schema))
        context.add_output_metadata(metadata)

    @staticmethod
    def _rows_per_day(context: OutputContext, frame: DataFrame, column: str, keys: list[str]) -> None:
        """Each day's own row count on its materialization event (one small aggregation of the staged rows)."""
        counts = audited_writes.rows_by_day(frame, column)
        for key in keys:
            context.step_context.add_asset_metadata(
                {"dagster/row_count": counts.get(key, 0)}, asset_key=context.asset_key, partition_key=key
            )

    # -- audits ------------------------------------------------------------------------------
    def audit_report(self, asset_key_path: list[str], run_id: str) -> AuditReport | None:
        """The verdicts a run's write of the table recorded (None: this run did not write it)."""
        return audited_writes.read_report(self.storage(), self.table_uri(asset_key_path), run_id)

    def judge_committed(self, asset_key_path: list[str], keys: list[str], rule: Rule) -> dict:
        """`rule` on the committed partitions `keys` (all of an unpartitioned table: key None)."""
        store, table = self.storage(), self.table_uri(asset_key_path)
        schema_json = store.read_text(store.join(table, SCHEMA_FILE))
        if schema_json is None:
            return {key: rule.empty() for key in keys or [None]}
        spark, schema = self.spark.spark_session, StructType.fromJson(json.loads(schema_json))
        if not keys:
            return {None: rule(read_files(spark, schema, table, folder_files(store, table)))}
        (column,) = store.partition_columns(table) or {None}
        committed = store.committed_files(table, column, min(keys), max(keys)) if column else {}
        files = [file for key in keys for file in committed.get(key, [])]
        if not any(key in committed for key in keys):
            return {key: rule.empty() for key in keys}
        return rule.by(read_files(spark, schema, table, files), column, keys)

    def _preview(self, context: OutputContext, schema: StructType) -> str:
        """The first rows of what was committed, read back from the table (a few rows, one file)."""
        store = self.storage()
        table = self.table_uri(context.asset_key.path)
        if context.has_asset_partitions:
            column = self._partition_column(context.definition_metadata, context.asset_key)
            last = context.asset_partition_keys[-1]
            files = store.committed_files(table, column, last, last).get(last, [])
        else:
            files = folder_files(store, table)
        if isinstance(store, LocalStorage):
            rows = _local_head(files, schema, PREVIEW_ROWS)
        else:  # an object store: Spark holds its credentials
            rows = read_files(self.spark.spark_session, schema, table, files).limit(PREVIEW_ROWS).take(PREVIEW_ROWS)
        return _markdown(rows, schema)

    # -- reads -------------------------------------------------------------------------------
    def load_input(self, context: InputContext) -> DataFrame | None:
        store, path = self.storage(), context.asset_key.path
        table = self.table_uri(path)
        schema_json = store.read_text(store.join(table, SCHEMA_FILE))
        spark = self.spark.spark_session
        if not context.has_asset_partitions:
            if schema_json is None:
                raise MissingPartitionsError(
                    f"{context.asset_key.to_user_string()} has never been materialized ({table})"
                )
            return read_files(spark, StructType.fromJson(json.loads(schema_json)), table, folder_files(store, table))

        upstream_meta = context.upstream_output.definition_metadata if context.upstream_output else {}
        column = self._partition_column(upstream_meta, context.asset_key)
        keys = self._keys_to_load(context)
        if not keys:
            return None
        if upstream_meta.get(VERSIONED):
            return self._load_history(context, table, column, keys, schema_json)
        if context.definition_metadata.get(LOAD_MODE) == COMMITTED:
            # Days never materialized hold nothing yet (e.g. no file has named them): read the others.
            committed = store.committed_files(table, column, min(keys), max(keys))
            files = [file for key in keys for file in committed.get(key, [])]
        else:
            files = versioned_tables.require_committed(
                store, table, column, keys, context.asset_key.to_user_string(), "needed by this run"
            )
        return read_files(spark, StructType.fromJson(json.loads(schema_json)), table, files)

    def _load_history(self, context: InputContext, table: str, column: str, keys: list[str], schema_json) -> DataFrame:
        """A versioned upstream: enough history to know its state on every day the run reads."""
        asset = context.asset_key.to_user_string()
        if schema_json is None:
            raise MissingPartitionsError(f"{asset} has never been materialized ({table})")
        partitions_def = context.asset_partitions_def
        previous_only = context.definition_metadata.get(LOAD_MODE) == "previous"
        # The state just before the run's first day, or only on the day asked for (a self-dependency).
        state_day = keys[-1] if previous_only else _day_before(partitions_def, keys[0])
        return versioned_tables.history(
            self.spark.spark_session, self.storage(), table, column, StructType.fromJson(json.loads(schema_json)),
            partitions_def, keys[-1], state_day, asset,
        )  # fmt: skip

    @staticmethod
    def _keys_to_load(context: InputContext) -> list[str]:
        keys = list(context.asset_partition_keys)
        if context.definition_metadata.get(LOAD_MODE) != "previous":
            return keys
        # A self-dependent asset's previous state: Dagster maps run [A, B] to [A-1, B-1], but only
        # A-1 predates the run; the rest are this run's own outputs, not written yet.
        previous = _day_before(context.asset_partitions_def, context.step_context.partition_key_range.start)
        return [] if previous is None else [previous]

    @staticmethod
    def _partition_column(metadata, asset_key) -> str:
        column = (metadata or {}).get(PARTITION_EXPR)
        if not column:
            raise ValueError(
                f"{asset_key.to_user_string()} is partitioned but has no '{PARTITION_EXPR}' metadata "
                "naming its partition column"
            )
        return column


def _day_before(partitions_def, key: str) -> str | None:
    window = partitions_def.time_window_for_partition_key(key)
    previous = partitions_def.get_prev_partition_window(window.start)
    return None if previous is None else partitions_def.get_partition_key_for_timestamp(previous.start.timestamp())


def _local_head(files: list[str], schema: StructType, limit: int) -> list[tuple]:
    """The first rows of local Parquet `files` read by pyarrow, partition values taken from the folders.

    Reading them through Spark would cost a job (~0.15 s) per table per run for a preview alone.
    """
    rows: list[tuple] = []
    for file in files:
        folders = dict(part.split("=", 1) for part in Path(file).parent.parts if "=" in part)
        parquet = pq.ParquetFile(file)
        present = [name for name in schema.fieldNames() if name in parquet.schema_arrow.names]
        batch = next(parquet.iter_batches(batch_size=limit - len(rows), columns=present), None)
        for row in batch.to_pylist() if batch is not None else []:
            rows.append(tuple(row[n] if n in row else folders.get(n) for n in schema.fieldNames()))
        if len(rows) >= limit:
            break
    return rows


def _markdown(rows, schema: StructType) -> str:
    names = [f.name for f in schema.fields]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


class LocalParquetIOManager(ParquetIOManager):
    """Tables under a local (or shared, for a cluster) folder: the embedded default."""

    base_path: str

    def base_uri(self) -> str:
        return self.base_path.rstrip("/")

    def storage(self) -> Storage:
        return LocalStorage()


class S3ParquetIOManager(ParquetIOManager):
    """Tables under s3a://<bucket>/<prefix>; Spark moves the data, boto3 the markers."""

    s3: S3Resource
    s3_bucket: str
    s3_prefix: str = "lakehouse"

    def base_uri(self) -> str:
        return f"s3a://{self.s3_bucket}/{self.s3_prefix.strip('/')}".rstrip("/")

    def storage(self) -> Storage:
        return S3Storage(self.s3.get_client(), self.s3_bucket)

