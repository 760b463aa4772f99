"""Deterministic sample data for the `rainforest` marketplace app database, with deliberate faults.

Writes the 13 upstream tables as `<out_dir>/<table>.csv` (header = the upstream column names,
timestamps `YYYY-MM-DD HH:MM:SS`, booleans `true`/`false`, NULL = empty field, money with two
decimals) and, given a PostgreSQL URL, loads the same rows into schema `rainforest`.

At scale 1: 1,000 users (80% active), each one buyer and one seller; 50 brands, 50 manufacturers,
20 categories (these three fixed); 500 products with 1-3 categories and 0-4 ratings each; 1-10
products per seller; 5,000 orders of 1-5 items; 5-20 clickstream events per user. Scale
multiplies users, products, orders and events. Entities are created and last updated in the year
before `start`, so every daily snapshot holds them all; events fall in start..end.

Faults, always injected in these fixed counts (FAULTS); each is a row an app database without
foreign keys or check constraints holds, so CSV and PostgreSQL carry the same rows:
- null_buyer_order (1): an order with NULL buyer_id; its items and total are normal.
- orphan_order_item (2): items whose order_id matches no order; created_ts inside the range.
- orphan_product_item (2): items whose product_id matches no product, inside real orders
  (created_ts = the order's order_ts) but left out of the order's total_price.
- unknown_event_type (3): clickstream events of type 'refund' (with a product, no order).
- null_user_event (1): a 'view' clickstream event with NULL user_id.
Fault items and events come after the regular ones (highest ids). Without the orphan-product
items, every order's total_price is exactly the sum of quantity * (base_price + tax).
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from lakehouse.datagen.rainforest_db import load, redact, upstream

DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2024, 12, 31)
AT_SCALE_1 = {"users": 1000, "products": 500, "orders": 5000}
N_BRANDS = N_MAKERS = 50
ACTIVE_SHARE = 0.8
TAX_PERCENT = 8
FAULTS = {
    "null_buyer_order": 1,
    "orphan_order_item": 2,
    "orphan_product_item": 2,
    "unknown_event_type": 3,
    "null_user_event": 1,
}
# Clickstream types: purchase below 0.1, add_to_cart below 0.25, else view; a purchase needs an
# order, so a user without one adds to cart instead.
PURCHASE_SHARE, ADD_TO_CART_SHARE = 0.1, 0.25
DAY = 86400
CHUNK_ROWS = 20_000

CATEGORIES = (
    "Electronics", "Books", "Home & Kitchen", "Toys", "Garden", "Sports", "Beauty", "Grocery",
    "Automotive", "Pet Supplies", "Office", "Music", "Movies", "Clothing", "Shoes", "Jewelry",
    "Health", "Baby", "Tools", "Video Games",
)
BRAND_WORDS = (("Acme", "Nova", "Zenith", "Blue", "Red", "Peak", "Urban", "Polar", "Solar", "Iron"),
               ("Labs", "Works", "Goods", "Co", "Gear", "Home", "Craft", "Line", "Style", "One"))
MAKER_WORDS = (("Global", "United", "Pacific", "Atlas", "Delta", "Summit", "Orion", "Harbor", "Metro", "Apex"),
               ("Industries", "Manufacturing", "Fabrication", "Plants", "Assembly"))
MAKER_TYPES = ("OEM", "ODM", "contract", "in-house", "private label")
COUNTRIES = ("US", "DE", "CN", "JP", "KR", "GB", "FR", "IT", "IN", "MX")
FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Ema", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai",
               "Lena", "Max", "Nia", "Omar", "Pia", "Raj", "Sara", "Tom", "Uma", "Vic", "Wen", "Yui", "Zoe")
LAST_NAMES = ("Abe", "Brown", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones", "Khan",
              "Lopez", "Moore", "Novak", "O'Neil", "Patel", "Rossi", "Smith", "Tanaka", "Weber")
ADJECTIVES = ("Compact", "Deluxe", "Classic", "Smart", "Eco", "Pro", "Mini", "Ultra", "Travel", "Family")
NOUNS = ("Lamp", "Kettle", "Backpack", "Speaker", "Blender", "Jacket", "Drone", "Mug", "Chair", "Watch",
         "Novel", "Puzzle", "Racket", "Shampoo", "Stroller", "Drill", "Headset", "Planter", "Leash", "Bottle")
# Some descriptions hold commas and inch-mark quotes, so the CSV quoting is exercised.
DESCRIPTIONS = ("A {adj} {noun} for every day", '{adj} {noun}, {size}" edition', "The {noun}: {adj}, durable")


@dataclass(frozen=True)
class GenerationReport:
    """What one `generate` call wrote: files, volumes per table, the event date range, the database."""

    paths: tuple[Path, ...]
    rows: int
    first_date: date
    last_date: date
    table_rows: dict[str, int]
    database: str | None = None  # the loaded URL, password shown as ***


def counts(scale: float, orders: int | None = None) -> dict[str, int]:
    """Users, products and orders at `scale` (at least 1 user and product, 3 orders for the faults).

    `orders` overrides the order count alone, e.g. to keep the daily order density of a longer
    range with the same users and products.
    """
    n = {name: max(3 if name == "orders" else 1, round(n * scale)) for name, n in AT_SCALE_1.items()}
    if orders is not None:
        n["orders"] = max(3, orders)
    return n


def money(cents: int) -> str:
    """Cents as a decimal with exactly two places."""
    return f"{cents // 100}.{cents % 100:02d}"


def tax_of(cents: int) -> int:
    """round(0.08 * price, 2) with ROUND_HALF_UP, in whole cents (exact: no float involved)."""
    return (cents * TAX_PERCENT + 50) // 100


class _Clock:
    """Random timestamps as seconds since Jan 1 of the year before `start`, and their text."""

    def __init__(self, rng: random.Random, start: date, end: date):
        origin = date(start.year - 1, 1, 1)
        self.rng, self.prior_end = rng, (date(start.year, 1, 1) - origin).days * DAY
        self.lo, self.hi = (start - origin).days * DAY, ((end - origin).days + 1) * DAY - 1
        self.days = [(origin + timedelta(i)).isoformat() for i in range((end - origin).days + 1)]
        self.first, self.last = self.hi, self.lo

    def event(self) -> int:
        """A second in start..end, uniformly; remembered for the report's date range."""
        t = self.rng.randint(self.lo, self.hi)
        self.first, self.last = min(self.first, t), max(self.last, t)
        return t

    def text(self, t: int) -> str:
        d, r = divmod(t, DAY)
        return f"{self.days[d]} {r // 3600:02d}:{r // 60 % 60:02d}:{r % 60:02d}"

    def audit(self, n_users: int) -> tuple[str, int, str]:
        """created_ts, last_updated_by, last_updated_ts of an entity, all in the prior year."""
        created = self.rng.randrange(self.prior_end // 2)
        updated = self.rng.randrange(created, self.prior_end)
        return self.text(created), self.rng.randint(1, n_users), self.text(updated)


class _Tables:
    """One CSV writer per upstream table, into hidden temp files renamed into place on success."""

    def __init__(self, stack: ExitStack, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self.tables = upstream().TABLES
        self.out_dir, self.writers, self.rows = out_dir, {}, dict.fromkeys(self.tables, 0)
        for name, table in self.tables.items():
            fh = stack.enter_context(open(out_dir / f".{name}.csv.tmp", "w", encoding="utf-8", newline=""))
            self.writers[name] = csv.writer(fh, lineterminator="\n")
            self.writers[name].writerow(table.column_names)

    def write(self, name: str, rows: list[list]) -> None:
        self.writers[name].writerows(rows)
        self.rows[name] += len(rows)

    def publish(self) -> tuple[Path, ...]:
        paths = tuple(self.out_dir / f"{name}.csv" for name in self.tables)
        for name, path in zip(self.tables, paths):
            os.replace(self.out_dir / f".{name}.csv.tmp", path)
        return paths


def generate(
    out_dir: Path | None,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    db_url: str | None = None,
    orders: int | None = None,
) -> GenerationReport:
    """Write the 13 tables as CSV into out_dir and, given db_url, load them into PostgreSQL too."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    if out_dir is None and db_url is None:
        raise ValueError("give an output folder, a database URL, or both")
    if out_dir is None:  # database only: the CSV files are the COPY input, then discarded
        with tempfile.TemporaryDirectory(prefix="rainforest-") as tmp:
            report = generate(Path(tmp), seed, scale, start, end, db_url, orders)
        return replace(report, paths=())
    with ExitStack() as stack:
        out = _Tables(stack, Path(out_dir))
        clock = _Clock(random.Random(seed), start, end)
        _write(out, clock, counts(scale, orders))
    paths = out.publish()
    if db_url is not None:
        load(db_url, Path(out_dir))
    return GenerationReport(
        paths=paths, rows=sum(out.rows.values()), first_date=date.fromisoformat(clock.text(clock.first)[:10]),
        last_date=date.fromisoformat(clock.text(clock.last)[:10]), table_rows=dict(out.rows),
        database=None if db_url is None else redact(db_url),
    )


def _write(out: _Tables, clock: _Clock, n: dict[str, int]) -> None:
    """Every table, in an order that keeps the draws (and so the bytes) fixed for a seed."""
    rng, n_users, n_products = clock.rng, n["users"], n["products"]
    user_created = _entities(out, clock, n_users)
    prices = [rng.randint(1000, 50000) for _ in range(n_products)]  # 10.00..500.00 in cents
    products = []
    for p in range(1, n_products + 1):
        adj, noun, brand = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.randint(1, N_BRANDS)
        text = rng.choice(DESCRIPTIONS).format(adj=adj.lower(), noun=noun.lower(), size=rng.randint(8, 60))
        products.append([p, f"{adj} {noun} {p}", text, money(prices[p - 1]), brand,
                         rng.randint(1, N_MAKERS), *clock.audit(n_users)])
    out.write("product", products)
    out.write("productcategory", [
        [p, c] for p in range(1, n_products + 1)
        for c in sorted(rng.sample(range(1, len(CATEGORIES) + 1), rng.randint(1, 3)))
    ])  # fmt: skip
    ratings = [[p, money(rng.randint(100, 500)), clock.text(clock.event())]
               for p in range(1, n_products + 1) for _ in range(rng.randint(0, 4))]
    out.write("ratings", [[i, *r] for i, r in enumerate(ratings, 1)])
    buyer_user, seller_user = list(range(1, n_users + 1)), list(range(1, n_users + 1))
    rng.shuffle(buyer_user)  # buyer_id, seller_id and user_id are three different sequences
    rng.shuffle(seller_user)
    sellers_of: list[list[int]] = [[] for _ in range(n_products + 1)]
    pairs = []
    for s in range(1, n_users + 1):
        for p in sorted(rng.sample(range(1, n_products + 1), min(n_products, rng.randint(1, 10)))):
            pairs.append([s, p])
            sellers_of[p].append(s)
    out.write("sellerproduct", pairs)
    first_bought, first_sold, orders_of, order_ts = _orders(out, clock, n, prices, sellers_of)
    out.write("buyer", [[b, u, first_bought[b], user_created[u]] for b, u in enumerate(buyer_user, 1)])
    out.write("seller", [[s, u, first_sold[s], user_created[u]] for s, u in enumerate(seller_user, 1)])
    user_orders: list[list[int]] = [[] for _ in range(n_users + 1)]
    for b, u in enumerate(buyer_user, 1):
        user_orders[u] = orders_of[b]
    _clickstream(out, clock, n, user_orders, order_ts)


def _entities(out: _Tables, clock: _Clock, n_users: int) -> list[str | None]:
    """appuser, category, brand and manufacturer; returns each user's created_ts by user_id."""
    rng = clock.rng
    active = set(rng.sample(range(1, n_users + 1), round(ACTIVE_SHARE * n_users)))
    users, created = [], [None]
    for u in range(1, n_users + 1):
        name = f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}{u}".lower().replace("'", "")
        audit = clock.audit(n_users)
        created.append(audit[0])
        users.append([u, name, f"{name}@example.com", "true" if u in active else "false", *audit])
    out.write("appuser", users)
    out.write("category", [[c, name, *clock.audit(n_users)] for c, name in enumerate(CATEGORIES, 1)])
    for table, words, n_rows, kinds in (("brand", BRAND_WORDS, N_BRANDS, COUNTRIES),
                                        ("manufacturer", MAKER_WORDS, N_MAKERS, MAKER_TYPES)):
        names = rng.sample([f"{a} {b}" for a in words[0] for b in words[1]], n_rows)
        out.write(table, [[i, name, rng.choice(kinds), *clock.audit(n_users)] for i, name in enumerate(names, 1)])
    return created


def _orders(out: _Tables, clock: _Clock, n: dict[str, int], prices: list[int], sellers_of: list[list[int]]):
    """orders and orderitem, streamed; returns first buy/sale per buyer/seller, orders per buyer, order times."""
    rng, n_users, n_products, n_orders = clock.rng, n["users"], n["products"], n["orders"]
    order_ts = sorted(clock.event() for _ in range(n_orders))  # ids ascend with time, as a serial key does
    buyers: list[int | None] = [rng.randint(1, n_users) for _ in range(n_orders)]
    null_buyer, *hosts = rng.sample(range(n_orders), FAULTS["null_buyer_order"] + FAULTS["orphan_product_item"])
    buyers[null_buyer] = None
    first_bought: list[str | None] = [None] * (n_users + 1)
    first_sold: list[str | None] = [None] * (n_users + 1)
    orders_of: list[list[int]] = [[] for _ in range(n_users + 1)]
    orders, items, item_id = [], [], 0

    def item(order_id: int, product_id: int, price: int, ts: str) -> list:
        nonlocal item_id
        item_id += 1
        sellers = sellers_of[product_id] if product_id <= n_products else ()
        seller = rng.choice(sellers) if sellers else rng.randint(1, n_users)
        return [item_id, order_id, product_id, seller, rng.randint(1, 5), money(price), money(tax_of(price)), ts]

    for i, t in enumerate(order_ts):
        ts, total = clock.text(t), 0
        for p in rng.sample(range(1, n_products + 1), min(n_products, rng.randint(1, 5))):
            row = item(i + 1, p, prices[p - 1], ts)
            total += row[4] * (prices[p - 1] + tax_of(prices[p - 1]))
            first_sold[row[3]] = first_sold[row[3]] or ts  # orders come in time order
            items.append(row)
        b = buyers[i]
        if b is not None:
            orders_of[b].append(i)
            first_bought[b] = first_bought[b] or ts
        orders.append([i + 1, b, ts, money(total), ts])
        if len(items) >= CHUNK_ROWS:
            out.write("orderitem", items)
            out.write("orders", orders)
            items, orders = [], []
    # Faults last: they count in no total and in no first_time_sold_timestamp.
    for j in range(FAULTS["orphan_order_item"]):
        p = rng.randint(1, n_products)
        items.append(item(n_orders + 1 + j, p, prices[p - 1], clock.text(clock.event())))
    for j, h in enumerate(hosts):
        items.append(item(h + 1, n_products + 1 + j, rng.randint(1000, 50000), clock.text(order_ts[h])))
    out.write("orderitem", items)
    out.write("orders", orders)
    return first_bought, first_sold, orders_of, order_ts


def _clickstream(out: _Tables, clock: _Clock, n: dict[str, int], user_orders: list[list[int]], order_ts: list[int]):
    """5-20 events per user in time order; a purchase is one of the user's orders, at its order_ts."""
    rng, n_products, rows, event_id = clock.rng, n["products"], [], 0
    for u in range(1, n["users"] + 1):
        mine, events = user_orders[u], []
        for _ in range(rng.randint(5, 20)):
            r = rng.random()
            if r < PURCHASE_SHARE and mine:
                o = rng.choice(mine)
                events.append((order_ts[o], "purchase", None, o + 1))
            else:
                kind = "add_to_cart" if r < ADD_TO_CART_SHARE else "view"
                events.append((clock.event(), kind, rng.randint(1, n_products), None))
        events.sort(key=lambda e: e[0])
        for t, kind, product, order in events:
            event_id += 1
            ts = clock.text(t)
            rows.append([event_id, u, kind, product, order, ts, ts])
        if len(rows) >= CHUNK_ROWS:
            out.write("clickstream", rows)
            rows = []
    faults = [(rng.randint(1, n["users"]), "refund") for _ in range(FAULTS["unknown_event_type"])]
    faults += [(None, "view")] * FAULTS["null_user_event"]
    for user, kind in faults:
        event_id += 1
        ts = clock.text(clock.event())
        rows.append([event_id, user, kind, rng.randint(1, n_products), None, ts, ts])
    out.write("clickstream", rows)
