"""Timing and memory of a subprocess tree, the environment the numbers were taken on, and how a run reports it."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.5
_STARTED = time.perf_counter()


def progress(message: str) -> None:
    """One progress line, prefixed with the seconds since the benchmark started."""
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


class TreeSampler(threading.Thread):
    """Sums the RSS of a process and all its descendants every SAMPLE_SECONDS; keeps the peak."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self._pid = pid
        self._interval = interval
        self._stop_event = threading.Event()
        self.peak_bytes = 0
        self.samples = 0

    def _tree_rss(self) -> int:
        try:
            root = psutil.Process(self._pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:  # exited between listing and reading
                pass
        return total

    def run(self) -> None:
        while True:
            self.peak_bytes = max(self.peak_bytes, self._tree_rss())
            self.samples += 1
            if self._stop_event.wait(self._interval):
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass(frozen=True)
class Measured:
    """What one measured subprocess did."""

    name: str
    seconds: float
    peak_rss_mb: float
    returncode: int
    log: Path
    timed_out: bool = False
    started: float = 0.0  # seconds since the epoch at spawn, to find its Spark jobs in a shared event log

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run_measured(
    name: str, command: list[str], env: dict[str, str], log: Path, cwd: Path, timeout: float,
    heartbeat: float | None = None,
) -> Measured:
    """Run `command` with stdout+stderr to `log`; wall time from spawn to exit, peak tree RSS.

    With `heartbeat`, a progress line every `heartbeat` seconds while it runs: its time so far and
    its log's last line (`lakehouse run` prints one per step, so a long run shows how far it is).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    timed_out = False
    with log.open("w") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        handle.flush()
        began, started = time.perf_counter(), time.time()
        # A session of its own, so a timeout or Ctrl-C can end exactly this tree (Spark JVM included).
        proc = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            returncode = _wait(proc, began, timeout, heartbeat, lambda so_far: progress(
                f"{name}: running for {so_far:.0f} s; log: {_last_line(log)}"))
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            returncode = proc.wait()
        except BaseException:
            _kill_group(proc)
            proc.wait()
            raise
        finally:
            seconds = time.perf_counter() - began
            sampler.stop()
    return Measured(name, seconds, sampler.peak_bytes / 2**20, returncode, log, timed_out, started)


def _wait(proc: subprocess.Popen, began: float, timeout: float, heartbeat: float | None, say) -> int:
    """`proc.wait(timeout)` counted from `began`, calling `say(seconds so far)` every `heartbeat` seconds meanwhile."""
    deadline = began + timeout
    while True:
        left = deadline - time.perf_counter()
        try:
            return proc.wait(timeout=max(0.0, min(left, heartbeat or left)))
        except subprocess.TimeoutExpired:
            if time.perf_counter() >= deadline:
                raise
            say(time.perf_counter() - began)


def _last_line(log: Path, width: int = 160) -> str:
    """The log's last non-blank line, cut to `width` characters."""
    line = tail(log, 1).strip()
    return line if len(line) <= width else line[: width - 3] + "..."


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# Spark's console progress bars ("[Stage 3:=====>   (2 + 2) / 36]"), redrawn with carriage returns.
_PROGRESS_BAR = re.compile(r"\[Stage \d+:[^\]\n]*\]\s*|\r")


def tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log, without Spark's progress bars."""
    try:
        text = _PROGRESS_BAR.sub("", path.read_text(errors="replace"))
    except FileNotFoundError:
        return f"(no log at {path})\n"
    kept = [line for line in text.splitlines(keepends=True) if line.strip()]
    return "".join(kept[-lines:])


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _java_version() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java:
        return None
    try:
        out = subprocess.run([java, "-version"], check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (out.stderr or out.stdout).strip().splitlines()
    return first[0] if first else None


def _git(repo: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], check=False, cwd=repo, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def environment(repo: Path) -> dict:
    """The machine and software the benchmark ran on."""
    commit = _git(repo, "rev-parse", "--short", "HEAD")
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no")
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_total_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "java": _java_version(),
        "pyspark": _version("pyspark"),
        "dagster": _version("dagster"),
        "git_commit": commit,
        "git_dirty": bool(dirty),
    }


def print_environment(env: dict, spark_master: str, out: Path, spark_server: bool = False) -> None:
    """The machine and software a benchmark runs on, its Spark master and scratch folder."""
    print("environment:")
    for key, value in env.items():
        print(f"  {key:<22}{value}")
    print(f"  {'spark_master':<22}{spark_master or '(unset: local[*])'}"
          + (" in ONE local Spark Connect server for every run (--spark-server: warm runs)" if spark_server else ""))
    print(f"  {'scratch':<22}{out}", flush=True)


def run_fields(env: dict, spark_master: str, out: Path, total: float, budget: float, spark_server: bool = False) -> dict:
    """The JSON fields every benchmark ends with: success, time and budget, load, software, scratch."""
    return dict(
        ok=True, total_seconds=round(total, 1), within_budget=total <= budget,
        load_average_start=env["load_average_1_5_15"], load_average_end=[round(x, 2) for x in os.getloadavg()],
        spark_master=spark_master or None, spark_server=spark_server, git_commit=env["git_commit"], git_dirty=env["git_dirty"],
        date=env["date"], cpu_count=env["cpu_count"], memory_total_gb=env["memory_total_gb"],
        python=env["python"], java=env["java"], pyspark=env["pyspark"], dagster=env["dagster"], scratch=str(out),
    )  # fmt: skip


RESULT_FILE = "result.json"  # each script's JSON line is also kept as <its --out folder>/result.json


def emit(result: dict, out: Path, **dumps) -> None:
    """A benchmark's last line: its JSON `result` on stdout, and the same line in `out`/result.json
    (what bench/chart.py plots). `dumps` are json.dumps's options (default=str, sort_keys=True)."""
    line = json.dumps(result, **dumps)
    Path(out).mkdir(parents=True, exist_ok=True)
    Path(out, RESULT_FILE).write_text(line + "\n")
    print(line, flush=True)


def verdict(value: float, goal: float) -> str:
    """Whether a figure meets its goal (at most `goal`), in the summary's words."""
    return f"{'meets' if value <= goal else 'MISSES'} goal <= {goal:g}"


def print_footer(result: dict, budget: float, width: int) -> None:
    """The summary's last lines: total time, load, and warnings when over budget or on a busy machine."""
    total, load, cpus = result["total_seconds"], result["load_average_end"], result["cpu_count"]
    print(f"  {'total':<{width}}{total:.0f} s; logs under {result['scratch']}")
    print(f"  {'load average':<{width}}start {result['load_average_start']}, end {load} on {cpus} CPUs")
    if total > budget:
        print(f"  WARNING: took {total / 60:.1f} min, over the {budget / 60:.0f}-minute budget; "
              "shrink --scale/--history-years or use --skip-full/--skip-incremental")
    if load[0] > (cpus or 1):
        print("  WARNING: the machine was busy (1-min load above the CPU count): timings are inflated and noisy")
