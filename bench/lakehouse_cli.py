"""The lakehouse as users drive it: datagen, `dagster asset materialize` and `lakehouse run` in subprocesses."""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from measure import Measured, emit, environment, print_environment, progress, run_fields, run_measured, tail
from spark_events import Job, event_log_conf, read_jobs, time_split

from lakehouse.domains.superstore.contracts import keys
from lakehouse.instance import write_instance_config
from lakehouse.pii import KEY_VARIABLE as PII_KEY_VARIABLE
from lakehouse.resources.spark_server import free_port

REPO = Path(__file__).resolve().parent.parent
GROUP = "superstore"
FIRST_PARTITION = date(2015, 1, 1)  # superstore's partitions definition starts here
# Environment the caller may tune Spark with; every other LAKEHOUSE_*/AWS_* variable is dropped
# so a developer's shell (S3 storage, a cluster) cannot leak into the benchmark.
KEPT_VARIABLES = ("LAKEHOUSE_SPARK_JARS", "LAKEHOUSE_SPARK_CONF")
STEPS_SHOWN = 12  # the slowest steps printed per run (the JSON line has them all)
HEARTBEAT_SECONDS = 60  # a progress line this often while one subprocess runs (a year's run takes many minutes)
# The keyed hashes' secret for domains that hash PII: the caller's LAKEHOUSE_PII_KEY is dropped with
# every other LAKEHOUSE_* variable (never a real secret in a benchmark), and any key hashes alike.
# One per benchmark process, so every run of it hashes the same customer to the same value.
BENCH_PII_KEY = secrets.token_hex(32)
# Each domain's no-orchestration baseline script under bench/ (the same transforms in plain PySpark).
BASELINES = {"superstore": "baseline.py", "rainforest": "rainforest_baseline.py"}
# Table folders under the warehouse (and the baseline's output), as the IO manager lays them out.
TABLES = tuple(
    "/".join(key)
    for key in (keys.BRONZE_LINES, keys.BRONZE_REJECTS, keys.SILVER_LINES, keys.SILVER_REJECTS,
                keys.GOLD_SALES, keys.GOLD_CUSTOMERS)
)


@dataclass(frozen=True)
class Domain:
    """What a scenario drives: the datagen domain / asset group, its first partition, its tables."""

    group: str
    first_partition: date
    tables: tuple[str, ...]
    pii: bool = False  # its runs need LAKEHOUSE_PII_KEY (the package exposes PII_RESOURCE)


SUPERSTORE = Domain(GROUP, FIRST_PARTITION, TABLES)


def load_domain(name: str) -> Domain:
    """A registered domain's group, first daily partition and every asset key folder of its Definitions.

    Imports `lakehouse.domains.<name>` (Dagster and PySpark modules: a few seconds), so call it once.
    """
    package = importlib.import_module(f"lakehouse.domains.{name}")
    domain_keys = importlib.import_module(f"lakehouse.domains.{name}.contracts.keys")
    tables = tuple(dict.fromkeys("/".join(key.path) for asset in package.defs.assets for key in asset.keys))
    # PARTITIONS where one partitioning has that name; else the earliest start of the assets' partitionings.
    daily = getattr(domain_keys, "PARTITIONS", None)
    first = daily.start.date() if daily is not None else min(
        asset.partitions_def.start.date() for asset in package.defs.assets
        if getattr(getattr(asset, "partitions_def", None), "start", None) is not None
    )  # fmt: skip
    return Domain(domain_keys.GROUP, first, tables, hasattr(package, "PII_RESOURCE"))


class BenchFailure(Exception):
    """A subprocess failed: the message says which, the log tail says why."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


def _bench_env() -> dict[str, str]:
    """The caller's environment less every LAKEHOUSE_*/AWS_*/DAGSTER_* variable but KEPT_VARIABLES."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LAKEHOUSE_", "AWS_", "DAGSTER_")) or key in KEPT_VARIABLES
    }


@dataclass(frozen=True)
class Spark:
    """The Spark every run of a benchmark uses: a master (None: local[*]), or a Connect server's url."""

    target: str | None
    events: Path | None = None  # a shared server's event log (every run's jobs, told apart by time)

    @property
    def remote(self) -> bool:
        return bool(self.target) and self.target.startswith("sc://")


@contextmanager
def spark_for_runs(args: argparse.Namespace, out: Path) -> Iterator[Spark]:
    """`--spark-master`, or with `--spark-server` one local Spark Connect server for every run.

    The server is `lakehouse spark-server` as users start it, on a free loopback port, with its
    home and event log under `out`; it is stopped when the benchmark ends, failed or not. With
    `--spark-server-home` the server lives there instead and is shared: one already running there
    is used, and it is left running for the next benchmark (`make bench-quick` stops it).
    """
    if not args.spark_server:
        yield Spark(args.spark_master or None)
        return
    shared = args.spark_server_home is not None
    home = args.spark_server_home.resolve() if shared else out / "spark-server"
    events = home / "spark_events" if shared else out / "spark_events" / "server"
    env = _bench_env()
    env["LAKEHOUSE_HOME"] = str(home)
    env["LAKEHOUSE_SPARK_CONF"] = ",".join(filter(None, [env.get("LAKEHOUSE_SPARK_CONF"), event_log_conf(events)]))
    if args.spark_master:
        env["LAKEHOUSE_SPARK_MASTER"] = args.spark_master
    port = free_port()
    cli = [sys.executable, "-m", "lakehouse.cli", "spark-server"]
    progress(f"{f'the shared Spark Connect server in {home}, or a new one' if shared else 'a local Spark Connect server'}"
             f" on port {port} for every run (--spark-server)")
    started = subprocess.run([*cli, "start", "--port", str(port)], env=env, cwd=REPO, capture_output=True, text=True)
    found = re.search(r"running: (sc://\S+)", started.stdout)
    if started.returncode != 0 or not found:
        raise BenchFailure(f"lakehouse spark-server start failed (exit {started.returncode}): "
                           f"{(started.stderr or started.stdout).strip()[-600:]}")  # fmt: skip
    try:
        yield Spark(found.group(1), events)
    finally:
        if not shared:
            subprocess.run([*cli, "stop"], env=env, cwd=REPO, capture_output=True, text=True)


@dataclass
class Scenario:
    """One LAKEHOUSE_HOME + DAGSTER_HOME pair under the benchmark's scratch folder."""

    name: str
    root: Path
    spark: Spark
    timeout: float
    domain: Domain = SUPERSTORE
    runs: list[Measured] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        write_instance_config(self.dagster_home)  # the instance `make demo` uses: batched SQLite
        # (DAGSTER_EVENT_BATCH_SIZE is defaulted by the lakehouse package in every run process)
        self.logs.mkdir(parents=True, exist_ok=True)

    @property
    def home(self) -> Path:
        return self.root / "lakehouse_home"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def landing(self) -> Path:
        return self.home / "landing" / self.domain.group

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse"

    @property
    def baseline_out(self) -> Path:
        return self.home / "baseline"

    def env(self) -> dict[str, str]:
        env = _bench_env()
        env.update(
            LAKEHOUSE_HOME=str(self.home),
            DAGSTER_HOME=str(self.dagster_home),
            DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS="true",
        )
        if self.spark.target:
            env["LAKEHOUSE_SPARK_REMOTE" if self.spark.remote else "LAKEHOUSE_SPARK_MASTER"] = self.spark.target
        if self.domain.pii:
            env[PII_KEY_VARIABLE] = BENCH_PII_KEY
        return env

    def spark_events(self, name: str) -> Path:
        """Where the Spark applications of the subprocess `name` log their events."""
        return self.root / "spark_events" / name

    def jobs(self, measured: Measured) -> tuple[list[Job], float | None]:
        """The Spark jobs of one measured subprocess, and when its driver was up (`read_jobs`)."""
        if self.spark.events is not None:  # a shared server: its jobs are the ones run meanwhile
            return read_jobs(self.spark.events, (measured.started, measured.started + measured.seconds))
        return read_jobs(self.spark_events(measured.name))

    def _run(self, name: str, command: list[str]) -> Measured:
        env = self.env()
        if self.spark.events is None:  # a Connect server's event log is its own (spark_for_runs)
            env["LAKEHOUSE_SPARK_CONF"] = ",".join(
                filter(None, [env.get("LAKEHOUSE_SPARK_CONF"), event_log_conf(self.spark_events(name))])
            )
        measured = run_measured(name, command, env, self.logs / f"{name}.log", cwd=REPO, timeout=self.timeout,
                                heartbeat=HEARTBEAT_SECONDS)
        self.runs.append(measured)
        if not measured.ok:
            why = f"timed out after {self.timeout:.0f} s" if measured.timed_out else f"exit {measured.returncode}"
            raise BenchFailure(f"{self.name}/{name} failed ({why}); log: {measured.log}", measured.log)
        return measured

    def generate(self, scale: float, start: date, end: date, extra: tuple[str, ...] = ()) -> int:
        """Landing CSV via the datagen CLI (plus `extra` arguments); returns the rows written."""
        command = [
            sys.executable, "-m", "lakehouse.datagen", self.domain.group, "--scale", f"{scale:g}",
            "--start", start.isoformat(), "--end", end.isoformat(), "--out", str(self.landing), *extra,
        ]  # fmt: skip
        measured = self._run("datagen", command)
        found = re.search(r"\], (\d+) rows, dates", measured.log.read_text())
        if not found:
            raise BenchFailure(f"{self.name}/datagen printed no row count; log: {measured.log}", measured.log)
        return int(found.group(1))

    def materialize(self, name: str, start: date, end: date | None = None, select: str | None = None) -> Measured:
        """One `dagster asset materialize` run of the group (or of the `select` assets): a range, or one day when `end` is None."""
        partitions = (
            ["--partition", start.isoformat()]
            if end is None
            else ["--partition-range", f"{start.isoformat()}...{end.isoformat()}"]
        )
        command = [
            sys.executable, "-m", "dagster", "asset", "materialize", "-m", "lakehouse.definitions",
            "--select", select or f"group:{self.domain.group}", *partitions,
        ]  # fmt: skip
        measured = self._run(name, command)
        runs = measured.log.read_text(errors="replace").count("RUN_SUCCESS")
        if runs != 1:
            raise BenchFailure(
                f"{self.name}/{name} exited 0 but logged {runs} RUN_SUCCESS events (expected 1); "
                f"log: {measured.log}",
                measured.log,
            )
        return measured

    def lakehouse_run(self, name: str, start: date, end: date | None = None) -> Measured:
        """`lakehouse run <group> --from start --to end` (one day when `end` is None), as users run it.

        The command makes one Dagster run per partitioning of the group (`lakehouse.cli.run_plan`);
        its own output (a line per step and run) is this run's log, and the Dagster runs' output it
        keeps in $LAKEHOUSE_HOME/logs/<group>.log is copied next to it as `<name>.dagster.log`.
        """
        try:
            return self._run(name, lakehouse_run_command(self.domain.group, start, end or start))
        finally:
            dagster_log = self.home / "logs" / f"{self.domain.group}.log"
            if dagster_log.exists():
                shutil.copyfile(dagster_log, self.logs / f"{name}.dagster.log")

    def bench_script(self, name: str, script: str, *args: str) -> Measured:
        """One of bench/'s plain PySpark scripts, with this scenario's environment; its log is `name`."""
        return self._run(name, [sys.executable, str(REPO / "bench" / script), *args])

    def baseline(self, start: date, end: date) -> Measured:
        """The domain's no-orchestration baseline over [start, end], writing under `baseline_out`."""
        return self.bench_script(
            "baseline", BASELINES[self.domain.group], "--out", str(self.baseline_out),
            "--start", start.isoformat(), "--end", end.isoformat(),
        )  # fmt: skip

    def drop_data(self) -> None:
        """Remove the bulky folders (landing, tables, the Dagster instance's event log); logs stay."""
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.dagster_home, ignore_errors=True)


@dataclass(frozen=True)
class RunBatch:
    """One of the Dagster runs `lakehouse run` makes for a domain: its partitioning and its assets."""

    label: str  # daily, monthly, ... (lakehouse.cli.run_plan.label)
    keys: tuple[str, ...]  # asset keys as `--select` takes them

    @property
    def select(self) -> str:
        return ",".join(self.keys)


def run_batches(group: str) -> list[RunBatch]:
    """The runs `lakehouse run <group>` makes, in its order (its plan, on the definitions it loads).

    Imports `lakehouse.definitions` (every domain: a few seconds), so call it once.
    """
    from lakehouse.cli.run_plan import domain_assets, label, plan
    from lakehouse.definitions import defs

    return [RunBatch(label(batch.partitions_def), tuple(key.to_user_string() for key in batch.keys))
            for batch in plan(domain_assets(defs.resolve_asset_graph(), group))]  # fmt: skip


def lakehouse_run_command(domain: str, start: date | None = None, end: date | None = None) -> list[str]:
    """`lakehouse run DOMAIN [--from start] [--to end]` for this interpreter."""
    days = [*(["--from", start.isoformat()] if start else []), *(["--to", end.isoformat()] if end else [])]
    return [sys.executable, "-m", "lakehouse.cli", "run", domain, *days]


# What `lakehouse run` prints of each Dagster run it made: "shop [daily 2024-01-01...2024-12-31] run
# 1a2b3c4d succeeded in 1:02", and of a partitioning it left out: "shop [monthly] no complete ...: not run".
_CLI_RUN = re.compile(r"^\S+ \[(\w+) (\S+)\.\.\.(\S+)\] run ([0-9a-f]{8}) succeeded in ((?:\d+:)?\d+:\d\d)$", re.MULTILINE)
_CLI_NOT_RUN = re.compile(r"^\S+ \[(\w+)\] (no complete partition .*: not run)$", re.MULTILINE)


def cli_runs(log: Path) -> tuple[list[dict], list[str]]:
    """The Dagster runs one `lakehouse run` printed as succeeded (partitioning, partition keys, run id,
    seconds as printed: to the second, from the launch of its `dagster asset materialize`, so with
    that process's start-up), and the partitionings it left out, from its output."""
    text = log.read_text(errors="replace")
    runs = [
        {"partitioning": kind, "partitions": f"{low}...{high}", "run_id": run_id,
         "printed_seconds": sum(int(part) * 60**i for i, part in enumerate(reversed(took.split(":"))))}
        for kind, low, high, run_id, took in _CLI_RUN.findall(text)
    ]  # fmt: skip
    return runs, [f"{kind}: {why}" for kind, why in _CLI_NOT_RUN.findall(text)]


def command_runs(breakdown: dict | None, measured: Measured) -> list[dict]:
    """The runs of one `lakehouse run` command: from the Dagster instance, else as the command printed them."""
    if breakdown and breakdown.get("runs"):
        return breakdown["runs"]
    return cli_runs(measured.log)[0]


def runs_text(runs: list[dict]) -> str:
    """'daily 2025-01-01...2025-01-01 (12.3 s) + monthly ...': the Dagster runs of one command."""
    def seconds(run: dict) -> str:
        exact = run.get("run_seconds")
        return f"{exact:.1f} s" if exact is not None else f"{run['printed_seconds']} s as printed"

    return " + ".join(f"{run.get('partitioning') or '?'} {run.get('partitions') or '?'} ({seconds(run)})" for run in runs) or "no run"


@dataclass
class NewDays:
    """What `time_new_days` measured: the timed runs of each new day and the untimed backfills."""

    short: list[Measured]
    long: list[Measured]
    backfills: list[Measured]  # [first, short_day) in one run, then (short_day, long_day)
    splits: dict[str, dict | None] = field(default_factory=dict)  # each timed day's last run, split
    breakdowns: list[dict | None] = field(default_factory=list)  # `dagster_breakdown` of the first backfill, short day's last run
    after_first: dict = field(default_factory=dict)  # what `after_first` returned


def time_new_days(
    scenario: Scenario, first: date, short_day: date, long_day: date, repeats: int,
    after_first: Callable[[], dict] | None = None,
    run: Callable[[str, date, date | None], Measured] | None = None,
    breakdown: Callable[[Scenario, Measured], dict | None] | None = None,
) -> NewDays:
    """One new day after a short and after a long history, both grown in ONE warehouse from one landing.

    Backfill [first, short_day) in one run, time `short_day` (`repeats` runs: a re-run is
    idempotent), backfill the days up to `long_day`, time `long_day`. So the two timed days see the
    same landing files, and differ only in how much history the warehouse holds; and the short
    history is built once, not twice (it is the first part of the long one). `after_first` is
    called once the first backfill has run (the warehouse then holds exactly [first, short_day)),
    e.g. to compare its tables with a baseline over the same days; its figures are kept.
    `run(name, start, end)` makes one range run (one day when `end` is None; default:
    `scenario.materialize`), `breakdown` tells where its time went (default: `dagster_breakdown`).
    """
    run = run or scenario.materialize
    breakdown_of = breakdown or dagster_breakdown
    runs: dict[date, list[Measured]] = {short_day: [], long_day: []}
    backfills, splits, breakdowns, figures = [], {}, [], {}
    start = first
    for day in (short_day, long_day):
        progress(f"{scenario.name}: backfilling {start}...{day - timedelta(days=1)} in one run")
        backfills.append(run(f"backfill_to_{day}", start, day - timedelta(days=1)))
        progress(f"{scenario.name}: backfill {backfills[-1].seconds:.1f} s")
        if day == short_day:
            breakdowns.append(breakdown_of(scenario, backfills[-1]))
            print_breakdown(f"{scenario.name} backfill {start}...{day - timedelta(days=1)}",
                            backfills[-1].seconds, breakdowns[-1])  # fmt: skip
            if after_first is not None:
                figures = after_first()
        for repeat in range(1, repeats + 1):
            measured = run(f"day_{day}_run{repeat}", day, None)
            runs[day].append(measured)
            progress(f"{scenario.name}: new day {day} after {(day - first).days} days of history, run "
                     f"{repeat}/{repeats}: {measured.seconds:.1f} s, peak RSS {measured.peak_rss_mb:,.0f} MB")
        breakdown = breakdown_of(scenario, runs[day][-1])
        print_breakdown(f"{scenario.name} {day}", runs[day][-1].seconds, breakdown)
        splits[day.isoformat()] = (breakdown or {}).get("time_split")
        if day == short_day:
            breakdowns.append(breakdown)
        start = day + timedelta(days=1)
    return NewDays(runs[short_day], runs[long_day], backfills, splits, breakdowns, figures)


def new_days_fields(measured: NewDays, short_day: date, long_day: date, years: tuple[int, int]) -> dict:
    """The JSON fields of `time_new_days` both benchmarks print (`incremental_ratio`: long / short medians)."""
    long_median = statistics.median(m.seconds for m in measured.long)
    short_median = statistics.median(m.seconds for m in measured.short)
    return {
        "incremental_ratio": ratio(long_median, short_median),
        "incremental_long_seconds": round(long_median, 2),
        "incremental_short_seconds": round(short_median, 2),
        "incremental_long_runs": [round(m.seconds, 2) for m in measured.long],
        "incremental_short_runs": [round(m.seconds, 2) for m in measured.short],
        "incremental_long_day": long_day.isoformat(),
        "incremental_short_day": short_day.isoformat(),
        "incremental_history_years": list(years),
        "incremental_backfill_seconds": [round(m.seconds, 2) for m in measured.backfills],
        "incremental_peak_rss_mb": [
            round(max(m.peak_rss_mb for m in measured.long), 1),
            round(max(m.peak_rss_mb for m in measured.short), 1),
        ],
        "incremental_one_warehouse": True,
        "incremental_time_split": measured.splits,
    }


def timed_days(
    scenario: Scenario, measured: NewDays, short_day: date, long_day: date, batches: Sequence[RunBatch]
) -> tuple[dict, dict]:
    """What `time_new_days` timed, run by run: each timed day's last command (its Dagster runs, the
    partitionings it left out, its steps' seconds), and the steps slower after the long history than
    after the short one (seconds more, most first)."""
    timed = {}
    for day, runs in ((short_day, measured.short), (long_day, measured.long)):
        breakdown = measured.breakdowns[1] if day == short_day else cli_breakdown(scenario, runs[-1], batches)
        timed[day.isoformat()] = {"runs": command_runs(breakdown, runs[-1]), "not_run": cli_runs(runs[-1].log)[1],
                                  "steps": (breakdown or {}).get("steps")}  # fmt: skip
    long_steps, short_steps = timed[long_day.isoformat()]["steps"] or {}, timed[short_day.isoformat()]["steps"] or {}
    growth = {step: round(long_steps[step] - took, 2) for step, took in short_steps.items()
              if took is not None and long_steps.get(step) is not None}  # fmt: skip
    return timed, dict(sorted(((k, v) for k, v in growth.items() if v > 0), key=lambda kv: -kv[1]))


def new_day(first: date, years: int, days_per_year: int | None) -> date:
    """The timed new day after `years` of history from `first`: the first day after its last calendar
    year (or, with `--days N`, after `years` "years" of N days)."""
    if days_per_year is None:
        return date(first.year + years, 1, 1)
    return first + timedelta(days=years * days_per_year)


def _run_facts(instance, run) -> dict:
    """One Dagster run's id, seconds, step spans, check steps and event count; its run and step windows."""
    from dagster import DagsterEventType

    stats = instance.get_run_stats(run.run_id)
    steps = instance.get_run_step_stats(run.run_id)
    records = instance.get_records_for_run(run.run_id).records  # every event: counted, and read once
    span = lambda a, b: round(b - a, 2) if a is not None and b is not None else None
    kinds = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION}
    produced: dict[str, set] = {}
    for record in records:
        entry = record.event_log_entry
        if entry.dagster_event_type in kinds:
            produced.setdefault(entry.step_key, set()).add(entry.dagster_event_type)
    checks = {key for key, types in produced.items() if DagsterEventType.ASSET_MATERIALIZATION not in types}
    return {
        "run_id": run.run_id[:8],
        "run_seconds": span(stats.start_time, stats.end_time),
        "steps": {s.step_key: span(s.start_time, s.end_time) for s in steps},
        "check_steps": sorted(checks),
        "dagster_events": len(records),
        "window": (stats.start_time, stats.end_time),
        "step_windows": {s.step_key: (s.start_time, s.end_time) for s in steps if s.start_time and s.end_time},
    }


def dagster_breakdown(scenario: Scenario, measured: Measured) -> dict | None:
    """Where the latest run's time went: run and step spans, and `spark_events.time_split` of its wall time."""
    try:
        from dagster import DagsterInstance

        with DagsterInstance.from_config(str(scenario.dagster_home)) as instance:
            facts = _run_facts(instance, instance.get_runs(limit=1)[0])
    except Exception as error:  # noqa: BLE001 - informational only: never fail the benchmark on it
        return {"error": repr(error)[:200]}
    window, windows = facts.pop("window"), facts.pop("step_windows")
    split = None
    if None not in window:
        jobs, ready = scenario.jobs(measured)
        split = time_split(measured.seconds, window, windows, set(facts["check_steps"]), jobs, ready)
    return {**facts, "time_split": split}


def cli_breakdown(scenario: Scenario, measured: Measured, batches: Sequence[RunBatch] = ()) -> dict | None:
    """Where one `lakehouse run` command's time went: the Dagster runs it made (one per partitioning),
    each with its partitioning (the one of `batches` with its assets), partitions, seconds and
    steps, and their steps and seconds together. Any subprocess that made Dagster runs will do.

    The runs are those created while it ran. No `time_split`: it splits one run's wall time, and
    the command's wall time holds several runs (and the CLI's own start and summaries around them).
    """
    printed = {run["run_id"]: run for run in cli_runs(measured.log)[0]}
    labels = {frozenset(batch.keys): batch.label for batch in batches}
    try:
        from dagster import DagsterInstance, RunsFilter
        from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG, PARTITION_NAME_TAG

        since = datetime.fromtimestamp(measured.started - 5, timezone.utc)  # room for clock rounding
        until = datetime.fromtimestamp(measured.started + measured.seconds + 5, timezone.utc)
        with DagsterInstance.from_config(str(scenario.dagster_home)) as instance:
            found = instance.get_runs(filters=RunsFilter(created_after=since, created_before=until), limit=100)
            runs = []
            for run in reversed(found):  # oldest first: the CLI's order
                facts = _run_facts(instance, run)
                selected = frozenset(key.to_user_string() for key in run.asset_selection or ())
                low, high = run.tags.get(ASSET_PARTITION_RANGE_START_TAG), run.tags.get(ASSET_PARTITION_RANGE_END_TAG)
                one = run.tags.get(PARTITION_NAME_TAG)
                facts.update(partitioning=labels.get(selected), partitions=f"{low}...{high}" if low else (f"{one}...{one}" if one else None))
                runs.append(facts)
    except Exception as error:  # noqa: BLE001 - informational only: never fail the benchmark on it
        return {"error": repr(error)[:200]}
    for run in runs:
        run.pop("window"), run.pop("step_windows")
        run.update({key: value for key, value in printed.get(run["run_id"], {}).items() if key != "run_id"})
    seconds = [run["run_seconds"] for run in runs]
    return {
        "run_id": "+".join(run["run_id"] for run in runs),
        "run_seconds": round(sum(seconds), 2) if runs and None not in seconds else None,
        "steps": {step: took for run in runs for step, took in run["steps"].items()},
        "check_steps": sorted(step for run in runs for step in run["check_steps"]),
        "dagster_events": sum(run["dagster_events"] for run in runs),
        "time_split": None,
        "runs": [{key: value for key, value in run.items() if key not in ("steps", "check_steps")} for run in runs],
    }


_EVENT = re.compile(
    r"^(?:.*\] *)?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+0000 - dagster - \w+ - \S+ - [0-9a-f-]+ - \d+ - "
    r"(\S+) - ASSET_MATERIALIZATION ",
    re.MULTILINE,
)


def materialization_events(log: Path) -> dict[str, tuple[int, int]]:
    """Per step: (ASSET_MATERIALIZATION events, seconds from its first to its last), from the log."""
    spans: dict[str, list] = {}
    for stamp, step in _EVENT.findall(log.read_text(errors="replace")):
        when = datetime.fromisoformat(stamp)
        entry = spans.setdefault(step, [0, when, when])
        entry[0] += 1
        entry[2] = when
    return {step: (n, int((last - first).total_seconds())) for step, (n, first, last) in spans.items()}


def baseline_and_backfill(scenario: Scenario, first: date, last: date):
    """The domain's baseline over [first, last], then ONE Dagster run over the same days; (baseline, run, breakdown).

    Both are printed as they finish, the run with its breakdown (`print_breakdown`).
    """
    name = scenario.name
    progress(f"{name}: baseline (plain PySpark, with the checks' rules) over {first}..{last}")
    base = scenario.baseline(first, last)
    progress(f"{name}: baseline {base.seconds:.1f} s, peak RSS {base.peak_rss_mb:,.0f} MB")
    progress(f"{name}: Dagster CLI backfill {first}...{last} ({(last - first).days + 1} partitions) in one run")
    run = scenario.materialize("backfill", first, last)
    breakdown = dagster_breakdown(scenario, run)
    progress(f"{name}: Dagster {run.seconds:.1f} s, peak RSS {run.peak_rss_mb:,.0f} MB")
    print_breakdown(name, run.seconds, breakdown)
    return base, run, breakdown


def per_partition_ms(range_steps: dict, day_steps: dict, partitions: int, skip: Sequence[str] = ()) -> dict[str, float]:
    """Each step's cost of one more partition: (its seconds in a range run - in a one-day run) / (partitions - 1), in ms.

    Steps in `skip` (check steps) and steps missing from either run are left out.
    """
    return {
        step: round(1000 * (seconds - day_steps[step]) / (partitions - 1), 1)
        for step, seconds in range_steps.items()
        if step not in skip and seconds is not None and day_steps.get(step) is not None and partitions > 1
    }


def years_that_fit(first: date, today: date) -> int:
    """Whole calendar years of history from `first` whose next day (the timed new day) is before `today`."""
    years = 0
    while date(first.year + years + 1, 1, 1) < today:
        years += 1
    return years


def choose_history_years(args: argparse.Namespace, first: date, default: int, short: int) -> dict | None:
    """Set `args.history_years` for the long incremental history; None, or the failure's JSON fields.

    `default` when not given; with calendar years (no --days), only as many as end before today
    (Dagster's daily partitions end yesterday): a default beyond them is cut to them with a NOTE,
    a given number beyond them (or one not above `short`) is an ERROR, printed here, so that the
    script fails at once rather than after generating data.
    """
    chosen, args.history_years = args.history_years is not None, args.history_years or default
    if args.skip_incremental or args.days is not None:
        return None
    fits = years_that_fit(first, datetime.now(timezone.utc).date())
    if not chosen and args.history_years > fits:
        args.history_years = fits
        print(f"  NOTE: {default} years of history from {first} would end after yesterday; the long "
              f"incremental scenario uses {fits}", flush=True)
    if not short < args.history_years <= fits:
        print(f"  ERROR: --history-years {args.history_years} needs daily partitions through "
              f"{first.year + args.history_years}-01-01, but they start on {first} and end yesterday, so "
              f"{fits} calendar years fit and the long history needs more than {short}; use "
              f"--history-years {short + 1}..{fits}, or --days N", flush=True)
        return {"error": "history beyond today", "history_years_that_fit": fits}
    return None


def csv_rows(landing: Path, pattern: str = "*.csv") -> dict[str, int]:
    """Data rows (header excluded) of every landing CSV matching `pattern`, by its path under `landing`
    without the suffix (`orderitem`, `orders/orders_2024-01`)."""
    counts = {}
    for path in sorted(landing.glob(pattern)):
        with path.open(newline="") as handle:
            counts[path.relative_to(landing).with_suffix("").as_posix()] = max(0, sum(1 for _ in csv.reader(handle)) - 1)
    return counts


def rows_on(paths: Sequence[Path], column: str, day: date) -> int:
    """Rows of the CSV files `paths` whose `column` (a date or timestamp text) falls on `day`."""
    prefix, count = day.isoformat(), 0
    for path in paths:
        with path.open(newline="") as handle:
            count += sum(1 for row in csv.DictReader(handle) if (row.get(column) or "").startswith(prefix))
    return count


def print_failure(error: BenchFailure) -> None:
    print(f"FAILED: {error}", flush=True)
    if error.log is not None:
        print(f"---- last 40 lines of {error.log} ----")
        print(tail(error.log, 40), end="")
        print("---- end of log ----", flush=True)


# -- what every benchmark script shares ---------------------------------------------------------
def add_run_arguments(parser: argparse.ArgumentParser, full_figures: str, default_out: str) -> None:
    """The flags of both benchmarks beyond their own data sizes: --days, repeats, skips, Spark, timeouts, output."""
    parser.add_argument("--days", type=int, default=None, metavar="N",
                        help="debug, for quick checks of the script: a 'year' is N days. The full backfill "
                        "covers the first N days of its range (all the data of --scale lands in them) and "
                        "an incremental history of Y years is Y*N days; the figures are then no measure "
                        "of anything (default: calendar years)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="timed single-day runs per incremental scenario, alternating; the median counts "
                        "(default: %(default)s, so that `make bench` fits its 30 minutes)")
    parser.add_argument("--skip-full", action="store_true", help=f"skip the full backfill ({full_figures})")
    parser.add_argument("--skip-incremental", action="store_true", help="skip incremental_ratio")
    parser.add_argument("--spark-master", default="local[2]",
                        help="LAKEHOUSE_SPARK_MASTER for every run; '' leaves it unset (default: %(default)s)")
    parser.add_argument("--spark-server", action="store_true",
                        help="run everything against ONE local Spark Connect server with that master "
                        "(`lakehouse spark-server`), started here: warm Spark after the first run, as "
                        "`make bench-quick` uses it; the figures then measure warm runs, and the time split "
                        "counts every Spark job as 'other': Connect jobs carry no call site")
    parser.add_argument("--spark-server-home", type=Path, default=None,
                        help="with --spark-server: the server's folder, shared with the next benchmarks: a server "
                        "already running there is used and left running (`make bench-quick`: one warm Spark for all)")
    # Generous: rainforest's untimed 4-year history backfill is one long subprocess.
    parser.add_argument("--run-timeout", type=float, default=7200,
                        help="seconds before any one subprocess is killed (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"scratch folder (default: {default_out})")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep landing files, tables and Dagster instances (default: only logs stay)")


def check_run_arguments(
    parser: argparse.ArgumentParser, args: argparse.Namespace, short_history_years: int, full_days: int
) -> None:
    """Reject what no benchmark can run: sizes, --days beyond the full range, history lengths, repeats."""
    if args.days is not None and not 3 <= args.days <= full_days:
        parser.error(f"--days must be between 3 and {full_days}")
    if args.scale <= 0 or args.density <= 0:
        parser.error("--scale and --density must be positive")
    # None: the script picks the default itself (rainforest's depends on today's date).
    if args.history_years is not None and args.history_years <= short_history_years:
        parser.error(f"--history-years must be more than {short_history_years}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.skip_full and args.skip_incremental:
        parser.error("nothing to do: both --skip-full and --skip-incremental")


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3)


def print_breakdown(name: str, wall: float, breakdown: dict | None) -> None:
    if not breakdown or "error" in breakdown:
        print(f"  {name}: no run breakdown ({(breakdown or {}).get('error')})")
        return
    run_seconds = breakdown["run_seconds"]
    if run_seconds is not None:
        print(f"  {name}: run {breakdown['run_id']} executed in {run_seconds:.1f} s of {wall:.1f} s wall "
              f"({wall - run_seconds:.1f} s CLI start-up, planning and teardown)")
    if breakdown.get("time_split"):
        split = dict(breakdown["time_split"])
        jobs = split.pop("spark_jobs")
        print(f"  {name}: time split (s; {jobs} Spark jobs, {breakdown['dagster_events']} Dagster events): "
              + ", ".join(f"{key} {value:.1f}" for key, value in split.items()))
    for step, seconds in sorted(breakdown["steps"].items(), key=lambda kv: -(kv[1] or 0))[:STEPS_SHOWN]:
        print(f"    {step:<70}{seconds if seconds is not None else '-':>8}")


# A figure of a domain benchmark: (args, spark, domain, its `lakehouse run` batches, scratch, scenarios) -> JSON fields.
Figure = Callable[[argparse.Namespace, Spark, Domain, list[RunBatch], Path, list[Scenario]], dict]


def domain_bench(
    args: argparse.Namespace, group: str, full: Figure, incremental: Figure,
    print_summary: Callable[[dict, argparse.Namespace], None], budget: float, goals: dict,
    history_years: tuple[int, int],
) -> int:
    """The main of a benchmark of one domain through `lakehouse run` (shop, finance); its exit code.

    The environment, the domain and the runs `lakehouse run <group>` makes; the full figure, then the
    incremental one (each unless --skip-...), in one Spark set-up (`spark_for_runs`) under a scratch
    folder bench/out/<UTC timestamp>-<group>/ (or --out); their data dropped unless --keep-data; the
    summary, then ONE JSON line: every figure plus `goals`, or on failure `ok: false` and why.
    `history_years` is (default long, short) history for `choose_history_years`.
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = (args.out or REPO / "bench" / "out" / f"{stamp}-{group}").absolute()
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()

    env = environment(REPO)
    print_environment(env, args.spark_master, out, args.spark_server)
    domain = load_domain(group)
    print(f"  {'domain':<22}{domain.group}: partitions from {domain.first_partition}, "
          f"{len(domain.tables)} tables", flush=True)

    # Daily partitions end yesterday: a calendar history must too, or its backfill fails late.
    failed = choose_history_years(args, domain.first_partition, *history_years)
    if failed:
        print(json.dumps({"ok": False, "domain": domain.group, **failed, "git_commit": env["git_commit"]}))
        return 2
    batches = run_batches(domain.group)
    print(f"  {'lakehouse run ' + group:<22}" + ", then ".join(f"{b.label} run ({len(b.keys)} assets)" for b in batches),
          flush=True)
    result: dict = {"ok": False, "domain": domain.group}
    scenarios: list[Scenario] = []
    try:
        with spark_for_runs(args, out) as spark:
            if not args.skip_full:
                result.update(full(args, spark, domain, batches, out, scenarios))
            if not args.skip_incremental:
                result.update(incremental(args, spark, domain, batches, out, scenarios))
    except BenchFailure as error:
        print_failure(error)
        print(json.dumps({"ok": False, "domain": domain.group, "error": str(error), "git_commit": env["git_commit"]}))
        return 1
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    finally:
        if not args.keep_data:
            for scenario in scenarios:
                scenario.drop_data()

    total = time.perf_counter() - began
    result.update(run_fields(env, args.spark_master, out, total, budget, args.spark_server), **goals)
    print_summary(result, args)
    emit(result, out, default=str)
    return 0
