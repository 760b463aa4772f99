"""Where a run's time went, from Spark's own event log and the Dagster run's step and event records.

Every benchmark subprocess writes Spark's event log (plain JSON lines) to a folder of its own
(`event_log_conf`). `time_split` then divides one Dagster run's wall time into:

- spark_rules   Spark jobs the quality rules launch (call site in `lakehouse/quality/`): the checks'
                Spark work, whether judged in the asset's audit or in a check step;
- spark_writes  the other jobs of SQL executions that write Parquet: the asset's transform (Spark is
                lazy, so it runs inside the write) and the write itself;
- spark_other   every other job (history and checkpoint reads, small counts);
- check_steps   Dagster check steps less their Spark jobs (reporting a verdict, per-day evaluations);
- spark_start   the asset steps' time until the Spark driver is up (the JVM and the session: the
                first step pays it);
- driver        the rest of the asset steps: Spark planning on the driver, Python, commits and the
                step's Dagster events;
- between_steps the run's time outside any step (run start, step launches, run end);
- cli           the process's wall time outside the run (imports, loading definitions, teardown).

Job times are the union of their intervals (adaptive execution runs a query's stages as
overlapping jobs), so the parts add up to the wall time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RULES = "lakehouse/quality/"


def event_log_conf(folder: Path) -> str:
    """LAKEHOUSE_SPARK_CONF entries that make a Spark application log its events under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return f"spark.eventLog.enabled=true,spark.eventLog.compress=false,spark.eventLog.dir={folder.as_uri()}"


@dataclass(frozen=True)
class Job:
    start: float  # seconds since the epoch, as Dagster's step records
    end: float
    kind: str  # "rules", "writes" or "other"


def read_jobs(folder: Path, window: tuple[float, float] | None = None) -> tuple[list[Job], float | None]:
    """Every finished Spark job of the applications logged under `folder` (only those inside `window`,
    epoch seconds, when given: a shared server's log holds every run's), and when the first driver was up."""
    jobs, ready = [], None
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("appstatus", "."))):
        descriptions, started = {}, {}
        with path.open(errors="replace") as handle:
            for line in handle:
                try:
                    event = json.loads(line)
                except ValueError:  # a running server's log can end in a line still being written
                    continue
                name = event.get("Event", "")
                if name == "SparkListenerBlockManagerAdded" and ready is None:  # the driver's, first
                    ready = event["Timestamp"] / 1000
                elif name.endswith("SQLExecutionStart"):
                    descriptions[event["executionId"]] = event.get("description", "")
                elif name == "SparkListenerJobStart":
                    props = event.get("Properties") or {}
                    site = props.get("callSite.long") or props.get("callSite.short") or ""
                    sql = descriptions.get(int(props.get("spark.sql.execution.id", -1)), "")
                    kind = "rules" if RULES in site else "writes" if sql.startswith(("parquet at", "save at")) else "other"
                    started[event["Job ID"]] = (event["Submission Time"] / 1000, kind)
                elif name == "SparkListenerJobEnd" and event["Job ID"] in started:
                    begin, kind = started.pop(event["Job ID"])
                    jobs.append(Job(begin, event["Completion Time"] / 1000, kind))
    if window is not None:
        jobs = [job for job in jobs if window[0] <= job.start and job.end <= window[1]]
    return jobs, ready


def union_seconds(spans: list[tuple[float, float]]) -> float:
    """The length of the union of (start, end) intervals."""
    total, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total, reach = total + end - start, end
        elif end > reach:
            total, reach = total + end - reach, end
    return total


def _inside(spans: list[tuple[float, float]], windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of `spans` that fall inside any of `windows` (windows do not overlap: steps run one by one)."""
    return [(max(s, a), min(e, b)) for s, e in spans for a, b in windows if s < b and e > a]


def time_split(wall: float, run: tuple[float, float], steps: dict[str, tuple[float, float]],
               check_steps: set[str], jobs: list[Job], ready: float | None) -> dict:
    """The parts of a run's `wall` seconds (see the module docstring), rounded to 0.1 s."""
    step_windows = list(steps.values())
    check_windows = [span for key, span in steps.items() if key in check_steps]
    asset_windows = [span for key, span in steps.items() if key not in check_steps]
    spans = {kind: [(j.start, j.end) for j in jobs if j.kind == kind] for kind in ("rules", "writes", "other")}
    every = [span for kind in spans.values() for span in kind]
    # A job belongs to one kind; overlapping jobs of different kinds are counted once, first kind first.
    counted, split = [], {}
    for kind in ("rules", "writes", "other"):
        split[f"spark_{kind}"] = union_seconds(_inside(counted + spans[kind], step_windows)) - union_seconds(
            _inside(counted, step_windows))
        counted += spans[kind]
    in_checks = union_seconds(_inside(every, check_windows))
    split["check_steps"] = union_seconds(check_windows) - in_checks
    starting = union_seconds(_inside([(run[0], ready)], asset_windows)) if ready else 0.0
    split["spark_start"] = starting
    split["driver"] = union_seconds(asset_windows) - union_seconds(_inside(every, asset_windows)) - starting
    split["between_steps"] = (run[1] - run[0]) - union_seconds(step_windows)
    split["cli"] = wall - (run[1] - run[0])
    split = {key: round(value, 1) for key, value in split.items()}
    split["spark_jobs"] = len(jobs)
    return split


def job_seconds(jobs: list[Job]) -> float:
    """Seconds during which any of `jobs` ran (a baseline's Spark work)."""
    return round(union_seconds([(job.start, job.end) for job in jobs]), 1)
