"""The local filesystem Spark writes through: Hadoop's, with permissions set by java.nio (no chmod forks)."""

import os
import stat

from pyspark.sql import functions as F

from lakehouse.resources.spark import CLASS_ARCHIVE, LOCALFS_CLASS


def _modes(root) -> dict[str, set[int]]:
    found = {"dirs": set(), "files": set()}
    for folder, dirs, files in os.walk(root):
        found["dirs"] |= {stat.S_IMODE(os.stat(os.path.join(folder, d)).st_mode) for d in dirs}
        found["files"] |= {stat.S_IMODE(os.stat(os.path.join(folder, f)).st_mode) for f in files}
    return found


def test_session_writes_through_the_nio_local_filesystem(spark, tmp_path):
    jvm = spark.sparkContext._jvm
    hadoop_conf = spark.sparkContext._jsc.hadoopConfiguration()
    fs = jvm.org.apache.hadoop.fs.FileSystem.get(jvm.java.net.URI("file:///"), hadoop_conf)
    assert fs.getClass().getName() == LOCALFS_CLASS  # `make jars` built it and the conf selected it

    days = spark.range(6).select(F.expr("date_add(date'2024-02-27', cast(id % 3 as int))").alias("day"), "id")
    days.write.partitionBy("day").parquet(str(tmp_path / "table"))
    assert sorted(os.listdir(tmp_path / "table")) == [
        "._SUCCESS.crc", "_SUCCESS", "day=2024-02-27", "day=2024-02-28", "day=2024-02-29",
    ]  # fmt: skip
    assert sorted(r.id for r in spark.read.parquet(str(tmp_path / "table")).where("day = '2024-02-29'").collect()) == [2, 5]
    # What Hadoop's chmod path gives under the process umask: folders 777 & ~umask, files 666 & ~umask.
    umask = os.umask(0)
    os.umask(umask)
    assert _modes(tmp_path / "table") == {"dirs": {0o777 & ~umask}, "files": {0o666 & ~umask}}


def test_session_driver_starts_from_the_class_archive(spark):
    """`make jars` built the archive beside the jars and the conf hands it to the driver JVM."""
    jvm = spark.sparkContext._jvm
    arguments = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    archives = [a for a in arguments if a.startswith("-XX:SharedArchiveFile=")]
    assert [os.path.basename(a) for a in archives] == [CLASS_ARCHIVE], "run `make jars` to build the class archive"
    assert os.path.isfile(archives[0].split("=", 1)[1])
