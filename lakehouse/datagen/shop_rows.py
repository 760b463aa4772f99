"""The shop generator's clean rows: orders and items, customer and product versions (see shop.py).

Times are whole seconds from the range's first midnight. Order times are odd seconds below 23:59:59
and version times even seconds (the one 23:59:59 customer change aside), so no version ever shares
an order's second and "the version valid at the order's time" is never a tie.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from lakehouse.datagen.shop_catalog import (
    ADJECTIVES, BRANDS, CATEGORIES, CENT_ENDINGS, COUNTRY, COUNTRY_CODES, COUNTRY_WEIGHTS, EMAIL_DOMAINS,
    FIRST_NAMES, ITEM_DISCOUNT_SHARE, ITEMS_PER_ORDER_WEIGHTS, LAST_NAMES, PAYMENT_METHODS, PAYMENT_WEIGHTS,
    QUANTITY_WEIGHTS, RECENT_STATUS_WEIGHTS, STATUS_WEIGHTS, STATUSES, line_total, money, order_amounts,
)

DAY = 86_400
MONTH_WEIGHTS = {11: 16, 12: 20}  # Nov/Dec peak; every other month 10 per day
HEAVY_SHARE, HEAVY_WEIGHT = 0.2, 16  # 20% of customers weigh 16x: 3,200 / 4,000 = 80% of orders


class Clock:
    """Second offsets from the range's first midnight, as ISO text, dates and months."""

    def __init__(self, start: date, n_days: int):
        self.start, self.n_days = start, n_days
        self.last_even = n_days * DAY - 2  # the last even second of the range

    def date(self, t: int) -> date:
        return self.start + timedelta(days=t // DAY)

    def text(self, t: int) -> str:
        """YYYY-MM-DDTHH:MM:SSZ (UTC)."""
        r = t % DAY
        return f"{self.date(t).isoformat()}T{r // 3600:02d}:{r // 60 % 60:02d}:{r % 60:02d}Z"

    def month(self, t: int) -> str:
        return self.date(t).isoformat()[:7]

    def months(self) -> list[str]:
        """Every YYYY-MM the range touches, in order."""
        first, last = self.start, self.date(self.last_even)
        return [f"{y:04d}-{m:02d}" for y in range(first.year, last.year + 1) for m in range(1, 13)
                if (first.year, first.month) <= (y, m) <= (last.year, last.month)]

    def month_start(self, month: str) -> int:
        """The second the month begins (0 for the range's own first month)."""
        return max(0, (date.fromisoformat(f"{month}-01") - self.start).days * DAY)


def even_between(rng: random.Random, lo: int, hi: int) -> int:
    """An even second in lo..hi (both included; lo <= hi, at least one even second between)."""
    return 2 * rng.randint((lo + 1) // 2, hi // 2)


@dataclass
class Order:
    """A clean order: its time, customer index and items (product index, quantity, discount %)."""

    t: int
    customer: int
    items: list[tuple[int, int, int]]


@dataclass
class Entity:
    """A customer or product: its versions (time, row), oldest first."""

    versions: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def at(self, t: int) -> dict[str, str]:
        """The version valid at second t (the latest at or before it)."""
        times = [v[0] for v in self.versions]
        return self.versions[bisect.bisect_right(times, t) - 1][1]


def draw_orders(rng: random.Random, clock: Clock, n_orders: int, n_customers: int, n_products: int,
                host_days: list[int]) -> list[Order]:
    """Orders in time order; orders 1..k are put on the k host days first, so each has an order."""
    day_weights = [MONTH_WEIGHTS.get((clock.start + timedelta(days=d)).month, 10) for d in range(clock.n_days)]
    days = rng.choices(range(clock.n_days), weights=day_weights, k=n_orders)
    for j, day in enumerate(host_days[:n_orders]):
        days[j] = day
    times = sorted(d * DAY + 2 * rng.randint(0, DAY // 2 - 2) + 1 for d in days)  # odd, 1..86397
    n_heavy = max(1, round(HEAVY_SHARE * n_customers))
    weights = [HEAVY_WEIGHT] * n_heavy + [1] * (n_customers - n_heavy)
    customers = rng.choices(range(n_customers), weights=weights, k=n_orders)
    orders = []
    for t, customer in zip(times, customers):
        k = min(n_products, rng.choices(range(1, 6), weights=ITEMS_PER_ORDER_WEIGHTS)[0])
        items = [(p, rng.choices(range(1, 6), weights=QUANTITY_WEIGHTS)[0],
                  rng.randint(5, 25) if rng.random() < ITEM_DISCOUNT_SHARE else 0)
                 for p in rng.sample(range(n_products), k)]
        orders.append(Order(t, customer, items))
    return orders


def first_uses(n: int, uses: list[tuple[int, int]]) -> list[int | None]:
    """Per entity index, the time of its first (index, time) use, None if never used."""
    first: list[int | None] = [None] * n
    for index, t in uses:
        if first[index] is None or t < first[index]:
            first[index] = t
    return first


def creation_times(rng: random.Random, clock: Clock, first: list[int | None]) -> list[int]:
    """An even second before each entity's first use, anywhere in the range if it has none."""
    return [even_between(rng, 0, clock.last_even if f is None else f - 1) for f in first]


def unique_ids(rng: random.Random, prefix: str, hex_digits: int, n: int, taken: tuple[str, ...]) -> list[str]:
    """n distinct ids prefix + upper-case hex, none of `taken`."""
    ids, seen = [], set(taken)
    while len(ids) < n:
        candidate = f"{prefix}{rng.getrandbits(4 * hex_digits):0{hex_digits}X}"
        if candidate not in seen:
            seen.add(candidate)
            ids.append(candidate)
    return ids


def email(rng: random.Random, first: str, last: str) -> str:
    """first.last<n>@domain, ASCII only, with a capitalised local part in 1 of 20."""
    plain = f"{first}.{last}".replace("ł", "l").replace("Ł", "L")
    local = "".join(c for c in unicodedata.normalize("NFKD", plain) if c.isascii() and c not in " '")
    local += str(rng.randint(1, 999))
    return f"{local if rng.random() < 0.05 else local.lower()}@{rng.choice(EMAIL_DOMAINS)}"


def phone(rng: random.Random, country: str) -> str:
    return f"{COUNTRY[country][2]} {rng.randint(100, 999)} {rng.randint(1_000_000, 9_999_999)}"


def address(rng: random.Random, country: str) -> str:
    return f"{rng.choice(COUNTRY[country][5])} {rng.randint(1, 200)}"


def customer_row(rng: random.Random, customer_id: str, created: str) -> dict[str, str]:
    """A first customer version; phone 30% empty, address 20% empty."""
    country = rng.choices(COUNTRY_CODES, weights=COUNTRY_WEIGHTS)[0]
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "customer_id": customer_id, "email": email(rng, first, last), "first_name": first, "last_name": last,
        "phone": "" if rng.random() < 0.3 else phone(rng, country), "country": country,
        "city": rng.choice(COUNTRY[country][4]), "address": "" if rng.random() < 0.2 else address(rng, country),
        "created_at": created, "updated_at": created,
    }


def price(rng: random.Random, lo: int, hi: int) -> Decimal:
    """Whole euros skewed low (the lower of two draws) with a .99/.49/.95/.00 ending."""
    return Decimal(f"{min(rng.randint(lo, hi), rng.randint(lo, hi))}.{rng.choice(CENT_ENDINGS)}")


def cost(rng: random.Random, of_price: Decimal) -> Decimal:
    """0.41..0.69 of the price in whole cents: inside 0.4..0.7 after rounding for any price >= 1.00."""
    return money(of_price * rng.randint(4100, 6900) / 10000)


def stock(rng: random.Random) -> int:
    """0 for 5%, 1..9 for 10%, else 10..500."""
    r = rng.randrange(100)
    return 0 if r < 5 else rng.randint(1, 9) if r < 15 else rng.randint(10, 500)


def product_row(rng: random.Random, product_id: str, number: int, created: str) -> dict[str, str]:
    """A first product version; description 15% empty, 95% active."""
    category, subcategories, (lo, hi) = rng.choice(CATEGORIES)
    subcategory, brand, adjective = rng.choice(subcategories), rng.choice(BRANDS), rng.choice(ADJECTIVES)
    noun = subcategory.replace("_", " ")
    p = price(rng, lo, hi)
    return {
        "product_id": product_id, "sku": f"{brand[:3].upper()}-{category[:3].upper()}-{number:04d}",
        "name": f"{brand} {adjective} {noun.title()}",
        "description": "" if rng.random() < 0.15 else f"{adjective} {noun} by {brand}.",
        "category": category, "subcategory": subcategory, "brand": brand, "price": f"{p}",
        "cost": f"{cost(rng, p)}", "stock_quantity": str(stock(rng)),
        "is_active": "false" if rng.random() < 0.05 else "true", "created_at": created, "updated_at": created,
    }


def changed(rng: random.Random, kind: str, row: dict[str, str]) -> dict[str, str]:
    """`row` after one change of the given kind (updated_at is set by the caller)."""
    new = dict(row)
    if kind == "email":
        new["email"] = email(rng, row["first_name"], row["last_name"])
    elif kind == "city":
        new["city"] = rng.choice([c for c in COUNTRY[row["country"]][4] if c != row["city"]])
    elif kind == "country":  # a move: city and a non-empty address follow the new country
        new["country"] = rng.choice([c for c in COUNTRY_CODES if c != row["country"]])
        new["city"] = rng.choice(COUNTRY[new["country"]][4])
        new["address"] = address(rng, new["country"]) if row["address"] else ""
    elif kind == "phone":  # a correction: the empty phone filled in
        new["phone"] = phone(rng, row["country"])
    elif kind == "price":  # 80..120% (never 100), cost redrawn if it left 0.4..0.7 of the new price
        old = Decimal(row["price"])
        new_price = money(old * rng.choice([p for p in range(80, 121) if p != 100]) / 100)
        new["price"] = f"{new_price}"
        if not Decimal("0.4") * new_price <= Decimal(row["cost"]) <= Decimal("0.7") * new_price:
            new["cost"] = f"{cost(rng, new_price)}"
    elif kind == "cost":
        new["cost"] = f"{cost(rng, Decimal(row['price']))}"
    elif kind == "stock":
        new["stock_quantity"] = str(stock(rng))
    elif kind == "description":  # a correction: the empty description filled in
        new["description"] = f"{row['name']}, {row['category'].replace('_', ' ')}."
    else:  # pragma: no cover - the kinds and this function change together
        raise ValueError(kind)
    return new


def apply_changes(rng: random.Random, clock: Clock, entity: Entity, events: list[tuple[int, str]]) -> None:
    """Append one version per (time, kind) event, in time order (event times are distinct and later)."""
    for t, kind in sorted(events):
        row = changed(rng, kind, entity.versions[-1][1])
        row["updated_at"] = clock.text(t)
        entity.versions.append((t, row))


def item_row(number: int, order_id: str, product_id: str, quantity: int, unit_price: Decimal,
             discount_percent: int) -> dict[str, str]:
    """An order item whose line_total follows the spec's formula."""
    return {
        "order_item_id": f"ITEM-{number:08d}", "order_id": order_id, "product_id": product_id,
        "quantity": str(quantity), "unit_price": f"{unit_price}", "discount_percent": str(discount_percent),
        "line_total": f"{line_total(quantity, unit_price, discount_percent)}",
    }


def order_row(rng: random.Random, order_id: str, customer: dict[str, str], when: str, subtotal: Decimal,
              recent: bool) -> dict[str, str]:
    """An order shipped to the customer's country and city, its amounts following the spec's rules."""
    status_weights = RECENT_STATUS_WEIGHTS if recent else STATUS_WEIGHTS
    country = customer["country"]
    amounts = order_amounts(subtotal, country)
    return {
        "order_id": order_id, "customer_id": customer["customer_id"], "order_date": when,
        "status": rng.choices(STATUSES, weights=status_weights)[0],
        "payment_method": rng.choices(PAYMENT_METHODS, weights=PAYMENT_WEIGHTS)[0],
        "subtotal": f"{subtotal}", **{k: f"{v}" for k, v in amounts.items()}, "currency": "EUR",
        "shipping_country": country, "shipping_city": customer["city"],
    }
