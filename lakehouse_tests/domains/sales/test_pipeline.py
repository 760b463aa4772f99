"""The sales jobs end to end on generated files: every file ends in processed/ or error_files/ with
its ledger row, rows add up (read = accepted + rejected), the rejects carry the generator's faults,
the monthly tables equal an oracle computed here from the CSV files with plain Python, re-runs
change nothing, a late file joins its day, and a run cut short after bronze is finished by the next.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance
from pyspark.sql.types import StructType
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from lakehouse.datagen.sales import generate
from lakehouse.cli.run import summarize
from lakehouse.definitions import build_definitions
from lakehouse.resources import file_drop
from lakehouse.settings import Settings

START, END = date(2024, 1, 30), date(2024, 2, 10)  # 12 days across a month end
FIRST, LAST = START.isoformat(), END.isoformat()
CENT = Decimal("0.01")
STORES = {121: {1, 2, 3}, 122: {4, 5, 6}, 123: {7, 8, 9}}
N_DAILY_CHECKS, N_MONTHLY_CHECKS = 5, 7


def run(defs, job: str, first: str, last: str, instance=None, asset_selection=None):
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance or DagsterInstance.ephemeral(), tags=tags, raise_on_error=False,
        asset_selection=asset_selection,
    )  # fmt: skip


def table(spark, home: Path, key: str) -> list[dict]:
    folder = home / "warehouse" / key
    schema = StructType.fromJson(json.loads((folder / "_schema.json").read_text()))
    if not any(folder.rglob("*.parquet")):  # only empty days (e.g. no rejects)
        return []
    frame = spark.read.schema(schema).parquet(str(folder))
    return [row.asDict() for row in frame.orderBy(*frame.columns).collect()]


def ledger(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "sales" / "ledger.sqlite") as db:
        return db.execute(
            "SELECT file_name, status, rows_accepted, rows_rejected, sales_dates, moved FROM sales_file_ledger"
            " ORDER BY file_id"
        ).fetchall()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def valid_rows(landing: Path) -> list[dict]:
    """The oracle: every row of the good files that breaks no rule, judged here in plain Python."""
    customers = {int(r["customer_id"]) for r in csv.DictReader(open(landing / "dimensions" / "customer.csv"))}
    team = {int(r["id"]): r for r in csv.DictReader(open(landing / "dimensions" / "sales_team.csv"))}
    rows = []
    for path in sorted((landing / "to_process").glob("sales_*.csv")):
        if path.stem.endswith(("_copy", "_no_total", "_empty")):
            continue
        for row in csv.DictReader(open(path, newline="")):
            try:
                day = date.fromisoformat(row["sales_date"])
                customer, store, person = int(row["customer_id"]), int(row["store_id"]), int(row["sales_person_id"])
                price, quantity, total = Decimal(row["price"]), int(row["quantity"]), Decimal(row["total_cost"])
            except ValueError:
                continue
            if abs(total - price * quantity) > CENT or customer not in customers:
                continue
            if store not in STORES or person not in team or person not in STORES[store]:
                continue
            rows.append({**row, "day": day, "customer": customer, "store": store, "person": person, "total": total,
                         "name": f"{team[person]['first_name']} {team[person]['last_name']}"})  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("sales-generated")
    report = generate(folder, seed=5, start=START, end=END)
    return folder, report


@pytest.fixture(scope="module")
def sales_run(tmp_path_factory, spark, generated):
    """The daily job over the 12 days, then the monthly job over 2024-01..2024-02, on one instance."""
    home = tmp_path_factory.mktemp("sales-home")
    shutil.copytree(generated[0], home / "landing" / "sales")
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    instance = DagsterInstance.ephemeral()
    daily = run(defs, "sales_daily", FIRST, LAST, instance)
    monthly = run(defs, "sales_monthly", "2024-01", "2024-02", instance)
    return home, defs, instance, daily, monthly


def test_both_runs_succeed_with_every_check_passing(sales_run):
    _, _, _, daily, monthly = sales_run
    assert daily.success and monthly.success
    for result, count in ((daily, N_DAILY_CHECKS), (monthly, N_MONTHLY_CHECKS)):
        evaluated = result.get_asset_check_evaluations()
        assert len(evaluated) == count
        assert [e.check_name for e in evaluated if not e.passed] == []


def test_the_run_summary_says_what_became_of_every_file(sales_run, spark):
    home, _, instance, daily, _ = sales_run
    accepted = len(table(spark, home, "silver/sales/enriched_sales"))
    assert f"  silver/sales/files: files in the ledger: 36 completed, 1 duplicate, 2 rejected:bad_schema, " \
           f"2 rejected:wrong_file_type; rows of completed files: {accepted:,} accepted, 8 rejected" in summarize(instance, daily.run_id)


def test_every_file_ends_archived_or_quarantined_with_its_ledger_row(sales_run, generated):
    home = sales_run[0]
    folder = home / "landing" / "sales"
    assert files_in(folder / "to_process") == []
    statuses = Counter(status for _, status, *_ in ledger(home))
    assert statuses == {"completed": 36, "rejected:wrong_file_type": 2, "rejected:bad_schema": 2, "duplicate": 1}
    assert all(moved for *_, moved in ledger(home))
    assert files_in(folder / "error_files" / "wrong_file_types") == ["sales_121_20240130.json", "sales_122_20240130.xlsx"]
    assert files_in(folder / "error_files" / "bad_schema") == ["sales_121_20240201_empty.csv", "sales_123_20240131_no_total.csv"]
    processed = files_in(folder / "processed")
    assert len(processed) == 37 and "sales_121_20240203_copy.csv" in processed
    generated_names = {p.name for p in (generated[0] / "to_process").iterdir()}
    assert generated_names == set(processed) | set(files_in(folder / "error_files"))


def test_rows_add_up_per_file_and_per_table(sales_run, spark, generated):
    home = sales_run[0]
    bronze = table(spark, home, "bronze/sales/transactions")
    enriched = table(spark, home, "silver/sales/enriched_sales")
    rejects = table(spark, home, "silver/sales/rejects")
    # Read = the good files' lines: every line written but the no_total file's 5 and the copy's.
    copy = generated[0] / "to_process" / "sales_121_20240203_copy.csv"
    copied = len(copy.read_text().splitlines()) - 1
    assert len(bronze) == generated[1].rows - 5 - copied
    assert len(bronze) == len(enriched) + len(rejects)
    completed = [row for row in ledger(home) if row[1] == "completed"]
    assert sum(r[2] for r in completed) == len(enriched) and sum(r[3] for r in completed) == len(rejects)
    by_file = Counter(r["_source_file"] for r in enriched)
    assert {r[0]: r[2] for r in completed} == dict(by_file)


def test_rejects_carry_each_fault_with_its_reason(sales_run, spark):
    rejects = table(spark, sales_run[0], "silver/sales/rejects")
    found = sorted((r["reason"], r["_source_file"], str(r["partition_date"])) for r in rejects)
    assert found == [
        ("null_key:customer_id", "sales_121_20240205.csv", "2024-02-05"),
        ("salesperson_not_in_store", "sales_121_20240208.csv", "2024-02-08"),
        ("total_mismatch", "sales_121_20240205.csv", "2024-02-05"),
        ("unknown_customer", "sales_121_20240206.csv", "2024-02-06"),
        ("unknown_salesperson", "sales_122_20240207.csv", "2024-02-07"),
        ("unknown_store", "sales_121_20240206.csv", "2024-02-06"),
        ("unparseable:quantity", "sales_121_20240204.csv", "2024-02-04"),
        # An unreadable date keeps the row in its file's day, where it is rejected.
        ("unparseable:sales_date", "sales_121_20240204.csv", "2024-02-04"),
    ]
    record = next(r["record"] for r in rejects if r["reason"] == "unparseable:sales_date")
    assert '"sales_date":"2024-13-45"' in record


def test_extra_column_is_kept_as_additional_column(sales_run, spark):
    enriched = table(spark, sales_run[0], "silver/sales/enriched_sales")
    extra = Counter(r["additional_column"] for r in enriched if r["_source_file"] == "sales_122_20240202.csv")
    assert set(extra) <= {"payment_mode=cash", "payment_mode=card", "payment_mode=upi"} and sum(extra.values()) > 0
    assert {r["additional_column"] for r in enriched if r["_source_file"] != "sales_122_20240202.csv"} == {None}


def _monthly(rows, key):
    totals = defaultdict(Decimal)
    for row in rows:
        totals[key(row) + (row["day"].strftime("%Y-%m"),)] += row["total"]
    return totals


def test_customer_monthly_purchase_equals_the_oracle(sales_run, spark, generated):
    customers = {int(r["customer_id"]): r for r in csv.DictReader(open(generated[0] / "dimensions" / "customer.csv"))}
    expected = {
        (c, month): total.quantize(CENT)
        for (c, month), total in _monthly(valid_rows(generated[0]), lambda r: (r["customer"],)).items()
    }
    got = table(spark, sales_run[0], "gold/sales/customer_monthly_purchase")
    assert {(r["customer_id"], r["sales_month"]): r["total_sales"] for r in got} == expected
    one = got[0]
    source = customers[one["customer_id"]]
    assert one["full_name"] == f"{source['first_name']} {source['last_name']}"
    assert (one["address"], one["phone_number"]) == (source["address"], source["phone_number"])


def test_sales_team_incentive_equals_the_oracle(sales_run, spark, generated):
    totals = _monthly(valid_rows(generated[0]), lambda r: (r["store"], r["person"]))
    best = defaultdict(Decimal)
    for (store, _, month), total in totals.items():
        best[store, month] = max(best[store, month], total)
    expected = {
        key: (total, (total * CENT).quantize(CENT, ROUND_HALF_UP) if total == best[key[0], key[2]] else Decimal("0.00"))
        for key, total in totals.items()
    }
    got = table(spark, sales_run[0], "gold/sales/sales_team_incentive")
    assert {(r["store_id"], r["sales_person_id"], r["sales_month"]): (r["total_sales"], r["incentive"]) for r in got} == expected
    assert len(got) == 18  # 3 stores x 3 salespeople x 2 months


def test_sales_team_mart_is_split_by_month_and_store_folder(sales_run, spark, generated):
    folder = sales_run[0] / "warehouse" / "gold" / "sales" / "sales_team_data_mart"
    months = sorted(p.name for p in folder.iterdir() if p.name.startswith("sales_month="))
    assert months == ["sales_month=2024-01", "sales_month=2024-02"]
    for month in months:
        stores = sorted(p.name for p in (folder / month).iterdir() if p.is_dir())
        assert stores == ["store_id=121", "store_id=122", "store_id=123"]
    mart = table(spark, sales_run[0], "gold/sales/sales_team_data_mart")
    assert len(mart) == len(valid_rows(generated[0]))


def test_rerunning_the_range_changes_nothing(sales_run, spark):
    home, defs, instance, *_ = sales_run
    before = table(spark, home, "bronze/sales/transactions"), table(spark, home, "gold/sales/sales_team_incentive")
    ledger_before = ledger(home)
    again = run(defs, "sales_daily", FIRST, LAST, instance)
    months = run(defs, "sales_monthly", "2024-01", "2024-02", instance)
    assert again.success and months.success
    assert (table(spark, home, "bronze/sales/transactions"), table(spark, home, "gold/sales/sales_team_incentive")) == before
    assert ledger(home) == ledger_before


def test_a_late_file_joins_its_day_and_a_run_cut_after_bronze_is_finished(sales_run, spark):
    home, defs, instance, *_ = sales_run
    day_folder = home / "warehouse" / "bronze" / "sales" / "transactions"
    other_day = sorted(p.name for p in (day_folder / "partition_date=2024-02-09").iterdir())
    late = home / "landing" / "sales" / "to_process" / "sales_123_20240201_late.csv"
    late.write_text(
        "customer_id,store_id,product_name,sales_date,sales_person_id,price,quantity,total_cost\n"
        "1,123,sugar,2024-02-01,7,50.00,2,100.00\n1,123,sugar,2024-02-01,7,50.00,1,50.00\n"
    )
    # And a file whose only row's date does not read: taken on the day its name says, its row rejected there.
    undated = home / "landing" / "sales" / "to_process" / "sales_122_20240201_fixed.csv"
    undated.write_text(
        "customer_id,store_id,product_name,sales_date,sales_person_id,price,quantity,total_cost\n"
        "2,122,sugar,01/02/2024,4,50.00,1,50.00\n"
    )
    before = len(table(spark, home, "bronze/sales/transactions"))
    # The run stops after bronze (as a crash would): the file stays in to_process/, taken.
    cut = run(defs, "sales_daily", "2024-02-01", "2024-02-01", instance, [AssetKey(["bronze", "sales", "transactions"])])
    assert cut.success and late.exists()
    assert [row[:2] for row in ledger(home)[-2:]] == [("sales_122_20240201_fixed.csv", "processing"),
                                                     ("sales_123_20240201_late.csv", "processing")]  # fmt: skip
    finished = run(defs, "sales_daily", "2024-02-01", "2024-02-01", instance)
    assert finished.success and not late.exists() and not undated.exists()
    assert ledger(home)[-2:] == [("sales_122_20240201_fixed.csv", "completed", 0, 1, "2024-02-01", 1),
                                 ("sales_123_20240201_late.csv", "completed", 2, 0, "2024-02-01", 1)]  # fmt: skip
    assert len(table(spark, home, "bronze/sales/transactions")) == before + 3
    rejected = [r for r in table(spark, home, "silver/sales/rejects") if r["_source_file"] == "sales_122_20240201_fixed.csv"]
    assert [(r["reason"], str(r["partition_date"])) for r in rejected] == [("unparseable:sales_date", "2024-02-01")]
    assert sorted(p.name for p in (day_folder / "partition_date=2024-02-09").iterdir()) == other_day
    assert run(defs, "sales_monthly", "2024-02", "2024-02", instance).success
    customer_1 = [r for r in table(spark, home, "gold/sales/customer_monthly_purchase")
                  if (r["customer_id"], r["sales_month"]) == (1, "2024-02")]  # fmt: skip
    enriched = [r for r in table(spark, home, "silver/sales/enriched_sales")
                if r["customer_id"] == 1 and r["sales_month"] == "2024-02"]  # fmt: skip
    assert customer_1[0]["total_sales"] == sum(r["total_cost"] for r in enriched)


def _days(rows: list[dict], column: str, first: str, last: str) -> list[dict]:
    """Rows of days first..last without what differs between two homes (the intake time)."""
    kept = [{k: v for k, v in r.items() if k != "_ingested_at"} for r in rows if first <= str(r[column]) <= last]
    return sorted(kept, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


@pytest.fixture(scope="module")
def crash_home(tmp_path_factory, generated):
    home = tmp_path_factory.mktemp("sales-crash")
    shutil.copytree(generated[0], home / "landing" / "sales")
    return home, build_definitions(Settings(home=home, spark_master="local[2]")), DagsterInstance.ephemeral()


def _same_days_as_the_clean_run(spark, home, clean_home, first, last):
    """The crash-tested days equal the clean run's (not 2024-02-01: a test adds a late file there)."""
    for key, column in (("bronze/sales/transactions", "partition_date"), ("silver/sales/enriched_sales", "sales_date"),
                        ("silver/sales/rejects", "partition_date")):  # fmt: skip
        assert _days(table(spark, home, key), column, first, last) == _days(table(spark, clean_home, key), column, first, last)


def _killed(*args, **kwargs):
    raise RuntimeError("killed")


def test_a_run_failing_after_silver_is_finished_by_the_next(crash_home, sales_run, spark, monkeypatch):
    home, defs, instance = crash_home
    with monkeypatch.context() as patch:
        patch.setattr(file_drop.FileDrop, "archive", _killed)
        failed = run(defs, "sales_daily", FIRST, "2024-01-31", instance)
    assert not failed.success
    taken = {name: status for name, status, *_ in ledger(home) if name.endswith(("20240130.csv", "20240131.csv"))}
    assert taken == {f"sales_{s}_{d}.csv": "processing" for s in (121, 122, 123) for d in ("20240130", "20240131")}
    assert (home / "landing" / "sales" / "to_process" / "sales_121_20240130.csv").exists()
    assert run(defs, "sales_daily", FIRST, "2024-01-31", instance).success
    assert not (home / "landing" / "sales" / "to_process" / "sales_121_20240130.csv").exists()
    _same_days_as_the_clean_run(spark, home, sales_run[0], FIRST, "2024-01-31")


def test_a_run_failing_during_archiving_is_finished_by_the_next(crash_home, sales_run, spark, monkeypatch):
    home, defs, instance = crash_home
    moves = []
    real = file_drop._move

    def dies_on_the_third_archive_move(source, target):
        if "/processed/" in str(target):
            moves.append(target)
            if len(moves) == 3:
                raise RuntimeError("killed while archiving")
        real(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(file_drop, "_move", dies_on_the_third_archive_move)
        failed = run(defs, "sales_daily", "2024-02-02", "2024-02-03", instance)
    assert not failed.success
    half = [row for row in ledger(home) if row[1] == "completed" and not row[5]]
    assert len(half) == 4  # 6 files of the two days: 2 moved, the 3rd cut, 3 more decided
    assert run(defs, "sales_daily", "2024-02-02", "2024-02-03", instance).success
    assert all(moved for _, status, *_, moved in ledger(home) if status not in ("received", "processing"))
    assert [n for n in files_in(home / "landing" / "sales" / "to_process") if "20240202" in n or "20240203" in n] == []
    _same_days_as_the_clean_run(spark, home, sales_run[0], "2024-02-02", "2024-02-03")
    counts = {row[0]: row[2:4] for row in ledger(home) if row[1] == "completed"}
    clean = {row[0]: row[2:4] for row in ledger(sales_run[0]) if row[1] == "completed"}
    ours = {n: c for n, c in counts.items() if "20240202" in n or "20240203" in n}
    assert len(ours) == 6 and ours == {n: clean[n] for n in ours}
