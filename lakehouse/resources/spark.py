"""The Spark resource: one lazily created SparkSession per process, local or on a cluster."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster import Failure
from dagster_pyspark import LazyPySparkResource
from dagster_pyspark.resources import spark_session_from_config

from lakehouse.settings import Settings

# hadoop-aws 3.3.x jars under Hadoop 3.5 read these as plain numbers; Hadoop 3.5's defaults carry
# unit suffixes ("60s") that the older jar cannot parse, so state them numerically.
_S3A_NUMERIC_OVERRIDES = {
    "spark.hadoop.fs.s3a.connection.establish.timeout": "30000",
    "spark.hadoop.fs.s3a.connection.timeout": "200000",
    "spark.hadoop.fs.s3a.threads.keepalivetime": "60",
    "spark.hadoop.fs.s3a.multipart.purge.age": "86400",
}

# Built by `make jars` from hadoop/NioLocalFileSystem.java: Hadoop's local filesystem without a
# forked `chmod` per file and folder created (without Hadoop's native library, which pip's
# pyspark lacks, each costs ~15 ms: most of the time of writing a year of small daily partitions).
LOCALFS_JAR = "lakehouse-localfs.jar"
LOCALFS_CLASS = "lakehouse.hadoop.NioLocalFileSystem"
# Built by `make jars` beside the jars (lakehouse.resources.spark_classes): the classes a local
# driver loads, pre-parsed for the JVM to map at start (AppCDS). A driver loads ~20k classes from
# Spark's jars; reading and verifying them is ~8 s of every cold start here (a session and its
# first write: 22 s without the archive, 14 s with it). A JVM that cannot use the archive
# (another JDK) warns and starts as before.
CLASS_ARCHIVE = "spark-classes.jsa"


def spark_conf(settings: Settings) -> dict[str, str]:
    """Non-secret Spark configuration for these settings (secrets are added by the resource)."""
    extra = dict(settings.spark_extra_conf)
    if settings.spark_remote:
        # Spark Connect: the server owns jars, storage credentials and tuning.
        return {"spark.remote": settings.spark_remote, **extra}
    conf = {
        "spark.master": settings.spark_master or "local[*]",
        "spark.app.name": "lakehouse",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # Daily partitions are small; the default 200 shuffle partitions would be mostly empty.
        "spark.sql.shuffle.partitions": "8" if settings.is_cluster else "4",
        "spark.sql.adaptive.enabled": "true",
    }
    if not settings.is_cluster:
        conf["spark.driver.memory"] = "4g"
        # A local JVM talks only to itself: keep it on loopback, whatever the hostname resolves to.
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    if settings.storage == "local":
        # Listing many day folders on a local disk is quicker in the driver than as a Spark job
        # (Spark's default launches one above 32 paths: seconds per read of a long range).
        conf["spark.sql.sources.parallelPartitionDiscovery.threshold"] = "100000"
    localfs = [jar for jar in settings.spark_jars if Path(jar).name == LOCALFS_JAR]
    if localfs and not settings.is_cluster:
        # On the JVM's own classpath: Hadoop resolves fs.file.impl before any added jar is loaded.
        conf["spark.driver.extraClassPath"] = localfs[0]
        conf["spark.hadoop.fs.file.impl"] = LOCALFS_CLASS
        archive = Path(localfs[0]).with_name(CLASS_ARCHIVE)
        if archive.is_file():  # built for exactly this classpath (the archive checks it)
            conf["spark.driver.extraJavaOptions"] = f"-XX:SharedArchiveFile={archive}"
    if settings.spark_jars:
        conf["spark.jars"] = ",".join(settings.spark_jars)
    if settings.spark_packages:
        conf["spark.jars.packages"] = ",".join(settings.spark_packages)
    if settings.storage == "s3":
        conf.update(_S3A_NUMERIC_OVERRIDES)
        conf["spark.hadoop.fs.s3a.impl"] = "org.apache.hadoop.fs.s3a.S3AFileSystem"
        if settings.s3_endpoint:
            conf["spark.hadoop.fs.s3a.endpoint"] = settings.s3_endpoint
            conf["spark.hadoop.fs.s3a.path.style.access"] = "true"
            ssl = settings.s3_endpoint.startswith("https")
            conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(ssl).lower()
        if settings.aws_region:
            conf["spark.hadoop.fs.s3a.endpoint.region"] = settings.aws_region
    conf.update(extra)  # LAKEHOUSE_SPARK_CONF wins over every default above
    return conf


class SparkResource(LazyPySparkResource):
    """A SparkSession created on first use and shared by every step of the process."""

    # Bound to EnvVar("AWS_ACCESS_KEY_ID") etc. so the keys never appear in config or the UI.
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    def _init_session(self) -> None:
        if self._spark_session is not None:
            return
        conf = dict(self.spark_config)
        if self.s3_access_key_id and self.s3_secret_access_key and "spark.remote" not in conf:
            conf["spark.hadoop.fs.s3a.aws.credentials.provider"] = (
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
            )
            conf["spark.hadoop.fs.s3a.access.key"] = self.s3_access_key_id
            conf["spark.hadoop.fs.s3a.secret.key"] = self.s3_secret_access_key
        if "spark.remote" not in conf:  # the driver JVM runs here (Spark Connect: on the server)
            require_java()
        self._spark_session = spark_session_from_config(conf)


def require_java() -> None:
    """Fail with what to install when no `java` can start Spark's driver (else: a bare JAVA_GATEWAY_EXITED per step)."""
    home = os.environ.get("JAVA_HOME")
    found = os.path.isfile(os.path.join(home, "bin", "java")) if home else shutil.which("java") is not None
    if not found:
        where = f"JAVA_HOME={home} has no bin/java" if home else "no `java` on PATH"
        raise Failure(
            description=f"Spark needs Java 17 and finds none ({where}): install it (Debian/Ubuntu: "
            "`apt-get install openjdk-17-jre-headless`) or set JAVA_HOME to a Java 17 installation"
        )
