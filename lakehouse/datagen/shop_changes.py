"""What changes in the shop during the range: new versions, corrections and exact re-sends (see shop.py)."""

from __future__ import annotations

import random

from lakehouse.datagen.shop_rows import DAY, Clock, Entity, Order, apply_changes, even_between

CUSTOMER_CHANGE_SHARE, PRODUCT_CHANGE_SHARE = 0.10, 0.30
TWICE_ONE_IN = 5  # one in five changed entities (at least one) changes a second time
CUSTOMER_CHANGES = ("email", "city", "country")
PRODUCT_CHANGES = ("price", "cost", "stock")
CORRECTIONS = {"customers": 2, "products": 2}  # an empty phone / description filled in later
RESENT = {"customers": 3, "products": 2}  # versions sent again, byte for byte, in the next month's file


class _Plan:
    """Change events per entity index; no two events of one entity share a second."""

    def __init__(self, rng: random.Random, clock: Clock, entities: list[Entity]):
        self.rng, self.clock, self.entities = rng, clock, entities
        self.events: dict[int, list[tuple[int, str]]] = {}

    def add(self, i: int, kind: str, lo: int | None = None, at: int | None = None) -> bool:
        """An event at second `at`, or at a free even second in max(lo, created + 1)..the range's end."""
        taken = [t for t, _ in self.events.get(i, [])]
        if at is None:
            lo = max(lo or 0, self.entities[i].versions[0][0] + 1)
            if lo > self.clock.last_even or len(taken) >= (self.clock.last_even - lo) // 2:
                return False
            at = even_between(self.rng, lo, self.clock.last_even)
            while at in taken:
                at = even_between(self.rng, lo, self.clock.last_even)
        elif at in taken:
            return False
        self.events.setdefault(i, []).append((at, kind))
        return True

    def changes(self, share: float, kinds: tuple[str, ...], fixed: tuple[tuple[int, int, str], ...]) -> None:
        """`share` of the entities change once, the first 1 in 5 of them twice; `fixed` (index, time, kind) first."""
        for i, at, kind in fixed:
            self.add(i, kind or self.rng.choice(kinds), at=at)
        picked = self.rng.sample(range(len(self.entities)), round(share * len(self.entities)))
        twice = max(1, len(picked) // TWICE_ONE_IN)
        for rank, i in enumerate(picked):
            for _ in range(2 if rank < twice else 1):
                self.add(i, self.rng.choice(kinds))

    def corrections(self, n: int, column: str, kind: str) -> int:
        """n entities whose first version has `column` empty get it filled in a later month."""
        last_month = self.clock.months()[-1]
        eligible = [i for i, e in enumerate(self.entities)
                    if not e.versions[0][1][column] and self.clock.month(e.versions[0][0]) != last_month]
        done = 0
        for i in sorted(self.rng.sample(eligible, min(n, len(eligible)))):
            month = self.clock.month(self.entities[i].versions[0][0])
            months = self.clock.months()
            done += self.add(i, kind, lo=self.clock.month_start(months[months.index(month) + 1]))
        return done

    def apply(self) -> None:
        for i in sorted(self.events):
            apply_changes(self.rng, self.clock, self.entities[i], self.events[i])


def boundary_times(rng: random.Random, clock: Clock, customers: list[Entity]) -> tuple[tuple[int, int, str], ...]:
    """(customer, time, ""): the first customer created before the last day changes at 00:00:00 of a
    later day, the second customer at 23:59:59 of its creation day or later (a 1-day range: the latter only)."""
    fixed = []
    candidates = [i for i, c in enumerate(customers) if c.versions[0][0] // DAY < clock.n_days - 1]
    if candidates:
        first_day = customers[candidates[0]].versions[0][0] // DAY
        fixed.append((candidates[0], rng.randint(first_day + 1, clock.n_days - 1) * DAY, ""))
    rest = [i for i in range(len(customers)) if not fixed or i != fixed[0][0]]
    if rest:
        first_day = customers[rest[0]].versions[0][0] // DAY
        fixed.append((rest[0], rng.randint(first_day, clock.n_days - 1) * DAY + DAY - 1, ""))
    return tuple(fixed)


def same_day_order(clock: Clock, orders: list[Order]) -> Order:
    """The first order at or after the range's middle day (else the last order)."""
    middle = clock.n_days // 2 * DAY
    return next((o for o in orders if o.t >= middle), orders[-1])


def change(rng: random.Random, clock: Clock, customers: list[Entity], products: list[Entity],
           orders: list[Order]) -> dict[str, int]:
    """Draw and apply every change; the corrections applied per entity."""
    people = _Plan(rng, clock, customers)
    people.changes(CUSTOMER_CHANGE_SHARE, CUSTOMER_CHANGES, boundary_times(rng, clock, customers))
    corrected = {"customers": people.corrections(CORRECTIONS["customers"], "phone", "phone")}
    people.apply()

    goods = _Plan(rng, clock, products)
    order = same_day_order(clock, orders)
    day_end = order.t // DAY * DAY + DAY - 2
    goods.changes(PRODUCT_CHANGE_SHARE, PRODUCT_CHANGES,
                  ((order.items[0][0], even_between(rng, order.t + 1, day_end), "price"),))
    corrected["products"] = goods.corrections(CORRECTIONS["products"], "description", "description")
    goods.apply()
    return corrected


def resend(rng: random.Random, clock: Clock, entities: list[Entity], n: int, key: str,
           files: dict[str, list[dict[str, str]]]) -> int:
    """n versions (not of the last month) appended again to the next month's file; how many."""
    months = clock.months()
    versions = sorted(((t, row[key], row) for e in entities for t, row in e.versions
                       if clock.month(t) != months[-1]), key=lambda v: v[:2])
    picks = sorted(rng.sample(range(len(versions)), min(n, len(versions))))
    for p in picks:
        t, _, row = versions[p]
        files[months[months.index(clock.month(t)) + 1]].append(dict(row))
    return len(picks)
