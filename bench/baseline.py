"""The no-orchestration baseline: the superstore pipeline as one plain PySpark script.

Same Spark configuration (`spark_conf(Settings.from_env())`), same landing reader, same pure
transformation functions and the same Hive-partitioned Parquet layout as the Dagster IO manager,
but no Dagster run, no asset checks, no staging/markers and no metadata. Each layer is read back
from the Parquet the previous one wrote, as the IO manager does between assets.

    python bench/baseline.py --out DIR --start 2015-01-01 --end 2018-12-31
(LAKEHOUSE_HOME and LAKEHOUSE_SPARK_* are read from the environment, as in the Dagster runs.)
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.domains.superstore.transforms import (
    to_bronze,
    to_customers_snapshot,
    to_gold_sales,
    to_silver,
)
from lakehouse.resources.landing import LandingFiles
from lakehouse.resources.spark import spark_conf
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

_began = time.perf_counter()


def _log(message: str) -> None:
    print(f"[baseline {time.perf_counter() - _began:7.1f}s] {message}", flush=True)


def _session(settings: Settings) -> SparkSession:
    builder = SparkSession.builder
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def write_partitioned(frame: DataFrame, column: str, path: str) -> None:
    """What the IO manager does for a partitioned asset, minus staging, markers and row counting."""
    tasks = int(frame.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    (
        frame.repartition(tasks, column)
        .sortWithinPartitions(column)
        .write.mode("overwrite")
        .partitionBy(column)
        .parquet(path)
    )


def read_back(spark: SparkSession, frame: DataFrame, path: str) -> DataFrame:
    """The table just written, with the schema it was written with (as the IO manager reads it)."""
    schema = frame.schema
    return spark.read.schema(schema).parquet(path).select(*schema.fieldNames())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the baseline's tables")
    parser.add_argument("--start", type=datetime.date.fromisoformat, required=True, help="first day")
    parser.add_argument("--end", type=datetime.date.fromisoformat, required=True, help="last day")
    args = parser.parse_args(argv)
    start, end = args.start, args.end
    paths = {name: os.path.join(args.out, *parts) for name, parts in TABLES.items()}

    settings = Settings.from_env()
    spark = _session(settings)
    _log(f"spark session up ({spark.conf.get('spark.master')})")

    raw = LandingFiles(root=str(settings.landing_root)).read_csv(spark, DOMAIN)
    placed, bronze_rejects = to_bronze(raw, ingested_at=datetime.datetime.now(datetime.UTC))
    day = F.col("partition_date")
    after_end = end + datetime.timedelta(days=1)
    bronze = placed.filter((day >= F.lit(start)) & (day < F.lit(after_end)))
    write_partitioned(bronze, "partition_date", paths["bronze_lines"])
    _log("bronze order lines written")
    bronze_rejects.write.mode("overwrite").parquet(paths["bronze_rejects"])
    _log("bronze rejects written")

    silver, silver_rejects = to_silver(read_back(spark, bronze, paths["bronze_lines"]))
    write_partitioned(silver, "order_date", paths["silver_lines"])
    _log("silver order lines written")
    write_partitioned(silver_rejects, "partition_date", paths["silver_rejects"])
    _log("silver rejects written")

    lines = read_back(spark, silver, paths["silver_lines"])
    write_partitioned(to_gold_sales(lines), "order_date", paths["gold_sales"])
    _log("gold sales written")
    customers = to_customers_snapshot(lines, None, start, end)
    write_partitioned(customers, "as_of_date", paths["gold_customers"])
    _log("gold customers written")

    spark.stop()
    _log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
