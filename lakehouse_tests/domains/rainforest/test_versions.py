"""Rainforest on versioned state, end to end on generated data with `--updates`: users and products
changed by re-sent rows and seller offers dropped through dated exports become exactly the versions an
oracle reads from the CSV files; metrics take each buyer as of the order's day; a re-run day gives
the same versions as the range run; `lakehouse sql` reads a dimension as of a day."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import DagsterInstance
from pyspark.sql.types import StructType

from lakehouse.datagen.rainforest import generate
from lakehouse.definitions import build_definitions
from lakehouse.settings import Settings
from lakehouse_tests.conftest import REPO, cli_env
from lakehouse_tests.domains.rainforest.test_pipeline import evaluations, half_up, mean, run

SEED, SCALE, UPDATES = 11, 0.05, 0.2
START, END = date(2024, 1, 1), date(2024, 1, 6)
DAYS = [f"2024-01-0{d}" for d in range(1, 7)]


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def day_of(text: str) -> date:
    return datetime.fromisoformat(text).date()


def changes(rows: list[dict], key: str) -> list[dict]:
    """The re-sent rows: every row of a key after its first one (the file lists them in time order)."""
    seen, later = set(), []
    for row in rows:
        if row[key] in seen:
            later.append(row)
        seen.add(row[key])
    return later


@pytest.fixture(scope="module")
def updated(tmp_path_factory, spark):
    """Six days at scale 0.05 with 20% of users, products and offers changed, run as one range."""
    landing = tmp_path_factory.mktemp("rainforest-updates-landing")
    generate(landing, seed=SEED, scale=SCALE, start=START, end=END, updates=UPDATES)
    home = tmp_path_factory.mktemp("rainforest-updates")
    shutil.copytree(landing, home / "landing" / "rainforest")
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    instance = DagsterInstance.ephemeral()
    return home, defs, instance, run(defs, DAYS[0], DAYS[-1], instance=instance)


def table(spark, home: Path, key: str):
    """A table as committed, typed by its `_schema.json` (a table may hold no file at all)."""
    folder = home / "warehouse" / key
    return spark.read.schema(StructType.fromJson(json.loads((folder / "_schema.json").read_text()))).parquet(str(folder))


def versions(spark, home: Path, key: str, columns: list[str], since: date | None = None) -> list[tuple]:
    frame = table(spark, home, key)
    if since:
        frame = frame.where(frame.valid_from >= since)
    return sorted(tuple(r) for r in frame.select(*columns).collect())


def test_the_range_run_passes_every_check(updated):
    result = updated[3]
    assert result.success
    assert [name for name, e in evaluations(result).items() if not e.passed] == []


def test_changed_users_become_dim_buyer_versions_on_their_day(updated, spark):
    home = updated[0]
    landing = home / "landing" / "rainforest"
    buyer_of = {b["user_id"]: int(b["buyer_id"]) for b in csv_rows(landing / "buyer.csv")}
    changed = changes(csv_rows(landing / "appuser.csv"), "user_id")
    assert len(changed) == 12
    expected = sorted(
        (buyer_of[u["user_id"]], u["email"], u["is_active"] == "true", day_of(u["last_updated_ts"]),
         datetime.fromisoformat(u["last_updated_ts"]), 0, False)
        for u in changed
    )  # fmt: skip
    columns = ["buyer_id", "email", "is_active", "valid_from", "valid_from_ts", "version_in_day", "is_deleted"]
    assert versions(spark, home, "silver/rainforest/dim_buyer", columns, since=date(2024, 1, 2)) == expected
    # Day 1 holds every buyer once; bronze appuser holds every row of the file as a version.
    assert len(versions(spark, home, "silver/rainforest/dim_buyer", ["buyer_id"])) == 50 + 12
    bronze = versions(spark, home, "bronze/rainforest/appuser", ["user_id", "email", "valid_from"])
    assert len(bronze) == 50 + 12 and (44, "zoe.evans44.2@example.org", date(2024, 1, 3)) in bronze


def test_changed_prices_become_dim_product_versions(updated, spark):
    home = updated[0]
    changed = changes(csv_rows(home / "landing" / "rainforest" / "product.csv"), "product_id")
    assert len(changed) == 5
    expected = sorted((int(p["product_id"]), Decimal(p["price"]), day_of(p["last_updated_ts"])) for p in changed)
    found = versions(spark, home, "silver/rainforest/dim_product", ["product_id", "price", "valid_from"], date(2024, 1, 2))
    assert found == expected


def test_dropped_offers_become_deletions_on_the_day_after_their_last_export(updated, spark):
    home = updated[0]
    landing = home / "landing" / "rainforest"
    exports = sorted(landing.glob("sellerproduct@*.csv"))
    assert [p.name for p in exports] == [f"sellerproduct@2024-01-0{d}.csv" for d in (1, 3, 5)]
    held = [*exports, landing / "sellerproduct.csv"]
    expected = []
    for before, after in zip(held, held[1:]):
        gone = {tuple(r.values()) for r in csv_rows(before)} - {tuple(r.values()) for r in csv_rows(after)}
        drop_day = date.fromisoformat(before.stem.split("@")[1]).toordinal() + 1
        expected += [(int(s), int(p), date.fromordinal(drop_day), True) for s, p in gone]
    assert len(expected) == 53
    columns = ["seller_id", "product_id", "valid_from", "is_deleted"]
    assert versions(spark, home, "silver/rainforest/brg_seller_product", columns, date(2024, 1, 2)) == sorted(expected)
    first = versions(spark, home, "silver/rainforest/brg_seller_product", columns[:2] + ["valid_from"])
    assert len([v for v in first if v[2] == START]) == len(csv_rows(exports[0])) == 266


def test_daily_order_metrics_take_each_buyer_as_of_the_order_day(updated, spark):
    home = updated[0]
    landing = home / "landing" / "rainforest"
    users = csv_rows(landing / "appuser.csv")
    first = {}
    for u in users:
        first.setdefault(u["user_id"], u)
    active_on = defaultdict(list)  # user -> [(from day, is_active)], the first row from any day
    for u in users:
        since = date.min if first[u["user_id"]] is u else day_of(u["last_updated_ts"])
        active_on[u["user_id"]].append((since, u["is_active"] == "true"))
    user_of = {b["buyer_id"]: b["user_id"] for b in csv_rows(landing / "buyer.csv")}
    totals = defaultdict(list)
    flips = 0
    for o in csv_rows(landing / "orders.csv"):
        if not o["buyer_id"]:
            continue
        day = day_of(o["order_ts"])
        history = active_on[user_of[o["buyer_id"]]]
        active = [a for since, a in history if since <= day][-1]
        flips += active != history[-1][1]
        if active:
            totals[day].append(Decimal(o["total_price"]))
    expected = [(d, half_up(sum(v)), mean(v)) for d, v in sorted(totals.items())]
    frame = table(spark, home, "gold/rainforest/daily_order_metrics")
    got = sorted((r.order_date, r.total_revenue, r.mean_revenue) for r in frame.collect())
    assert got == expected
    assert flips > 0  # some orders were placed while their buyer's is_active was still the old value


def test_single_day_reruns_give_the_range_runs_versions(updated, spark):
    home, defs, instance, result = updated
    assert result.success
    tables = ["silver/rainforest/dim_buyer", "silver/rainforest/dim_product", "silver/rainforest/brg_seller_product",
              "silver/rainforest/dimension_rejects"]  # fmt: skip
    before = {t: table(spark, home, t).collect() for t in tables}
    appuser = "bronze/rainforest/appuser"
    columns = [c for c in table(spark, home, appuser).columns if c != "_extracted_at"]
    bronze_before = table(spark, home, appuser).select(*columns).collect()
    for day in DAYS[-2:]:  # Jan 5 (a second change of one user) and Jan 6 (drops and changes)
        assert run(defs, day, day, instance=instance).success
    for t in tables:
        assert sorted(table(spark, home, t).collect(), key=repr) == sorted(before[t], key=repr), t
    assert sorted(table(spark, home, appuser).select(*columns).collect(), key=repr) == sorted(bronze_before, key=repr)


def sql(home: Path, statement: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli", "sql", "--csv", "-c", statement],
        env=cli_env(home), cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_lakehouse_sql_reads_a_dimension_as_of_a_day(updated):
    home = updated[0]
    query = "select email from silver.rainforest_dim_buyer_as_of(date '{}') where buyer_id = 13"
    assert sql(home, query.format("2024-01-01")) == ["email", "zoe.evans44@example.com"]
    assert sql(home, query.format("2024-01-02")) == ["email", "zoe.evans44.1@example.org"]
    assert sql(home, query.format("2024-01-06")) == ["email", "zoe.evans44.2@example.org"]
    pairs = "select count(*) as n from silver.rainforest_brg_seller_product_as_of(date '{}')"
    assert [sql(home, pairs.format(f"2024-01-0{d}"))[1] for d in (1, 2, 4, 6)] == ["266", "252", "232", "213"]
    current = "select count(*) as n from silver.rainforest_dim_buyer where is_current"
    assert sql(home, current) == ["n", "50"]
