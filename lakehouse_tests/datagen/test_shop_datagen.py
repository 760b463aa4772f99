"""The shop generator: layout, determinism, every formula, versions, re-sends and faults found by re-parsing.

Most tests read one year at scale 0.2 (200 customers, 40 products, 1,000 orders), seed 42.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.__main__ import main
from lakehouse.datagen.shop import generate

SCALE = 0.2
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
HEADERS = {
    "customers": "customer_id,email,first_name,last_name,phone,country,city,address,created_at,updated_at",
    "products": "product_id,sku,name,description,category,subcategory,brand,price,cost,stock_quantity,"
                "is_active,created_at,updated_at",
    "orders": "order_id,customer_id,order_date,status,payment_method,subtotal,tax_amount,shipping_amount,"
              "discount_amount,total_amount,currency,shipping_country,shipping_city",
    "order_items": "order_item_id,order_id,product_id,quantity,unit_price,discount_percent,line_total",
}
KINDS = ("empty_customer_id", "unparseable_amount", "unparseable_date", "empty_order_id", "total_mismatch",
         "unknown_product", "line_total_mismatch", "unknown_order")
ALL_FAULTS = dict.fromkeys(KINDS, 1)
MONEY = re.compile(r"\d+\.\d{2}")
AMOUNTS = ("subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount")
COUNTRIES = ("DE", "FR", "GB", "ES", "IT", "NL", "PL", "BE", "AT", "PT")
CATEGORIES = ("electronics", "clothing", "home_garden", "sports", "books", "toys", "beauty", "food")
STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled", "returned")


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_ts(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def table(out: Path, entity: str) -> list[tuple[str, dict[str, str]]]:
    """(file name, row) for every data row of the entity, files in name order."""
    found = []
    for path in sorted((out / entity).glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            found += [(path.name, row) for row in csv.DictReader(fh)]
    return found


class Shop:
    """One generated folder, parsed, with each row's faults found by the spec's rules."""

    def __init__(self, out: Path, report):
        self.out, self.report = out, report
        self.t = {entity: table(out, entity) for entity in HEADERS}
        self.product_ids = {r["product_id"] for _, r in self.t["products"]}
        self.order_ids = {r["order_id"] for _, r in self.t["orders"] if r["order_id"]}

    def versions(self, entity: str, key: str) -> dict[str, list[dict[str, str]]]:
        """Distinct versions per key (re-sent copies once), oldest first."""
        by_key: dict[str, list[dict[str, str]]] = {}
        for _, row in self.t[entity]:
            if row[key] and row not in by_key.setdefault(row[key], []):
                by_key[row[key]].append(row)
        return {k: sorted(v, key=lambda r: r["updated_at"]) for k, v in by_key.items()}

    @staticmethod
    def valid_at(versions: list[dict[str, str]], when: str) -> dict[str, str]:
        return [v for v in versions if v["updated_at"] <= when][-1]

    def faults(self, entity: str, row: dict[str, str]) -> list[str]:
        found = []
        if entity == "customers" and not row["customer_id"]:
            found.append("empty_customer_id")
        if entity == "orders":
            if not row["order_id"]:
                found.append("empty_order_id")
            if parse_ts(row["order_date"]) is None:
                found.append("unparseable_date")
            if not all(MONEY.fullmatch(row[a]) for a in AMOUNTS):
                found.append("unparseable_amount")
            elif Decimal(row["total_amount"]) != (Decimal(row["subtotal"]) + Decimal(row["tax_amount"])
                                                  + Decimal(row["shipping_amount"]) - Decimal(row["discount_amount"])):
                found.append("total_mismatch")
        if entity == "order_items":
            if row["order_id"] not in self.order_ids:
                found.append("unknown_order")
            if row["product_id"] not in self.product_ids:
                found.append("unknown_product")
            if Decimal(row["line_total"]) != line_total(row):
                found.append("line_total_mismatch")
        return found

    def faulty(self) -> dict[str, list[tuple[str, dict[str, str]]]]:
        """kind -> [(file, row)]."""
        found: dict[str, list] = {}
        for entity in HEADERS:
            for name, row in self.t[entity]:
                for kind in self.faults(entity, row):
                    found.setdefault(kind, []).append((name, row))
        return found


def line_total(item: dict[str, str]) -> Decimal:
    q, price, d = int(item["quantity"]), Decimal(item["unit_price"]), int(item["discount_percent"])
    return cents(q * price * (1 - Decimal(d) / 100))


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Shop:
    out = tmp_path_factory.mktemp("shop")
    return Shop(out, generate(out, scale=SCALE))


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.csv"))}


# --- registry, report, layout ------------------------------------------------------------------


def test_registry_and_report(year):
    assert GENERATORS["shop"] is generate
    report = year.report
    assert (report.first_date, report.last_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert report.faults == ALL_FAULTS
    assert (report.resent, report.corrections) == (5, 4)
    assert report.paths == sorted(year.out.rglob("*.csv"))


def test_one_file_per_entity_per_month_with_rows(year, tmp_path):
    for entity in HEADERS:
        names = sorted(p.name for p in (year.out / entity).iterdir())
        with_rows = sorted({name for name, _ in year.t[entity]})
        assert names == with_rows and all(re.fullmatch(rf"{entity}_2024-\d\d\.csv", n) for n in names)
        if entity != "products":  # 40 products change only 12-15 times: not in every month
            assert names == [f"{entity}_{m}.csv" for m in MONTHS]
    assert sorted(p.name for p in year.out.iterdir()) == sorted(HEADERS)
    full = generate(tmp_path)  # the default sizes: every entity has rows in every month
    assert [p.relative_to(tmp_path).as_posix() for p in full.paths] == sorted(
        f"{entity}/{entity}_{m}.csv" for entity in HEADERS for m in MONTHS)
    assert full.entity_rows["orders"] == 5003 and full.faults == ALL_FAULTS


def test_headers_and_row_counts(year):
    counted = {}
    for entity, header in HEADERS.items():
        for path in sorted((year.out / entity).glob("*.csv")):
            assert path.read_text(encoding="utf-8").split("\n", 1)[0] == header
        counted[entity] = len(year.t[entity])
    assert year.report.entity_rows == counted
    assert year.report.rows == sum(counted.values())
    # 1,000 orders + 3 faulty extra; 200 customers + changes; 40 products + changes
    assert counted["orders"] == 1003
    assert len(year.versions("customers", "customer_id")) == 200
    assert len(year.versions("products", "product_id")) == 40


def test_format_is_utf8_lf_and_minimal_quoting(year):
    for path in year.report.paths:
        raw = path.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(rows)
        assert buf.getvalue() == raw.decode("utf-8"), path.name


def test_same_seed_gives_identical_bytes_other_seed_differs(tmp_path):
    args = {"scale": 0.1, "start": date(2024, 10, 20), "end": date(2024, 12, 10)}
    generate(tmp_path / "a", seed=3, **args)
    generate(tmp_path / "b", seed=3, **args)
    generate(tmp_path / "c", seed=4, **args)
    a, b, c = (digests(tmp_path / x) for x in "abc")
    assert a == b and len(a) == 12
    assert a.keys() == c.keys() and all(a[k] != c[k] for k in a)


def test_rerun_replaces_only_the_csv_files(tmp_path):
    generate(tmp_path, scale=0.05, start=date(2024, 1, 1), end=date(2024, 3, 31))
    (tmp_path / "orders" / "notes.txt").write_text("kept\n")
    report = generate(tmp_path, scale=0.05, start=date(2024, 5, 1), end=date(2024, 5, 31))
    assert sorted(tmp_path.rglob("*.csv")) == report.paths and len(report.paths) == 4
    assert (tmp_path / "orders" / "notes.txt").read_text() == "kept\n"


# --- rows and formulas --------------------------------------------------------------------------


def test_order_formulas_hold_on_every_clean_order(year):
    items_of: dict[str, list[dict[str, str]]] = {}
    for _, item in year.t["order_items"]:
        if item["product_id"] in year.product_ids:
            items_of.setdefault(item["order_id"], []).append(item)
    clean = [r for _, r in year.t["orders"] if not year.faults("orders", r)]
    assert len(clean) == 1000 - 1
    for order in clean:
        subtotal = Decimal(order["subtotal"])
        assert all(MONEY.fullmatch(order[a]) for a in AMOUNTS)
        assert subtotal == sum(line_total(i) for i in items_of[order["order_id"]])
        rate = Decimal("0.21") if order["shipping_country"] in ("NL", "BE") else Decimal("0.19")
        assert Decimal(order["tax_amount"]) == cents(subtotal * rate)
        shipping = Decimal(order["shipping_amount"])
        assert shipping == 0 if subtotal > 50 else Decimal("3.99") <= shipping <= Decimal("9.99")
        discount = cents(subtotal * Decimal("0.05")) if subtotal > 200 else 0
        assert Decimal(order["discount_amount"]) == discount
        assert order["currency"] == "EUR" and order["status"] in STATUSES
        assert re.fullmatch(r"ORD-\d{8}", order["order_id"])
    assert {r["order_date"][:7] for r in clean} == set(MONTHS)


def test_item_rules_and_prices_of_the_version_valid_at_the_order(year):
    products = year.versions("products", "product_id")
    customers = year.versions("customers", "customer_id")
    order_at = {r["order_id"]: r for _, r in year.t["orders"] if r["order_id"]}
    items = [i for _, i in year.t["order_items"] if not year.faults("order_items", i)]
    assert len(items) == len(year.t["order_items"]) - 3
    for item in items:
        assert 1 <= int(item["quantity"]) <= 5
        assert item["discount_percent"] == "0" or 5 <= int(item["discount_percent"]) <= 25
        assert MONEY.fullmatch(item["unit_price"]) and MONEY.fullmatch(item["line_total"])
        order = order_at[item["order_id"]]
        assert item["unit_price"] == year.valid_at(products[item["product_id"]], order["order_date"])["price"]
    per_order = Counter(i["order_id"] for _, i in year.t["order_items"] if i["order_id"] in order_at)
    assert set(per_order.values()) <= {1, 2, 3, 4, 5, 6}  # 6: 5 items and the unknown-product item
    assert 0.15 < sum(i["discount_percent"] != "0" for i in items) / len(items) < 0.25
    for order in order_at.values():
        if not year.faults("orders", order):
            who = year.valid_at(customers[order["customer_id"]], order["order_date"])
            assert (order["shipping_country"], order["shipping_city"]) == (who["country"], who["city"])


def test_customer_and_product_values(year):
    customers = year.versions("customers", "customer_id")
    firsts = [v[0] for v in customers.values()]
    for key, versions in customers.items():
        assert re.fullmatch(r"CUST-[0-9A-F]{8}", key)
        assert versions[0]["created_at"] == versions[0]["updated_at"]
        assert all(v["created_at"] == versions[0]["created_at"] for v in versions)
        assert len({v["updated_at"] for v in versions}) == len(versions)
        assert all(v["country"] in COUNTRIES and "@" in v["email"] for v in versions)
    assert 0.2 < sum(not c["phone"] for c in firsts) / len(firsts) < 0.4
    assert 0.1 < sum(not c["address"] for c in firsts) / len(firsts) < 0.3
    assert Counter(c["country"] for c in firsts).most_common(1)[0][0] == "DE"
    for key, versions in year.versions("products", "product_id").items():
        assert re.fullmatch(r"PROD-[0-9A-F]{6}", key)
        assert all(v["created_at"] == versions[0]["created_at"] for v in versions)
        for v in versions:
            price, cost = Decimal(v["price"]), Decimal(v["cost"])
            assert MONEY.fullmatch(v["price"]) and MONEY.fullmatch(v["cost"])
            assert Decimal("0.4") * price <= cost <= Decimal("0.7") * price
            assert 0 <= int(v["stock_quantity"]) <= 500 and v["is_active"] in ("true", "false")
            assert v["category"] in CATEGORIES
            assert re.fullmatch(rf"{v['brand'][:3].upper()}-{v['category'][:3].upper()}-\d{{4}}", v["sku"])


def test_orders_come_mostly_from_a_fifth_of_the_customers_with_a_year_end_peak(year):
    orders = [r for _, r in year.t["orders"] if not year.faults("orders", r)]
    per_customer = sorted(Counter(r["customer_id"] for r in orders).values(), reverse=True)
    assert 0.7 < sum(per_customer[:40]) / len(orders) < 0.9  # 20% of 200 customers
    by_month = Counter(r["order_date"][:7] for r in orders)
    assert by_month["2024-12"] > by_month["2024-11"] > max(by_month[m] for m in MONTHS[:10])


# --- versions, re-sends, corrections --------------------------------------------------------------


def test_versions_land_in_the_month_of_updated_at_except_resent_copies(year):
    for entity, key in (("customers", "customer_id"), ("products", "product_id")):
        lines = Counter()
        for path in sorted((year.out / entity).glob("*.csv")):
            lines.update(path.read_text(encoding="utf-8").splitlines()[1:])
        copies = [line for line, n in lines.items() if n > 1]
        assert all(lines[line] == 2 for line in copies)
        files = {}
        for name, row in year.t[entity]:
            files.setdefault(tuple(row.values()), []).append(name)
        for row, names in files.items():
            month = row[list(HEADERS[entity].split(",")).index("updated_at")][:7]
            assert names[0] == f"{entity}_{month}.csv"
            if len(names) == 2:  # the copy: byte-identical, in the next month's file
                assert names[1] == f"{entity}_{MONTHS[MONTHS.index(month) + 1]}.csv"
        assert len(copies) == (3 if entity == "customers" else 2)
    assert year.report.resent == 5


def test_changes_and_corrections(year):
    customers = year.versions("customers", "customer_id")
    products = year.versions("products", "product_id")
    changed_customers = [k for k, v in customers.items() if len(v) > 1]
    changed_products = [k for k, v in products.items() if len(v) > 1]
    assert 20 <= len(changed_customers) <= 25 and 12 <= len(changed_products) <= 15
    corrections = 0
    for versions, column in ((customers, "phone"), (products, "description")):
        for v in versions.values():
            for old, new in zip(v, v[1:]):
                if not old[column] and new[column]:
                    corrections += 1
                    assert old["updated_at"][:7] < new["updated_at"][:7]
    assert corrections == year.report.corrections == 4


def test_customer_versions_start_at_both_ends_of_a_day(year):
    changes = [v for vs in year.versions("customers", "customer_id").values() for v in vs[1:]]
    assert any(v["updated_at"].endswith("T00:00:00Z") for v in changes)
    assert any(v["updated_at"].endswith("T23:59:59Z") for v in changes)


def test_a_price_change_later_on_the_order_day_does_not_apply(year):
    products = year.versions("products", "product_id")
    orders = [r for _, r in year.t["orders"] if not year.faults("orders", r)]
    order = next(o for o in orders if o["order_date"] >= "2024-07-02")  # the middle day: start + 366 // 2
    item = next(i for _, i in year.t["order_items"] if i["order_id"] == order["order_id"])
    versions = products[item["product_id"]]
    before = year.valid_at(versions, order["order_date"])
    later = [v for v in versions
             if v["updated_at"][:10] == order["order_date"][:10] and v["updated_at"] > order["order_date"]]
    assert later and later[0]["price"] != before["price"]
    assert item["unit_price"] == before["price"]


# --- faults ------------------------------------------------------------------------------------


def test_each_fault_once_in_its_documented_file(year):
    found = year.faulty()
    assert {kind: len(rows) for kind, rows in found.items()} == year.report.faults == ALL_FAULTS
    jan = {kind: "2024-01" for kind in KINDS}
    for kind, rows in found.items():
        (name, row), = rows
        entity = name.rsplit("_", 1)[0]
        assert name == f"{entity}_{jan[kind]}.csv"
        assert year.faults(entity, row) == [kind], (kind, row)
    assert found["unparseable_amount"][0][1]["subtotal"] == "12,5x"
    assert found["unparseable_amount"][0][1]["order_date"] == "2024-01-01T12:00:01Z"
    assert found["unparseable_date"][0][1]["order_date"] == "2024-13-45T12:00:01Z"
    assert found["empty_order_id"][0][1]["order_date"] == "2024-01-02T12:00:01Z"
    assert found["empty_customer_id"][0][1]["updated_at"] == "2024-01-01T12:00:00Z"
    assert found["unknown_order"][0][1]["order_id"] == "ORD-00000000"
    assert found["unknown_product"][0][1]["product_id"] == "PROD-000000"
    orders = [r for _, r in year.t["orders"]]
    host = min((r for r in orders if r["order_date"].startswith("2024-01-03")), key=lambda r: r["order_date"])
    assert found["total_mismatch"][0][1] == host
    assert found["unknown_product"][0][1]["order_id"] == host["order_id"]
    host = min((r for r in orders if r["order_date"].startswith("2024-01-04")), key=lambda r: r["order_date"])
    first_item = next(i for _, i in year.t["order_items"] if i["order_id"] == host["order_id"])
    assert found["line_total_mismatch"][0][1] == first_item
    assert Decimal(first_item["line_total"]) == line_total(first_item) + 1
    mismatch = found["total_mismatch"][0][1]
    parts = sum(Decimal(mismatch[a]) for a in AMOUNTS[:3]) - Decimal(mismatch["discount_amount"])
    assert Decimal(mismatch["total_amount"]) == parts + 1


def test_faults_follow_their_days_across_a_month_end(tmp_path):
    report = generate(tmp_path, scale=0.05, start=date(2024, 1, 30), end=date(2024, 2, 5))
    shop = Shop(tmp_path, report)
    where = {kind: [name for name, _ in rows] for kind, rows in shop.faulty().items()}
    assert where == {
        "empty_customer_id": ["customers_2024-01.csv"], "unparseable_amount": ["orders_2024-01.csv"],
        "unparseable_date": ["orders_2024-01.csv"], "empty_order_id": ["orders_2024-01.csv"],
        "total_mismatch": ["orders_2024-02.csv"], "unknown_product": ["order_items_2024-02.csv"],
        "line_total_mismatch": ["order_items_2024-02.csv"], "unknown_order": ["order_items_2024-02.csv"],
    }
    assert report.faults == ALL_FAULTS


# --- ranges, scale, arguments, CLI -------------------------------------------------------------


def test_two_day_range_keeps_the_first_days_faults(tmp_path):
    report = generate(tmp_path, start=date(2024, 3, 9), end=date(2024, 3, 10))
    shop = Shop(tmp_path, report)
    assert report.faults == {**dict.fromkeys(KINDS, 0), "empty_customer_id": 1, "unparseable_amount": 1,
                             "unparseable_date": 1, "empty_order_id": 1}
    assert {k: len(v) for k, v in shop.faulty().items()} == {k: n for k, n in report.faults.items() if n}
    assert [p.name for p in report.paths] == [f"{e}_2024-03.csv" for e in sorted(HEADERS)]
    assert report.resent == 0 and report.entity_rows["orders"] == 5000 + 3
    dates = {r["order_date"][:10] for _, r in shop.t["orders"]} - {"2024-13-45"}
    assert dates == {"2024-03-09", "2024-03-10"}


def test_scale_multiplies_customers_products_and_orders(tmp_path):
    report = generate(tmp_path, scale=0.1)
    shop = Shop(tmp_path, report)
    assert len(shop.versions("customers", "customer_id")) == 100
    assert len(shop.versions("products", "product_id")) == 20
    assert report.entity_rows["orders"] == 500 + 3 and report.faults == ALL_FAULTS
    tiny = generate(tmp_path / "tiny", scale=0.0001, start=date(2024, 1, 1), end=date(2024, 1, 1))
    assert tiny.entity_rows["orders"] == 1 + 1 and tiny.faults["unparseable_amount"] == 1


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"scale": -1},
                                    {"start": date(2024, 2, 2), "end": date(2024, 2, 1)}])
def test_bad_arguments_raise_before_writing(tmp_path, kwargs):
    with pytest.raises(ValueError):
        generate(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_cli_summary_and_help(tmp_path, capsys):
    assert main(["shop", "--scale", "0.2", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shop: wrote 46 file(s) [")  # 2 months lack products
    assert "dates 2024-01-01..2024-12-31" in lines[0]
    direct = generate(tmp_path / "direct", scale=0.2)
    assert f", {direct.rows} rows," in lines[0]
    assert digests(tmp_path / "direct") == {k: v for k, v in digests(tmp_path).items() if not k.startswith("direct")}
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0 and "shop" in capsys.readouterr().out
