"""The same code on a real Spark standalone cluster and on a Spark Connect server (both on loopback)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyspark
import pytest

from lakehouse.resources.spark_server import free_port
from lakehouse_tests.conftest import cli_env
from lakehouse_tests.domains.superstore.test_pipeline import HEADER, LINES

SPARK_HOME = os.path.dirname(pyspark.__file__)
REPO = Path(__file__).resolve().parents[1]
# Spark binds to the hostname's address unless told otherwise: keep every JVM on loopback.
LOOPBACK = {"SPARK_LOCAL_IP": "127.0.0.1", "SPARK_HOME": SPARK_HOME}


def wait_for(predicate, what: str, process: subprocess.Popen, log: Path, seconds: int = 120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"{what} did not come up; its log:\n{log.read_text()[-3000:]}", pytrace=False)


def start(command: list[str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                            env={**os.environ, **LOOPBACK})


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def standalone_cluster(tmp_path):
    """A master and one worker (2 cores), as `spark-class` starts them on a real cluster."""
    port = free_port()
    spark_class = os.path.join(SPARK_HOME, "bin", "spark-class")
    master_log, worker_log = tmp_path / "master.log", tmp_path / "worker.log"
    master = start([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(port), "--webui-port", str(free_port())], master_log)
    worker = None
    try:
        wait_for(lambda: listening(port), "spark master", master, master_log)
        worker = start([spark_class, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                        "--host", "127.0.0.1", "--cores", "2", "--memory", "2g",
                        "--webui-port", str(free_port()), "--work-dir", str(tmp_path / "work")], worker_log)
        wait_for(lambda: "Registering worker" in master_log.read_text(), "spark worker", worker, worker_log)
        yield f"spark://127.0.0.1:{port}"
    finally:
        for process in (worker, master):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


@pytest.fixture
def connect_server(tmp_path):
    """A warm local Spark Connect server, started and stopped by `lakehouse spark-server`."""
    home, port = tmp_path / "home", free_port()
    env = cli_env(home, **LOOPBACK)

    def lakehouse(*args):
        return subprocess.run([sys.executable, "-m", "lakehouse.cli", "spark-server", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    before = lakehouse("status")
    assert (before.returncode, before.stdout) == (3, "not running\n")
    started = lakehouse("start", "--port", str(port))
    assert started.returncode == 0, started.stderr[-3000:]
    url = f"sc://127.0.0.1:{port}"
    assert f"export LAKEHOUSE_SPARK_REMOTE={url}" in started.stdout
    try:
        again = lakehouse("start", "--port", str(port))  # already running: the same server, no second JVM
        assert again.returncode == 0 and again.stdout.splitlines()[0] == started.stdout.splitlines()[0]
        yield url, home
    finally:
        stopped = lakehouse("stop")
        assert stopped.returncode == 0 and stopped.stdout.startswith(f"stopped {url}")
        assert not listening(port)
        assert lakehouse("status").returncode == 3


def materialize_on(spark_env: dict, home: Path) -> subprocess.CompletedProcess:
    landing = home / "landing" / "superstore"
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("\n".join([HEADER, *LINES]) + "\n")
    (home / "dagster_home").mkdir()
    env = cli_env(home, **LOOPBACK, **spark_env, DAGSTER_HOME=str(home / "dagster_home"))
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "lakehouse.definitions",
               "--select", "group:superstore", "--partition-range", "2015-01-01...2015-01-12"]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=900)


def assert_outputs(spark, home: Path):
    warehouse = home / "warehouse"
    sales = spark.read.parquet(str(warehouse / "gold/superstore/sales")).collect()
    assert [(r.order_id, r.shipment_mode, r.city) for r in sales] == [
        ("CA-2015-000001", "Standard Class", "Boston")
    ]
    rejects = spark.read.parquet(str(warehouse / "silver/superstore/order_lines_rejects"))
    assert sorted(r.reject_reason for r in rejects.collect()) == [
        "negative_sales", "null_customer_id", "ship_before_order", "unparseable_ship_date"
    ]
    customers = spark.read.parquet(str(warehouse / "gold/superstore/customers"))
    last = customers.filter("as_of_date = '2015-01-12'").collect()
    assert [(r.customer_id, r.first_name, r.orders_last_1m, r.orders_lifetime) for r in last] == [
        ("AB-10001", "Ann", 1, 1)
    ]


def test_runs_on_a_standalone_cluster(standalone_cluster, tmp_path, spark):
    result = materialize_on({"LAKEHOUSE_SPARK_MASTER": standalone_cluster}, tmp_path / "home")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "app-" in (tmp_path / "worker.log").read_text()  # the worker ran the run's executors
    assert_outputs(spark, tmp_path / "home")


def test_runs_through_spark_connect(connect_server, spark):
    url, home = connect_server
    result = materialize_on({"LAKEHOUSE_SPARK_REMOTE": url}, home)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Executing steps in process" in result.stderr  # one process for all steps, also on Connect
    assert_outputs(spark, home)
    log = (home / "spark-server" / "server.log").read_text()
    assert " INFO " not in log  # warnings only: a server's log does not grow by every job
    assert count_through_connect(url, home / "counted") == "rows=7 is_streaming_asks=0"


# In its own process: a Connect session in the test process would switch pyspark there to Connect mode.
COUNT_SCRIPT = """
import sys
from pyspark.sql import Observation, SparkSession
from lakehouse.resources.parquet_io_manager import _counting
session = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
asks, analyze = [], session.client._analyze
session.client._analyze = lambda method, **kw: (asks.append(method), analyze(method, **kw))[1]
counter = Observation("rows")
_counting(session.range(7), counter).write.parquet(sys.argv[2])
print(f"rows={counter.get['rows']} is_streaming_asks={asks.count('is_streaming')}")
"""


def count_through_connect(url: str, out: Path) -> str:
    """The IO manager's row counter on Connect: the count, and how often the server was asked if the frame streams."""
    done = subprocess.run([sys.executable, "-c", COUNT_SCRIPT, url, str(out)], env=cli_env(out.parent, **LOOPBACK),
                          cwd=REPO, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()
