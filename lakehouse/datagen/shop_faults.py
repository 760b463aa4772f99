"""The shop generator's faulty rows, each on a fixed day of the range (see shop.py for the table)."""

from __future__ import annotations

import random
from decimal import Decimal

from lakehouse.datagen.shop_catalog import money
from lakehouse.datagen.shop_rows import DAY, Clock, Entity, customer_row, item_row, order_row

# (kind, entity file it lands in, day index from start); a kind whose day is past the end is left out.
FAULTS = (
    ("empty_customer_id", "customers", 0),
    ("unparseable_amount", "orders", 0),
    ("unparseable_date", "orders", 1),
    ("empty_order_id", "orders", 1),
    ("total_mismatch", "orders", 2),
    ("unknown_product", "order_items", 2),
    ("line_total_mismatch", "order_items", 3),
    ("unknown_order", "order_items", 3),
)
FAULT_KINDS = tuple(kind for kind, _, _ in FAULTS)
HOST_DAYS = (2, 3)  # days whose first order carries a fault; each gets at least one order
NOON = 12 * 3600  # extra customer rows at 12:00:00, extra orders at 12:00:01
BAD_AMOUNT, BAD_AMOUNT_VALUE = "12,5x", Decimal("12.50")
BAD_DATE = "2024-13-45T12:00:01Z"
UNKNOWN_ORDER_ID, UNKNOWN_PRODUCT_ID = "ORD-00000000", "PROD-000000"
OFF_BY = Decimal("1.00")


def host_days(clock: Clock) -> list[int]:
    """The host days the range has."""
    return [d for d in HOST_DAYS if d < clock.n_days]


def inject(rng: random.Random, clock: Clock, files: dict[str, dict[str, list[dict[str, str]]]],
           orders: list[tuple[int, dict[str, str], list[dict[str, str]]]], customers: list[Entity],
           products: list[Entity], next_order: int, next_item: int) -> dict[str, int]:
    """Change the host rows in place and append the extra faulty rows; the count per kind."""
    faults = dict.fromkeys(FAULT_KINDS, 0)
    buyer = customers[0].versions[0][1]  # extra orders name a real customer; they have no items
    for kind, entity, day in FAULTS:
        if day >= clock.n_days:
            continue
        month = clock.month(day * DAY)
        host = next((o for o in orders if o[0] // DAY == day), None)
        if kind == "empty_customer_id":
            files[entity][month].append(customer_row(rng, "", clock.text(day * DAY + NOON)))
        elif kind in ("unparseable_amount", "unparseable_date", "empty_order_id"):
            order_id = "" if kind == "empty_order_id" else f"ORD-{next_order:08d}"
            next_order += kind != "empty_order_id"
            when = BAD_DATE if kind == "unparseable_date" else clock.text(day * DAY + NOON + 1)
            subtotal = money(Decimal(rng.randint(1000, 30000)) / 100)
            if kind == "unparseable_amount":
                subtotal = BAD_AMOUNT_VALUE
            row = order_row(rng, order_id, buyer, when, subtotal, recent=False)
            if kind == "unparseable_amount":
                row["subtotal"] = BAD_AMOUNT
            files[entity][month].append(row)
        elif host is None:  # pragma: no cover - only a range of one order lacks a host day's order
            continue
        elif kind == "total_mismatch":
            host[1]["total_amount"] = f"{Decimal(host[1]['total_amount']) + OFF_BY}"
        elif kind == "line_total_mismatch":
            host[2][0]["line_total"] = f"{Decimal(host[2][0]['line_total']) + OFF_BY}"
        elif kind == "unknown_product":
            unit = money(Decimal(rng.randint(500, 5000)) / 100)
            files[entity][month].append(
                item_row(next_item, host[1]["order_id"], UNKNOWN_PRODUCT_ID, rng.randint(1, 3), unit, 0))
            next_item += 1
        elif kind == "unknown_order":
            product = products[0].versions[0][1]
            files[entity][month].append(
                item_row(next_item, UNKNOWN_ORDER_ID, product["product_id"], 1, Decimal(product["price"]), 0))
            next_item += 1
        faults[kind] += 1
    return faults
