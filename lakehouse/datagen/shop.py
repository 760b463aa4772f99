"""Deterministic sample data for the `shop` domain: monthly app-table exports with versions and faults.

Layout under `out_dir`: `customers/`, `products/`, `orders/`, `order_items/`, each emptied of *.csv
first (so a run leaves exactly its own set) and holding `<entity>_<YYYY-MM>.csv` for every month of
start..end in which that entity has a row (at the default range: 12 files each, 48 in all). A file
holds the rows created or changed in its month: customers and products by `updated_at`, orders by
`order_date`, items by their order's `order_date`; appended after them come that month's faulty
rows, then the re-sent copies. UTF-8, header row, comma, `"` quoting (minimal), LF, all text; the
columns are the spec's (`specs/shop.md`, Landing contract), in its order. Timestamps are
`YYYY-MM-DDTHH:MM:SSZ` (UTC); money has exactly 2 decimals (Decimal, half up).

Sizes: max(1, round(1,000 x scale)) customers `CUST-` + 8 hex digits, max(1, round(200 x scale))
products `PROD-` + 6 hex digits (SKU `<BRAND[:3]>-<CATEGORY[:3]>-<NNNN>`, NNNN the product's number),
max(1, round(5,000 x scale)) orders `ORD-00000001`.. numbered in time order, items `ITEM-00000001`..
numbered in their orders' order. Distributions:
- Orders: day weight 10, November 16, December 20; a uniform odd second of the day (never 00:00:00
  or 23:59:59). Customer: the first 20% of customers drawn (at least 1) weigh 16 each, the rest 1
  (80% of orders from 20% of customers). Items: 1-5 distinct products (weights 40/30/15/10/5, uniform products),
  quantity 1-5 (55/25/10/6/4), discount_percent 5..25 on 20% of items, else 0.
- unit_price = the price of the product version valid at the order's time; line_total =
  round(quantity x unit_price x (1 - discount_percent / 100), 2); subtotal = sum of line_totals;
  tax 21% (NL, BE) else 19% of subtotal; shipping 0.00 above 50.00 else the country's fee (DE 3.99,
  AT/BE/NL 4.99, FR/PL 5.99, ES/IT 6.99, PT 7.99, GB 9.99); discount 5% of subtotal above 200.00;
  total = subtotal + tax + shipping - discount; currency EUR; shipping_country/city = the customer
  version's at the order's time. Status delivered 57, shipped 15, cancelled 9, processing 7,
  returned 7, pending 5 (the last 7 days: pending/processing/shipped 30 each, cancelled 10);
  payment credit_card 35, paypal 25, debit_card 15, klarna 10, bank_transfer 10, apple_pay 5.
- Customers: country DE 25, FR 20, GB 15, ES 12, IT 10, NL 8, PL 5, BE 3, AT 1, PT 1 %; city and
  address street of that country; phone 30% empty, address 20% empty; email first.last<n>@domain
  (1 in 20 with a capitalised local part). Products: category uniform of the 8, price in whole
  euros skewed low within the category's range (books 5-80 .. electronics 15-1,500) ending .99,
  .49, .95 or .00; cost 0.41-0.69 of price in cents; stock 0 (5%), 1-9 (10%), else 10-500;
  description 15% empty; is_active false 5%.
- First versions: created_at = updated_at, an even second before the entity's first order (any
  time in the range if it has none). Every later version is an even second after created_at.

Changes (new versions, `created_at` kept): round(10%) of customers change email, city or country
(a move also changes city and address), round(30%) of products price (80-120%, cost redrawn if it
left 0.4-0.7), cost or stock; the first 1 in 5 of each (at least one) change twice. No two versions
of one key share a second. Fixed cases, in addition:
- the first customer created before the last day changes at exactly 00:00:00 of a later day, the
  next customer at exactly 23:59:59 (so a version starts at each end of a day);
- the first order at or after the middle day (start + n_days // 2; else the last order): its first
  item's product changes price later that same day, so that item's unit_price is the earlier price;
- corrections (counted in `corrections`, 2 customers and 2 products): an empty phone / description
  filled in, as a new version in a month after the first version's;
- exact re-sends (counted in `resent`, 3 customer and 2 product versions not of the last month):
  the same row, byte for byte, appended to the next month's file.

Faults, each exactly once when the range has its day (d0 = start, dN = start + N days); the file
is the month of that day; "extra" rows are appended, "host" rows changed in place:
| kind                | entity      | row                                                        | day |
| empty_customer_id   | customers   | extra, customer_id "", updated_at d0T12:00:00Z             | d0  |
| unparseable_amount  | orders      | extra, subtotal "12,5x" (others as for 12.50), d0T12:00:01Z | d0  |
| unparseable_date    | orders      | extra, order_date "2024-13-45T12:00:01Z"                   | d1  |
| empty_order_id      | orders      | extra, order_id "", d1T12:00:01Z                           | d1  |
| total_mismatch      | orders      | host: the first order of d2, total_amount + 1.00           | d2  |
| unknown_product     | order_items | extra, product PROD-000000, of that same d2 order          | d2  |
| line_total_mismatch | order_items | host: the first item of d3's first order, line_total + 1.00 | d3  |
| unknown_order       | order_items | extra, order_id ORD-00000000, a real product               | d3  |
Extra orders take the next order numbers (ORD-<N+1>, <N+2>), have no items and name the first
customer drawn; extra items take the next item numbers. Two of the drawn orders are moved to d2 and
d3 before numbering, so each host day has an order (given 2 orders). The d2 host order's subtotal is
the sum of its valid items' line totals, the d3 host's of its items' correct line totals.
At the default range every fault is in the January files.

`rows` counts the data lines of every file; `entity_rows` the same per entity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from lakehouse.datagen import arguments
from lakehouse.datagen.files import csv_text, write_text
from lakehouse.domains.shop.contracts.landing import COLUMNS
from lakehouse.datagen.shop_catalog import RECENT_DAYS
from lakehouse.datagen.shop_changes import RESENT, change, resend
from lakehouse.datagen.shop_faults import UNKNOWN_PRODUCT_ID, host_days, inject
from lakehouse.datagen.shop_rows import (
    DAY, Clock, Entity, creation_times, customer_row, draw_orders, first_uses, item_row, order_row,
    product_row, unique_ids,
)

DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2024, 12, 31)
BASE = {"customers": 1_000, "products": 200, "orders": 5_000}
HEADERS = COLUMNS  # the landing contract, shared with bronze
ENTITIES = tuple(HEADERS)


@dataclass(frozen=True)
class ShopReport:
    """What one `generate` call wrote: files (sorted), data rows in all and per entity, the range,
    faults by kind, exact re-sends and corrections."""

    paths: list[Path]
    rows: int
    first_date: date
    last_date: date
    entity_rows: dict[str, int]
    faults: dict[str, int]
    resent: int
    corrections: int


def counts(scale: float) -> dict[str, int]:
    """Customers, products and orders at that scale: round(base x scale), at least 1 each."""
    return {name: max(1, round(base * scale)) for name, base in BASE.items()}


def _entities(rng: random.Random, clock: Clock, ids: list[str], first: list[int | None], row) -> list[Entity]:
    """One entity per id with its first version, created before its first use."""
    return [Entity([(t, row(i, entity_id, clock.text(t)))])
            for i, (entity_id, t) in enumerate(zip(ids, creation_times(rng, clock, first)))]


def _priced(rng: random.Random, clock: Clock, orders, customers: list[Entity], products: list[Entity]):
    """(time, order row, item rows) per order, priced from the versions valid at its time."""
    priced, item_no = [], 0
    for number, order in enumerate(orders, start=1):
        order_id, items = f"ORD-{number:08d}", []
        for product, quantity, discount in order.items:
            item_no += 1
            version = products[product].at(order.t)
            items.append(item_row(item_no, order_id, version["product_id"], quantity,
                                  Decimal(version["price"]), discount))
        subtotal = sum((Decimal(item["line_total"]) for item in items), Decimal("0.00"))
        recent = order.t // DAY >= clock.n_days - RECENT_DAYS
        priced.append((order.t, order_row(rng, order_id, customers[order.customer].at(order.t),
                                          clock.text(order.t), subtotal, recent), items))
    return priced


def _clean(folder: Path) -> None:
    """Create the folder, or remove the *.csv files directly in it (anything else stays)."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in sorted(folder.glob("*.csv")):
        if entry.is_file() or entry.is_symlink():
            entry.unlink()


def generate(
    out_dir: Path,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> ShopReport:
    """Write <entity>/<entity>_<YYYY-MM>.csv under out_dir; the same arguments give byte-identical files."""
    arguments.check(scale, start, end)
    rng = random.Random(seed)
    clock = Clock(start, (end - start).days + 1)
    n = counts(scale)
    orders = draw_orders(rng, clock, n["orders"], n["customers"], n["products"], host_days(clock))

    customers = _entities(
        rng, clock, unique_ids(rng, "CUST-", 8, n["customers"], ()),
        first_uses(n["customers"], [(o.customer, o.t) for o in orders]),
        lambda i, entity_id, created: customer_row(rng, entity_id, created))
    products = _entities(
        rng, clock, unique_ids(rng, "PROD-", 6, n["products"], (UNKNOWN_PRODUCT_ID,)),
        first_uses(n["products"], [(p, o.t) for o in orders for p, _, _ in o.items]),
        lambda i, entity_id, created: product_row(rng, entity_id, i + 1, created))
    corrected = change(rng, clock, customers, products, orders)
    priced = _priced(rng, clock, orders, customers, products)

    files = {entity: {month: [] for month in clock.months()} for entity in ENTITIES}
    # Versions in updated_at order (ties by key), so a file reads as the app's change log.
    for entity, key, members in (("customers", "customer_id", customers), ("products", "product_id", products)):
        for t, _, row in sorted(((t, row[key], row) for e in members for t, row in e.versions), key=lambda v: v[:2]):
            files[entity][clock.month(t)].append(row)
    for t, order, items in priced:
        files["orders"][clock.month(t)].append(order)
        files["order_items"][clock.month(t)].extend(items)
    n_items = sum(len(items) for _, _, items in priced)
    faults = inject(rng, clock, files, priced, customers, products, len(priced) + 1, n_items + 1)
    resent = (resend(rng, clock, customers, RESENT["customers"], "customer_id", files["customers"])
              + resend(rng, clock, products, RESENT["products"], "product_id", files["products"]))

    paths, entity_rows = [], dict.fromkeys(ENTITIES, 0)
    for entity in ENTITIES:
        folder = Path(out_dir) / entity
        _clean(folder)
        for month, rows in files[entity].items():
            if rows:  # no header-only export: a drop folder rejects one, and two would be byte-identical
                path = folder / f"{entity}_{month}.csv"
                write_text(path, csv_text(HEADERS[entity], [[r[c] for c in HEADERS[entity]] for r in rows]))
                paths.append(path)
                entity_rows[entity] += len(rows)
    return ShopReport(
        paths=sorted(paths), rows=sum(entity_rows.values()), first_date=start, last_date=end,
        entity_rows=entity_rows, faults=faults, resent=resent, corrections=sum(corrected.values()),
    )

