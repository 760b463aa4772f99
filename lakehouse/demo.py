"""`make demo`: sample data in, every domain's history materialized, a summary and the check report out.

Per domain: sample data into its landing folder unless it already holds CSV files, then what
`lakehouse run <domain>` does over its DEMO_PARTITION_RANGE (one `dagster asset materialize` run
per partitioning, against the instance in $DAGSTER_HOME, so `make ui` shows the runs), with its
progress and each run's tables and checks. Last, `lakehouse checks`' report.

Unless Spark is configured (a master or a Connect remote), the runs share one local Spark Connect
server (`lakehouse spark-server`) started here and stopped at the end: each run would otherwise
start a JVM of its own and pay its warm-up again.
"""

import argparse
import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from lakehouse import pii
from lakehouse.cli import dagster_home
from lakehouse.cli import main as lakehouse
from lakehouse.cli.run import elapsed, run_domain
from lakehouse.datagen import GENERATORS
from lakehouse.domains import DOMAINS
from lakehouse.settings import Settings


def ensure_landing(settings: Settings, domain: str) -> None:
    """Generate sample data unless the landing folder already holds files (e.g. the real Kaggle file)."""
    folder = settings.landing_root / domain
    if any(folder.glob(getattr(DOMAINS[domain], "LANDING_FILES", "*.csv"))):
        print(f"{domain}: using the files already in {folder}")
        return
    report = GENERATORS[domain](folder)
    print(f"{domain}: generated {report.rows:,} rows into {folder}")


def ensure_pii_key(settings: Settings) -> None:
    """LAKEHOUSE_PII_KEY for the demo's runs: the one set, else a random key of the demo's own, kept in $LAKEHOUSE_HOME."""
    if os.environ.get(pii.KEY_VARIABLE, "").strip():
        return
    path = settings.home / "pii.key"  # under LAKEHOUSE_HOME: never in git (./data is ignored)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
    os.environ[pii.KEY_VARIABLE] = path.read_text().strip()
    print(f"finance: {pii.KEY_VARIABLE} is not set, so the demo hashes email and phone with its own random key, "
          f"kept in {path}; for real data set {pii.KEY_VARIABLE} from your secret store")


@contextmanager
def warm_spark(settings: Settings, wanted: bool) -> Iterator[None]:
    """One local Spark Connect server for every run of the demo, stopped at its end; nothing when Spark is configured."""
    from lakehouse.resources import spark_server

    if not wanted or settings.is_cluster:
        yield
        return
    folder = settings.home / "spark-server-demo"  # not `lakehouse spark-server`'s: stopping ours leaves theirs
    began = time.monotonic()
    print("starting a local Spark server that every run of the demo shares (--no-spark-server: a JVM per run)", flush=True)
    server = spark_server.start(settings, folder, spark_server.free_port(),
                                say=lambda text: print(text, flush=True))  # fmt: skip
    print(f"Spark server ready at {server.url} after {time.monotonic() - began:.0f} s (log: {server.log})\n", flush=True)
    os.environ["LAKEHOUSE_SPARK_REMOTE"] = server.url  # the runs' subprocesses inherit it
    try:
        yield
    finally:
        del os.environ["LAKEHOUSE_SPARK_REMOTE"]
        spark_server.stop(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="*", default=list(DOMAINS), help="default: all registered")
    parser.add_argument("--no-spark-server", dest="spark_server", action="store_false",
                        help="run each domain's runs in a Spark of their own instead of one shared local server")  # fmt: skip
    args = parser.parse_args(argv)
    started = time.monotonic()
    settings = Settings.from_env()
    os.environ.setdefault("DAGSTER_HOME", str(Path(".dagster").absolute()))
    home = dagster_home(create=True)
    ok = True
    took = {}
    with warm_spark(settings, args.spark_server):
        for name in args.domains:
            began = time.monotonic()
            ensure_landing(settings, name)
            if hasattr(DOMAINS[name], "PII_RESOURCE"):
                ensure_pii_key(settings)
            first, last = map(date.fromisoformat, DOMAINS[name].DEMO_PARTITION_RANGE)
            done = run_domain(settings, home, name, first, last)
            ok &= done
            took[name] = time.monotonic() - began
            print(f"{name}: {'done' if done else 'FAILED'} in {elapsed(took[name])} (sample data and runs)\n", flush=True)
    lakehouse(["checks"])  # its exit code is ours already: a failed blocking check failed its run
    print(f"\ndemo took {elapsed(time.monotonic() - started)}; per domain (sample data and runs): "
          + ", ".join(f"{name} {elapsed(seconds)}" for name, seconds in took.items()))
    print(f"\nTables are Parquet under {settings.warehouse_uri}; open the UI with `make ui` "
          "(http://127.0.0.1:3000) to browse assets, partitions and check results.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
