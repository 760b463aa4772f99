"""Changes to the rainforest dimensions during the range: re-sent rows and dated exports.

Drawn by `generate(updates=F)` with their own RNG after the base data is written, so the base rows
keep their bytes. Every change time is a uniformly random second on a day strictly after `start`
and up to `end`, so each changed entity existed before it changes.
- appuser: k = round(F * users) distinct users get a re-sent row with email
  `<username>.<n>@example.org` (n = the user's change number), is_active flipped for every second
  of them (the 2nd, 4th, ...), last_updated_by a random user. The first max(1, k // 5) change a
  second time (another email), on a later day: so a key can change twice.
- product: k = round(F * products) distinct products get a re-sent row with a new price, the old
  one times a factor in 0.7..1.3 in whole cents, within 10.00..500.00 and never the old price.
- sellerproduct: k = round(F * pairs) distinct pairs are dropped, on at most 3 distinct days
  (each day drops at least one). The current export lacks every dropped pair; the dated export
  `sellerproduct@<day before Dj>.csv` of each drop day Dj lacks only those dropped before Dj.
Re-sent rows are appended to their table in last_updated_ts order.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from lakehouse.datagen.rainforest import PRICES, _Base, _Clock, _Tables, money
from lakehouse.datagen.rainforest_db import upstream

TWICE_ONE_IN = 5  # one in five changed users (at least one) changes a second time


@dataclass(frozen=True)
class Changes:
    """What changes during the range: re-sent rows, and the dropped pairs with their drop days."""

    appuser: list[list]
    product: list[list]
    dropped: dict[int, int]  # index into the base pairs -> day index it is dropped on
    exports: list[tuple[str, int]]  # (export date = the day before the drop day, drop day index)

    def counts(self) -> dict[str, int]:
        """Rows appended per table and pairs dropped, for the report."""
        return {"appuser": len(self.appuser), "product": len(self.product), "sellerproduct": len(self.dropped)}


def draw(clock: _Clock, base: _Base, share: float) -> Changes:
    """The changes of `share` of the users, products and seller pairs, from the clock's RNG."""
    appuser, product = _users(clock, base, share), _products(clock, base, share)
    dropped = _drops(clock, len(base.pairs), share)
    exports = [(clock.days[day - 1], day) for day in sorted(set(dropped.values()))]
    return Changes(appuser, product, dropped, exports)


def write(out: _Tables, base: _Base, changes: Changes) -> None:
    """Append the re-sent rows; write the current sellerproduct export and the dated ones."""
    out.write("appuser", changes.appuser)
    out.write("product", changes.product)
    out.write("sellerproduct", _standing(base.pairs, changes.dropped, math.inf))
    for export_date, day in changes.exports:
        out.export("sellerproduct", export_date, _standing(base.pairs, changes.dropped, day))


def _standing(pairs: list[list[int]], dropped: dict[int, int], day: float) -> list[list[int]]:
    """The pairs, in base order, still offered at the end of the day before `day`."""
    return [pair for i, pair in enumerate(pairs) if dropped.get(i, math.inf) >= day]


def _resent(table: str, row: dict, by: int, ts: str, **values) -> list:
    """`row` of `table` re-sent: `values` changed, last updated by `by` at `ts`."""
    new = {**row, **values, "last_updated_by": by, "last_updated_ts": ts}
    return [new[column] for column in upstream().TABLES[table].column_names]


def _record(table: str, row: list) -> dict:
    """A base row of `table` by column name."""
    return dict(zip(upstream().TABLES[table].column_names, row))


def _in_time_order(rows: list[list]) -> list[list]:
    """Rows by last_updated_ts (the last column; the text sorts as the time does)."""
    return sorted(rows, key=lambda row: row[-1])


def _users(clock: _Clock, base: _Base, share: float) -> list[list]:
    """Re-sent appuser rows: a new email each, every second user's is_active flipped, a fifth twice."""
    rng = clock.rng
    chosen = rng.sample(range(1, base.n_users + 1), round(share * base.n_users))
    twice = max(1, len(chosen) // TWICE_ONE_IN) if chosen else 0
    rows = []
    for i, user_id in enumerate(chosen):
        user = _record("appuser", base.users[user_id - 1])
        flipped = {"true": "false", "false": "true"}[user["is_active"]]
        times = [clock.on(day) for day in clock.change_days(2)] if i < twice else [clock.change()]
        for n, t in enumerate(times, 1):
            rows.append(_resent("appuser", user, rng.randint(1, base.n_users), clock.text(t),
                                email=f"{user['username']}.{n}@example.org",
                                is_active=flipped if i % 2 else user["is_active"]))
    return _in_time_order(rows)


def _products(clock: _Clock, base: _Base, share: float) -> list[list]:
    """Re-sent product rows, each with a new price; order items keep the prices they were drawn with."""
    rng, n_products = clock.rng, len(base.products)
    rows = []
    for p in rng.sample(range(1, n_products + 1), round(share * n_products)):
        product, price = _record("product", base.products[p - 1]), money(_new_price(rng, base.prices[p - 1]))
        rows.append(_resent("product", product, rng.randint(1, base.n_users), clock.text(clock.change()), price=price))
    return _in_time_order(rows)


def _new_price(rng: random.Random, cents: int) -> int:
    """cents times a factor in 0.7..1.3, in whole cents within PRICES, never `cents` itself."""
    low, high = max(PRICES[0], -(-cents * 7 // 10)), min(PRICES[1], cents * 13 // 10)
    new = rng.randint(low, high - 1)  # one value short: skipping `cents` keeps the draw uniform
    return new + (new >= cents)


def _drops(clock: _Clock, n_pairs: int, share: float) -> dict[int, int]:
    """Dropped pairs (index into the base pairs) -> drop day; at most 3 days, each one used."""
    rng = clock.rng
    dropped = rng.sample(range(n_pairs), round(share * n_pairs))
    days = clock.change_days(min(3, len(dropped)))
    return dict(zip(dropped, days + [rng.choice(days) for _ in dropped[len(days):]]))
