"""`lakehouse run DOMAIN [--from DAY] [--to DAY]`: every asset of a domain over a range, through Dagster.

Each run is `dagster asset materialize -m lakehouse.definitions --select <the assets>
--partition-range A...B` in a subprocess, against the instance DAGSTER_HOME names (created there
if the folder has none), so `make ui` shows it: one run per partitioning of the domain's assets,
over the partitions overlapping --from..--to, as `run_plan` decides.
--from/--to default to the domain's DEMO_PARTITION_RANGE (its sample data's days).

While a run goes, its events in the instance (polled each second) give a line per step start
and finish; the run's full output goes to $LAKEHOUSE_HOME/logs/<domain>.log. Then the run's
tables and check results. Exit 0 when every run succeeded and no blocking check failed; else 1,
naming the failed steps and checks and the log.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from lakehouse.cli import CliError, dagster_home, day, one_line
from lakehouse.cli.run_plan import Batch, domain_assets, key_range, label, plan
from lakehouse.keys import SUMMARY

HELP = "Materialize every asset of a domain over a range of days through Dagster, showing progress."
POLL_SECONDS = 1.0
LOG_TAIL = 30  # lines of the log shown when dagster fails before it starts a run


def add_arguments(parser) -> None:
    parser.add_argument("domain", help="a registered domain (lakehouse/domains/__init__.py), e.g. superstore")
    parser.add_argument("--from", dest="first", metavar="DAY", type=day,
                        help="first day, YYYY-MM-DD (default: the first day of the domain's DEMO_PARTITION_RANGE)")  # fmt: skip
    parser.add_argument("--to", dest="last", metavar="DAY", type=day,
                        help="last day (default: the last of DEMO_PARTITION_RANGE); partitions not complete yet are left out")  # fmt: skip


def run(args) -> int:
    from lakehouse.domains import DOMAINS
    from lakehouse.settings import Settings

    if args.domain not in DOMAINS:
        raise CliError(f"unknown domain {args.domain!r}: registered are {', '.join(DOMAINS)}")
    domain = DOMAINS[args.domain]
    if args.first and args.last and args.first > args.last:
        raise CliError(f"--from {args.first} is after --to {args.last}")
    settings = Settings.from_env()
    check_landing(settings, args.domain)
    default_first, default_last = map(date.fromisoformat, domain.DEMO_PARTITION_RANGE)
    if hasattr(domain, "waiting_days") and not (args.first or args.last):
        from lakehouse.definitions import drop_folder

        # A domain fed by dropped files runs over the days its waiting files name.
        with drop_folder(settings, args.domain, domain).process_config_and_initialize_cm() as folder:  # EnvVars resolved
            days = domain.waiting_days(folder)
        if not days:
            print(f"{args.domain}: no files waiting in {settings.landing_root / args.domain / 'to_process'}; nothing to run")
            return 0
        default_first, default_last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    first, last = args.first or default_first, args.last or default_last
    if first > last:
        raise CliError(f"--from {first} is after --to {last}")
    return 0 if run_domain(settings, dagster_home(create=True), args.domain, first, last) else 1


def check_landing(settings, domain: str) -> None:
    """A domain read from CSV exports needs some in its landing folder (one read from its database does not)."""
    from lakehouse.domains import DOMAINS

    folder = settings.landing_root / domain
    pattern = getattr(DOMAINS[domain], "LANDING_FILES", "*.csv")
    if domain not in settings.database_domains and not any(folder.glob(pattern)):
        state = f"has no {pattern} files" if folder.is_dir() else "does not exist"
        raise CliError(
            f"the landing folder {folder} {state}: put {domain}'s CSV files there (or set LAKEHOUSE_HOME "
            f"to the folder that holds landing/{domain}/), or generate sample data with "
            f"`python -m lakehouse.datagen {domain}` (make demo does it)"
        )


# --- running and following one run -------------------------------------------------------------


def elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@dataclass
class Progress:
    """Turns a run's events into progress lines: plain lines, or on a terminal a running step's line kept up to date."""

    prefix: str  # "superstore [daily 2015-01-01...2018-12-31]"
    out: object
    started: float  # time.monotonic() at launch
    tty: bool = False
    total: int | None = None
    steps: list = field(default_factory=list)  # the plan's step keys
    numbers: dict = field(default_factory=dict)  # step key -> its number, in order of start
    running: dict = field(default_factory=dict)  # step key -> its start time (event timestamp)
    starting: list = field(default_factory=list)  # steps started in this poll's events, not yet said
    failed_steps: list = field(default_factory=list)  # (step key, message)
    skipped_steps: list = field(default_factory=list)
    failed_checks: dict = field(default_factory=dict)  # "asset check" -> failing count or None
    run_errors: list = field(default_factory=list)  # errors outside any step (a resource that cannot start)
    _open: bool = False  # a terminal line is being rewritten

    def feed(self, entry) -> None:
        from dagster import AssetCheckSeverity, DagsterEventType as T

        event = entry.dagster_event
        kind, step = event.event_type, entry.step_key
        if kind == T.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.blocking and evaluation.severity == AssetCheckSeverity.ERROR:
                failing = evaluation.metadata.get("failing_count")
                name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                if evaluation.partition is None or name not in self.failed_checks:  # the run's summary wins
                    self.failed_checks[name] = failing.value if failing is not None else None
            return
        if kind == T.RESOURCE_INIT_FAILURE:
            self.run_errors.append(error_message(getattr(event.event_specific_data, "error", None)))
            return
        if step is None:
            return
        number = self.numbers.setdefault(step, len(self.numbers) + 1)
        if kind == T.STEP_START:
            self.running[step] = entry.timestamp
            self.starting.append(step)
            return
        if step in self.starting:  # started and ended since the last poll: its end line says it all
            self.starting.remove(step)
        if kind == T.STEP_SUCCESS:
            took = entry.timestamp - self.running.pop(step, entry.timestamp)
            self._line(f"step {self._of(number)} {step} done in {elapsed(took)}")
        elif kind == T.STEP_FAILURE:
            took = entry.timestamp - self.running.pop(step, entry.timestamp)
            message = failure_message(event)
            self.failed_steps.append((step, message))
            self._line(f"step {self._of(number)} {step} FAILED after {elapsed(took)}: {message}")
        elif kind == T.STEP_SKIPPED:
            self.skipped_steps.append(step)
            self._line(f"step {self._of(number)} {step} skipped (what it reads failed)")

    def flush(self) -> None:
        """After a poll's events: a line for each step that started and is still running."""
        for step in self.starting:
            self._line(f"step {self._of(self.numbers[step])} {step} running", live=True)
        self.starting.clear()

    def tick(self) -> None:
        """On a terminal, rewrite the line of the step started last with the time so far."""
        if self.tty and self.running:
            step = max(self.running, key=self.running.get)
            self._line(f"step {self._of(self.numbers[step])} {step} running", live=True)

    def close(self) -> None:
        if self._open:
            self.out.write("\n")
            self._open = False

    def say(self, text: str) -> None:
        """A line of the run's own (not a step's): the prefix, then `text`."""
        self._line(text, with_time=False)

    def _of(self, number: int) -> str:
        return f"{number}/{self.total}" if self.total else str(number)

    def _line(self, text: str, live: bool = False, with_time: bool = True) -> None:
        line = f"{self.prefix} {text}"
        if with_time:
            line += f" ({elapsed(time.monotonic() - self.started)} elapsed)"
        if self.tty:
            self.out.write("\r\033[K" + line + ("" if live else "\n"))
            self._open = live
        else:
            self.out.write(line + "\n")
        self.out.flush()


def failure_message(event) -> str:
    """A failed step's error in one line: the user code's exception, not Dagster's wrapper around it."""
    return error_message(getattr(event.step_failure_data, "error", None))


def error_message(error) -> str:
    """A recorded error (SerializableErrorInfo) in one line, unwrapped from Dagster's exceptions."""
    if error is None:
        return "(no error recorded)"
    while error.cause is not None and error.cls_name and error.cls_name.startswith("Dagster"):
        error = error.cause
    text = re.sub(r"^[\w.]+\.(\w+): ", r"\1: ", one_line(error.message or ""))  # the class without its module
    return text[:500] + ("..." if len(text) > 500 else "")


@dataclass(frozen=True)
class Outcome:
    """How one run ended."""

    run_id: str | None  # None: dagster ended before it started a run
    ok: bool
    problems: tuple[str, ...]  # failed steps and blocking checks, one line each


def launch(instance, domain: str, batch: Batch, keys: tuple[str, str] | None, log: Path, out, tty: bool) -> Outcome:
    """Run `batch` over partition keys `keys` (None: unpartitioned) in a `dagster asset materialize` subprocess."""
    from dagster import DagsterEventType as T

    span = f" {keys[0]}...{keys[1]}" if keys else ""
    progress = Progress(f"{domain} [{label(batch.partitions_def)}{span}]", out, time.monotonic(), tty)
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "lakehouse.definitions",
        "--select", ",".join(key.to_user_string() for key in batch.keys),
    ]  # fmt: skip
    if keys:
        command += ["--partition-range", f"{keys[0]}...{keys[1]}"]
    kinds = {T.STEP_START, T.STEP_SUCCESS, T.STEP_FAILURE, T.STEP_SKIPPED, T.ASSET_CHECK_EVALUATION, T.RESOURCE_INIT_FAILURE}
    launched = datetime.now(timezone.utc) - timedelta(seconds=5)  # created_after, with room for clock rounding
    with log.open("a") as handle:
        handle.write(f"\n==> {progress.prefix}: {' '.join(command)}\n")
        handle.flush()
        progress.say(f"starting ({len(batch.keys)} assets; log: {log})")
        child = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        run_id, cursor = None, None
        try:
            while True:
                ended = child.poll() is not None
                if run_id is None:
                    run_id = find_run(instance, batch, keys, launched)
                    if run_id:
                        progress.steps = plan_steps(instance, run_id)
                        progress.total = len(progress.steps)
                        progress.say(f"run {run_id[:8]}: {progress.total or '?'} steps")
                if run_id:
                    cursor = _follow(instance, run_id, cursor, kinds, progress)
                if ended:
                    break
                progress.tick()
                time.sleep(POLL_SECONDS)
        except BaseException:
            _stop(child)
            progress.close()
            raise
    progress.close()
    return _outcome(instance, progress, run_id, child.returncode, log)


def find_run(instance, batch: Batch, keys: tuple[str, str] | None, after: datetime) -> str | None:
    """The run our subprocess created: same assets and range tags, created since the launch."""
    from dagster import RunsFilter
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    tags = {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[1]} if keys else {}
    runs = instance.get_runs(filters=RunsFilter(tags=tags, created_after=after), limit=20)
    wanted = set(batch.keys)
    matching = [run for run in runs if set(run.asset_selection or ()) == wanted]
    return matching[-1].run_id if matching else None  # newest first: the earliest since launch is ours


def plan_steps(instance, run_id: str) -> list[str]:
    """The step keys of the run's execution plan."""
    run = instance.get_run_by_id(run_id)
    snapshot_id = run.execution_plan_snapshot_id if run else None
    if not snapshot_id:
        return []
    return [step.key for step in instance.get_execution_plan_snapshot(snapshot_id).steps]


def _follow(instance, run_id: str, cursor, kinds, progress: Progress):
    """Feed the run's new events to `progress`; the cursor after them."""
    while True:
        connection = instance.get_records_for_run(run_id, cursor=cursor, of_type=kinds, limit=1000)
        for record in connection.records:
            progress.feed(record.event_log_entry)
        cursor = connection.cursor or cursor
        if not connection.has_more:
            progress.flush()
            return cursor


def _stop(child: subprocess.Popen) -> None:
    """Interrupt the run as Ctrl-C would (Dagster marks it canceled), then kill it if it lingers."""
    import signal

    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _outcome(instance, progress: Progress, run_id: str | None, code: int, log: Path) -> Outcome:
    from dagster import DagsterRunStatus

    took = elapsed(time.monotonic() - progress.started)
    if run_id is None:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-LOG_TAIL:])
        progress.say(f"dagster exited with code {code} before it started a run; the log ends:\n{tail}")
        return Outcome(None, False, (f"dagster exited with code {code} before starting a run",))
    run = instance.get_run_by_id(run_id)
    status = run.status if run else None
    problems = [f"resources could not start: {message}" for message in progress.run_errors]
    problems += [f"failed step {step}: {message}" for step, message in progress.failed_steps]
    for name, failing in sorted(progress.failed_checks.items()):
        problems.append(f"blocking check failed: {name}" + (f" ({failing} failing)" if failing is not None else ""))
    ok = code == 0 and status == DagsterRunStatus.SUCCESS and not problems
    if ok:
        progress.say(f"run {run_id[:8]} succeeded in {took}")
    else:
        if not problems:
            problems.append(f"run {status.value if status else 'not recorded'}, dagster exit code {code}")
        not_run = [step for step in progress.steps if step not in progress.numbers] + progress.skipped_steps
        if not_run:
            problems.append(f"not run: {', '.join(not_run)}")
        progress.say(f"run {run_id[:8]} FAILED after {took}:" + "".join(f"\n  {p}" for p in problems))
    return Outcome(run_id, ok, tuple(problems))


# --- a domain: its runs, one after the other ---------------------------------------------------


def run_domain(settings, home: Path, domain: str, first: date, last: date, out=None) -> bool:
    """Every asset of `domain` over days first..last, one run per partitioning; progress and summaries to `out`."""
    from dagster import DagsterInstance

    from lakehouse.definitions import defs

    out = out or sys.stdout
    tty = out.isatty()
    batches = plan(domain_assets(defs.resolve_asset_graph(), domain))
    if not batches:
        raise CliError(f"domain {domain} has no assets in its group {domain!r}")
    ranges = [None if b.partitions_def is None else key_range(b.partitions_def, first, last) for b in batches]
    partitioned = [r for b, r in zip(batches, ranges) if b.partitions_def is not None]
    if partitioned and not any(partitioned):
        raise CliError(f"{domain} has no complete partition between {first} and {last}")
    log_dir = settings.home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{domain}.log"
    log.write_text(f"lakehouse run {domain} --from {first} --to {last}\n")
    ok = True
    with DagsterInstance.from_config(str(home)) as instance:
        for batch, keys in zip(batches, ranges):
            name = f"{domain} [{label(batch.partitions_def)}]"
            if batch.partitions_def is not None and keys is None:
                print(f"{name} no complete partition between {first} and {last}: not run", file=out, flush=True)
                continue
            if not ok:
                print(f"{name} not run: an earlier run of {domain} failed", file=out, flush=True)
                continue
            outcome = launch(instance, domain, batch, keys, log, out, tty)
            ok &= outcome.ok
            if outcome.run_id:
                print("\n".join(summarize(instance, outcome.run_id)), file=out, flush=True)
            if not outcome.ok:
                print(f"{domain}: full log: {log}", file=out, flush=True)
    return ok


def _records(instance, run_id: str, event_type) -> list:
    records = instance.get_records_for_run(run_id, of_type=event_type, limit=100_000).records
    return [record.event_log_entry for record in records]


def summarize(instance, run_id: str) -> list[str]:
    """Tables (partitions, rows) and check results of one run, as printable lines."""
    from dagster import DagsterEventType

    tables: dict[str, list] = {}
    said: dict[str, str] = {}  # asset -> its SUMMARY line (a range run repeats it on every day's event)
    for entry in _records(instance, run_id, DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.dagster_event.event_specific_data.materialization
        meta = materialization.metadata
        if SUMMARY in meta:
            said[materialization.asset_key.to_user_string()] = meta[SUMMARY].value
        partitions = meta["partitions_written"].value if "partitions_written" in meta else "-"
        table = tables.setdefault(materialization.asset_key.to_user_string(), [partitions, 0])
        rows = meta.get("dagster/row_count")
        table[1] += rows.value if rows else 0  # each day's event carries that day's rows
    width = max([45, *(len(key) + 2 for key in tables)])
    lines = [f"  {'table':<{width}}{'partitions':>11}{'rows':>12}"]
    lines += [f"  {key:<{width}}{p:>11}{rows:>12,}" for key, (p, rows) in sorted(tables.items())]
    lines += [f"  {key}: {text}" for key, text in sorted(said.items())]
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
        checks.append(f"  {asset:<45}{name:<36} {verdict}{detail}")
    passed = sum(1 for line in checks if line.endswith("passed"))
    lines.append(f"  checks: {passed} passed, {len(checks) - passed} not passed")
    return lines + sorted(checks)

