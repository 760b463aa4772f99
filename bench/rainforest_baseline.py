"""The no-orchestration baseline: the rainforest pipeline and its asset checks as one plain PySpark script.

What bench/baseline.py is for superstore. The same Spark configuration, the same source (`CsvTables`
over $LAKEHOUSE_HOME/landing/rainforest/), the same pure transforms the assets wire (`extract`,
`dimensions.build_dimensions`, `facts.build_facts`, `wide`, `metrics`) over the whole range as one
run (bronze state tables with no history before it), and the same layout (`plain_spark`): every
table written once under --out with its asset's partition column (read from the domain's
Definitions), then read back before the next layer uses it, a versioned one as the history the IO
manager loads. The domain's 32 asset checks judge the rows written (`domain_checks`). No
Dagster run, no staging, markers, checkpoints or metadata.

    python bench/rainforest_baseline.py --out DIR --start 2024-01-01 --end 2024-12-31
(LAKEHOUSE_HOME and LAKEHOUSE_SPARK_* are read from the environment, as in the Dagster runs.)
Exits 1 when a check fails, as the Dagster run fails at a failing blocking check.
"""

from __future__ import annotations

import datetime
import sys
from functools import reduce

from domain_checks import CheckRunner, plan
from plain_spark import Steps, Warehouse, baseline_arguments, session
from pyspark.sql import DataFrame, SparkSession

from lakehouse.domains import rainforest
from lakehouse.domains.rainforest.checks import CHECKS
from lakehouse.domains.rainforest.transforms import metrics, wide
from lakehouse.domains.rainforest.transforms.dimensions import build_dimensions
from lakehouse.domains.rainforest.transforms.extract import extract_events, extract_versions, unplaceable
from lakehouse.domains.rainforest.transforms.facts import build_facts
from lakehouse.domains.rainforest.contracts.keys import BRONZE_REJECTS, GROUP, bronze, gold, interface, silver
from lakehouse.domains.rainforest.silver import DIMENSIONS, FACTS
from lakehouse.domains.rainforest.contracts.upstream import EVENT, STATE, TABLES
from lakehouse.resources.sources import CsvTables, utc_naive
from lakehouse.settings import Settings


def bronze_layer(tables: Warehouse, spark: SparkSession, source: CsvTables, first, last) -> None:
    """The 13 upstream tables (events by day, state as versions) and the rows no day can hold."""
    start = datetime.datetime.combine(first, datetime.time())
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time())
    extracted_at = utc_naive(datetime.datetime.now(datetime.UTC))
    for table in TABLES.values():
        if table.kind == EVENT:
            frame = extract_events(source, spark, table, start, end, extracted_at)
        else:  # the whole range is one run: no history before it
            frame = extract_versions(source, spark, table, start, end, extracted_at, None)
        tables.save(bronze(table.name), frame)
    rejects = [unplaceable(source, spark, table, extracted_at) for table in TABLES.values()]
    tables.save(BRONZE_REJECTS, reduce(DataFrame.unionByName, rejects))


def silver_layer(tables: Warehouse, spark: SparkSession, first, last) -> None:
    """The versioned dimensions and bridges, then the facts, each with its rejects."""
    histories = {name: tables[bronze(name)] for name, table in TABLES.items() if table.kind == STATE}
    built = build_dimensions(histories, first, last)
    built["dimension_rejects"] = built.pop("rejects")
    for name in DIMENSIONS:
        tables.save(silver(name), built[name])
    # As the silver assets do once their outputs are written: `rejects.split` caches judged rows.
    spark.catalog.clearCache()
    tables.judge()

    built = build_facts(tables[bronze("orders")], tables[bronze("orderitem")], tables[bronze("clickstream")],
                        tables[bronze("product")])  # fmt: skip
    built["fact_rejects"] = built.pop("rejects")
    for name in FACTS:
        tables.save(silver(name), built[name])
    spark.catalog.clearCache()
    tables.judge()


def gold_layer(tables: Warehouse) -> None:
    """The wide tables, the daily metrics and the two reports."""
    from_silver = lambda name: tables[silver(name)]  # noqa: E731
    orders = tables.save(gold("wide_orders"), wide.wide_orders(from_silver("fact_orders"), from_silver("dim_buyer")))
    items = tables.save(gold("wide_order_items"), wide.wide_order_items(
        from_silver("fact_order_items"), from_silver("dim_product"), from_silver("dim_seller"),
        from_silver("brg_product_category"), from_silver("dim_category"),
    ))  # fmt: skip
    tables.judge()
    by_category = tables.save(gold("daily_category_metrics"), metrics.daily_category_metrics(items, orders))
    by_day = tables.save(gold("daily_order_metrics"), metrics.daily_order_metrics(orders))
    tables.judge()
    tables.save(interface("daily_category_report"), metrics.daily_category_report(by_category))
    tables.save(interface("daily_order_report"), metrics.daily_order_report(by_day))
    tables.judge()


def main(argv: list[str] | None = None) -> int:
    args = baseline_arguments(__doc__.splitlines()[0], argv)
    first, last = args.start, args.end

    steps = Steps("rainforest-baseline")
    settings = Settings.from_env()
    spark = session(settings)
    steps.done(f"spark session up ({spark.conf.get('spark.master')}), {first}..{last}")
    checks = CheckRunner(plan(CHECKS), steps.done)
    tables = Warehouse(args.out, rainforest.defs, steps, checks)
    source = CsvTables(root=str(settings.landing_root), domain=GROUP)

    bronze_layer(tables, spark, source, first, last)
    tables.judge()
    silver_layer(tables, spark, first, last)
    gold_layer(tables)
    spark.stop()

    return tables.finish()


if __name__ == "__main__":
    sys.exit(main())
