"""The no-orchestration baseline: the superstore pipeline as one plain PySpark script.

Same Spark configuration (`spark_conf(Settings.from_env())`), same landing reader, same pure
transformation functions and the same Hive-partitioned Parquet layout as the Dagster IO manager
(`plain_spark.Warehouse`, from the domain's Definitions), and the domain's 8 asset checks judging
the rows written (`domain_checks`), but no Dagster run, no staging/markers and no metadata. Each
layer is read back from the Parquet the previous one wrote, as the IO manager does between
assets; a check runs once its tables are.

    python bench/baseline.py --out DIR --start 2015-01-01 --end 2018-12-31
(LAKEHOUSE_HOME and LAKEHOUSE_SPARK_* are read from the environment, as in the Dagster runs.)
Exits 1 when a check fails, as the Dagster run fails at a failing blocking check.
"""

from __future__ import annotations

import datetime
import sys

from domain_checks import CheckRunner, plan
from plain_spark import Steps, Warehouse, baseline_arguments, session
from pyspark.sql import functions as F

from lakehouse.domains import superstore
from lakehouse.domains.superstore.checks import CHECKS
from lakehouse.domains.superstore.contracts import keys
from lakehouse.domains.superstore.transforms import (
    to_bronze,
    to_customers_snapshot,
    to_gold_sales,
    to_silver,
)
from lakehouse.resources.landing import LandingFiles
from lakehouse.settings import Settings

DOMAIN = "superstore"


def main(argv: list[str] | None = None) -> int:
    args = baseline_arguments(__doc__.splitlines()[0], argv)
    start, end = args.start, args.end

    steps = Steps("baseline")
    settings = Settings.from_env()
    spark = session(settings)
    steps.done(f"spark session up ({spark.conf.get('spark.master')})")

    tables = Warehouse(args.out, superstore.defs, steps, CheckRunner(plan(CHECKS), steps.done))
    raw = LandingFiles(root=str(settings.landing_root)).read_csv(spark, DOMAIN)
    placed, bronze_rejects = to_bronze(raw, ingested_at=datetime.datetime.now(datetime.UTC))
    day = F.col("partition_date")
    after_end = end + datetime.timedelta(days=1)
    bronze = tables.save(keys.BRONZE_LINES, placed.filter((day >= F.lit(start)) & (day < F.lit(after_end))))
    tables.save(keys.BRONZE_REJECTS, bronze_rejects)

    silver, silver_rejects = to_silver(bronze)
    lines = tables.save(keys.SILVER_LINES, silver)
    tables.save(keys.SILVER_REJECTS, silver_rejects)
    tables.judge()
    tables.save(keys.GOLD_SALES, to_gold_sales(lines))
    tables.save(keys.GOLD_CUSTOMERS, to_customers_snapshot(lines, None, start, end))
    tables.judge()

    spark.stop()
    return tables.finish()


if __name__ == "__main__":
    sys.exit(main())
