"""The no-orchestration baseline: the superstore pipeline as one plain PySpark script.

Same Spark configuration (`spark_conf(Settings.from_env())`), same landing reader, same pure
transformation functions and the same Hive-partitioned Parquet layout as the Dagster IO manager
(`plain_spark`), but no Dagster run, no asset checks, no staging/markers and no metadata. Each
layer is read back from the Parquet the previous one wrote, as the IO manager does between assets.

    python bench/baseline.py --out DIR --start 2015-01-01 --end 2018-12-31
(LAKEHOUSE_HOME and LAKEHOUSE_SPARK_* are read from the environment, as in the Dagster runs.)
"""

from __future__ import annotations

import datetime
import os
import sys

from plain_spark import Steps, baseline_arguments, read_back, session, write_partitioned, write_table
from pyspark.sql import functions as F

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

    raw = LandingFiles(root=str(settings.landing_root)).read_csv(spark, DOMAIN)
    placed, bronze_rejects = to_bronze(raw, ingested_at=datetime.datetime.now(datetime.UTC))
    day = F.col("partition_date")
    after_end = end + datetime.timedelta(days=1)
    bronze = placed.filter((day >= F.lit(start)) & (day < F.lit(after_end)))
    write_partitioned(bronze, "partition_date", paths["bronze_lines"])
    steps.done("bronze order lines written")
    write_table(bronze_rejects, paths["bronze_rejects"])
    steps.done("bronze rejects written")

    silver, silver_rejects = to_silver(read_back(bronze, paths["bronze_lines"]))
    write_partitioned(silver, "order_date", paths["silver_lines"])
    steps.done("silver order lines written")
    write_partitioned(silver_rejects, "partition_date", paths["silver_rejects"])
    steps.done("silver rejects written")

    lines = read_back(silver, paths["silver_lines"])
    write_partitioned(to_gold_sales(lines), "order_date", paths["gold_sales"])
    steps.done("gold sales written")
    customers = to_customers_snapshot(lines, None, start, end)
    write_partitioned(customers, "as_of_date", paths["gold_customers"])
    steps.done("gold customers written")

    spark.stop()
    steps.done("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
