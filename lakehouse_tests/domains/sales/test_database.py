"""Sales with its database (LAKEHOUSE_SALES_DB_URL): the dimensions read from a real throwaway MariaDB
(the seed's MySQL) over Spark JDBC and the monthly tables written back; and the month-replacing
write itself on MariaDB and PostgreSQL: twice gives the month once, a failure mid-write leaves the old rows."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest
from dagster import DagsterInstance

from lakehouse.datagen.sales import generate
from lakehouse.definitions import build_definitions
from lakehouse.resources.databases import parse, replace_partitions
from lakehouse.settings import Settings
from lakehouse_tests.domains.sales.test_pipeline import run, table

VARIABLE = "LAKEHOUSE_SALES_DB_URL"
FIRST, LAST = "2024-01-30", "2024-02-03"
ROWS = "store_id int, sales_month string, total_sales decimal(14,2)"


def fetch(target, sql: str) -> list[tuple]:
    with target.connect() as db:
        cursor = db.cursor()
        cursor.execute(sql)
        return sorted(tuple(row) for row in cursor.fetchall())


@pytest.fixture(scope="module")
def mariadb_run(tmp_path_factory, spark, mariadb):
    """Dimensions loaded into MariaDB by the generator, the daily and monthly jobs run against it."""
    generated = tmp_path_factory.mktemp("sales-db-generated")
    report = generate(generated, seed=3, start=date(2024, 1, 30), end=date(2024, 2, 3), db_url=mariadb.url())
    home = tmp_path_factory.mktemp("sales-db-home")
    shutil.copytree(generated / "to_process", home / "landing" / "sales" / "to_process")  # no dimensions/ folder
    settings = Settings(home=home, spark_master="local[2]", database_domains=("sales",))
    instance = DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(VARIABLE, mariadb.url())
        defs = build_definitions(settings)
        daily = run(defs, "sales_daily", FIRST, LAST, instance)
        monthly = run(defs, "sales_monthly", "2024-01", "2024-02", instance)
        again = run(defs, "sales_monthly", "2024-02", "2024-02", instance)
    return home, report, daily, monthly, again


def test_dimensions_from_mariadb_give_every_check_passing(mariadb_run):
    home, report, daily, monthly, again = mariadb_run
    assert report.database == mariadb_run[1].database and "***" in report.database
    assert daily.success and monthly.success and again.success
    assert [e.check_name for r in (daily, monthly) for e in r.get_asset_check_evaluations() if not e.passed] == []


def test_monthly_tables_in_mariadb_equal_the_lake_once_per_month(mariadb_run, mariadb, spark):
    home = mariadb_run[0]
    target = parse(mariadb.url())
    lake = table(spark, home, "gold/sales/sales_team_incentive")
    # Written for 2024-01..02, then 2024-02 again: each month's rows once.
    in_db = fetch(target, "SELECT store_id, sales_person_id, full_name, sales_month, total_sales, incentive"
                          " FROM sales_team_incentive")  # fmt: skip
    columns = ("store_id", "sales_person_id", "full_name", "sales_month", "total_sales", "incentive")
    assert in_db == sorted(tuple(r[c] for c in columns) for r in lake) and len(in_db) == 18
    purchases = table(spark, home, "gold/sales/customer_monthly_purchase")
    assert fetch(target, "SELECT customer_id, sales_month, total_sales FROM customer_monthly_purchase") == sorted(
        (r["customer_id"], r["sales_month"], r["total_sales"]) for r in purchases
    )


@pytest.fixture(params=["mariadb", "postgres"])
def database(request):
    server = request.getfixturevalue(request.param)
    target = parse(server.url())
    name = f"replace_test_{request.param}"
    yield target, name
    with target.connect() as db:
        db.cursor().execute(f"DROP TABLE IF EXISTS {target.table('public', name)}")
        db.commit()


def test_writing_a_month_twice_holds_it_once_and_leaves_other_months(spark, database):
    target, name = database
    january = spark.createDataFrame([(121, "2024-01", Decimal("10.00")), (122, "2024-01", Decimal("20.00"))], ROWS)
    february = spark.createDataFrame([(121, "2024-02", Decimal("5.00"))], ROWS)
    assert replace_partitions(target, "public", name, january, "sales_month", ["2024-01"]) == 2
    replace_partitions(target, "public", name, february, "sales_month", ["2024-02"])
    changed = spark.createDataFrame([(121, "2024-01", Decimal("11.00"))], ROWS)
    assert replace_partitions(target, "public", name, changed, "sales_month", ["2024-01"]) == 1
    assert fetch(target, f"SELECT * FROM {target.table('public', name)}") == [
        (121, "2024-01", Decimal("11.00")), (121, "2024-02", Decimal("5.00")),
    ]  # fmt: skip
    assert fetch(target, "SELECT 1 FROM information_schema.tables WHERE table_name LIKE '%\\_\\_load\\_%'") == []


def test_a_failure_in_the_middle_of_a_write_leaves_the_previous_rows(spark, database):
    target, name = database
    january = spark.createDataFrame([(121, "2024-01", Decimal("10.00"))], ROWS)
    replace_partitions(target, "public", name, january, "sales_month", ["2024-01"])
    # A column the table lacks: the DELETE has run when the INSERT fails, and is rolled back.
    broken = spark.createDataFrame([(121, "2024-01", Decimal("99.00"), 1)], f"{ROWS}, extra int")
    with pytest.raises(Exception):
        replace_partitions(target, "public", name, broken, "sales_month", ["2024-01"])
    assert fetch(target, f"SELECT * FROM {target.table('public', name)}") == [(121, "2024-01", Decimal("10.00"))]


def test_the_ledger_lives_in_the_database_when_it_is_set(mariadb_run, mariadb):
    home = mariadb_run[0]
    assert not (home / "sales" / "ledger.sqlite").exists()
    rows = fetch(parse(mariadb.url()), "SELECT status, COUNT(*) FROM sales_file_ledger GROUP BY status")
    # 5 days x 3 stores, the two wrong types (day 1), the CSV without total_cost (day 2), the empty one (day 3), the copy (day 5).
    assert rows == [("completed", 15), ("duplicate", 1), ("rejected:bad_schema", 2), ("rejected:wrong_file_type", 2)]


def test_a_ledger_in_postgresql_keeps_its_rows_and_ids(postgres, tmp_path):
    from lakehouse.resources.file_ledger import FileLedger

    target = parse(postgres.url())
    ledger = FileLedger.in_database(target, "ledger_test", "files", "sales_dates")
    first = ledger.add("a.csv", 10, "ab" * 32, "2024-02-01T10:00:00+00:00", "received", "to_process/a.csv", ["2024-01-02", "2024-01-01"])
    second = ledger.add("b.csv", 11, "cd" * 32, "2024-02-01T10:00:00+00:00", "received", "to_process/b.csv")
    ledger.update([first.file_id], status="processing")
    again = FileLedger.in_database(target, "ledger_test", "files", "sales_dates")  # created once, reopened
    assert [(e.file_id, e.file_name, e.status, e.days) for e in again.all()] == [
        (first.file_id, "a.csv", "processing", ("2024-01-01", "2024-01-02")), (second.file_id, "b.csv", "received", ()),
    ]  # fmt: skip
    assert second.file_id == first.file_id + 1


def test_the_generator_loads_the_dimensions_into_postgresql(postgres, tmp_path):
    report = generate(tmp_path, seed=4, start=date(2024, 1, 1), end=date(2024, 1, 2), db_url=postgres.url())
    assert "***" in report.database and "lakehouse:" in report.database
    target = parse(postgres.url())
    counts = [fetch(target, f"SELECT COUNT(*) FROM sales.{name}")[0][0] for name in ("customer", "store", "product", "sales_team")]
    assert counts == [25, 4, 8, 10]
    assert fetch(target, "SELECT id, is_manager, store_id FROM sales.sales_team WHERE id = 10") == [(10, "Y", None)]
    # Loading again gives exactly the generated rows (the tables are replaced, not appended to).
    generate(tmp_path, seed=4, start=date(2024, 1, 1), end=date(2024, 1, 2), db_url=postgres.url())
    assert fetch(target, "SELECT COUNT(*) FROM sales.customer") == [(25,)]
