"""Shared fixtures: one SparkSession for the whole run (a JVM start costs ~10 s) and a real S3
endpoint (moto server on loopback) that Spark reaches through s3a."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import boto3
import pytest
from dagster import BetaWarning, DagsterInstance, PreviewWarning, materialize
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from moto.server import ThreadedMotoServer

from lakehouse.resources.spark import SparkResource, spark_conf
from lakehouse.settings import Settings

REPO = Path(__file__).resolve().parents[1]
TEST_KEY = "test-access-key"  # moto accepts any key; not a credential
TEST_BUCKET = "lakehouse-test"

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)


def _jars() -> tuple[str, ...]:
    """The offline s3a jars: LAKEHOUSE_SPARK_JARS (set by `make test`) or `.jars/classpath`."""
    listed = os.environ.get("LAKEHOUSE_SPARK_JARS") or ""
    classpath = REPO / ".jars" / "classpath"
    if not listed and classpath.exists():
        listed = classpath.read_text().strip()
    jars = tuple(j for j in listed.split(",") if j)
    if not any("hadoop-aws" in j for j in jars):
        pytest.fail("s3a jars missing: run `make jars` (or set LAKEHOUSE_SPARK_JARS)", pytrace=False)
    return jars


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """A real S3 HTTP endpoint on loopback, with the test bucket created."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=TEST_KEY,
        aws_secret_access_key=TEST_KEY,
    ).create_bucket(Bucket=TEST_BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def spark_settings(s3_endpoint, tmp_path_factory) -> Settings:
    """Settings the shared session is built from: local[2], s3a pointed at the moto endpoint."""
    return Settings(
        home=tmp_path_factory.mktemp("home"),
        storage="s3",
        s3_bucket=TEST_BUCKET,
        s3_endpoint=s3_endpoint,
        aws_region="us-east-1",
        has_aws_keys=True,
        spark_master="local[2]",
        spark_jars=_jars(),
        spark_extra_conf=(
            ("spark.sql.shuffle.partitions", "2"),
            ("spark.driver.memory", "2g"),
            # Most tests write to local folders: list them in the driver, as local runs do.
            ("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000"),
        ),
    )


@pytest.fixture(scope="session")
def spark_resource(spark_settings) -> SparkResource:
    return SparkResource(
        spark_config=spark_conf(spark_settings),
        s3_access_key_id=TEST_KEY,
        s3_secret_access_key=TEST_KEY,
    )


@pytest.fixture(scope="session")
def spark(spark_resource):
    session = spark_resource.spark_session
    yield session
    session.stop()


def materialize_range(assets, resources, start: str, end: str, **kwargs):
    """Materialize `assets` for partitions start..end in one run, as a single-run backfill does."""
    tags = {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}
    return materialize(
        assets,
        resources=resources,
        tags=tags,
        instance=kwargs.pop("instance", None) or DagsterInstance.ephemeral(),
        **kwargs,
    )


def cli_env(home, **settings) -> dict:
    """The environment of a CLI subprocess: this one minus any lakehouse or AWS settings, plus `settings`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_", "AWS_"))}
    return {**inherited, "LAKEHOUSE_HOME": str(home), **settings}


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server on a free loopback port, for the whole test run (every statement logged)."""
    from lakehouse_tests.pg_server import PostgresServer

    # Not under pytest's tmp folder: as root, the server runs as `postgres`, which cannot enter it.
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb():
    """A real MariaDB server (the seed's MySQL) on a free loopback port, for the whole test run."""
    from lakehouse_tests.mariadb_server import MariaDbServer

    server = MariaDbServer(Path(tempfile.mkdtemp(prefix="lakehouse-mariadb-"))).start()
    yield server
    server.stop()
