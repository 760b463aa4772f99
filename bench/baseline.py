"""The no-orchestration baseline: the superstore pipeline as one plain PySpark script.

Same Spark configuration (`spark_conf(Settings.from_env())`), same landing reader, same pure
transformation functions and the same Hive-partitioned Parquet layout as the Dagster IO manager
(`plain_spark`), and the domain's 8 asset checks judging the rows written (`domain_checks`), but
no Dagster run, no staging/markers and no metadata. Each layer is read back from the Parquet the
previous one wrote, as the IO manager does between assets; a check runs once its tables are.

    python bench/baseline.py --out DIR --start 2015-01-01 --end 2018-12-31
(LAKEHOUSE_HOME and LAKEHOUSE_SPARK_* are read from the environment, as in the Dagster runs.)
Exits 1 when a check fails, as the Dagster run fails at a failing blocking check.
"""

from __future__ import annotations

import datetime
import os
import sys

from domain_checks import CheckRunner, plan
from plain_spark import Steps, baseline_arguments, read_back, session, write_partitioned, write_table
from pyspark.sql import functions as F

from lakehouse.domains.superstore.checks import CHECKS

from lakehouse.domains.superstore.transforms import (
    to_bronze,
    to_customers_snapshot,
    to_gold_sales,
    to_silver,
)
from lakehouse.resources.landing import LandingFiles
from lakehouse.settings import Settings

DOMAIN = "superstore"
# Same relative layout as the warehouse the IO manager writes.
TABLES = {
    "bronze_lines": ("bronze", DOMAIN, "order_lines"),
    "bronze_rejects": ("bronze", DOMAIN, "order_lines_rejects"),
    "silver_lines": ("silver", DOMAIN, "order_lines"),
    "silver_rejects": ("silver", DOMAIN, "order_lines_rejects"),
    "gold_sales": ("gold", DOMAIN, "sales"),
    "gold_customers": ("gold", DOMAIN, "customers"),
}


def main(argv: list[str] | None = None) -> int:
    args = baseline_arguments(__doc__.splitlines()[0], argv)
    start, end = args.start, args.end
    paths = {name: os.path.join(args.out, *parts) for name, parts in TABLES.items()}

    steps = Steps("baseline")
    settings = Settings.from_env()
    spark = session(settings)
    steps.done(f"spark session up ({spark.conf.get('spark.master')})")

    checks = CheckRunner(plan(CHECKS), steps.done)
    tables = {}  # asset key -> the table as read back, for the checks

    def written(name: str, frame):
        tables[TABLES[name]] = frame
        return frame

    raw = LandingFiles(root=str(settings.landing_root)).read_csv(spark, DOMAIN)
    placed, bronze_rejects = to_bronze(raw, ingested_at=datetime.datetime.now(datetime.UTC))
    day = F.col("partition_date")
    after_end = end + datetime.timedelta(days=1)
    bronze = placed.filter((day >= F.lit(start)) & (day < F.lit(after_end)))
    write_partitioned(bronze, "partition_date", paths["bronze_lines"])
    steps.done("bronze order lines written")
    write_table(bronze_rejects, paths["bronze_rejects"])
    steps.done("bronze rejects written")

    silver, silver_rejects = to_silver(written("bronze_lines", read_back(bronze, paths["bronze_lines"])))
    write_partitioned(silver, "order_date", paths["silver_lines"])
    steps.done("silver order lines written")
    write_partitioned(silver_rejects, "partition_date", paths["silver_rejects"])
    steps.done("silver rejects written")
    written("silver_rejects", read_back(silver_rejects, paths["silver_rejects"]))

    lines = written("silver_lines", read_back(silver, paths["silver_lines"]))
    checks.run_ready(tables)
    sales = to_gold_sales(lines)
    write_partitioned(sales, "order_date", paths["gold_sales"])
    steps.done("gold sales written")
    written("gold_sales", read_back(sales, paths["gold_sales"]))
    customers = to_customers_snapshot(lines, None, start, end)
    write_partitioned(customers, "as_of_date", paths["gold_customers"])
    steps.done("gold customers written")
    written("gold_customers", read_back(customers, paths["gold_customers"]))
    checks.run_ready(tables)

    spark.stop()
    if checks.pending:  # the domain gained a check on a table the baseline does not hand over
        raise RuntimeError(f"checks never run: {[c.label for c in checks.pending]}")
    steps.done(f"done: {len(checks.passed)} checks passed, {len(checks.failed)} failed {checks.failed or ''}")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
