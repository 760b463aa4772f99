"""Build the class archive local Spark drivers start from: `python -m lakehouse.resources.spark_classes OUT`.

A JDK dynamic AppCDS archive (`-XX:ArchiveClassesAtExit`) of the classes a driver loads for the
kind of work the pipelines do (CSV and Parquet, joins, windows, aggregations, JSON, caches,
checkpoints). `spark_conf` starts every local driver from it when it sits beside the jars
(`CLASS_ARCHIVE`); `make jars` builds it there. The archive is only valid for the JDK and the
driver classpath it was built with, so it is built with `spark_conf` for the same settings, and
rebuilt by `make jars` whenever the local filesystem jar (part of that classpath) changes.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
from pathlib import Path

from pyspark import SparkContext, StorageLevel
from pyspark.sql import Observation, SparkSession, Window
from pyspark.sql import functions as F

from lakehouse.quality import rejects
from lakehouse.quality.rules import mean_below, no_duplicates
from lakehouse.resources.spark import spark_conf
from lakehouse.settings import Settings
from lakehouse.versioning import Versioned, track
from lakehouse.versioning.as_of import AS_OF, join_as_of, latest, states_at


def _workload(spark: SparkSession, folder: str) -> None:
    """A little of every kind of Spark work the pipelines do, so its classes get loaded."""
    csv = os.path.join(folder, "in.csv")
    with open(csv, "w") as handle:
        handle.write("id,day,amount,name\n1,2024-01-01,1.5,a\n2,2024-01-02,x,b\n3,,2.5,\"c, d\"\n")
    raw = spark.read.option("header", True).option("mode", "PERMISSIVE").csv(csv)
    typed = raw.selectExpr("try_cast(id AS int) AS id", "try_cast(day AS date) AS day",
                           "try_cast(amount AS decimal(10,2)) AS amount", "name", "_metadata.file_path AS file")
    ranked = typed.withColumn("n", F.row_number().over(Window.partitionBy("name").orderBy("day")))
    ranked = ranked.withColumn("later", F.min("day").over(Window.partitionBy("id").orderBy("day").rowsBetween(1, Window.unboundedFollowing)))
    grouped = ranked.groupBy("id").agg(F.to_json(F.array_sort(F.collect_list(F.struct("name", "amount")))).alias("j"),
                                       F.sum("amount").alias("total"), F.countDistinct("name").alias("names"))  # fmt: skip
    joined = ranked.join(F.broadcast(grouped), "id", "left").join(grouped.select("id", F.col("j").alias("k")), "id")
    exploded = joined.select("*", F.explode(F.filter(F.array(F.lit("a"), F.lit(None)), lambda x: x.isNotNull())).alias("e"))
    cached = exploded.unionByName(exploded).distinct().persist(StorageLevel.DISK_ONLY)
    out = os.path.join(folder, "out")
    cached.repartition(2, "day").sortWithinPartitions("day").write.mode("overwrite").partitionBy("day").parquet(out)
    back = spark.read.parquet(out).localCheckpoint()
    back.where(F.col("total") > 0).groupBy("day").count().collect()
    cached.unpersist()
    _foundation(spark)


def _foundation(spark: SparkSession) -> None:
    """The shared mechanisms' own plans: versions by timestamp and by comparison, as-of reads, rejects, rules."""
    first, second = datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)
    rows = spark.createDataFrame(
        [(1, "a", datetime.datetime(2024, 1, 1, 10)), (1, "b", datetime.datetime(2024, 1, 2, 9)), (None, "c", None)],
        "id int, name string, updated timestamp",
    )
    timed = Versioned(key=("id",), columns=("id", "name", "updated"), changed_at="updated")
    versions = track.by_timestamp(rows, None, timed, first, second).localCheckpoint()
    days = spark.createDataFrame([(first,), (second,)], f"{AS_OF} date")
    extracts = rows.select("id", "name", F.coalesce(F.to_date("updated"), F.lit(first)).alias(AS_OF))
    compared = track.by_comparison(extracts, days, None, Versioned(key=("id",), columns=("id", "name")))
    events = spark.createDataFrame([(1, second), (2, first)], "id int, day date")
    joined = join_as_of(events, "day", versions, timed.key, [("id", "id")], ["name"])
    valid, rejected = rejects.split(joined, rejects.null_key_rules(["name"]), key=["id"], order=[F.col("day")], persist=True)
    for frame in (compared, states_at(versions, timed.key, days), latest(versions, timed.key), valid, rejected):
        frame.observe(Observation("rows"), F.count(F.lit(1)).alias("rows")).collect()
    no_duplicates(["id"]).by(joined, "day", [first.isoformat()])
    mean_below("id", 100.0).by(joined, "day", [first.isoformat()])


def build(target: Path) -> None:
    """Run the workload in a driver that writes its loaded classes to `target` when its JVM exits."""
    conf = spark_conf(Settings.from_env())
    conf.pop("spark.driver.extraJavaOptions", None)  # never start from an older archive while dumping
    # Quiet: the JVM warns of every class it leaves out (generated, or from signed jars).
    conf["spark.driver.extraJavaOptions"] = f"-XX:ArchiveClassesAtExit={target} -Xlog:cds=off"
    conf["spark.ui.showConsoleProgress"] = "false"
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    with tempfile.TemporaryDirectory() as folder:
        _workload(spark, folder)
    spark.stop()
    # The JVM writes the archive as it exits: end it and wait, so the file is whole when this returns.
    gateway = SparkContext._gateway  # noqa: SLF001 (pyspark keeps the JVM process there)
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        process.stdin.close()
        process.wait(timeout=300)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m lakehouse.resources.spark_classes OUT.jsa", file=sys.stderr)
        return 2
    target = Path(argv[0]).absolute()
    target.unlink(missing_ok=True)
    try:
        build(target)
    except Exception:
        target.unlink(missing_ok=True)  # the JVM writes an archive even after a failed workload
        raise
    if not target.is_file():
        print(f"error: the JVM wrote no class archive to {target}", file=sys.stderr)
        return 1
    print(f"{target}: {target.stat().st_size / 1e6:.0f} MB class archive for local Spark drivers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
