"""The sales transforms and checks on hand-made frames: the incentive's ties, each rule's reason,
and the checks failing on bad data as well as passing on good data."""

from __future__ import annotations

import hashlib

from datetime import date
from decimal import Decimal

from dagster import DagsterInstance, build_sensor_context
from pyspark.sql import functions as F

from lakehouse.domains.sales.checks import WINNERS
from lakehouse.domains.sales.contracts import schemas
from lakehouse.domains.sales.contracts.upstream import TABLES
from lakehouse.domains.sales.jobs import sales_files_sensor
from lakehouse.domains.sales.transforms.gold import sales_team_incentive
from lakehouse.domains.sales.transforms.silver import enrich
from lakehouse.quality.checks import model_checks
from lakehouse.resources.file_drop import DropFolder

D = Decimal
HEADER = "customer_id,store_id,product_name,sales_date,sales_person_id,price,quantity,total_cost"


def _sales(spark, rows):
    """Enriched-like rows: (store, person, first, last, month, total)."""
    return spark.createDataFrame(
        [(s, p, f, l, m, D(t)) for s, p, f, l, m, t in rows],
        "store_id int, sales_person_id int, sales_person_first_name string, sales_person_last_name string,"
        " sales_month string, total_cost decimal(12,2)",
    )


def test_incentive_ties_all_win_and_others_get_zero(spark):
    frame = _sales(spark, [
        (121, 1, "A", "One", "2024-01", "100.00"), (121, 1, "A", "One", "2024-01", "50.50"),
        (121, 2, "B", "Two", "2024-01", "150.50"), (121, 3, "C", "Three", "2024-01", "20.00"),
        (122, 4, "D", "Four", "2024-01", "0.40"), (121, 3, "C", "Three", "2024-02", "10.05"),
    ])  # fmt: skip
    got = sorted(tuple(r) for r in sales_team_incentive(frame).collect())
    assert got == [
        (121, 1, "A One", "2024-01", D("150.50"), D("1.51")),  # a tie at rank 1: both win
        (121, 2, "B Two", "2024-01", D("150.50"), D("1.51")),
        (121, 3, "C Three", "2024-01", D("20.00"), D("0.00")),
        (121, 3, "C Three", "2024-02", D("10.05"), D("0.10")),  # 0.1005 rounds to 0.10
        (122, 4, "D Four", "2024-01", D("0.40"), D("0.00")),  # 1% of 0.40 rounds to nothing
    ]


def _incentives(spark, rows):
    return spark.createDataFrame(
        [(s, p, n, m, D(t), D(i)) for s, p, n, m, t, i in rows],
        "store_id int, sales_person_id int, full_name string, sales_month string,"
        " total_sales decimal(14,2), incentive decimal(14,2)",
    )


def _check(name: str):
    return next(c for c in model_checks(schemas.SalesTeamIncentive) if c.name == name)


def test_incentive_checks_pass_on_good_rows_and_fail_on_bad_ones(spark):
    good = _incentives(spark, [(121, 1, "A", "2024-01", "200.00", "2.00"), (121, 2, "B", "2024-01", "100.00", "0.00")])
    wrong = _incentives(spark, [(121, 1, "A", "2024-01", "200.00", "3.00"), (121, 2, "B", "2024-01", "100.00", "1.00")])
    no_winner = _incentives(spark, [(121, 1, "A", "2024-01", "200.00", "0.00")])
    duplicated = _incentives(spark, [(121, 1, "A", "2024-01", "200.00", "2.00")] * 2)
    percent, unique = _check("incentive_is_one_percent_for_winners"), _check("sales_month_unique")
    assert percent.rule(good).passed and WINNERS.rule(good).passed and unique.rule(good).passed
    failed = percent.rule(wrong)
    assert (failed.passed, failed.failing_count, failed.details["sample_keys"]) == (False, 2, ["121|1|2024-01", "121|2|2024-01"])
    assert WINNERS.rule(no_winner).failing_count == 1
    assert (unique.rule(duplicated).passed, unique.rule(duplicated).details["duplicate_rows"]) == (False, 1)


def _bronze(spark, rows):
    """Bronze rows of one file on 2024-01-05, from the eight text fields of each."""
    columns = HEADER.split(",") + ["additional_column", "_corrupt_record", "_source_file"]
    frame = spark.createDataFrame([(*r, None, None, "f.csv") for r in rows], ", ".join(f"{c} string" for c in columns))
    return frame.withColumns({"_file_id": F.lit(1).cast("long"), "partition_date": F.lit(date(2024, 1, 5))})


def test_each_rule_gives_its_reason(spark):
    customers = spark.createDataFrame([(1, "Ann", "Lee", "a", "111111", "9", None)], TABLES["customer"])
    stores = spark.createDataFrame([(121, "s", "1", "Mgr", None, None)], TABLES["store"])
    team = spark.createDataFrame([(1, "P", "Q", 10, "N", "x", "1", None, 121), (4, "R", "S", 10, "N", "y", "2", None, 122)],
                                 TABLES["sales_team"])  # fmt: skip
    good = ("1", "121", "sugar", "2024-01-05", "1", "50.00", "2", "100.00")
    bronze = _bronze(spark, [
        good,
        ("1", "121", "sugar", "2024-01-05", "1", "50.00", "2", "100.02"),  # off by more than 0.01
        ("1", "121", "sugar", "2024-01-05", "1", "50.00", "2", "100.01"),  # within 0.01: valid
        ("", "121", "sugar", "2024-01-05", "1", "50.00", "2", "100.00"),
        ("2", "121", "sugar", "2024-01-05", "1", "50.00", "2", "100.00"),
        ("1", "125", "sugar", "2024-01-05", "4", "50.00", "2", "100.00"),
        ("1", "121", "sugar", "2024-01-05", "4", "50.00", "2", "100.00"),
        ("1", "121", "sugar", "2024-01-05", "7", "50.00", "2", "100.00"),
        ("1", "121", "sugar", "05/01/2024", "1", "5O.00", "", "100.00"),
    ])  # fmt: skip
    enriched, rejects = enrich(bronze, customers, stores, team)
    assert enriched.count() == 2
    assert [r["reason"] for r in rejects.orderBy("reason").collect()] == [
        "null_key:customer_id", "null_value:quantity;unparseable:sales_date;unparseable:price",
        "salesperson_not_in_store", "total_mismatch", "unknown_customer", "unknown_salesperson", "unknown_store",
    ]  # fmt: skip


def test_sensor_requests_one_run_for_the_waiting_days_then_nothing_for_the_same_files(tmp_path):
    incoming = tmp_path / "to_process"
    incoming.mkdir()
    (incoming / "sales_121_20240105.csv").write_text(f"{HEADER}\n1,121,sugar,2024-01-05,1,50.00,2,100.00\n")
    (incoming / "sales_121_20240107.csv").write_text(f"{HEADER}\n1,121,sugar,2024-01-07,1,50.00,2,100.00\n")
    (incoming / "notes.json").write_text("[]")
    drop = DropFolder(root=str(tmp_path), ledger_path=str(tmp_path / "ledger.sqlite"),
                      ledger_table="sales_file_ledger", days_column="sales_dates")  # fmt: skip
    cursor = [None]

    def evaluate(instance):
        with build_sensor_context(instance=instance, resources={"sales_files": drop}, cursor=cursor[0]) as context:
            result = sales_files_sensor(context)
            cursor[0] = context.cursor
            return result

    with DagsterInstance.ephemeral() as instance:
        requests = evaluate(instance)
        # Exactly the files' days: 01-05 and 01-07 are not consecutive, so two runs, not 01-05...01-07.
        assert [(r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
                for r in requests] == [("2024-01-05", "2024-01-05"), ("2024-01-07", "2024-01-07")]  # fmt: skip
        digest = hashlib.sha256((incoming / "sales_121_20240105.csv").read_bytes()).hexdigest()
        assert requests[0].run_key == hashlib.sha256(digest.encode()).hexdigest()
        assert "already requested" in evaluate(instance).skip_message  # the same files: no new request
        for name in ("sales_121_20240105.csv", "sales_121_20240107.csv"):
            (incoming / name).unlink()
        assert "no new store files" in evaluate(instance).skip_message  # notes.json alone: no run
    assert not (tmp_path / "error_files").exists()  # a sensor only looks: the next run quarantines notes.json


def test_every_file_accounted_fails_on_a_half_moved_or_open_file(tmp_path):
    from lakehouse.domains.sales.files import files_accounted, open_drop

    folder = DropFolder(root=str(tmp_path), ledger_path=str(tmp_path / "ledger.sqlite"))
    drop = open_drop(folder)
    (tmp_path / "to_process").mkdir()
    (tmp_path / "to_process" / "a.csv").write_text(f"{HEADER}\n1,121,sugar,2024-01-05,1,50.00,2,100.00\n")
    drop.intake()
    (taken,), _, _ = drop.take(["2024-01-05"])
    assert files_accounted(drop, ["2024-01-05"])[0] is False  # taken, not archived: still open
    drop.ledger.set_counts({taken.file_id: (1, 0)}, {taken.file_id: "processed/x/a.csv"})  # decided, not moved
    passed, details = files_accounted(drop, ["2024-01-05"])
    assert (passed, details["unfinished_moves"], details["sample_files"]) == (False, 1, "a.csv")
    drop.finish_moves()
    (tmp_path / "to_process" / "late.csv").write_text("x")
    passed, details = files_accounted(drop, ["2024-01-05"])
    assert (passed, details["still_processing"], details["unfinished_moves"], details["arrived_since_the_intake"]) == (True, 0, 0, 1)


def test_day_ranges_join_consecutive_days_and_a_file_spanning_days():
    from lakehouse.domains.sales.jobs import day_ranges

    waiting = [("a", "h1", ("2024-01-31",)), ("b", "h2", ("2024-02-01",)), ("c", "h3", ("2024-02-05", "2024-02-08")),
               ("d", "h4", ("2024-02-07",)), ("e", "h5", ("2024-02-10",)), ("f", "h6", ("2024-02-28", "2024-03-02"))]  # fmt: skip
    assert day_ranges(waiting, "2024-02-29") == [
        ("2024-01-31", "2024-02-01", ["h1", "h2"]),  # a month end crossed
        ("2024-02-05", "2024-02-08", ["h3", "h4"]),
        ("2024-02-10", "2024-02-10", ["h5"]),
    ]  # f names 2024-03-02, a day not ended on 2024-02-29's evening: it waits
