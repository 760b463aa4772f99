"""The rainforest job end to end on generated data: the CSV exports and PostgreSQL give the same
tables, every check passes on clean data, the generator's faults end up as rejects, the gold
metrics equal an oracle computed here from the CSV files with plain Python, and the two
data-quality rules fail (and block) on an injected duplicate order and an injected huge order.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from lakehouse.datagen.rainforest import FAULTS, generate
from lakehouse.definitions import build_definitions
from lakehouse.domains.rainforest.contracts.keys import bronze, gold, interface, silver
from lakehouse.domains.rainforest.silver import DIMENSIONS, FACTS
from lakehouse.domains.rainforest.contracts.upstream import EVENT_TYPES, TABLES
from lakehouse.settings import Settings
from lakehouse_tests.domains.rainforest.golden import FILE as GOLDEN
from lakehouse_tests.domains.rainforest.golden import fingerprints

SEED, SCALE = 11, 0.05
START, END = date(2024, 1, 1), date(2024, 1, 4)
DAYS = [f"2024-01-0{d}" for d in range(1, 5)]
DB_VARIABLE = "LAKEHOUSE_RAINFOREST_DB_URL"
CENT = Decimal("0.01")
N_CHECKS = 32  # every rainforest asset check, each evaluated once per run


# ------------------------------------------------------------------------------------- helpers


def run(defs, start: str, end: str, instance=None, asset_selection=None):
    job = defs.resolve_job_def("rainforest_daily")
    tags = {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}
    return job.execute_in_process(
        instance=instance or DagsterInstance.ephemeral(),
        tags=tags,
        raise_on_error=False,
        asset_selection=asset_selection,
    )


def read(spark, home: Path, key: str):
    return spark.read.parquet(str(home / "warehouse" / key))


def rows(spark, home: Path, key: str, *order_by: str) -> list[dict]:
    frame = read(spark, home, key)
    return [r.asDict() for r in frame.orderBy(*(order_by or frame.columns)).collect()]


def csv_rows(landing: Path, table: str) -> list[dict]:
    with open(landing / f"{table}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def half_up(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal]) -> Decimal:
    return half_up(sum(values) / Decimal(len(values)))


def median(values: list[Decimal]) -> Decimal:
    ordered, n = sorted(values), len(values)
    middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return half_up(middle)


def evaluations(result) -> dict[tuple[str, str], object]:
    """(asset key as a/b/c, check name) -> the check evaluation."""
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def meta(evaluation, name: str):
    value = evaluation.metadata[name]
    return getattr(value, "value", value)


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


# ------------------------------------------------------------------------------------- oracle


def oracle(landing: Path) -> dict:
    """Every expected number worked out from the CSV files with plain Python (no Spark, no lakehouse)."""
    active_user = {u["user_id"]: u["is_active"] == "true" for u in csv_rows(landing, "appuser")}
    buyer_user = {b["buyer_id"]: b["user_id"] for b in csv_rows(landing, "buyer")}
    products = {p["product_id"] for p in csv_rows(landing, "product")}
    category_name = {c["category_id"]: c["name"] for c in csv_rows(landing, "category")}
    categories_of = defaultdict(list)
    for pc in csv_rows(landing, "productcategory"):
        categories_of[pc["product_id"]].append(pc["category_id"])

    orders = csv_rows(landing, "orders")
    items = csv_rows(landing, "orderitem")
    events = csv_rows(landing, "clickstream")

    rejects = Counter()
    valid_orders = {}
    for o in orders:
        if not o["buyer_id"]:
            rejects["orders", "null_key:buyer_id"] += 1
        else:
            valid_orders[o["order_id"]] = o
    item_reasons = {}
    for i in items:
        reasons = []
        if i["order_id"] not in valid_orders:
            reasons.append("unknown_order")
        if i["product_id"] not in products:
            reasons.append("unknown_product")
        if reasons:
            item_reasons[i["order_item_id"]] = ";".join(reasons)
            rejects["orderitem", ";".join(reasons)] += 1
    for e in events:
        reasons = []
        if not e["user_id"]:
            reasons.append("null_key:user_id")
        if e["event_type"] not in EVENT_TYPES:
            reasons.append("unknown_event_type")
        if reasons:
            rejects["clickstream", ";".join(reasons)] += 1

    def is_active(order) -> bool:
        return active_user.get(buyer_user.get(order["buyer_id"]), False)

    order_totals = defaultdict(list)
    for o in valid_orders.values():
        if is_active(o):
            order_totals[o["order_ts"][:10]].append(Decimal(o["total_price"]))
    daily_orders = [(day, sum(v), mean(v)) for day, v in sorted(order_totals.items())]

    revenues = defaultdict(list)
    for i in items:
        if i["order_item_id"] in item_reasons or not is_active(valid_orders[i["order_id"]]):
            continue
        day = valid_orders[i["order_id"]]["order_ts"][:10]
        revenue = int(i["quantity"]) * Decimal(i["base_price"])
        for category in categories_of[i["product_id"]]:
            revenues[day, int(category)].append(revenue)
    interpolated = sum(
        1 for v in revenues.values() if len(v) % 2 == 0 and sorted(v)[len(v) // 2 - 1] != sorted(v)[len(v) // 2]
    )
    daily_categories = [
        (day, category, category_name[str(category)], mean(v), median(v))
        for (day, category), v in sorted(revenues.items())
    ]
    return {
        "rejects": rejects,
        "rejected_items": item_reasons,
        "rows": {"orders": len(orders), "orderitem": len(items), "clickstream": len(events)},
        "null_buyer_order": next(o["order_id"] for o in orders if not o["buyer_id"]),
        "daily_orders": daily_orders,
        "daily_categories": daily_categories,
        "interpolated_medians": interpolated,
    }


# ------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The generator's CSV exports: 4 days at scale 0.05 (50 users, 25 products, 250 orders)."""
    folder = tmp_path_factory.mktemp("rainforest-landing")
    generate(folder, seed=SEED, scale=SCALE, start=START, end=END)
    return folder


def home_with(tmp_path_factory, landing: Path, name: str) -> Path:
    home = tmp_path_factory.mktemp(name)
    shutil.copytree(landing, home / "landing" / "rainforest")
    return home


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory, spark, landing):
    """One range run 2024-01-01..2024-01-04 from the CSV exports."""
    home = home_with(tmp_path_factory, landing, "rainforest-csv")
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    # The session is shared: what earlier tests cached is no concern of this run's, whose own
    # caches test_silver_releases_the_rows_it_cached counts.
    spark.catalog.clearCache()
    return home, run(defs, DAYS[0], DAYS[-1])


@pytest.fixture(scope="module")
def expected(landing) -> dict:
    return oracle(landing)


@pytest.fixture(scope="module")
def jdbc_run(tmp_path_factory, spark, postgres, landing):
    """The same seed, scale and days loaded into PostgreSQL, and the same range run from it."""
    exported = tmp_path_factory.mktemp("rainforest-db-export")
    generate(exported, seed=SEED, scale=SCALE, start=START, end=END, db_url=postgres.url())
    home = tmp_path_factory.mktemp("rainforest-jdbc")  # no landing folder at all
    settings = Settings(home=home, spark_master="local[2]", database_domains=("rainforest",))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DB_VARIABLE, postgres.url())
        result = run(build_definitions(settings), DAYS[0], DAYS[-1])
    return home, result, exported


# ------------------------------------------------------------------------------------- CSV path


def test_csv_run_succeeds_with_every_check_passing(csv_run):
    _, result = csv_run
    assert result.success
    evaluated = result.get_asset_check_evaluations()
    assert len(evaluated) == N_CHECKS
    assert [e.check_name for e in evaluated if not e.passed] == []
    assert {"interface/rainforest/daily_order_report", "interface/rainforest/daily_category_report"} <= materialized(
        result
    )


def test_silver_releases_the_rows_it_cached(csv_run, spark):
    # rejects.split caches each table's judged rows for its two outputs; the silver assets drop
    # them once written, so a long range run does not keep them until the process ends.
    assert csv_run[1].success
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()


def test_generator_faults_become_rejects_with_their_reasons(csv_run, expected, spark):
    home, _ = csv_run
    rejects = read(spark, home, "silver/rainforest/fact_rejects")
    found = Counter((r["table"], r["reason"]) for r in rejects.collect())
    assert found == expected["rejects"]
    # The generator's fault counts, as rejects: the NULL-buyer order, its items and two orphans
    # as unknown_order, the two items of unknown products, the refunds and the NULL-user view.
    null_buyer_items = sum(
        1 for i in csv_rows(csv_run[0] / "landing" / "rainforest", "orderitem")
        if i["order_id"] == expected["null_buyer_order"]
    )
    assert null_buyer_items >= 1
    assert found == {
        ("orders", "null_key:buyer_id"): FAULTS["null_buyer_order"],
        ("orderitem", "unknown_order"): null_buyer_items + FAULTS["orphan_order_item"],
        ("orderitem", "unknown_product"): FAULTS["orphan_product_item"],
        ("clickstream", "unknown_event_type"): FAULTS["unknown_event_type"],
        ("clickstream", "null_key:user_id"): FAULTS["null_user_event"],
    }
    # The very rows: the records hold the rejected items' ids.
    item_ids = {
        re.search(r'"order_item_id":(\d+)', r["record"])[1]
        for r in rejects.filter("table = 'orderitem'").select("record").collect()
    }
    assert item_ids == set(expected["rejected_items"])
    # Nothing is unplaceable: every generated row has its time.
    assert read(spark, home, "bronze/rainforest/rejects").count() == 0


def test_row_accounting_bronze_equals_facts_plus_rejects(csv_run, expected, spark):
    home, result = csv_run
    rejects = read(spark, home, "silver/rainforest/fact_rejects")
    checks = evaluations(result)
    for table, fact in (("orders", "fact_orders"), ("orderitem", "fact_order_items"),
                        ("clickstream", "fact_clickstream")):  # fmt: skip
        bronze = read(spark, home, f"bronze/rainforest/{table}").count()
        kept = read(spark, home, f"silver/rainforest/{fact}").count()
        rejected = rejects.filter(rejects.table == table).count()
        assert bronze == expected["rows"][table]  # every generated row is inside the 4 days
        assert rejected == sum(n for (t, _), n in expected["rejects"].items() if t == table)
        assert bronze == kept + rejected
        accounting = checks[f"silver/rainforest/{fact}", "row_accounting"]
        assert (meta(accounting, "rows_in"), meta(accounting, "rows_out"), meta(accounting, "unaccounted")) == (
            bronze, kept, 0
        )


def test_daily_order_metrics_equal_the_oracle(csv_run, expected, spark):
    got = rows(spark, csv_run[0], "gold/rainforest/daily_order_metrics", "order_date")
    assert [(str(r["order_date"]), r["total_revenue"], r["mean_revenue"]) for r in got] == expected["daily_orders"]
    assert [r[0] for r in expected["daily_orders"]] == DAYS


def test_daily_category_metrics_equal_the_oracle(csv_run, expected, spark):
    got = rows(spark, csv_run[0], "gold/rainforest/daily_category_metrics", "order_date", "category_id")
    assert [
        (str(r["order_date"]), r["category_id"], r["category_name"], r["mean_revenue"], r["median_revenue"])
        for r in got
    ] == expected["daily_categories"]
    assert len(expected["daily_categories"]) > len(DAYS)  # several categories a day
    # Some day and category has an even count of items with different middle values, so the
    # median there is the average of the two middle values, not one of them.
    assert expected["interpolated_medians"] > 0


def test_interface_reports_are_the_metrics_renamed(csv_run, spark):
    home = csv_run[0]
    orders = rows(spark, home, "gold/rainforest/daily_order_metrics", "order_date")
    report = rows(spark, home, "interface/rainforest/daily_order_report", "Date")
    assert [(str(r["Date"]), r["Revenue"], r["Mean Revenue"]) for r in report] == [
        (str(r["order_date"]), r["total_revenue"], r["mean_revenue"]) for r in orders
    ]
    categories = rows(spark, home, "gold/rainforest/daily_category_metrics", "order_date", "category_name")
    report = rows(spark, home, "interface/rainforest/daily_category_report", "Date", "Product Category")
    assert [(str(r["Date"]), r["Product Category"], r["Mean Revenue"], r["Median Revenue"]) for r in report] == [
        (str(r["order_date"]), r["category_name"], r["mean_revenue"], r["median_revenue"]) for r in categories
    ]


def test_outputs_equal_the_snapshot_layouts_row_for_row(csv_run):
    # The same data through the layout that copied every dimension per day (golden.py says how
    # the fingerprints were made): versioned dimensions change no fact, wide table or report.
    assert csv_run[1].success
    assert fingerprints(csv_run[0] / "warehouse") == json.loads(GOLDEN.read_text())


def test_reports_are_queryable_with_duckdb_without_spark(csv_run, expected):
    base = csv_run[0] / "warehouse" / "interface" / "rainforest"
    with duckdb.connect() as con:
        got = con.execute(
            f"""SELECT CAST("Date" AS VARCHAR), "Revenue", "Mean Revenue"
                FROM read_parquet('{base}/daily_order_report/*/*.parquet', hive_partitioning=true)
                ORDER BY "Date" """
        ).fetchall()
        assert got == expected["daily_orders"]
        got = con.execute(
            f"""SELECT CAST("Date" AS VARCHAR), "Product Category", "Mean Revenue", "Median Revenue"
                FROM read_parquet('{base}/daily_category_report/*/*.parquet', hive_partitioning=true)
                ORDER BY 1, 2"""
        ).fetchall()
    assert got == sorted((day, name, m, med) for day, _, name, m, med in expected["daily_categories"])


# ------------------------------------------------------------------------------------- JDBC path

GOLD_AND_INTERFACE = [
    "gold/rainforest/wide_orders",
    "gold/rainforest/wide_order_items",
    "gold/rainforest/daily_category_metrics",
    "gold/rainforest/daily_order_metrics",
    "interface/rainforest/daily_category_report",
    "interface/rainforest/daily_order_report",
]
SILVER_FACTS = [
    "silver/rainforest/fact_orders",
    "silver/rainforest/fact_order_items",
    "silver/rainforest/fact_clickstream",
    "silver/rainforest/fact_rejects",
    "silver/rainforest/dim_buyer",
    "silver/rainforest/dim_product",
]


def test_jdbc_run_succeeds_with_every_check_passing(jdbc_run, landing):
    _, result, exported = jdbc_run
    assert result.success
    evaluated = result.get_asset_check_evaluations()
    assert len(evaluated) == N_CHECKS
    assert [e.check_name for e in evaluated if not e.passed] == []
    # The generator is deterministic: the rows loaded into PostgreSQL are the CSV path's rows.
    for path in sorted(landing.glob("*.csv")):
        assert (exported / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("key", [*GOLD_AND_INTERFACE, *SILVER_FACTS])
def test_jdbc_tables_equal_the_csv_tables(jdbc_run, csv_run, spark, key):
    from_db, from_csv = read(spark, jdbc_run[0], key), read(spark, csv_run[0], key)
    assert sorted(from_db.columns) == sorted(from_csv.columns)
    columns = sorted(c for c in from_csv.columns if c != "_extracted_at")
    from_db, from_csv = from_db.select(*columns), from_csv.select(*columns)
    assert from_db.count() == from_csv.count() > 0
    assert from_db.exceptAll(from_csv).count() == 0
    assert from_csv.exceptAll(from_db).count() == 0


def test_jdbc_bronze_orders_equal_the_csv_ones(jdbc_run, csv_run, spark):
    columns = [c for c in read(spark, csv_run[0], "bronze/rainforest/orders").columns if c != "_extracted_at"]
    from_db = read(spark, jdbc_run[0], "bronze/rainforest/orders").select(*columns)
    from_csv = read(spark, csv_run[0], "bronze/rainforest/orders").select(*columns)
    assert from_db.count() == from_csv.count()
    assert from_db.exceptAll(from_csv).count() == 0 and from_csv.exceptAll(from_db).count() == 0


def test_jdbc_pushes_the_day_bounds_of_orders_down(jdbc_run, postgres):
    log = postgres.log.read_text(errors="replace")
    statements = [line for line in log.splitlines() if '"rainforest"."orders"' in line]
    assert statements, "no statement on rainforest.orders in the server log"
    pushed = (
        """WHERE "order_ts" >= TIMESTAMP '2024-01-01 00:00:00' AND "order_ts" < TIMESTAMP '2024-01-05 00:00:00'"""
    )
    assert any(pushed in line for line in statements), statements[:5]


# ------------------------------------------------------------------------------------- injected faults

DUPLICATE_DAY = "2024-01-02"


@pytest.fixture(scope="module")
def duplicate_run(tmp_path_factory, spark, landing):
    """The CSV exports plus a repeated line of an order of DUPLICATE_DAY; that day run alone."""
    home = home_with(tmp_path_factory, landing, "rainforest-duplicate")
    path = home / "landing" / "rainforest" / "orders.csv"
    lines = path.read_text().splitlines()
    original = next(line for line in lines[1:] if f",{DUPLICATE_DAY} " in line and ",," not in line)
    path.write_text("\n".join([*lines, original]) + "\n")
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    # Just what silver facts need (and the facts themselves), to keep the run short; from the
    # first day, since versioned bronze product needs its history before the day.
    selection = [AssetKey(bronze(t)) for t in ("orders", "orderitem", "clickstream", "product")]
    selection += [AssetKey(silver(name)) for name in FACTS]
    return home, run(defs, DAYS[0], DUPLICATE_DAY, asset_selection=selection), original.split(",")[0]


def test_duplicate_order_fails_the_blocking_unique_check(duplicate_run, csv_run):
    home, result, order_id = duplicate_run
    assert evaluations(csv_run[1])["bronze/rainforest/orders", "order_id_unique"].passed  # clean data passes
    assert not result.success
    check = evaluations(result)["bronze/rainforest/orders", "order_id_unique"]
    assert check.passed is False
    assert meta(check, "failing_count") == 1
    assert meta(check, "duplicate_rows") == 1
    assert meta(check, "sample_keys") == [order_id]
    # Blocking: nothing downstream of bronze orders was written for the run.
    done = materialized(result)
    assert "bronze/rainforest/orders" in done
    assert not {k for k in done if k.startswith(("silver/rainforest/fact", "gold/", "interface/"))}
    assert not (home / "warehouse" / "silver" / "rainforest" / "fact_orders").exists()
    assert not (home / "warehouse" / "silver" / "rainforest" / "fact_rejects").exists()


BIG_DAY = "2024-01-03"
BIG_PRICE, BIG_TAX = Decimal("9000000.00"), Decimal("720000.00")


@pytest.fixture(scope="module")
def big_order_run(tmp_path_factory, spark, landing):
    """The CSV exports plus one order of an ACTIVE buyer on BIG_DAY with a 9,000,000.00 item."""
    home = home_with(tmp_path_factory, landing, "rainforest-big-order")
    folder = home / "landing" / "rainforest"
    active = {u["user_id"] for u in csv_rows(folder, "appuser") if u["is_active"] == "true"}
    buyer = next(b["buyer_id"] for b in csv_rows(folder, "buyer") if b["user_id"] in active)
    categories = Counter(pc["product_id"] for pc in csv_rows(folder, "productcategory"))
    product = next(p for p, n in sorted(categories.items(), key=lambda kv: int(kv[0])) if n == 1)
    category = next(pc["category_id"] for pc in csv_rows(folder, "productcategory") if pc["product_id"] == product)
    seller = next(sp["seller_id"] for sp in csv_rows(folder, "sellerproduct") if sp["product_id"] == product)
    order_id = max(int(o["order_id"]) for o in csv_rows(folder, "orders")) + 100
    item_id = max(int(i["order_item_id"]) for i in csv_rows(folder, "orderitem")) + 100
    ts = f"{BIG_DAY} 12:00:00"
    with open(folder / "orders.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{order_id},{buyer},{ts},{BIG_PRICE + BIG_TAX},{ts}\n")
    with open(folder / "orderitem.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{item_id},{order_id},{product},{seller},1,{BIG_PRICE},{BIG_TAX},{ts}\n")
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    # The whole job but what no report depends on (ratings, bronze rejects), to keep the run short.
    selection = [AssetKey(bronze(t)) for t in TABLES if t != "ratings"]
    selection += [AssetKey(silver(name)) for name in [*DIMENSIONS, *FACTS]]
    selection += [AssetKey(gold(name)) for name in ("wide_orders", "wide_order_items")]
    selection += [AssetKey(gold(name)) for name in ("daily_category_metrics", "daily_order_metrics")]
    selection += [AssetKey(interface(name)) for name in ("daily_category_report", "daily_order_report")]
    # From the first day: versioned dimensions need their history before BIG_DAY.
    return home, run(defs, DAYS[0], BIG_DAY, asset_selection=selection), oracle(folder), int(category)


def test_big_order_fails_the_blocking_revenue_checks(big_order_run):
    home, result, expected, category = big_order_run
    assert not result.success
    checks = evaluations(result)
    failed = sorted(key for key, e in checks.items() if not e.passed)
    assert failed == [
        ("gold/rainforest/daily_category_metrics", "mean_revenue_below_100k"),
        ("gold/rainforest/daily_order_metrics", "mean_revenue_below_100k"),
    ]
    ((_, _, day_mean),) = [row for row in expected["daily_orders"] if row[0] == BIG_DAY]
    assert day_mean >= 100_000
    orders = checks["gold/rainforest/daily_order_metrics", "mean_revenue_below_100k"]
    assert meta(orders, "failing_count") == 1
    assert meta(orders, "actual_max_mean") == float(day_mean)
    assert meta(orders, "sample_failing_groups")[0].startswith(f"{BIG_DAY}|")

    categories = checks["gold/rainforest/daily_category_metrics", "mean_revenue_below_100k"]
    (category_mean,) = [m for d, c, _, m, _ in expected["daily_categories"] if (d, c) == (BIG_DAY, category)]
    assert meta(categories, "failing_count") == 1
    assert meta(categories, "actual_max_mean") == float(category_mean) >= 100_000
    assert meta(categories, "sample_failing_groups")[0].startswith(f"{BIG_DAY}|{category}|")

    # Gold ran, but its big day was held back; the reports, downstream of the failed checks, did not run.
    assert meta(orders, "sample_failing_days") == [BIG_DAY]
    assert meta(orders, "audit_path").endswith(f"/gold/rainforest/daily_order_metrics/_audit/{result.run_id}")
    done = materialized(result)
    assert {"gold/rainforest/daily_order_metrics", "gold/rainforest/daily_category_metrics"} <= done
    assert not {k for k in done if k.startswith("interface/")}
    assert not (home / "warehouse" / "interface").exists()


def test_big_order_metrics_equal_the_oracle(big_order_run, spark):
    home, result, expected, _ = big_order_run
    got = rows(spark, home, "gold/rainforest/daily_order_metrics", "order_date")
    # Readers see the days before; the big day, held back, waits in the audit area with its numbers.
    assert [(str(r["order_date"]), r["total_revenue"], r["mean_revenue"]) for r in got] == [
        row for row in expected["daily_orders"] if row[0] < BIG_DAY
    ]
    audit = home / "warehouse" / "gold" / "rainforest" / "daily_order_metrics" / "_audit" / result.run_id
    held = spark.read.parquet(str(audit / f"order_date={BIG_DAY}")).collect()
    assert [(BIG_DAY, r["total_revenue"], r["mean_revenue"]) for r in held] == [
        row for row in expected["daily_orders"] if row[0] == BIG_DAY
    ]
