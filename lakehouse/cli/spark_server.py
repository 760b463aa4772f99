"""`lakehouse spark-server start|stop|status`: a warm local Spark for many runs (see resources/spark_server)."""

from __future__ import annotations

import sys

from lakehouse.cli import CliError

HELP = "Start, stop or show a local Spark Connect server that keeps Spark warm between runs."


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--port", type=int, default=None, help="loopback port to listen on (default: 15002)")


def run(args) -> int:
    from lakehouse.resources import spark_server
    from lakehouse.settings import Settings

    settings = Settings.from_env()
    folder = settings.home / "spark-server"
    if args.action == "status":
        server = spark_server.status(folder)
        print(f"running: {server.url} (pid {server.pid}, log {server.log})" if server else "not running")
        return 0 if server else 3
    if args.action == "stop":
        server = spark_server.stop(folder)
        print(f"stopped {server.url} (pid {server.pid})" if server else "not running")
        return 0
    try:
        server = spark_server.start(settings, folder, args.port or spark_server.DEFAULT_PORT,
                                    say=lambda text: print(text, file=sys.stderr, flush=True))  # fmt: skip
    except spark_server.ServerError as error:
        raise CliError(str(error)) from None
    print(f"running: {server.url} (pid {server.pid}, log {server.log})")
    print(f"point runs at it with: export LAKEHOUSE_SPARK_REMOTE={server.url}")
    return 0
