"""The documented CLI in a subprocess: a partition range in one run, then the next single day."""

import os
import subprocess
import sys

from lakehouse_tests.conftest import cli_env
from lakehouse_tests.domains.superstore.test_pipeline import HEADER, LINES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dagster(args, env):
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "lakehouse.definitions",
               "--select", "group:superstore", *args]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_cli_partition_range_then_single_partition(tmp_path, spark):
    landing = tmp_path / "landing" / "superstore"
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("\n".join([HEADER, *LINES]) + "\n")
    (tmp_path / "dagster_home").mkdir()
    env = cli_env(tmp_path, DAGSTER_HOME=str(tmp_path / "dagster_home"), LAKEHOUSE_SPARK_MASTER="local[2]")
    ranged = dagster(["--partition-range", "2015-01-01...2015-01-31"], env)
    assert ranged.returncode == 0, ranged.stderr[-3000:]
    assert ranged.stderr.count("RUN_SUCCESS") == 1  # the whole range is one run
    single = dagster(["--partition", "2015-02-01"], env)
    assert single.returncode == 0, single.stderr[-3000:]

    customers = spark.read.parquet(str(tmp_path / "warehouse" / "gold/superstore/customers"))
    by_day = {r["as_of_date"].isoformat(): r["count"] for r in customers.groupBy("as_of_date").count().collect()}
    assert len(by_day) == 30  # 2015-01-03 .. 2015-02-01 have a customer; 01-01 and 01-02 are empty
    feb1 = customers.filter("as_of_date = '2015-02-01'").collect()
    assert [(r.customer_id, r.segment, r.orders_last_1m, r.orders_lifetime) for r in feb1] == [
        ("AB-10001", "Corporate", 2, 2)
    ]
    # A day whose history was never built is refused, naming the partitions to backfill.
    gap = dagster(["--partition", "2015-03-10"], env)
    assert gap.returncode != 0
    assert "is missing partition(s) 2015-02-02...2015-03-09 (36 partitions)" in gap.stderr
