"""Rules as Dagster asset checks: results carry numbers, ERROR checks block downstream assets."""

from dagster import AssetCheckSeverity, AssetIn, BackfillPolicy, DailyPartitionsDefinition, asset

from lakehouse.quality.checks import Check, asset_checks
from lakehouse.quality.rules import mean_below, no_duplicates
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, LocalParquetIOManager
from lakehouse.resources.spark import SparkResource
from lakehouse_tests.conftest import materialize_range

DAYS = DailyPartitionsDefinition(start_date="2024-01-01")
KEY = ["gold", "q", "orders"]


def orders_asset(rows_by_day):
    @asset(key=KEY, partitions_def=DAYS, metadata={PARTITION_EXPR: "day"},
           backfill_policy=BackfillPolicy.single_run())
    def orders(context, spark: SparkResource):
        window = context.partition_time_window
        rows = [r for r in rows_by_day if window.start.date() <= r[1] < window.end.date()]
        return spark.spark_session.createDataFrame(rows, "order_id string, day date, revenue double")

    @asset(key=["gold", "q", "report"], ins={"orders": AssetIn(key=KEY)}, partitions_def=DAYS,
           metadata={PARTITION_EXPR: "day"}, backfill_policy=BackfillPolicy.single_run())
    def report(orders):
        return orders.groupBy("day").count()

    return orders, report


CHECKS = asset_checks(KEY, DAYS, [
    Check("order_id_unique", "One row per order.", no_duplicates(["order_id"])),
    Check("mean_revenue_below_100k", "Average revenue per day below 100,000.",
          mean_below("revenue", 100_000, group_by=["day"]), blocking=False,
          severity=AssetCheckSeverity.WARN),
])


def run(tmp_path, spark_resource, rows, start, end):
    io = LocalParquetIOManager(base_path=str(tmp_path), spark=spark_resource)
    orders, report = orders_asset(rows)
    return materialize_range([orders, report, *CHECKS], {"io_manager": io, "spark": spark_resource},
                             start, end, raise_on_error=False)


def evaluations(result):
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_checks_pass_on_clean_data(tmp_path, spark_resource):
    from datetime import date
    rows = [("a", date(2024, 1, 1), 10.0), ("b", date(2024, 1, 2), 20.0)]
    result = run(tmp_path, spark_resource, rows, "2024-01-01", "2024-01-02")
    assert result.success
    checks = evaluations(result)
    assert checks["order_id_unique"].passed and checks["mean_revenue_below_100k"].passed
    assert checks["order_id_unique"].metadata["failing_count"].value == 0
    assert checks["mean_revenue_below_100k"].metadata["actual_max_mean"].value == 20.0
    assert result.get_asset_materialization_events()[-1].asset_key.path == ["gold", "q", "report"]


def test_duplicate_blocks_downstream_and_only_the_runs_days_are_checked(tmp_path, spark_resource):
    from datetime import date
    d1, d2, d3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)
    rows = [("a", d1, 10.0), ("a", d2, 10.0), ("b", d3, 250_000.0)]
    result = run(tmp_path, spark_resource, rows, "2024-01-01", "2024-01-02")
    checks = evaluations(result)
    duplicate = checks["order_id_unique"]
    assert duplicate.passed is False and duplicate.severity == AssetCheckSeverity.ERROR
    assert duplicate.metadata["failing_count"].value == 2  # "a" fails both days it is on
    assert duplicate.metadata["sample_keys"].value == ["a"]
    assert duplicate.metadata["sample_failing_days"].value == ["2024-01-01", "2024-01-02"]
    assert checks["mean_revenue_below_100k"].passed  # 2024-01-03 is outside this run
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("gold", "q", "report") not in materialized  # the blocking check stopped it


def test_revenue_outlier_warns_without_blocking(tmp_path, spark_resource):
    from datetime import date
    d3 = date(2024, 1, 3)
    rows = [("b", d3, 250_000.0), ("c", d3, 50_000.0)]
    result = run(tmp_path, spark_resource, rows, "2024-01-03", "2024-01-03")
    revenue = evaluations(result)["mean_revenue_below_100k"]
    assert revenue.passed is False and revenue.severity == AssetCheckSeverity.WARN
    assert revenue.metadata["actual_max_mean"].value == 150_000.0
    assert revenue.metadata["sample_failing_groups"].value == ["2024-01-03|150000.0"]
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("gold", "q", "report") in materialized
