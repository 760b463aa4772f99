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

Changes during the range (`updates=F`, 0 <= F <= 0.5; 0 by default, DEMO_UPDATES for the demo), so
versioned dimensions (SCD type 2) have something to version. They are drawn with their own RNG
after the base data, so the base rows are the same bytes whatever F; every change falls on a day
strictly after `start` and up to `end` (see rainforest_updates for the details):
- appuser, product: a changed entity is a re-sent row (same key, new values, last_updated_ts = the
  change time) appended to `<table>.csv` in last_updated_ts order, as an incremental export appends
  changed rows: F of the users get a new email (every second one also flips is_active, and the
  first fifth change twice, on two days), F of the products a new price. Orders keep their prices.
- sellerproduct has no timestamp, so its history comes as dated full exports: F of the pairs are
  dropped on up to 3 days; `sellerproduct.csv` is the current export (no dropped pair) and
  `sellerproduct@<date>.csv` the table as exported at the end of <date>, one per drop day (dated
  the day before it). Contract (the CSV source's): the extract of day X is the export with the
  smallest date >= X, else `<table>.csv`. Stale dated exports of an earlier run are removed.
The PostgreSQL load holds the current state only: the latest row per key of appuser and product
(greatest last_updated_ts), the current sellerproduct; dated exports are not loaded.
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

from lakehouse.datagen import arguments
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
MAX_UPDATES = 0.5  # beyond half the entities changing, the base data would no longer be the bulk
PRICES = (1000, 50000)  # 10.00..500.00 in cents
DEMO_UPDATES = 0.02  # the share the demo generates, so its dimensions carry versions
DATED_EXPORTS = ("sellerproduct",)  # tables whose history comes as `<table>@<date>.csv`

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
    table_rows: dict[str, int]  # rows in each `<table>.csv` (re-sent rows included, dated exports not)
    updates: dict[str, int]  # re-sent appuser and product rows, dropped sellerproduct pairs
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

    def change_days(self, n: int) -> list[int]:
        """n distinct days (indexes into `days`; fewer if the range has fewer) after start, ascending."""
        later = range(self.lo // DAY + 1, len(self.days))
        return sorted(self.rng.sample(later, min(n, len(later))))

    def on(self, day: int) -> int:
        """A second of `day`, uniformly."""
        return day * DAY + self.rng.randrange(DAY)

    def change(self) -> int:
        """A second on a day strictly after start and up to end, uniformly (a later change)."""
        return self.on(self.change_days(1)[0])

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
        self.exports: list[str] = []
        for name, table in self.tables.items():
            fh = stack.enter_context(open(out_dir / f".{name}.csv.tmp", "w", encoding="utf-8", newline=""))
            self.writers[name] = csv.writer(fh, lineterminator="\n")
            self.writers[name].writerow(table.column_names)

    def write(self, name: str, rows: list[list]) -> None:
        self.writers[name].writerows(rows)
        self.rows[name] += len(rows)

    def export(self, name: str, day: str, rows: list[list]) -> None:
        """The dated full export `<name>@<day>.csv`, as a hidden temp file until `publish`."""
        file = f"{name}@{day}.csv"
        with open(self.out_dir / f".{file}.tmp", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(self.tables[name].column_names)
            writer.writerows(rows)
        self.exports.append(file)

    def publish(self) -> tuple[Path, ...]:
        files = [f"{name}.csv" for name in self.tables] + self.exports
        for file in files:
            os.replace(self.out_dir / f".{file}.tmp", self.out_dir / file)
        # A dated export left by an earlier run would be read as this run's history: remove it.
        for name in DATED_EXPORTS:
            for stale in self.out_dir.glob(f"{name}@*.csv"):
                if stale.name not in files:
                    stale.unlink()
        return tuple(self.out_dir / file for file in files)


def generate(
    out_dir: Path | None,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    db_url: str | None = None,
    orders: int | None = None,
    updates: float = 0.0,
) -> GenerationReport:
    """Write the 13 tables as CSV into out_dir and, given db_url, load them into PostgreSQL too.

    `updates` is the share of users, products and seller offers that change during the range.
    """
    from lakehouse.datagen.rainforest_updates import draw, write  # it builds on this module's helpers

    arguments.check(scale, start, end)
    if not 0 <= updates <= MAX_UPDATES:
        raise ValueError(f"updates must be a share between 0 and {MAX_UPDATES}, got {updates}")
    if updates and (end - start).days < 2:  # a user changing twice needs two days after start
        raise ValueError(f"updates need at least two days after start, got {start}..{end}")
    if out_dir is None and db_url is None:
        raise ValueError("give an output folder, a database URL, or both")
    if out_dir is None:  # database only: the CSV files are the COPY input, then discarded
        with tempfile.TemporaryDirectory(prefix="rainforest-") as tmp:
            report = generate(Path(tmp), seed, scale, start, end, db_url, orders, updates)
        return replace(report, paths=())
    with ExitStack() as stack:
        out = _Tables(stack, Path(out_dir))
        clock = _Clock(random.Random(seed), start, end)
        base = _write(out, clock, counts(scale, orders))
        changes = draw(_Clock(random.Random(f"{seed}:updates"), start, end), base, updates)
        write(out, base, changes)
    paths = out.publish()
    if db_url is not None:
        load(db_url, Path(out_dir))
    return GenerationReport(
        paths=paths, rows=sum(out.rows.values()), first_date=date.fromisoformat(clock.text(clock.first)[:10]),
        last_date=date.fromisoformat(clock.text(clock.last)[:10]), table_rows=dict(out.rows),
        updates=changes.counts(), database=None if db_url is None else redact(db_url),
    )


@dataclass(frozen=True)
class _Base:
    """The base rows the changes are drawn from (sellerproduct's pairs are not written yet)."""

    n_users: int
    users: list[list]
    products: list[list]
    prices: list[int]  # cents, by product_id - 1
    pairs: list[list[int]]


def _write(out: _Tables, clock: _Clock, n: dict[str, int]) -> _Base:
    """Every table but sellerproduct, in an order that keeps the draws (and so the bytes) fixed for a seed."""
    rng, n_users, n_products = clock.rng, n["users"], n["products"]
    users = _entities(out, clock, n_users)
    user_created = [None] + [row[4] for row in users]  # created_ts by user_id
    prices = [rng.randint(*PRICES) for _ in range(n_products)]
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
    first_bought, first_sold, orders_of, order_ts = _orders(out, clock, n, prices, sellers_of)
    out.write("buyer", [[b, u, first_bought[b], user_created[u]] for b, u in enumerate(buyer_user, 1)])
    out.write("seller", [[s, u, first_sold[s], user_created[u]] for s, u in enumerate(seller_user, 1)])
    user_orders: list[list[int]] = [[] for _ in range(n_users + 1)]
    for b, u in enumerate(buyer_user, 1):
        user_orders[u] = orders_of[b]
    _clickstream(out, clock, n, user_orders, order_ts)
    return _Base(n_users, users, products, prices, pairs)


def _entities(out: _Tables, clock: _Clock, n_users: int) -> list[list]:
    """appuser, category, brand and manufacturer; returns the appuser rows."""
    rng = clock.rng
    active = set(rng.sample(range(1, n_users + 1), round(ACTIVE_SHARE * n_users)))
    users = []
    for u in range(1, n_users + 1):
        name = f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}{u}".lower().replace("'", "")
        audit = clock.audit(n_users)
        users.append([u, name, f"{name}@example.com", "true" if u in active else "false", *audit])
    out.write("appuser", users)
    out.write("category", [[c, name, *clock.audit(n_users)] for c, name in enumerate(CATEGORIES, 1)])
    for table, words, n_rows, kinds in (("brand", BRAND_WORDS, N_BRANDS, COUNTRIES),
                                        ("manufacturer", MAKER_WORDS, N_MAKERS, MAKER_TYPES)):
        names = rng.sample([f"{a} {b}" for a in words[0] for b in words[1]], n_rows)
        out.write(table, [[i, name, rng.choice(kinds), *clock.audit(n_users)] for i, name in enumerate(names, 1)])
    return users


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
        items.append(item(h + 1, n_products + 1 + j, rng.randint(*PRICES), clock.text(order_ts[h])))
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
