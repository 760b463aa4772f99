"""`make demo`: sample data in, every domain's history materialized in one run each, a summary out.

Each domain runs through the same CLI a user types (`dagster asset materialize ...
--partition-range`), against the Dagster instance in $DAGSTER_HOME, so `make ui` shows the runs.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from lakehouse.datagen import GENERATORS
from lakehouse.domains import DOMAINS
from lakehouse.settings import Settings


def ensure_landing(settings: Settings, domain: str) -> None:
    """Generate sample data unless the landing folder already holds files (e.g. the real Kaggle file)."""
    folder = settings.landing_root / domain
    if any(folder.glob("*.csv")):
        print(f"{domain}: using the files already in {folder}")
        return
    report = GENERATORS[domain](folder)
    print(f"{domain}: generated {report.rows:,} rows into {folder}")


def materialize(domain: str, start: str, end: str, log_dir: Path) -> bool:
    """Run the domain's whole range as one run through the Dagster CLI; full log to a file."""
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "lakehouse.definitions",
        "--select", f"group:{domain}",
        "--partition-range", f"{start}...{end}",
    ]  # fmt: skip
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{domain}.log"
    print(f"{domain}: materializing {start}...{end} in one run (log: {log})", flush=True)
    with log.open("w") as handle:
        code = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT).returncode
    if code:
        print(f"{domain}: FAILED (exit {code}); last lines of the log:")
        print("".join(log.read_text().splitlines(keepends=True)[-30:]))
    return code == 0


def _records(instance: DagsterInstance, run_id: str, event_type: DagsterEventType):
    records = instance.get_records_for_run(run_id, of_type=event_type, limit=100_000).records
    return [record.event_log_entry for record in records]


def summarize(instance: DagsterInstance, run_id: str) -> list[str]:
    """Tables (partitions, rows) and check results of one run, as printable lines."""
    tables: dict[str, list] = {}
    for entry in _records(instance, run_id, DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.dagster_event.event_specific_data.materialization
        meta = materialization.metadata
        partitions = meta["partitions_written"].value if "partitions_written" in meta else "-"
        table = tables.setdefault(materialization.asset_key.to_user_string(), [partitions, 0])
        rows = meta.get("dagster/row_count")
        table[1] += rows.value if rows else 0  # each day's event carries that day's rows
    width = max([45, *(len(key) + 2 for key in tables)])
    lines = [f"  {'table':<{width}}{'partitions':>11}{'rows':>12}"]
    lines += [f"  {key:<{width}}{p:>11}{rows:>12,}" for key, (p, rows) in sorted(tables.items())]
    latest: dict[tuple[str, str], object] = {}
    for entry in _records(instance, run_id, DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        key = (evaluation.asset_key.to_user_string(), evaluation.check_name)
        if evaluation.partition is None or key not in latest:  # a range run's summary, not its days
            latest[key] = evaluation
    checks = []
    for (asset, name), evaluation in latest.items():
        verdict = "passed" if evaluation.passed else f"FAILED ({evaluation.severity.value})"
        failing = evaluation.metadata.get("failing_count")
        detail = f", failing {failing.value}" if failing is not None and not evaluation.passed else ""
        checks.append(f"  {asset:<45}{name:<32}{verdict}{detail}")
    passed = sum(1 for line in checks if line.endswith("passed"))
    lines.append(f"  checks: {passed} passed, {len(checks) - passed} not passed")
    return lines + sorted(checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="*", default=list(DOMAINS), help="default: all registered")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(".dagster").absolute())))
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch()  # defaults: SQLite storage in this folder
    ok = True
    for name in args.domains:
        ensure_landing(settings, name)
        start, end = DOMAINS[name].DEMO_PARTITION_RANGE
        ok &= materialize(name, start, end, settings.home / "logs")
        with DagsterInstance.get() as instance:
            run = instance.get_runs(limit=1)[0]
            print(f"{name}: run {run.run_id[:8]} {run.status.value}")
            print("\n".join(summarize(instance, run.run_id)))
    print(f"\nTables are Parquet under {settings.warehouse_uri}; open the UI with `make ui` "
          "(http://127.0.0.1:3000) to browse assets, partitions and check results.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
