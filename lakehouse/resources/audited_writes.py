"""Audited publish for the Parquet IO managers: judge a run's staged days, keep the failing ones aside.

A table with rules (`quality.audit`) is judged after its rows are staged and before any day is
swapped into place. Days that fail a blocking rule are not published: their committed data (or
their absence) stays as it was, and their staged rows move to the table's audit area,
`<table>/_audit/<run_id>/<column>=<day>/`, beside `_report.json` (every rule's verdict on every day).
A clean run's report is `<table>/_audit/<run_id>.json`, read by the run's asset checks and
removed by the table's next write. Every name under `_audit` starts with `_`, so Spark, the
`lakehouse sql` views and Hive-style readers skip it.

A versioned table's day is judged against the versions before it, so when day D is held back
every later day of the run is held back too (their versions were derived from D's).
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.quality import audit
from lakehouse.resources.storage import Storage

AUDIT = "_audit"
REPORT = "_report.json"


def staged_frame(spark: SparkSession, store: Storage, staged: str, schema: StructType) -> DataFrame:
    """The rows a run staged, in the table's column order."""
    frame = spark.read.schema(schema).option("basePath", staged).parquet(staged)
    return frame.select(*schema.fieldNames())


def judge(
    frame: DataFrame, key_path: list[str], column: str, keys: list[str], asset: str, run_id: str, versioned: bool
) -> audit.AuditReport | None:
    """The run's days judged by the table's rules (None: it has none)."""
    rules = audit.rules_for(key_path)
    if not rules:
        return None
    report = audit.judge(frame, column, keys, rules, asset, run_id)
    if versioned and report.held_back:
        report.held_back = [key for key in keys if key >= report.held_back[0]]
    return report


def rows_by_day(frame: DataFrame, column: str) -> dict[str, int]:
    """Rows per partition value (days without rows are absent)."""
    counts = frame.groupBy(F.col(column).cast("string").alias("day")).count().collect()
    return {row["day"]: row["count"] for row in counts}


def keep(store: Storage, table: str, staged: str, report: audit.AuditReport) -> None:
    """Write the run's report; move held-back days' staged rows into the audit area."""
    runs = store.join(table, AUDIT)
    if report.held_back:
        folder = store.join(runs, report.run_id)
        report.audit_path = folder
        staged_days = store.partition_values(staged, report.column)
        for day in (day for day in report.held_back if day in staged_days):  # a later day may be empty
            partition = f"{report.column}={day}"
            store.replace_tree(store.join(staged, partition), store.join(folder, partition))
        store.write_text(store.join(folder, REPORT), report.to_json())
    else:
        store.write_text(store.join(runs, f"{report.run_id}.json"), report.to_json())
    # Earlier clean runs' reports have been reported by their checks; failing runs' stay for people.
    for name in store.children(runs):
        if name.endswith(".json") and name != f"{report.run_id}.json":
            store.delete(store.join(runs, name))


def read_report(store: Storage, table: str, run_id: str) -> audit.AuditReport | None:
    """This run's report of the table, if the run wrote it."""
    runs = store.join(table, AUDIT)
    text = store.read_text(store.join(runs, f"{run_id}.json")) or store.read_text(store.join(runs, run_id, REPORT))
    return None if text is None else audit.AuditReport.from_json(text)
