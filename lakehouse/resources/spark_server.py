"""A local Spark Connect server with the embedded configuration: one warm Spark for many runs.

Every `dagster asset materialize` run with local Spark starts its own JVM, and on a 2-core machine
a cold JVM spends most of a small daily run compiling Spark's own code (a rainforest day: ~100 s
cold, ~40 s against a server that already ran a few). A long-lived server keeps that work: runs
reach it with `LAKEHOUSE_SPARK_REMOTE=<url>`, as they would a Connect server of a cluster.

The server is `spark-submit ... SparkConnectServer` from pyspark's own package, configured by
`spark_conf` for the same settings (jars, local filesystem, tuning) as an in-process session,
bound to loopback only. Its state lives in `<folder>/` (`server.json`: pid and url; `server.log`).
Storage credentials are not put on its command line: s3a's default chain reads the AWS_*
variables the server inherits.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyspark

from lakehouse.resources.spark import spark_conf
from lakehouse.resources.staging import process_alive, process_start
from lakehouse.settings import Settings

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
SPARK_HOME = os.path.dirname(pyspark.__file__)  # pip's pyspark is a Spark distribution: bin/spark-submit
DEFAULT_PORT = 15002
STATE_FILE, LOG_FILE, LOG4J_FILE = "server.json", "server.log", "log4j2.properties"
# Spark logs every job at INFO: ~100,000 lines for a month of daily runs. Warnings and errors only,
# minus one warning our small per-day windows raise by design, on every query.
LOG4J = """\
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.window.name = org.apache.spark.sql.execution.window.WindowExec
logger.window.level = error
"""
START_SECONDS = 180
# Given as spark-submit options, not --conf: the JVM's heap and classpath are set before Spark reads conf.
_LAUNCH_OPTIONS = {
    "spark.master": "--master",
    "spark.driver.memory": "--driver-memory",
    "spark.driver.extraClassPath": "--driver-class-path",
}


class ServerError(RuntimeError):
    """The server could not be started or found; the message says why and where its log is."""


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log: Path


def command(settings: Settings, port: int, log4j: Path) -> list[str]:
    """The spark-submit command line of a server for `settings` (a local master) on loopback `port`."""
    conf = spark_conf(replace(settings, spark_remote=None))
    conf.pop("spark.app.name", None)
    conf.update({
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
    })  # fmt: skip
    # Added to, not replacing, any JVM options LAKEHOUSE_SPARK_CONF gives.
    java_options = f"{conf.get('spark.driver.extraJavaOptions', '')} -Dlog4j2.configurationFile={log4j}"
    conf["spark.driver.extraJavaOptions"] = java_options.strip()
    launch = [part for key, option in _LAUNCH_OPTIONS.items() if key in conf for part in (option, conf.pop(key))]
    settings_args = [part for key, value in conf.items() for part in ("--conf", f"{key}={value}")]
    submit = os.path.join(SPARK_HOME, "bin", "spark-submit")
    return [submit, *launch, *settings_args, "--name", "lakehouse-spark-server", "--class", SERVER_CLASS,
            "spark-internal"]  # fmt: skip


def status(folder: Path) -> Server | None:
    """The server started from `folder` if it is still alive and listening, else None."""
    try:
        state = json.loads((folder / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    server = Server(state["url"], int(state["pid"]), folder / LOG_FILE)
    # The start time tells our server from a process that reused its pid since (never signal that one).
    alive = process_alive(server.pid, state.get("start", ""))
    return server if alive and _listening(_port(server.url)) else None


def start(settings: Settings, folder: Path, port: int = DEFAULT_PORT,
          say: Callable[[str], None] = lambda _: None) -> Server:  # fmt: skip
    """A running server from `folder`: the one already there, or a new one once it listens."""
    running = status(folder)
    if running is not None:
        return running
    if settings.is_cluster:  # a master or a Connect remote is set
        raise ServerError("a local Spark server is for local Spark: unset LAKEHOUSE_SPARK_REMOTE and LAKEHOUSE_SPARK_MASTER")
    if _listening(port):
        raise ServerError(f"port {port} on 127.0.0.1 is already in use by another process; choose another with --port")
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / LOG_FILE
    (folder / LOG4J_FILE).write_text(LOG4J)
    env = {**os.environ, "SPARK_HOME": SPARK_HOME, "SPARK_LOCAL_IP": "127.0.0.1"}
    with log.open("w") as handle:
        # Its own session: a Ctrl-C in the terminal that started it does not stop it.
        child = subprocess.Popen(command(settings, port, folder / LOG4J_FILE), stdout=handle, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env, start_new_session=True)  # fmt: skip
    server = Server(f"sc://127.0.0.1:{port}", child.pid, log)
    began = time.monotonic()
    while not _listening(port):
        if child.poll() is not None:
            raise ServerError(f"the Spark server exited with code {child.returncode} while starting; see {log}")
        waited = time.monotonic() - began
        if waited > START_SECONDS:
            _terminate(child.pid)
            raise ServerError(f"the Spark server did not listen on port {port} within {START_SECONDS} s; see {log}")
        if int(waited) % 5 == 0:
            say(f"starting the Spark server ({waited:.0f} s)")
        time.sleep(1)
    (folder / STATE_FILE).write_text(json.dumps({"url": server.url, "pid": server.pid, "start": process_start(server.pid)}))
    return server


def stop(folder: Path) -> Server | None:
    """Stop the server started from `folder`; returns it, or None when none was running."""
    server = status(folder)
    (folder / STATE_FILE).unlink(missing_ok=True)
    if server is not None:
        _terminate(server.pid)
    return server


def free_port() -> int:
    """A loopback port nothing listens on now: never one a developer's own server holds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _terminate(pid: int, seconds: float = 60) -> None:
    """SIGTERM to the server's process group (spark-submit and its JVM), SIGKILL if it lingers."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        try:  # reap it when it is our own child, so it does not stay a zombie
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)
