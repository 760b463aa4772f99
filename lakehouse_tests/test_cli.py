"""The documented CLIs in a subprocess: `lakehouse run` over a range (one run, its progress lines), then
the raw `dagster asset materialize` for the next single day, then `lakehouse run` on a day whose
history was never built, which fails naming the step."""

import os
import re
import subprocess
import sys

from lakehouse_tests.conftest import cli_env
from lakehouse_tests.domains.superstore.test_pipeline import HEADER, LINES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Every step of the superstore run: its assets (silver is one multi-asset), then each check's own step.
STEPS = {
    "bronze__superstore__order_lines",
    "bronze__superstore__order_lines_rejects",
    "silver_order_lines",
    "silver__superstore__order_lines_mean_sales_per_day_below_100k",
    "silver__superstore__order_lines_schema",
    "silver__superstore__order_lines_silver_row_accounting",
    "gold__superstore__customers",
    "gold__superstore__sales",
    "gold__superstore__customers_customer_id_unique",
    "gold__superstore__customers_order_counts_ordered",
    "gold__superstore__customers_schema",
    "gold__superstore__sales_order_id_unique",
    "gold__superstore__sales_schema",
}
PROGRESS = re.compile(r"^superstore \[daily (\S+)\] step (\d+)/13 (\S+) (running|done in \d+:\d\d|FAILED after|skipped)")


def dagster(args, env):
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "lakehouse.definitions",
               "--select", "group:superstore", *args]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


def lakehouse_run(args, env):
    command = [sys.executable, "-m", "lakehouse.cli", "run", "superstore", *args]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_lakehouse_run_range_then_dagster_single_partition_then_a_failing_run(tmp_path, spark):
    landing = tmp_path / "landing" / "superstore"
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("\n".join([HEADER, *LINES]) + "\n")
    # A folder that holds no instance yet: `lakehouse run` writes the batched SQLite one there.
    env = cli_env(tmp_path, DAGSTER_HOME=str(tmp_path / "dagster_home"), LAKEHOUSE_SPARK_MASTER="local[2]")
    ranged = lakehouse_run(["--from", "2015-01-01", "--to", "2015-01-31"], env)
    assert ranged.returncode == 0, ranged.stdout[-3000:] + ranged.stderr[-3000:]
    progress = [m for m in map(PROGRESS.match, ranged.stdout.splitlines()) if m]
    assert {m[3] for m in progress} == STEPS
    assert {m[1] for m in progress} == {"2015-01-01...2015-01-31"}
    assert {(m[3], m[2]) for m in progress if m[4].startswith("done")} == {(m[3], m[2]) for m in progress}
    assert "run " in ranged.stdout and " succeeded in " in ranged.stdout
    assert "  checks: 8 passed, 0 not passed" in ranged.stdout
    log = (tmp_path / "logs" / "superstore.log").read_text()
    assert log.count("RUN_SUCCESS") == 1  # the whole range is one run; its full log is in the file
    assert (tmp_path / "dagster_home" / "dagster.yaml").read_text().count("BatchedSqliteStorage") == 1
    single = dagster(["--partition", "2015-02-01"], env)
    assert single.returncode == 0, single.stderr[-3000:]

    customers = spark.read.parquet(str(tmp_path / "warehouse" / "gold/superstore/customers"))
    by_day = {r["as_of_date"].isoformat(): r["count"] for r in customers.groupBy("as_of_date").count().collect()}
    assert len(by_day) == 30  # 2015-01-03 .. 2015-02-01 have a customer; 01-01 and 01-02 are empty
    feb1 = customers.filter("as_of_date = '2015-02-01'").collect()
    assert [(r.customer_id, r.segment, r.orders_last_1m, r.orders_lifetime) for r in feb1] == [
        ("AB-10001", "Corporate", 2, 2)
    ]
    # A day whose history was never built is refused, naming the partitions to backfill; exit 1
    # names the failed step, what it kept from running, and the log.
    gap = lakehouse_run(["--from", "2015-03-10", "--to", "2015-03-10"], env)
    assert gap.returncode == 1, gap.stdout[-3000:]
    assert re.search(r"\n  failed step gold__superstore__customers: MissingPartitionsError: .*is missing partition\(s\) "
                     r"2015-02-02\.\.\.2015-03-09 \(36 partitions\)", gap.stdout), gap.stdout[-3000:]
    not_run = re.search(r"\n  not run: (.*)\n", gap.stdout)[1].split(", ")
    assert sorted(not_run) == sorted(step for step in STEPS if step.startswith("gold__superstore__customers_"))
    assert f"superstore: full log: {tmp_path / 'logs' / 'superstore.log'}" in gap.stdout
    assert "RUN_FAILURE" in (tmp_path / "logs" / "superstore.log").read_text()
