"""The shop jobs end to end on generated exports: two months of daily partitions in one run, then
their two months, every table read back and compared, row for row and to the cent, with an oracle
worked out here from the landing CSV files in plain Python (csv + Decimal; no Spark, nothing of the
domain's transforms): row accounting per layer, each generator fault with its reason, one version
per change (re-sends collapse, corrections do not), facts priced with the product version valid at
the order's second, the KPIs and the lifetime-value snapshot; a re-run of one day and its month
changes nothing; the referential-integrity check finds an injected orphan.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, DagsterInstance

from lakehouse.datagen.shop import generate
from lakehouse.definitions import build_definitions
from lakehouse.domains.shop.checks import orphans
from lakehouse.settings import Settings
from lakehouse_tests.domains.warehouse import by, read_table, run_range, text, without

SCALE = 0.1  # 100 customers, 20 products, 500 orders (~8 a day): every fault day has orders
START, END = date(2024, 1, 1), date(2024, 2, 29)
MONTHS = ("2024-01-01", "2024-02-01")
RERUN_DAY = date(2024, 1, 24)  # a re-sent customer version and a product change on it (asserted below)
CENT = Decimal("0.01")
ENTITIES = ("customers", "products", "orders", "order_items")
KEYS = {"customers": "customer_id", "products": "product_id", "orders": "order_id", "order_items": "order_item_id"}
TABLES = (
    *(f"bronze/shop/{e}" for e in ENTITIES), "bronze/shop/rejects",
    *(f"silver/shop/{t}" for t in (*ENTITIES, "rejects")),
    *(f"gold/shop/{t}" for t in ("dim_date", "dim_customer", "dim_product", "fact_sales", "daily_revenue",
                                 "customer_lifetime_value", "category_performance", "top_products",
                                 "orders_per_customer")),
)  # fmt: skip
MONTHLY = ("gold/shop/category_performance", "gold/shop/top_products", "gold/shop/orders_per_customer")
VERSION_COLUMNS = ("valid_from_ts", "version_in_day", "is_deleted", "valid_from")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


# ------------------------------------------------------------------------------------- helpers


def table(home: Path, key: str) -> list[dict]:
    """Every row of a table, sorted by all columns."""
    return sorted(read_table(home, key), key=lambda r: [(v is None, v if v is not None else 0) for v in r.values()])


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def timestamp(text: str | None) -> datetime | None:
    try:
        return datetime.strptime((text or "").strip(), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def integer(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def boolean(text: str | None) -> bool | None:
    return {"true": True, "false": False}.get((text or "").strip().lower())


def initcap(value: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in value.split(" "))


def key_of(record: str, entity: str) -> str | None:
    return json.loads(record)[KEYS[entity]]


def month_of(day: date) -> date:
    return day.replace(day=1)


# ------------------------------------------------------------------------------------- oracle


def landing_rows(landing: Path, entity: str) -> list[dict]:
    """Every data row of an entity's files, in file order, with its file name in `_file`."""
    rows = []
    for path in sorted((landing / entity).glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            rows += [{**row, "_file": path.name} for row in csv.DictReader(handle)]
    return rows


def version_at(versions: list[dict], at: datetime) -> dict | None:
    """The version in effect at `at`: the latest whose updated_at is at or before it."""
    before = [v for v in versions if v["updated_at"] <= at]
    return max(before, key=lambda v: (v["updated_at"], v["version_in_day"])) if before else None


@dataclass
class Oracle:
    landing: dict  # entity -> landing rows
    bronze: dict  # entity -> (row, partition day)
    bronze_rejects: list  # (entity, reason, key)
    silver_rejects: list  # (entity, reason, rejected_on, key)
    customers: dict  # customer_id -> silver versions (oldest first)
    products: dict
    orders: dict  # order_id -> silver order
    items: list
    facts: list
    daily_revenue: list
    lifetime_value: list
    category_performance: list
    top_products: list
    orders_per_customer: list


def _customer(row: dict) -> dict:
    email = text(row["email"])
    email = email.lower() if email else None
    first_last = " ".join(v for v in (text(row["first_name"]), text(row["last_name"])) if v)
    return {
        "customer_id": text(row["customer_id"]), "email": email,
        "email_domain": email.split("@")[-1] if email and "@" in email else None,
        "is_valid_email": bool(email and EMAIL.match(email)),
        "first_name": text(row["first_name"]), "last_name": text(row["last_name"]),
        "full_name": initcap(first_last) if first_last else None, "phone": text(row["phone"]),
        "country": (text(row["country"]) or "").upper() or None, "city": text(row["city"]),
        "address": text(row["address"]), "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }  # fmt: skip


def _product(row: dict) -> dict:
    price, cost = decimal(row["price"]), decimal(row["cost"])
    return {
        "product_id": text(row["product_id"]), "sku": text(row["sku"]), "name": text(row["name"]),
        "description": text(row["description"]) or "No description available",
        "category": text(row["category"]), "subcategory": text(row["subcategory"]), "brand": text(row["brand"]),
        "price": price, "cost": cost, "margin_percent": half_up((price - cost) / price * 100) if price else None,
        "stock_quantity": integer(row["stock_quantity"]), "is_active": boolean(row["is_active"]),
        "created_at": timestamp(row["created_at"]), "updated_at": timestamp(row["updated_at"]),
    }  # fmt: skip


def _versions(rows: list[dict], key: str, shape) -> dict[str, list[dict]]:
    """One version per distinct landing row (exact re-sends collapse), numbered within its key and day."""
    distinct = {}
    for row in rows:
        values = tuple(row[c] for c in row if c not in ("_file", "_day"))
        distinct.setdefault(values, {**shape(row), "_files": set()})["_files"].add(row["_file"])
    by_key = defaultdict(list)
    for version in distinct.values():
        by_key[version[key]].append(version)
    for versions in by_key.values():
        versions.sort(key=lambda v: v["updated_at"])
        seen = Counter()
        for v in versions:
            day = v["updated_at"].date()
            v.update(valid_from_ts=v["updated_at"], version_in_day=seen[day], is_deleted=False, valid_from=day)
            seen[day] += 1
    return dict(by_key)


def oracle(landing_folder: Path) -> Oracle:
    """Every expected row, from the landing CSV files alone."""
    landing = {e: landing_rows(landing_folder, e) for e in ENTITIES}
    bronze, bronze_rejects = defaultdict(list), []

    # Bronze: versions by the day of updated_at, orders by theirs, items by their order's.
    for entity, column in (("customers", "updated_at"), ("products", "updated_at"), ("orders", "order_date")):
        for row in landing[entity]:
            at = timestamp(row[column])
            if at is None:
                bronze_rejects.append((entity, f"unparseable:{column}", text(row[KEYS[entity]])))
            else:
                bronze[entity].append({**row, "_day": at.date()})
    order_day = {}
    for row in landing["orders"]:
        at = timestamp(row["order_date"])
        if text(row["order_id"]) and at:
            order_day[text(row["order_id"])] = min(at.date(), order_day.get(text(row["order_id"]), at.date()))
    for row in landing["order_items"]:
        day = order_day.get(text(row["order_id"]))
        if day is None:
            bronze_rejects.append(("order_items", "unknown_order", row["order_item_id"]))
        else:
            bronze["order_items"].append({**row, "_day": day})
    for entity in ("orders", "order_items"):  # the generator sends no order or item twice: no duplicate_key
        ids = Counter((row[KEYS[entity]], row["_day"]) for row in bronze[entity] if text(row[KEYS[entity]]))
        assert max(ids.values()) == 1

    # Silver: the hard rules, in the order the reasons are joined.
    silver_rejects = []
    valid = defaultdict(list)

    def judge(entity: str, row: dict, reasons: list[str]) -> None:
        if reasons:
            silver_rejects.append((entity, ";".join(reasons), row["_day"], text(row[KEYS[entity]])))
        else:
            valid[entity].append(row)

    for row in bronze["customers"]:
        judge("customers", row, [r for r, bad in (
            ("empty_key:customer_id", not text(row["customer_id"])),
            ("unparseable:created_at", timestamp(row["created_at"]) is None),
            ("unparseable:updated_at", timestamp(row["updated_at"]) is None)) if bad])  # fmt: skip
    for row in bronze["products"]:
        judge("products", row, [r for r, bad in (
            ("empty_key:product_id", not text(row["product_id"])),
            ("unparseable:price", decimal(row["price"]) is None), ("unparseable:cost", decimal(row["cost"]) is None),
            ("unparseable:stock_quantity", integer(row["stock_quantity"]) is None),
            ("unparseable:is_active", boolean(row["is_active"]) is None),
            ("unparseable:created_at", timestamp(row["created_at"]) is None),
            ("unparseable:updated_at", timestamp(row["updated_at"]) is None)) if bad])  # fmt: skip
    amounts = ("subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount")
    for row in bronze["orders"]:
        judge("orders", row, [r for r, bad in (
            ("empty_key:order_id", not text(row["order_id"])), ("empty_key:customer_id", not text(row["customer_id"])),
            *((f"unparseable:{a}", decimal(row[a]) is None) for a in amounts),
            ("unparseable:order_ts", timestamp(row["order_date"]) is None)) if bad])  # fmt: skip
    customers = _versions(valid["customers"], "customer_id", _customer)
    products = _versions(valid["products"], "product_id", _product)

    orders = {}
    for row in valid["orders"]:
        typed = {a: decimal(row[a]) for a in amounts}
        calculated = typed["subtotal"] + typed["tax_amount"] + typed["shipping_amount"] - typed["discount_amount"]
        orders[text(row["order_id"])] = {
            "order_id": text(row["order_id"]), "customer_id": text(row["customer_id"]),
            "order_ts": timestamp(row["order_date"]), "status": text(row["status"]).lower(),
            "payment_method": text(row["payment_method"]), **typed, "currency": text(row["currency"]).upper(),
            "shipping_country": text(row["shipping_country"]).upper(), "shipping_city": text(row["shipping_city"]),
            "calculated_total": calculated, "is_total_valid": abs(typed["total_amount"] - calculated) < CENT,
            "_file": row["_file"], "order_date": row["_day"],
        }  # fmt: skip

    def product_known(product_id: str, day: date) -> bool:
        return any(v["valid_from"] <= day for v in products.get(product_id, []))

    items = []
    for row in bronze["order_items"]:
        order_id, product_id, day = text(row["order_id"]), text(row["product_id"]), row["_day"]
        typed = {"quantity": integer(row["quantity"]), "unit_price": decimal(row["unit_price"]),
                 "discount_percent": decimal(row["discount_percent"]),
                 "line_total": decimal(row["line_total"])}  # fmt: skip
        reasons = [r for r, bad in (
            ("empty_key:order_item_id", not text(row["order_item_id"])), ("empty_key:order_id", not order_id),
            ("empty_key:product_id", not product_id), *((f"unparseable:{c}", v is None) for c, v in typed.items()),
            ("unknown_order", order_id and (order_id not in orders or orders[order_id]["order_date"] != day)),
            ("unknown_product", product_id and not product_known(product_id, day))) if bad]  # fmt: skip
        judge("order_items", row, reasons)
        if not reasons:
            gross = typed["quantity"] * typed["unit_price"]
            calculated = half_up(gross * (1 - typed["discount_percent"] / 100))
            items.append({
                "order_item_id": text(row["order_item_id"]), "order_id": order_id, "product_id": product_id, **typed,
                "gross_amount": gross, "calculated_line_total": calculated,
                "is_line_total_valid": abs(typed["line_total"] - calculated) < CENT, "_file": row["_file"],
                "order_date": day,
            })  # fmt: skip

    facts = _facts(orders, items, customers, products)
    return Oracle(
        landing=landing, bronze=dict(bronze), bronze_rejects=bronze_rejects, silver_rejects=silver_rejects,
        customers=customers, products=products, orders=orders, items=items, facts=facts,
        daily_revenue=_daily_revenue(facts, orders), lifetime_value=_lifetime_value(facts, orders),
        category_performance=_category_performance(facts), top_products=_top_products(facts),
        orders_per_customer=_orders_per_customer(facts, orders),
    )  # fmt: skip


def _facts(orders: dict, items: list, customers: dict, products: dict) -> list[dict]:
    """fact_sales rows, with the versions (not yet their keys) valid at each order's second."""
    kept = [i for i in items if orders[i["order_id"]]["status"] not in ("cancelled", "returned")]
    facts = []
    for item in kept:
        order = orders[item["order_id"]]
        product = version_at(products[item["product_id"]], order["order_ts"])
        customer = version_at(customers[order["customer_id"]], order["order_ts"])
        gross, net = item["quantity"] * item["unit_price"], item["line_total"]
        cost = item["quantity"] * product["cost"]
        facts.append({
            "order_item_id": item["order_item_id"], "order_id": item["order_id"],
            "date_key": int(order["order_date"].strftime("%Y%m%d")), "_customer": customer, "_product": product,
            "quantity": item["quantity"], "gross_revenue": gross, "net_revenue": net, "discount": gross - net,
            "cost_of_goods": cost, "profit": net - cost,
            "profit_margin_pct": half_up((net - cost) / net * 100) if net else None,
            "order_date": order["order_date"],
        })  # fmt: skip
    by_order = defaultdict(list)
    for fact in facts:
        by_order[fact["order_id"]].append(fact)
    for order_id, lines in by_order.items():
        total = sum(f["net_revenue"] for f in lines)
        assert total != 0  # (an order of zero-valued lines shares equally; the generator makes none)
        largest = min(lines, key=lambda f: (-f["net_revenue"], f["order_item_id"]))
        for amount, name in (("tax_amount", "allocated_tax"), ("shipping_amount", "allocated_shipping")):
            whole = orders[order_id][amount]
            for f in lines:
                f[name] = half_up(whole * f["net_revenue"] / total)
            largest[name] += whole - sum(f[name] for f in lines)
    return facts


def _per_order(facts: list, orders: dict) -> dict[str, dict]:
    spend = defaultdict(Decimal)
    for f in facts:
        spend[f["order_id"]] += f["net_revenue"]
    return {o: {**orders[o], "spend": s} for o, s in spend.items()}


def _daily_revenue(facts: list, orders: dict) -> list[dict]:
    groups = defaultdict(list)
    for f in facts:
        groups[f["order_date"], orders[f["order_id"]]["shipping_country"]].append(f)
    rows = []
    for (day, country), lines in groups.items():
        n_orders = len({f["order_id"] for f in lines})
        net = sum(f["net_revenue"] for f in lines)
        rows.append({
            "shipping_country": country, "orders": n_orders, "items": sum(f["quantity"] for f in lines),
            "gross_revenue": sum(f["gross_revenue"] for f in lines), "net_revenue": net,
            "profit": sum(f["profit"] for f in lines),
            "unique_customers": len({orders[f["order_id"]]["customer_id"] for f in lines}),
            "avg_order_value": half_up(net / n_orders), "order_date": day,
        })  # fmt: skip
    return rows


def value_tier(spend: Decimal) -> str:
    return "platinum" if spend >= 1000 else "gold" if spend >= 500 else "silver" if spend >= 100 else "bronze"


def customer_status(last: date, as_of: date) -> str:
    days = (as_of - last).days
    return "churned" if days > 365 else "at_risk" if days > 90 else "active"


def _lifetime_value(facts: list, orders: dict) -> list[dict]:
    """The snapshot of every day of the range: each customer with an order on or before it."""
    per_order = _per_order(facts, orders).values()
    rows = []
    for i in range((END - START).days + 1):
        as_of = START + timedelta(days=i)
        mine = defaultdict(list)
        for order in per_order:
            if order["order_date"] <= as_of:
                mine[order["customer_id"]].append(order)
        for customer_id, placed in mine.items():
            spend = sum(o["spend"] for o in placed)
            last = max(o["order_date"] for o in placed)
            rows.append({
                "customer_id": customer_id, "total_orders": len(placed), "total_spend": spend,
                "first_order_date": min(o["order_date"] for o in placed), "last_order_date": last,
                "avg_order_value": half_up(spend / len(placed)), "value_tier": value_tier(spend),
                "customer_status": customer_status(last, as_of), "as_of_date": as_of,
            })  # fmt: skip
    return rows


def _category_performance(facts: list) -> list[dict]:
    groups = defaultdict(list)
    for f in facts:
        groups[month_of(f["order_date"]), f["_product"]["category"]].append(f)
    rows = []
    for (month, category), lines in groups.items():
        net, profit = sum(f["net_revenue"] for f in lines), sum(f["profit"] for f in lines)
        rows.append({
            "category": category, "orders": len({f["order_id"] for f in lines}),
            "items": sum(f["quantity"] for f in lines), "net_revenue": net, "profit": profit,
            "margin_pct": half_up(profit / net * 100) if net else None, "month": month,
        })  # fmt: skip
    return rows


def _top_products(facts: list) -> list[dict]:
    revenue = defaultdict(Decimal)
    for f in facts:
        revenue[month_of(f["order_date"]), f["_product"]["category"], f["_product"]["product_id"]] += f["net_revenue"]
    rows = []
    for (month, category, product_id), net in revenue.items():
        higher = {v for (m, c, _), v in revenue.items() if (m, c) == (month, category) and v > net}
        if len(higher) + 1 <= 10:  # dense rank: 1 + the distinct revenues above
            rows.append({"category": category, "product_id": product_id, "net_revenue": net,
                         "rank": len(higher) + 1, "month": month})  # fmt: skip
    return rows


def _orders_per_customer(facts: list, orders: dict) -> list[dict]:
    months = defaultdict(set)
    for f in facts:
        months[month_of(f["order_date"])].add(f["order_id"])
    rows = []
    for month, ids in months.items():
        buyers = {orders[o]["customer_id"] for o in ids}
        rows.append({"orders": len(ids), "customers": len(buyers),
                     "orders_per_customer": half_up(Decimal(len(ids)) / len(buyers)), "month": month})  # fmt: skip
    return rows


# ------------------------------------------------------------------------------------- fixtures


@dataclass
class Lakehouse:
    home: Path
    landing: Path
    defs: object
    instance: object
    report: object
    daily: object
    monthly: object
    tables: dict[str, list[dict]]


@pytest.fixture(scope="module")
def shop(tmp_path_factory, spark) -> Lakehouse:
    """Generated exports for 2024-01-01..2024-02-29; the daily job over the range in one run, then the
    monthly job over both months; every table read back."""
    home = tmp_path_factory.mktemp("shop-home")
    landing = home / "landing" / "shop"
    report = generate(landing, scale=SCALE, start=START, end=END)
    defs = build_definitions(Settings(home=home, spark_master="local[2]"))
    instance = DagsterInstance.ephemeral()
    daily = run_range(defs, instance, "shop_daily", START.isoformat(), END.isoformat())
    monthly = run_range(defs, instance, "shop_monthly", *MONTHS)
    tables = {key: table(home, key) for key in TABLES}
    return Lakehouse(home, landing, defs, instance, report, daily, monthly, tables)


@pytest.fixture(scope="module")
def expected(shop) -> Oracle:
    return oracle(shop.landing)


@pytest.fixture(scope="module")
def keys(shop) -> dict:
    """(id, valid_from_ts) -> the dimension's surrogate key, per dimension."""
    return {
        name: {(r[f"{name}_id"], r["valid_from_ts"]): r[f"{name}_key"] for r in shop.tables[f"gold/shop/dim_{name}"]}
        for name in ("customer", "product")
    }


# ------------------------------------------------------------------------------------- tests


def test_the_range_covers_every_fault_and_both_runs_pass_their_checks(shop, expected):
    assert shop.report.faults == dict.fromkeys(shop.report.faults, 1) and len(shop.report.faults) == 8
    order_days = Counter(r["_day"] for r in expected.bronze["orders"])
    assert all(order_days[START + timedelta(days=d)] > 0 for d in range(4))  # d0..d3 all have orders
    assert shop.daily.success and shop.monthly.success
    # The daily job writes every daily table over the range, and the unpartitioned bronze rejects with them.
    written = {e.asset_key.to_user_string() for e in shop.daily.get_asset_materialization_events()}
    assert written == set(TABLES) - set(MONTHLY)
    evaluations = shop.daily.get_asset_check_evaluations()
    assert len(evaluations) == 24 and len(shop.monthly.get_asset_check_evaluations()) == 4
    assert all(e.passed for e in shop.monthly.get_asset_check_evaluations())
    # The one order of 2024-01-03 whose total is off by 1.00 puts that day below the 99% share: a warning.
    failed = [e for e in evaluations if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name, e.severity) for e in failed] == [
        ("silver/shop/orders", "total_valid_share_above_99pct", AssetCheckSeverity.WARN)
    ]


def test_rows_add_up_from_landing_to_bronze_to_silver(shop, expected):
    t = shop.tables
    bronze_rejects = Counter(r["entity"] for r in t["bronze/shop/rejects"])
    silver_rejects = Counter(r["entity"] for r in t["silver/shop/rejects"])
    for entity in ENTITIES:
        landed = len(expected.landing[entity])
        assert landed == shop.report.entity_rows[entity]
        assert landed == len(t[f"bronze/shop/{entity}"]) + bronze_rejects[entity], entity
    for entity in ("orders", "order_items"):
        assert len(t[f"bronze/shop/{entity}"]) == len(t[f"silver/shop/{entity}"]) + silver_rejects[entity], entity
    # Each bronze row in its day: versions by updated_at, orders by order_date, items by their order's.
    for entity in ENTITIES:
        column = "updated_date" if entity in ("customers", "products") else "order_date"
        got = Counter((r[KEYS[entity]], r[column]) for r in t[f"bronze/shop/{entity}"])
        assert got == Counter((text(r[KEYS[entity]]), r["_day"]) for r in expected.bronze[entity]), entity
    for entity in ENTITIES:  # lineage: each row names the landing file it came from
        files = {r["_source_file"].rsplit("/", 1)[1] for r in t[f"bronze/shop/{entity}"]}
        assert files == {r["_file"] for r in expected.landing[entity]}
        assert all(f"/landing/shop/{entity}/" in r["_source_file"] for r in t[f"bronze/shop/{entity}"])


def test_rejects_carry_every_fault_with_its_reason(shop, expected):
    rows = shop.tables["bronze/shop/rejects"]
    bronze = sorted(((r["entity"], r["reason"], key_of(r["record"], r["entity"])) for r in rows), key=str)
    assert bronze == sorted(expected.bronze_rejects, key=str)
    silver = [(r["entity"], r["reason"], r["rejected_on"], key_of(r["record"], r["entity"]))
              for r in shop.tables["silver/shop/rejects"]]  # fmt: skip
    assert sorted(silver, key=str) == sorted(expected.silver_rejects, key=str)

    # Each of the generator's faults where the spec puts it, named from the landing files themselves.
    d = [START + timedelta(days=i) for i in range(4)]
    orders, items = expected.landing["orders"], expected.landing["order_items"]
    bad_amount = next(o["order_id"] for o in orders if o["subtotal"] == "12,5x")
    bad_date = next(o["order_id"] for o in orders if o["order_date"] == "2024-13-45T12:00:01Z")
    unknown_product = next(i["order_item_id"] for i in items if i["product_id"] == "PROD-000000")
    unknown_order = next(i["order_item_id"] for i in items if i["order_id"] == "ORD-00000000")
    assert sorted(silver, key=str) == sorted([
        ("customers", "empty_key:customer_id", d[0], None),
        ("orders", "unparseable:subtotal", d[0], bad_amount),
        ("orders", "empty_key:order_id", d[1], None),
        ("order_items", "unknown_product", d[2], unknown_product),
    ], key=str)  # fmt: skip
    assert bronze == sorted(
        [("order_items", "unknown_order", unknown_order), ("orders", "unparseable:order_date", bad_date)], key=str
    )
    # total_mismatch and line_total_mismatch stay in silver, flagged.
    first_of = {}
    for o in sorted(expected.orders.values(), key=lambda o: o["order_ts"]):
        first_of.setdefault(o["order_date"], o["order_id"])
    invalid_totals = [r["order_id"] for r in shop.tables["silver/shop/orders"] if not r["is_total_valid"]]
    assert invalid_totals == [first_of[d[2]]]
    host_items = sorted(i["order_item_id"] for i in items if i["order_id"] == first_of[d[3]])
    flagged = [r["order_item_id"] for r in shop.tables["silver/shop/order_items"] if not r["is_line_total_valid"]]
    assert flagged == host_items[:1]


def test_silver_orders_and_items_equal_the_oracle(shop, expected):
    got = by(shop.tables["silver/shop/orders"], "order_id")
    assert set(got) == {(o,) for o in expected.orders}
    for (order_id,), row in got.items():
        want = expected.orders[order_id]
        assert row["_source_file"].endswith("/" + want["_file"])
        assert without([row], "_source_file") == without([want], "_file"), order_id
    got = by(shop.tables["silver/shop/order_items"], "order_item_id")
    assert set(got) == {(i["order_item_id"],) for i in expected.items}
    for item in expected.items:
        row = got[item["order_item_id"],]
        assert row["_source_file"].endswith("/" + item["_file"])
        assert without([row], "_source_file") == without([item], "_file"), item["order_item_id"]


def test_one_version_per_change_resends_collapse_corrections_do_not(shop, expected):
    for entity, key in (("customers", "customer_id"), ("products", "product_id")):
        landed = [r for r in expected.landing[entity] if text(r[key])]  # the faulty (empty id) row aside
        distinct = {tuple(v for c, v in r.items() if c != "_file") for r in landed}
        assert len(landed) - len(distinct) == {"customers": 3, "products": 2}[entity]  # the exact re-sends
        got = shop.tables[f"silver/shop/{entity}"]
        assert len(got) == len(distinct) == sum(len(v) for v in getattr(expected, entity).values())
        want = [v for versions in getattr(expected, entity).values() for v in versions]
        got_by = by(got, key, "valid_from", "version_in_day")
        assert set(got_by) == {(v[key], v["valid_from"], v["version_in_day"]) for v in want}
        for v in want:
            row = got_by[v[key], v["valid_from"], v["version_in_day"]]
            assert row["_source_file"].rsplit("/", 1)[1] in v["_files"]
            assert without([row], "_source_file") == without([v], "_files"), v[key]
    assert shop.report.resent == 5

    # Corrections: a later version whose only change is the empty phone (description) filled in.
    corrected = {"customers": ("phone",), "products": ("description",)}
    found = 0
    for entity, (column,) in corrected.items():
        ignore = {column, "updated_at", "valid_from_ts", "version_in_day", "valid_from"}
        for versions in getattr(expected, entity).values():
            for before, after in zip(versions, versions[1:]):
                same = all(before[c] == after[c] for c in before if c not in ignore | {"_files"})
                was_empty = before[column] in (None, "No description available")
                if same and was_empty and after[column] not in (None, "No description available"):
                    found += 1
                    assert after["valid_from"] > before["valid_from"]
    assert found == shop.report.corrections == 4

    # A version starts at each end of a day: 00:00:00 and 23:59:59 belong to that day.
    boundaries = sorted(v["updated_at"].time().isoformat() for vs in expected.customers.values() for v in vs
                        if v["updated_at"].time().isoformat() in ("00:00:00", "23:59:59"))  # fmt: skip
    assert boundaries == ["00:00:00", "23:59:59"]
    on_edges = [r for r in shop.tables["silver/shop/customers"]
                if r["updated_at"].time().isoformat() in ("00:00:00", "23:59:59")]  # fmt: skip
    assert sorted((r["valid_from"], r["valid_from_ts"].date()) for r in on_edges) == sorted(
        (r["updated_at"].date(), r["updated_at"].date()) for r in on_edges
    )


def test_dimensions_one_row_per_version_with_unique_keys(shop, expected):
    dim_c, dim_p = shop.tables["gold/shop/dim_customer"], shop.tables["gold/shop/dim_product"]
    for rows, key, entity in ((dim_c, "customer_key", "customers"), (dim_p, "product_key", "products")):
        assert len({r[key] for r in rows}) == len(rows) == sum(len(v) for v in getattr(expected, entity).values())
    columns = ("customer_id", "email", "email_domain", "full_name", "country", "city", *VERSION_COLUMNS)
    want = [{k: v[k] for k in columns} for vs in expected.customers.values() for v in vs]
    assert sorted(without(dim_c, "customer_key"), key=str) == sorted(want, key=str)

    def tier(price):
        return "premium" if price >= 500 else "mid_range" if price >= 100 else "budget" if price >= 25 else "economy"

    def stock(n):
        return "out_of_stock" if n <= 0 else "low_stock" if n < 10 else "normal" if n < 50 else "well_stocked"

    want = [{**{k: v[k] for k in ("product_id", "name", "category", "subcategory", "brand", "price", "cost")},
             "price_tier": tier(v["price"]), "is_high_margin": v["margin_percent"] >= 40,
             "stock_status": stock(v["stock_quantity"]), **{k: v[k] for k in VERSION_COLUMNS}}
            for vs in expected.products.values() for v in vs]  # fmt: skip
    assert sorted(without(dim_p, "product_key"), key=str) == sorted(want, key=str)
    # dim_date: every day of the range, ISO weekday and week.
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    assert shop.tables["gold/shop/dim_date"] == [
        {"date_key": int(d.strftime("%Y%m%d")), "day_of_week": d.isoweekday(), "day_name": d.strftime("%A"),
         "week": d.isocalendar()[1], "month": d.month, "month_name": d.strftime("%B"),
         "quarter": (d.month - 1) // 3 + 1, "year": d.year, "is_weekend": d.isoweekday() >= 6, "date": d}
        for d in days
    ]  # fmt: skip


def test_fact_sales_equals_the_oracle_with_versions_valid_at_the_order_time(shop, expected, keys):
    got = by(shop.tables["gold/shop/fact_sales"], "order_item_id")
    want = {}
    for f in expected.facts:
        c, p = f["_customer"], f["_product"]
        want[f["order_item_id"],] = {
            **{k: v for k, v in f.items() if not k.startswith("_")},
            "customer_key": keys["customer"][c["customer_id"], c["valid_from_ts"]],
            "product_key": keys["product"][p["product_id"], p["valid_from_ts"]],
        }
    assert set(got) == set(want)
    assert len(got) < len(expected.items)  # cancelled and returned orders' items are left out
    for key, row in got.items():
        assert row == want[key], key
    # Allocations sum back to each order's tax and shipping, to the cent.
    tax, shipping = defaultdict(Decimal), defaultdict(Decimal)
    for row in got.values():
        tax[row["order_id"]] += row["allocated_tax"]
        shipping[row["order_id"]] += row["allocated_shipping"]
    assert all(tax[o] == expected.orders[o]["tax_amount"] for o in tax)
    assert all(shipping[o] == expected.orders[o]["shipping_amount"] for o in shipping)


def same_day_change(expected: Oracle) -> tuple[dict, dict, dict, dict]:
    """(order, item, earlier version, later version): the generator's first order on or after the
    middle day (2024-01-31), whose first item's product changes price later that same day."""
    middle = START + timedelta(days=((END - START).days + 1) // 2)
    order = min((o for o in expected.orders.values() if o["order_date"] >= middle), key=lambda o: o["order_ts"])
    item = min((i for i in expected.items if i["order_id"] == order["order_id"]), key=lambda i: i["order_item_id"])
    versions = expected.products[item["product_id"]]
    earlier = version_at(versions, order["order_ts"])
    later = next(v for v in versions if v["updated_at"] > order["order_ts"])
    return order, item, earlier, later


def test_a_later_price_change_of_the_same_day_does_not_price_an_earlier_order(shop, expected, keys):
    order, item, earlier, later = same_day_change(expected)
    assert order["order_date"] == date(2024, 1, 31)
    assert later["updated_at"].date() == order["order_date"] and later["price"] != earlier["price"]
    assert item["unit_price"] == earlier["price"]
    if order["status"] in ("cancelled", "returned"):  # pragma: no cover - not at this seed
        pytest.fail("the same-day order is cancelled or returned: pick another seed")
    fact = next(r for r in shop.tables["gold/shop/fact_sales"] if r["order_item_id"] == item["order_item_id"])
    assert fact["cost_of_goods"] == item["quantity"] * earlier["cost"]
    assert fact["product_key"] == keys["product"][item["product_id"], earlier["valid_from_ts"]]
    assert fact["product_key"] != keys["product"][item["product_id"], later["valid_from_ts"]]


def test_daily_revenue_equals_the_oracle(shop, expected):
    got = by(shop.tables["gold/shop/daily_revenue"], "order_date", "shipping_country")
    assert got == by(expected.daily_revenue, "order_date", "shipping_country")


def test_monthly_tables_equal_the_oracle(shop, expected):
    t = shop.tables
    assert by(t["gold/shop/category_performance"], "month", "category") == by(
        expected.category_performance, "month", "category"
    )
    assert by(t["gold/shop/top_products"], "month", "category", "product_id") == by(
        expected.top_products, "month", "category", "product_id"
    )
    assert by(t["gold/shop/orders_per_customer"], "month") == by(expected.orders_per_customer, "month")
    assert {r["month"] for r in t["gold/shop/orders_per_customer"]} == {date(2024, 1, 1), date(2024, 2, 1)}


def test_customer_lifetime_value_equals_the_oracle(shop, expected):
    got = shop.tables["gold/shop/customer_lifetime_value"]
    last = [r for r in got if r["as_of_date"] == END]
    want_last = [r for r in expected.lifetime_value if r["as_of_date"] == END]
    assert len(last) == len({o["customer_id"] for o in _per_order(expected.facts, expected.orders).values()})
    assert by(last, "customer_id") == by(want_last, "customer_id")
    # And every earlier day's snapshot (each built from the day before plus its own orders).
    assert by(got, "as_of_date", "customer_id") == by(expected.lifetime_value, "as_of_date", "customer_id")


def test_referential_integrity_check_finds_an_injected_orphan(shop, spark, expected, keys):
    def read(key):
        return spark.read.parquet(str(shop.home / "warehouse" / key))

    facts, orders = read("gold/shop/fact_sales"), read("silver/shop/orders")
    customers, products = read("gold/shop/dim_customer"), read("gold/shop/dim_product")
    assert orphans(facts, orders, customers, products).count() == 0
    existing = {r[k] for t, k in (("dim_product", "product_key"), ("dim_customer", "customer_key"))
                for r in shop.tables[f"gold/shop/{t}"]}  # fmt: skip
    missing = next(k for k in range(1, 1000) if k not in existing)
    rows = by(shop.tables["gold/shop/fact_sales"], "order_item_id")
    _, item, _, later = same_day_change(expected)
    real = shop.tables["gold/shop/fact_sales"][0]
    injected = [
        # a product_key no version has (the customer_key resolves)
        {**real, "order_item_id": "ITEM-INJECTED", "product_key": missing},
        # the key of a product version that exists but begins later that day than the order
        {**rows[item["order_item_id"],], "order_item_id": "ITEM-TOO-EARLY",
         "product_key": keys["product"][item["product_id"], later["valid_from_ts"]]},
        # a customer_key no version has; both keys missing (found once)
        {**real, "order_item_id": "ITEM-NO-CUSTOMER", "customer_key": missing},
        {**real, "order_item_id": "ITEM-NEITHER", "customer_key": missing, "product_key": missing},
    ]  # fmt: skip
    extra = spark.createDataFrame([tuple(r[f.name] for f in facts.schema) for r in injected], facts.schema)
    found = orphans(facts.unionByName(extra), orders, customers, products)
    assert sorted(r["order_item_id"] for r in found.collect()) == [
        "ITEM-INJECTED", "ITEM-NEITHER", "ITEM-NO-CUSTOMER", "ITEM-TOO-EARLY"
    ]  # fmt: skip


def test_rerunning_a_day_and_its_month_changes_no_table(shop, expected):
    # The day has a re-sent customer version (its two copies in two files) and a product change.
    assert any(v["valid_from"] == RERUN_DAY and len(v["_files"]) == 2 for vs in expected.customers.values() for v in vs)
    assert any(v["valid_from"] == RERUN_DAY and v["version_in_day"] == 0 and vs.index(v) > 0
               for vs in expected.products.values() for v in vs)  # fmt: skip
    daily = run_range(shop.defs, shop.instance, "shop_daily", RERUN_DAY.isoformat(), RERUN_DAY.isoformat())
    monthly = run_range(shop.defs, shop.instance, "shop_monthly", MONTHS[0], MONTHS[0])
    assert daily.success and monthly.success
    redone = {e.asset_key.to_user_string(): e.partition for e in daily.get_asset_materialization_events()}
    assert redone == {key: None if key == "bronze/shop/rejects" else RERUN_DAY.isoformat()
                      for key in TABLES if key not in MONTHLY}  # fmt: skip
    redone = {e.asset_key.to_user_string(): e.partition for e in monthly.get_asset_materialization_events()}
    assert redone == dict.fromkeys(MONTHLY, MONTHS[0])
    for key in TABLES:
        again = table(shop.home, key)
        # Bronze stamps each row with the time it was taken in: the only column a re-run changes.
        assert without(again, "_ingested_at") == without(shop.tables[key], "_ingested_at"), key
    bronze = [r for r in table(shop.home, "bronze/shop/orders") if r["order_date"] == RERUN_DAY]
    assert bronze and all(r["_ingested_at"] > max(x["_ingested_at"] for x in shop.tables["bronze/shop/orders"]
                                                  if x["order_date"] == RERUN_DAY) for r in bronze)  # fmt: skip


def test_analysts_read_the_tables_and_a_customer_as_of_a_day_with_lakehouse_sql(shop, expected):
    """`lakehouse sql` in a subprocess, as an analyst runs it: a dashboard query and the as-of macro."""
    import subprocess
    import sys

    from lakehouse_tests.conftest import cli_env

    def sql(statement: str) -> list[list[str]]:
        command = [sys.executable, "-m", "lakehouse.cli", "sql", "--csv", "-c", statement]
        done = subprocess.run(command, env=cli_env(shop.home), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return list(csv.reader(done.stdout.splitlines()))[1:]

    revenue = sql("select order_date, shipping_country, orders, net_revenue from gold.shop_daily_revenue order by 1, 2")
    assert revenue == sorted(
        [[r["order_date"].isoformat(), r["shipping_country"], str(r["orders"]), f"{r['net_revenue']:.2f}"]
         for r in expected.daily_revenue]
    )  # fmt: skip
    day = date(2024, 1, 31)
    as_of = sql(f"select customer_id, email, city from gold.shop_dim_customer_as_of(DATE '{day}') order by 1")
    standing = {}
    for customer_id, versions in expected.customers.items():
        known = [v for v in versions if v["updated_at"].date() <= day]
        if known:
            standing[customer_id] = known[-1]
    assert as_of == [[c, v["email"] or "", v["city"] or ""] for c, v in sorted(standing.items())]
    assert len(as_of) == len(standing) > 0
