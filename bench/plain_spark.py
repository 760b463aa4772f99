"""What the no-orchestration baselines share: the Spark session, the IO manager's Parquet layout, step timing.

A baseline runs a pipeline's pure transforms in one plain PySpark script, with the Spark
configuration the Dagster runs use (`spark_conf(Settings.from_env())`) and the table layout the IO
manager writes (`<out>/<layer>/<domain>/<table>/<column>=<day>/`), each table read back from its
Parquet as the IO manager does between assets; none of its staging, markers, checkpoints or metadata.
"""

from __future__ import annotations

import argparse
import datetime
import time

from pyspark.sql import DataFrame, SparkSession

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
