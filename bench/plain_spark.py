"""What the no-orchestration baselines share: the Spark session, the IO manager's Parquet layout, step timing.

A baseline runs a pipeline's pure transforms in one plain PySpark script, with the Spark
configuration the Dagster runs use (`spark_conf(Settings.from_env())`) and the table layout the IO
manager writes (`<out>/<layer>/<domain>/<table>/<column>=<day>/`), each table read back from its
Parquet as the IO manager does between assets; none of its staging, markers, checkpoints or metadata.
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

from dagster import Definitions
from domain_checks import CheckRunner, Key
from pyspark.sql import DataFrame, SparkSession

from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, VERSIONED
from lakehouse.resources.spark import spark_conf
from lakehouse.settings import Settings


class Steps:
    """Progress lines: seconds since the start, and how long the step that just ended took."""

    def __init__(self, name: str):
        self.name = name
        self.began = self._last = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        print(f"[{self.name} {now - self.began:7.1f}s] {what} ({now - self._last:.1f} s)", flush=True)
        self._last = now


def session(settings: Settings) -> SparkSession:
    """The SparkSession the Dagster resource would build for these settings."""
    builder = SparkSession.builder
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def write_partitioned(frame: DataFrame, column: str, path: str) -> None:
    """What the IO manager does for a partitioned asset, minus staging, markers and row counting."""
    # As in the IO manager: an explicit task count keeps adaptive execution from folding a long
    # range into one writer task, and sorting lets each task write one day's file at a time.
    tasks = int(frame.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    (
        frame.repartition(tasks, column)
        .sortWithinPartitions(column)
        .write.mode("overwrite")
        .partitionBy(column)
        .parquet(path)
    )


def write_table(frame: DataFrame, path: str) -> None:
    """What the IO manager does for an unpartitioned asset, minus staging and the schema file."""
    frame.write.mode("overwrite").parquet(path)


def read_back(frame: DataFrame, path: str) -> DataFrame:
    """The table just written, with the schema it was written with (as the IO manager reads it)."""
    schema = frame.schema
    return frame.sparkSession.read.schema(schema).parquet(path).select(*schema.fieldNames())


def read_history(frame: DataFrame, path: str) -> DataFrame:
    """A versioned table read back as the IO manager loads a history: materialized, lineage cut."""
    # The IO manager cuts the lineage of every history it loads (versioned_tables.history): the
    # as-of readers derive many frames from one history, and re-planning its scan for each cost
    # more than the work. The baseline does the same so both pay for the same plan.
    return read_back(frame, path).localCheckpoint()


def baseline_arguments(description: str, argv: list[str] | None) -> argparse.Namespace:
    """Both baselines' command line: --out, --start, --end."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, help="folder for the baseline's tables")
    parser.add_argument("--start", type=datetime.date.fromisoformat, required=True, help="first day")
    parser.add_argument("--end", type=datetime.date.fromisoformat, required=True, help="last day")
    return parser.parse_args(argv)


def layout(defs: Definitions) -> dict[Key, tuple[str | None, bool]]:
    """Each asset's partition column (None: unpartitioned) and whether it is versioned, from its metadata."""
    found = {}
    for asset in defs.assets:
        for key in asset.keys:
            metadata = asset.metadata_by_key.get(key, {})
            found[tuple(key.path)] = (metadata.get(PARTITION_EXPR), bool(metadata.get(VERSIONED)))
    return found


class Warehouse:
    """A baseline's tables under `root`: each written once in its asset's layout, then read back as the IO manager loads it."""

    def __init__(self, root: str, defs: Definitions, steps: Steps, checks: CheckRunner):
        self.root, self.steps, self.checks = root, steps, checks
        self.layout = layout(defs)
        self.tables: dict[Key, DataFrame] = {}

    def save(self, key: list[str], frame: DataFrame) -> DataFrame:
        """Write `frame` as the table `key` and return it read back."""
        column, versioned = self.layout[tuple(key)]
        path = os.path.join(self.root, *key)
        if column:
            write_partitioned(frame, column, path)
        else:
            write_table(frame, path)
        self.tables[tuple(key)] = (read_history if versioned else read_back)(frame, path)
        self.steps.done(f"{'/'.join(key)} written")
        return self.tables[tuple(key)]

    def __getitem__(self, key: list[str]) -> DataFrame:
        return self.tables[tuple(key)]

    def judge(self) -> None:
        """The checks whose tables are now all written, as Dagster runs them after their assets' step."""
        self.checks.run_ready(self.tables)

    def finish(self) -> int:
        """Exit code 1 when a check failed; fails when a table was never written or a check never ran.

        The domain gained an asset or a check the baseline does not build: its figure would be unfair.
        """
        unbuilt = sorted("/".join(key) for key in set(self.layout) - set(self.tables))
        if unbuilt or self.checks.pending:
            raise RuntimeError(f"tables never written: {unbuilt}; checks never run: {[c.label for c in self.checks.pending]}")
        self.steps.done(f"done: {len(self.tables)} tables, {len(self.checks.passed)} checks passed, "
                        f"{len(self.checks.failed)} failed {self.checks.failed or ''}")
        return 1 if self.checks.failed else 0
