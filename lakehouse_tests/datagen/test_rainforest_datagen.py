"""The rainforest generator: format, determinism, volumes, consistency, faults, CLI and PostgreSQL load."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.__main__ import main
from lakehouse.datagen.rainforest import FAULTS, generate, tax_of
from lakehouse.datagen.rainforest_db import LoadError, redact
from lakehouse.domains.rainforest.contracts.upstream import EVENT_TYPES, TABLES

REPO = Path(__file__).resolve().parents[2]
TS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
MONEY = re.compile(r"\d+\.\d{2}")
# The only columns that may hold NULL (an empty field): not-yet-happened firsts and the faults.
NULLABLE = {
    ("buyer", "first_time_purchased_timestamp"), ("seller", "first_time_sold_timestamp"),
    ("orders", "buyer_id"), ("clickstream", "user_id"), ("clickstream", "product_id"),
    ("clickstream", "order_id"),
}  # fmt: skip


def read(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Every table's rows as dicts of text, checking the header against the upstream contract."""
    tables = {}
    for name, table in TABLES.items():
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == table.column_names, name
            tables[name] = list(reader)
    return tables


def by_id(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


def money(text: str) -> Decimal:
    assert MONEY.fullmatch(text), text
    return Decimal(text)


def cli(*args: str, env: dict[str, str] | None = None):
    """Run the CLI in a fresh interpreter, importing this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "lakehouse.datagen", *args],
        env={**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=180,
    )


@pytest.fixture(scope="module")
def scale1(tmp_path_factory):
    """The default data set: scale 1, seed 42, 2024."""
    out = tmp_path_factory.mktemp("rainforest")
    return generate(out), read(out)


# --- format and report ------------------------------------------------------------------------


def test_registry_report_and_files(scale1):
    report, tables = scale1
    assert GENERATORS["rainforest"].func is generate  # with the demo's share of changes bound
    assert [p.name for p in report.paths] == [f"{name}.csv" for name in TABLES]
    assert report.table_rows == {name: len(rows) for name, rows in tables.items()}
    assert report.rows == sum(report.table_rows.values())
    assert (report.first_date, report.last_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert report.database is None
    assert not list(report.paths[0].parent.glob(".*"))  # no temp files left


def test_csv_encoding(scale1):
    report, tables = scale1
    for path in report.paths:
        raw = path.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        buf = io.StringIO()  # byte-for-byte what csv.writer (default quoting, "\n") writes
        csv.writer(buf, lineterminator="\n").writerows(rows)
        assert buf.getvalue() == raw.decode("utf-8"), path.name
    assert any('"' in row["description"] and "," in row["description"] for row in tables["product"])
    for name, table in TABLES.items():
        for column, dtype in table.columns:
            values = [row[column] for row in tables[name]]
            if (name, column) not in NULLABLE:
                assert all(values), (name, column)
            values = [v for v in values if v]
            kind = dtype.simpleString()
            if kind == "timestamp":
                assert all(TS.fullmatch(v) for v in values), (name, column)
            elif kind == "boolean":
                assert set(values) == {"true", "false"}
            elif kind.startswith("decimal"):
                assert all(MONEY.fullmatch(v) for v in values), (name, column)
            elif kind == "int":
                assert all(re.fullmatch(r"[1-9]\d*", v) for v in values), (name, column)


# --- volumes ----------------------------------------------------------------------------------


def test_exact_counts_at_scale1(scale1):
    _, t = scale1
    fixed = {"appuser": 1000, "buyer": 1000, "seller": 1000, "brand": 50, "manufacturer": 50,
             "product": 500, "category": 20, "orders": 5000}
    assert {name: len(t[name]) for name in fixed} == fixed
    for name, table in TABLES.items():  # keys are unique
        assert len({tuple(row[k] for k in table.key) for row in t[name]}) == len(t[name]), name
    assert Counter(row["is_active"] for row in t["appuser"]) == {"true": 800, "false": 200}
    assert [row["user_id"] for row in t["appuser"]] == [str(i) for i in range(1, 1001)]
    for role in ("buyer", "seller"):  # every user is one buyer and one seller, ids of their own
        assert sorted(int(row["user_id"]) for row in t[role]) == list(range(1, 1001))
        assert sum(row[f"{role}_id"] != row["user_id"] for row in t[role]) > 900
    orders, products = by_id(t["orders"], "order_id"), by_id(t["product"], "product_id")
    regular_items = [i for i in t["orderitem"] if i["order_id"] in orders and i["product_id"] in products]
    items_per_order = Counter(row["order_id"] for row in regular_items)
    assert set(items_per_order) == set(orders) and set(items_per_order.values()) == {1, 2, 3, 4, 5}
    assert len(t["orderitem"]) == len(regular_items) + 4  # + the items of no order or no product
    regular = [row for row in t["clickstream"] if row["user_id"] and row["event_type"] in EVENT_TYPES]
    assert len(regular) == len(t["clickstream"]) - 4  # the refunds and the event of no user
    events = Counter(row["user_id"] for row in regular)
    assert len(events) == 1000 and min(events.values()) == 5 and max(events.values()) == 20


def test_products_categories_sellers_ratings(scale1):
    _, t = scale1
    for row in t["product"]:
        assert Decimal("10.00") <= money(row["price"]) <= Decimal("500.00")
        assert 1 <= int(row["brand_id"]) <= 50 and 1 <= int(row["manufacturer_id"]) <= 50
    per_product = Counter(row["product_id"] for row in t["productcategory"])
    assert set(per_product) == {row["product_id"] for row in t["product"]}
    assert set(per_product.values()) == {1, 2, 3}
    assert {int(row["category_id"]) for row in t["productcategory"]} == set(range(1, 21))
    per_seller = Counter(row["seller_id"] for row in t["sellerproduct"])
    assert len(per_seller) == 1000 and set(per_seller.values()) == set(range(1, 11))
    ratings = Counter(row["product_id"] for row in t["ratings"])
    assert max(ratings.values()) == 4 and len(ratings) < 500  # some products have none
    assert all(Decimal("1.00") <= money(row["rating"]) <= Decimal("5.00") for row in t["ratings"])


def test_scale_doubles_users_products_orders(tmp_path):
    report = generate(tmp_path, scale=2)
    rows = report.table_rows
    assert (rows["appuser"], rows["product"], rows["orders"]) == (2000, 1000, 10000)
    assert (rows["brand"], rows["manufacturer"], rows["category"]) == (50, 50, 20)
    assert 2000 * 5 + 4 <= rows["clickstream"] <= 2000 * 20 + 4


def test_orders_override_keeps_users_and_products(tmp_path):
    # Two years at one year's daily order density, for the same marketplace (the benchmark's case).
    report = generate(tmp_path, scale=0.1, start=date(2024, 1, 1), end=date(2025, 12, 31), orders=1000)
    rows = report.table_rows
    assert (rows["appuser"], rows["product"], rows["orders"]) == (100, 50, 1000)
    assert main(["rainforest", "--scale", "0.1", "--orders", "7", "--out", str(tmp_path / "cli")]) == 0
    assert len(read(tmp_path / "cli")["orders"]) == 7
    with pytest.raises(SystemExit):
        main(["superstore", "--orders", "7", "--out", str(tmp_path / "s")])


# --- consistency ------------------------------------------------------------------------------


def test_order_totals_items_and_tax(scale1):
    _, t = scale1
    orders, products = by_id(t["orders"], "order_id"), by_id(t["product"], "product_id")
    sells = {(row["seller_id"], row["product_id"]) for row in t["sellerproduct"]}
    sold = {row["product_id"] for row in t["sellerproduct"]}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in t["orderitem"]:
        base, tax = money(item["base_price"]), money(item["tax"])
        assert tax == (Decimal("0.08") * base).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert 1 <= int(item["quantity"]) <= 5
        if item["product_id"] not in products or item["order_id"] not in orders:
            continue  # faults, checked below
        assert base == money(products[item["product_id"]]["price"])
        assert item["created_ts"] == orders[item["order_id"]]["order_ts"]
        if item["product_id"] in sold:
            assert (item["seller_id"], item["product_id"]) in sells
        totals[item["order_id"]] += int(item["quantity"]) * (base + tax)
    assert {o: money(row["total_price"]) for o, row in orders.items()} == totals
    assert all(row["created_ts"] == row["order_ts"] for row in t["orders"])
    assert [int(o) for o in orders] == list(range(1, 5001))
    assert [row["order_ts"] for row in t["orders"]] == sorted(row["order_ts"] for row in t["orders"])


def test_tax_rounds_half_up_in_cents():
    for cents in range(1000, 50001, 7):
        expected = (Decimal(cents) / 100 * Decimal("0.08")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(tax_of(cents)) / 100 == expected


def test_first_purchase_and_first_sale(scale1):
    _, t = scale1
    orders, products = by_id(t["orders"], "order_id"), by_id(t["product"], "product_id")
    first_buy, first_sale = {}, {}
    for row in t["orders"]:
        if row["buyer_id"]:
            first_buy.setdefault(row["buyer_id"], row["order_ts"])  # orders are in time order
    for item in t["orderitem"]:
        if item["order_id"] in orders and item["product_id"] in products:
            ts = item["created_ts"]
            first_sale[item["seller_id"]] = min(ts, first_sale.get(item["seller_id"], ts))
    bought = {r["buyer_id"]: r["first_time_purchased_timestamp"] for r in t["buyer"] if r["buyer_id"] in first_buy}
    sold = {r["seller_id"]: r["first_time_sold_timestamp"] for r in t["seller"] if r["seller_id"] in first_sale}
    assert (bought, sold) == (first_buy, first_sale)
    assert any(not r["first_time_purchased_timestamp"] for r in t["buyer"])  # buyers with no order
    assert all(not r["first_time_purchased_timestamp"] for r in t["buyer"] if r["buyer_id"] not in first_buy)
    assert all(not r["first_time_sold_timestamp"] for r in t["seller"] if r["seller_id"] not in first_sale)


def test_clickstream_events(scale1):
    _, t = scale1
    orders = by_id(t["orders"], "order_id")
    buyer_user = {row["buyer_id"]: row["user_id"] for row in t["buyer"]}
    types = Counter(row["event_type"] for row in t["clickstream"])
    assert set(types) == {*EVENT_TYPES, "refund"} and types["purchase"] > 100
    for row in t["clickstream"]:
        assert row["created_ts"] == row["event_ts"]
        if row["event_type"] == "purchase":
            order = orders[row["order_id"]]
            assert row["product_id"] == "" and buyer_user[order["buyer_id"]] == row["user_id"]
            assert row["event_ts"] == order["order_ts"]
        else:
            assert row["product_id"] and row["order_id"] == ""


def test_entities_exist_before_the_range_and_events_fall_in_it(scale1):
    _, t = scale1
    for name in ("appuser", "category", "brand", "manufacturer", "product", "buyer", "seller"):
        for row in t[name]:
            assert row["created_ts"].startswith("2023-"), name
            if "last_updated_ts" in row:
                assert row["created_ts"] <= row["last_updated_ts"] < "2024" and row["last_updated_by"]
    for name, column in (("orders", "order_ts"), ("orderitem", "created_ts"), ("ratings", "created_ts"),
                         ("clickstream", "event_ts")):
        days = {row[column][:10] for row in t[name]}
        assert min(days) >= "2024-01-01" and max(days) <= "2024-12-31", name


def test_custom_range(tmp_path):
    report = generate(tmp_path, scale=0.05, start=date(2022, 3, 1), end=date(2022, 3, 31))
    t = read(tmp_path)
    assert report.first_date >= date(2022, 3, 1) and report.last_date <= date(2022, 3, 31)
    assert {row["event_ts"][:7] for row in t["clickstream"]} == {"2022-03"}
    assert {row["order_ts"][:7] for row in t["orders"]} == {"2022-03"}
    assert {row["created_ts"][:4] for row in t["appuser"]} == {"2021"}


# --- faults -----------------------------------------------------------------------------------


def test_faults_are_exactly_as_documented(scale1):
    _, t = scale1
    assert FAULTS == {"null_buyer_order": 1, "orphan_order_item": 2, "orphan_product_item": 2,
                      "unknown_event_type": 3, "null_user_event": 1}
    orders, products = by_id(t["orders"], "order_id"), by_id(t["product"], "product_id")
    assert sum(row["buyer_id"] == "" for row in t["orders"]) == FAULTS["null_buyer_order"]
    no_order = [i for i in t["orderitem"] if i["order_id"] not in orders]
    no_product = [i for i in t["orderitem"] if i["product_id"] not in products]
    assert len(no_order) == FAULTS["orphan_order_item"] and len(no_product) == FAULTS["orphan_product_item"]
    assert all(i["product_id"] in products and "2024-01-01" <= i["created_ts"] < "2025" for i in no_order)
    assert all(i["created_ts"] == orders[i["order_id"]]["order_ts"] for i in no_product)
    refunds = [row for row in t["clickstream"] if row["event_type"] not in EVENT_TYPES]
    assert [row["event_type"] for row in refunds] == ["refund"] * FAULTS["unknown_event_type"]
    assert sum(row["user_id"] == "" for row in t["clickstream"]) == FAULTS["null_user_event"]
    # Fault rows come last in their tables.
    assert {i["order_item_id"] for i in no_order + no_product} == {i["order_item_id"] for i in t["orderitem"][-4:]}


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_different_seed_differs(tmp_path):
    a, b, c = (generate(tmp_path / d, seed=s, scale=0.1).paths for d, s in (("a", 3), ("b", 3), ("c", 4)))
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    differ = [p.name for p, q in zip(a, c) if p.read_bytes() != q.read_bytes()]
    assert "orders.csv" in differ and "appuser.csv" in differ


def test_generate_rejects_bad_arguments(tmp_path):
    for bad in ({"scale": 0}, {"scale": -1}, {"start": date(2024, 2, 2), "end": date(2024, 2, 1)}):
        with pytest.raises(ValueError):
            generate(tmp_path, **bad)
    with pytest.raises(ValueError):
        generate(None)
    assert not list(tmp_path.iterdir())


# --- CLI --------------------------------------------------------------------------------------


def test_cli_writes_the_same_bytes_and_a_summary(tmp_path):
    done = cli("rainforest", "--scale", "0.02", "--seed", "7", "--out", str(tmp_path / "cli"),
               env={"PYTHONHASHSEED": "1"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rainforest: wrote 13 file(s)")
    direct = generate(tmp_path / "direct", seed=7, scale=0.02)
    assert f"{direct.rows} rows, dates {direct.first_date}..{direct.last_date} (" in lines[0]
    for path in direct.paths:
        assert (tmp_path / "cli" / path.name).read_bytes() == path.read_bytes()


def test_cli_help_and_db_url_only_where_supported(tmp_path):
    done = cli("--help")
    assert done.returncode == 0
    for text in ("rainforest", "superstore", "--db-url", "rainforest 2024-01-01", "superstore 2015-01-03",
                 "rainforest 2024-12-31"):
        assert text in " ".join(done.stdout.split()), text
    done = cli("superstore", "--scale", "0.01", "--out", str(tmp_path), "--db-url", "postgresql://u:secret9@h/db")
    assert done.returncode == 2 and "--db-url" in done.stderr and "secret9" not in done.stderr
    assert not list(tmp_path.iterdir())


def test_redact():
    assert redact("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"
    assert redact("postgresql://u@h:5/db") == "postgresql://u@h:5/db"
    assert redact("postgresql://u:p%40ss@h/db") == "postgresql://u:***@h/db"


# --- PostgreSQL -------------------------------------------------------------------------------


def _db_rows(conn, name: str) -> list[list[str]]:
    """A table's rows in key order, formatted as the CSV files write them."""
    table = TABLES[name]

    def text(v) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return v.isoformat(sep=" ") if hasattr(v, "isoformat") else str(v)

    keys = ", ".join(table.key)
    rows = conn.execute(f"SELECT {', '.join(table.column_names)} FROM rainforest.{name} ORDER BY {keys}")
    return [[text(v) for v in row] for row in rows]


def _csv_rows(folder: Path, name: str) -> list[list[str]]:
    table = TABLES[name]
    index = [table.column_names.index(k) for k in table.key]
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return sorted(rows, key=lambda row: [int(row[i]) for i in index])


def test_postgres_load_matches_the_csv_and_replaces(postgres, tmp_path, capsys):
    import psycopg

    from lakehouse_tests.pg_server import PASSWORD

    url = postgres.url()
    assert main(["rainforest", "--scale", "0.05", "--out", str(tmp_path), "--db-url", url]) == 0
    printed = capsys.readouterr()
    assert PASSWORD not in printed.out + printed.err and "***" in printed.out and "loaded into" in printed.out
    with psycopg.connect(url) as conn:
        for name in TABLES:
            assert _db_rows(conn, name) == _csv_rows(tmp_path, name), name
        total = conn.execute("SELECT sum(total_price), count(*) - count(buyer_id) FROM rainforest.orders").fetchone()
        types = dict(conn.execute(
            "SELECT table_name || '.' || column_name, data_type || coalesce('(' || numeric_precision || ','"
            " || numeric_scale || ')', '') FROM information_schema.columns WHERE table_schema = 'rainforest'"
        ).fetchall())
        constraints = Counter(kind for (kind,) in conn.execute(
            "SELECT constraint_type FROM information_schema.table_constraints"
            " WHERE table_schema = 'rainforest' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"))
    orders = read(tmp_path)["orders"]
    assert total == (sum(money(row["total_price"]) for row in orders), 1)
    assert types["orders.total_price"] == "numeric(10,2)" and types["ratings.rating"] == "numeric(3,2)"
    assert types["orders.order_ts"] == "timestamp without time zone" and types["appuser.is_active"] == "boolean"
    assert types["orders.order_id"] == "integer(32,0)" and types["product.name"] == "text"
    assert constraints == {"PRIMARY KEY": 13}

    # Re-running replaces the schema: counts stay those of the files, whatever was there before.
    before = {name: len(_csv_rows(tmp_path, name)) for name in TABLES}
    generate(tmp_path / "again", scale=0.05, db_url=url)
    report = generate(tmp_path / "again", scale=0.05, db_url=url)
    with psycopg.connect(url) as conn:
        after = {name: conn.execute(f"SELECT count(*) FROM rainforest.{name}").fetchone()[0] for name in TABLES}
    assert after == before == report.table_rows


def test_postgres_password_from_pgpassword_and_database_only(postgres, monkeypatch):
    import psycopg

    from lakehouse_tests.pg_server import PASSWORD

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    report = generate(None, scale=0.02, seed=5, db_url=postgres.url(password=None))
    assert report.paths == () and report.database == postgres.url(password=None)
    with psycopg.connect(postgres.url()) as conn:
        assert conn.execute("SELECT count(*) FROM rainforest.orders").fetchone()[0] == report.table_rows["orders"]


def test_postgres_failure_hides_the_password(postgres, tmp_path, capsys):
    bad = postgres.url(password="wrong-Secret-123")
    with pytest.raises(LoadError) as caught:
        generate(tmp_path / "a", scale=0.02, db_url=bad)
    assert "wrong-Secret-123" not in str(caught.value) and "***" in str(caught.value)
    assert main(["rainforest", "--scale", "0.02", "--out", str(tmp_path / "b"), "--db-url", bad]) == 1
    printed = capsys.readouterr()
    assert "wrong-Secret-123" not in printed.out + printed.err and "***" in printed.err
