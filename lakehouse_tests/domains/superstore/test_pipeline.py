"""The superstore job end to end on a hand-made landing file whose gold rows were worked out by hand."""

from datetime import date
from decimal import Decimal

import pytest
from dagster import DagsterInstance
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from lakehouse.definitions import build_definitions
from lakehouse.cli.run import summarize
from lakehouse.domains.superstore.checks import CUSTOMER_CHECKS, SALES_CHECKS
from lakehouse.settings import Settings

HEADER = (
    "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,"
    "City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Discount"
)
PLACE = "United States,Boston,Massachusetts,02115,East"
LINES = [
    # order 1: two lines that disagree on ship mode and city; line 3 repeats line 2 exactly
    f'1,CA-2015-000001,03/01/2015,05/01/2015,Standard Class,AB-10001,Ann Bell,Consumer,{PLACE},FUR-CH-1,Furniture,Chairs,"Chair, Deluxe",100.00,0.1',
    "2,CA-2015-000001,03/01/2015,05/01/2015,Second Class,AB-10001,Ann Bell,Consumer,United States,Cambridge,Massachusetts,02138,East,OFF-PA-1,Office Supplies,Paper,Paper,20.50,0",
    "3,CA-2015-000001,03/01/2015,05/01/2015,Second Class,AB-10001,Ann Bell,Consumer,United States,Cambridge,Massachusetts,02138,East,OFF-PA-1,Office Supplies,Paper,Paper,20.50,0",
    f"4,CA-2015-000002,31/01/2015,02/02/2015,First Class,AB-10001,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,50.00,0",
    f"5,CA-2015-000003,28/02/2015,01/03/2015,Standard Class,CH-10002,Cher,Home Office,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,75.00,0",
    f"6,CA-2015-000004,28/02/2015,28/02/2015,Same Day,MA-10003,Mary Ann Smith,Consumer,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,10.00,0",
    f"7,CA-2015-000005,03/03/2015,04/03/2015,Standard Class,AB-10001,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,30.00,0",
    # faults, one each
    f"8,CA-2015-000006,31/02/2015,02/03/2015,Standard Class,AB-10001,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,1.00,0",
    f"9,CA-2015-000007,10/01/2015,09/01/2015,Standard Class,AB-10001,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,1.00,0",
    f"10,CA-2015-000008,10/01/2015,12/01/2015,Standard Class, ,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,1.00,0",
    f"11,CA-2015-000009,11/01/2015,12/01/2015,Standard Class,AB-10001,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,-5.00,0",
    f"12,CA-2015-000010,12/01/2015,TBD,Standard Class,AB-10001,Ann Bell,Corporate,{PLACE},OFF-PA-1,Office Supplies,Paper,Paper,1.00,0",
]


def run(defs, instance, start, end):
    job = defs.resolve_job_def("superstore_daily")
    tags = {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}
    return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)


def table(spark, home, key, order_by):
    return [r.asDict() for r in spark.read.parquet(str(home / "warehouse" / key)).orderBy(*order_by).collect()]


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory, spark):
    """One range run over the first quarter of 2015, then the next day as a daily run."""
    home = tmp_path_factory.mktemp("superstore")
    landing = home / "landing" / "superstore"
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("\n".join([HEADER, *LINES]) + "\n")
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    instance = DagsterInstance.ephemeral()
    first = run(defs, instance, "2015-01-01", "2015-03-31")
    daily = run(defs, instance, "2015-04-01", "2015-04-01")
    return home, defs, instance, first, daily


def test_runs_succeed_with_every_check_passing(lakehouse):
    _, _, _, first, daily = lakehouse
    for result in (first, daily):
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        assert len(evaluations) == 8
        assert [e.check_name for e in evaluations if not e.passed] == []


def test_bronze_keeps_text_and_extra_columns_and_rejects_undated_lines(lakehouse, spark):
    home = lakehouse[0]
    bronze = table(spark, home, "bronze/superstore/order_lines", ["row_id"])
    assert [r["row_id"] for r in bronze] == ["1", "10", "11", "12", "2", "3", "4", "5", "6", "7", "9"]
    assert bronze[0]["order_date"] == "03/01/2015" and bronze[0]["discount"] == "0.1"
    assert bronze[0]["partition_date"] == date(2015, 1, 3)
    assert bronze[0]["_source_file"].endswith("landing/superstore/orders.csv")
    rejects = table(spark, home, "bronze/superstore/order_lines_rejects", ["row_id"])
    assert [(r["row_id"], r["reject_reason"]) for r in rejects] == [("8", "unparseable_order_date")]


def test_silver_rows_rejects_and_accounting(lakehouse, spark):
    home, _, _, first, _ = lakehouse
    silver = table(spark, home, "silver/superstore/order_lines", ["row_id"])
    assert [(r["row_id"], r["_duplicates_removed"]) for r in silver] == [
        (1, 0), (2, 1), (4, 0), (5, 0), (6, 0), (7, 0)
    ]
    assert silver[0]["sales"] == Decimal("100.0000") and silver[0]["postal_code"] == "02115"
    assert silver[0]["product_name"] == "Chair, Deluxe"
    rejects = table(spark, home, "silver/superstore/order_lines_rejects", ["row_id"])
    assert [(r["row_id"], r["reject_reason"]) for r in rejects] == [
        ("10", "null_customer_id"),
        ("11", "negative_sales"),
        ("12", "unparseable_ship_date"),
        ("9", "ship_before_order"),
    ]
    accounting = next(e for e in first.get_asset_check_evaluations() if e.check_name == "silver_row_accounting")
    figures = {k: v.value for k, v in accounting.metadata.items()}
    assert figures == {  # the run's 90 days, summed (each day is judged apart)
        "rows_in": 11, "rows_out": 6, "rows_rejected": 4, "duplicates_removed": 1, "unaccounted": 0,
        "failing_count": 0, "days_checked": 90, "failing_days": 0,
    }


def test_gold_sales_one_row_per_order(lakehouse, spark):
    sales = table(spark, lakehouse[0], "gold/superstore/sales", ["order_id"])
    assert [tuple(r.values()) for r in sales] == [
        ("CA-2015-000001", date(2015, 1, 5), "Standard Class", "Boston", "AB-10001", date(2015, 1, 3)),
        ("CA-2015-000002", date(2015, 2, 2), "First Class", "Boston", "AB-10001", date(2015, 1, 31)),
        ("CA-2015-000003", date(2015, 3, 1), "Standard Class", "Boston", "CH-10002", date(2015, 2, 28)),
        ("CA-2015-000004", date(2015, 2, 28), "Same Day", "Boston", "MA-10003", date(2015, 2, 28)),
        ("CA-2015-000005", date(2015, 3, 4), "Standard Class", "Boston", "AB-10001", date(2015, 3, 3)),
    ]
    assert list(sales[0]) == [
        "order_id", "shipment_date", "shipment_mode", "city", "customer_id", "order_date"
    ]


def snapshot(spark, home, day):
    frame = spark.read.parquet(str(home / "warehouse" / "gold/superstore/customers"))
    columns = ["customer_id", "first_name", "last_name", "segment", "country",
               "orders_last_1m", "orders_last_6m", "orders_last_12m", "orders_lifetime"]
    day_rows = frame.filter(frame.as_of_date == day).select(*columns).orderBy("customer_id")
    return [tuple(r) for r in day_rows.collect()]


US = "United States"


def test_customer_snapshots_by_hand(lakehouse, spark):
    home = lakehouse[0]
    assert snapshot(spark, home, "2015-01-02") == []  # before the first order: an empty day
    assert snapshot(spark, home, "2015-01-30") == [("AB-10001", "Ann", "Bell", "Consumer", US, 1, 1, 1, 1)]
    # 01-31: second order, segment changes to Corporate
    assert snapshot(spark, home, "2015-01-31") == [("AB-10001", "Ann", "Bell", "Corporate", US, 2, 2, 2, 2)]
    # 03-31: the 1-month window starts at add_months(03-31, -1) = 02-28, so 02-28 orders count
    assert snapshot(spark, home, "2015-03-31") == [
        ("AB-10001", "Ann", "Bell", "Corporate", US, 1, 3, 3, 3),
        ("CH-10002", "Cher", None, "Home Office", US, 1, 1, 1, 1),
        ("MA-10003", "Mary", "Smith", "Consumer", US, 1, 1, 1, 1),
    ]
    # 04-01, built by the daily run from 03-31: the window now starts 03-01, 02-28 drops out
    assert snapshot(spark, home, "2015-04-01") == [
        ("AB-10001", "Ann", "Bell", "Corporate", US, 1, 3, 3, 3),
        ("CH-10002", "Cher", None, "Home Office", US, 0, 1, 1, 1),
        ("MA-10003", "Mary", "Smith", "Consumer", US, 0, 1, 1, 1),
    ]


def test_rerunning_a_day_is_idempotent(lakehouse, spark):
    home, defs, instance, _, _ = lakehouse
    before = snapshot(spark, home, "2015-03-31")
    assert run(defs, instance, "2015-03-31", "2015-03-31").success
    assert snapshot(spark, home, "2015-03-31") == before
    sales = spark.read.parquet(str(home / "warehouse/gold/superstore/sales")).count()
    assert sales == 5


def test_summary_lists_tables_rows_and_checks(lakehouse):
    _, _, instance, first, _ = lakehouse
    rows = [line.split() for line in summarize(instance, first.run_id)]
    assert ["bronze/superstore/order_lines", "90", "11"] in rows
    assert ["bronze/superstore/order_lines_rejects", "-", "1"] in rows
    assert ["silver/superstore/order_lines_rejects", "90", "4"] in rows
    assert ["gold/superstore/customers", "90", "152"] in rows  # 88 + 32 + 32 customer-days
    assert ["checks:", "8", "passed,", "0", "not", "passed"] in rows
    assert ["gold/superstore/sales", "order_id_unique", "passed"] in rows


def test_customer_checks_fail_on_bad_snapshots(spark):
    good = spark.createDataFrame(
        [("A", "Ann", None, "Consumer", US, 1, 2, 3, 4, date(2018, 12, 30))],
        "customer_id string, first_name string, last_name string, segment string, country string, "
        "orders_last_1m long, orders_last_6m long, orders_last_12m long, orders_lifetime long, as_of_date date",
    )
    disordered = good.union(spark.createDataFrame(
        [("B", "Bo", None, "Consumer", US, 3, 2, 3, 4, date(2018, 12, 30))], good.schema))
    duplicated = good.union(good)
    rules = {check.name: check.rule for check in CUSTOMER_CHECKS}
    assert all(rule(good).passed for rule in rules.values())
    assert rules["order_counts_ordered"](disordered).details["sample_keys"] == ["2018-12-30|B"]
    assert rules["customer_id_unique"](duplicated).details["sample_keys"] == ["2018-12-30|A"]
    assert rules["schema"](good.withColumn("orders_lifetime", good.orders_lifetime * 0)).passed is False


def test_order_id_check_fails_on_an_order_seen_on_two_days(spark):
    sales = spark.createDataFrame(
        [("O1", date(2018, 1, 2), "Standard Class", "Boston", "A", date(2018, 1, 1)),
         ("O1", date(2018, 1, 3), "Standard Class", "Boston", "A", date(2018, 1, 2))],
        "order_id string, shipment_date date, shipment_mode string, city string, customer_id string, "
        "order_date date",
    )
    rules = {check.name: check.rule for check in SALES_CHECKS}
    result = rules["order_id_unique"](sales)
    assert (result.passed, result.details["sample_keys"]) == (False, ["O1"])
    assert rules["order_id_unique"](sales.limit(1)).passed
