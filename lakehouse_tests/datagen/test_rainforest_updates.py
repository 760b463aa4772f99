"""The rainforest generator's changes (`updates=F`): re-sent rows, dated exports, CLI and PostgreSQL load.

Figures at scale 0.05, seed 42, F = 0.1: 50 users -> k = 5 changed, the first max(1, 5 // 5) = 1
twice, so 6 re-sent rows; 25 products -> round(2.5) = 2 (half to even); 295 seller pairs ->
round(29.5) = 30 dropped, on 3 days.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.__main__ import main
from lakehouse.datagen.rainforest import DEMO_UPDATES, generate
from lakehouse.domains.rainforest.contracts.upstream import TABLES
from lakehouse_tests.datagen.test_rainforest_datagen import _db_rows, by_id, money, read

SCALE, SHARE = 0.05, 0.1
START, END = date(2024, 1, 1), date(2024, 12, 31)
EXPECTED = {"appuser": 6, "product": 2, "sellerproduct": 30}
BASE_PAIRS = 295
# sellerproduct@<day before Dj>: the base pairs less those dropped on an earlier drop day.
EXPORTS = {"sellerproduct@2024-03-06.csv": 295, "sellerproduct@2024-03-12.csv": 286,
           "sellerproduct@2024-10-14.csv": 283}


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def pairs_of(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [(row["seller_id"], row["product_id"]) for row in csv.DictReader(fh)]


def resent(base: dict, changed: dict, name: str) -> list[dict[str, str]]:
    """The rows appended to `name` after its base rows."""
    assert changed[name][: len(base[name])] == base[name]
    return changed[name][len(base[name]) :]


def in_range(ts: str, start: date = START, end: date = END) -> bool:
    """ts falls on a day strictly after start and up to end."""
    return start < date.fromisoformat(ts[:10]) <= end


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(report, folder) of the same data without changes and with SHARE of them."""
    base, changed = tmp_path_factory.mktemp("base"), tmp_path_factory.mktemp("changed")
    return (generate(base, scale=SCALE), base), (generate(changed, scale=SCALE, updates=SHARE), changed)


@pytest.fixture(scope="module")
def tables(runs):
    (_, base), (_, changed) = runs
    return read(base), read(changed)


def test_zero_share_writes_todays_bytes(runs, tmp_path):
    (report, base), _ = runs
    zero = generate(tmp_path, scale=SCALE, updates=0.0)
    assert [p.name for p in zero.paths] == [p.name for p in report.paths] == [f"{n}.csv" for n in TABLES]
    assert [p.read_bytes() for p in zero.paths] == [p.read_bytes() for p in report.paths]
    assert zero.updates == report.updates == {"appuser": 0, "product": 0, "sellerproduct": 0}
    assert not list(tmp_path.glob("*@*"))


def test_base_rows_are_untouched(runs):
    (_, base), (report, changed) = runs
    for name in TABLES:
        old, new = lines(base / f"{name}.csv"), lines(changed / f"{name}.csv")
        if name == "sellerproduct":  # the current export: the base rows less the dropped ones
            assert [line for line in old if line in set(new)] == new and len(old) - len(new) == 30
        else:
            assert new[: len(old)] == old, name
            assert len(new) - len(old) == EXPECTED.get(name, 0), name
    assert report.updates == EXPECTED
    assert report.table_rows == {name: len(lines(changed / f"{name}.csv")) - 1 for name in TABLES}
    assert report.rows == sum(report.table_rows.values())
    assert [p.name for p in report.paths] == [f"{n}.csv" for n in TABLES] + list(EXPORTS)
    assert not list(changed.glob(".*"))  # no temp files left


def test_users_change_email_and_every_second_is_active(tables):
    base, changed = tables
    rows, users = resent(base, changed, "appuser"), by_id(base["appuser"], "user_id")
    assert [row["last_updated_ts"] for row in rows] == sorted(row["last_updated_ts"] for row in rows)
    per_user = Counter(row["user_id"] for row in rows)
    assert sorted(per_user.values()) == [1, 1, 1, 1, 2]  # 5 users, the first of them twice
    flipped = Counter()
    for user_id in per_user:
        mine, old = [row for row in rows if row["user_id"] == user_id], users[user_id]
        assert [row["email"] for row in mine] == [f"{old['username']}.{n}@example.org" for n in range(1, len(mine) + 1)]
        for row in mine:
            assert (row["username"], row["created_ts"]) == (old["username"], old["created_ts"])
            assert in_range(row["last_updated_ts"]) and 1 <= int(row["last_updated_by"]) <= 50
        assert len({row["is_active"] for row in mine}) == 1  # a second change keeps the first's state
        flipped[mine[0]["is_active"] != old["is_active"]] += 1
    assert flipped == {False: 3, True: 2}  # the 2nd and 4th of 5


def test_a_twice_changed_user_changes_on_two_days(tables):
    base, changed = tables
    rows = resent(base, changed, "appuser")
    twice = [u for u, n in Counter(row["user_id"] for row in rows).items() if n == 2]
    assert len(twice) == 1
    first, second = (row["last_updated_ts"] for row in rows if row["user_id"] == twice[0])
    assert first < second and first[:10] < second[:10]


def test_products_change_price_within_range(tables):
    base, changed = tables
    rows, products = resent(base, changed, "product"), by_id(base["product"], "product_id")
    assert len({row["product_id"] for row in rows}) == 2
    assert [row["last_updated_ts"] for row in rows] == sorted(row["last_updated_ts"] for row in rows)
    for row in rows:
        old = products[row["product_id"]]
        new_price, old_price = money(row["price"]), money(old["price"])
        assert new_price != old_price and Decimal("10.00") <= new_price <= Decimal("500.00")
        assert old_price * Decimal("0.7") <= new_price <= old_price * Decimal("1.3")
        assert in_range(row["last_updated_ts"]) and 1 <= int(row["last_updated_by"]) <= 50
        same = [c for c in TABLES["product"].column_names if c not in ("price", "last_updated_by", "last_updated_ts")]
        assert [row[c] for c in same] == [old[c] for c in same]
    # Order items keep the prices they were drawn with.
    assert changed["orderitem"] == base["orderitem"] and changed["orders"] == base["orders"]


def test_dated_sellerproduct_exports(runs):
    (_, base), (report, changed) = runs
    everything = pairs_of(base / "sellerproduct.csv")
    assert len(everything) == BASE_PAIRS
    current = pairs_of(changed / "sellerproduct.csv")
    dropped = set(everything) - set(current)
    assert len(dropped) == 30 and len(current) == BASE_PAIRS - 30
    exports = sorted(changed.glob("sellerproduct@*.csv"))
    assert {p.name: len(pairs_of(p)) for p in exports} == EXPORTS
    header = (base / "sellerproduct.csv").read_text().splitlines()[0]
    later = current
    for path in reversed(exports):  # each export holds the next one's pairs, all in base order
        export = pairs_of(path)
        assert path.read_text().splitlines()[0] == header
        assert set(later) <= set(export) and export == [pair for pair in everything if pair in set(export)]
        later = export
    assert pairs_of(exports[0]) == everything  # nothing was dropped before the first drop day
    for path in exports:  # the export is dated the day before its drop day, itself in (start, end]
        assert START <= date.fromisoformat(path.stem.split("@")[1]) < END


def test_same_seed_same_bytes(runs, tmp_path):
    _, (report, changed) = runs
    again = generate(tmp_path, scale=SCALE, updates=SHARE)
    assert [p.name for p in again.paths] == [p.name for p in report.paths]
    assert [p.read_bytes() for p in again.paths] == [p.read_bytes() for p in report.paths]
    other = generate(tmp_path / "other", scale=SCALE, updates=SHARE, seed=43)
    assert [p.name for p in other.paths] != [p.name for p in report.paths]  # other drop days


def test_regeneration_removes_stale_dated_exports_only(tmp_path):
    first = generate(tmp_path, scale=SCALE, updates=SHARE, seed=1)
    keep = [tmp_path / "productcategory@2024-01-01.csv", tmp_path / "notes.csv"]
    for path in keep:
        path.write_text("not ours\n")
    second = generate(tmp_path, scale=SCALE, updates=SHARE, seed=2)
    dated = {p.name for p in tmp_path.glob("sellerproduct@*.csv")}
    assert dated == {p.name for p in second.paths if "@" in p.name} != {p.name for p in first.paths if "@" in p.name}
    generate(tmp_path, scale=SCALE)
    assert not list(tmp_path.glob("sellerproduct@*.csv")) and all(p.read_text() == "not ours\n" for p in keep)


def test_short_range_changes_fall_after_start(tmp_path):
    start, end = date(2022, 3, 1), date(2022, 3, 3)
    report = generate(tmp_path, scale=SCALE, start=start, end=end, updates=0.5)
    t = read(tmp_path)
    # 50 users -> 25 changed, 5 of them twice; 25 products -> round(12.5) = 12; 300 pairs -> 150.
    assert report.updates == {"appuser": 25 + 5, "product": 12, "sellerproduct": 150}
    assert len(t["sellerproduct"]) == 150
    for name in ("appuser", "product"):
        changes = [row for row in t[name] if row["last_updated_ts"] >= "2022"]
        assert len(changes) == report.updates[name] and all(in_range(r["last_updated_ts"], start, end) for r in changes)
    # Two days after start: at most two drop days, so two dated exports (2022-03-01 and 03-02).
    assert sorted(p.name for p in tmp_path.glob("sellerproduct@*.csv")) == [
        "sellerproduct@2022-03-01.csv", "sellerproduct@2022-03-02.csv"]


@pytest.mark.parametrize("bad", [-0.01, 0.51, math.nan])
def test_share_out_of_range_is_rejected(tmp_path, bad):
    with pytest.raises(ValueError, match="updates must be a share between 0 and 0.5"):
        generate(tmp_path / "out", scale=SCALE, updates=bad)
    assert not list(tmp_path.iterdir())


def test_changes_need_two_days_after_start(tmp_path):
    day = date(2024, 5, 1)
    with pytest.raises(ValueError, match="two days after start"):
        generate(tmp_path / "out", scale=SCALE, start=day, end=day + timedelta(1), updates=SHARE)
    assert generate(tmp_path / "ok", scale=SCALE, start=day, end=day).updates["appuser"] == 0


# --- registry and CLI -------------------------------------------------------------------------


def test_demo_entry_binds_a_small_share(tmp_path):
    entry = GENERATORS["rainforest"]
    assert entry.func is generate and entry.keywords == {"updates": DEMO_UPDATES} and DEMO_UPDATES == 0.02
    report = entry(tmp_path, scale=SCALE)  # the demo calls it with the folder alone
    assert report.updates == {"appuser": 1 + 1, "product": 0, "sellerproduct": 6}


def test_cli_updates(runs, tmp_path, capsys):
    _, (report, changed) = runs
    assert main(["rainforest", "--scale", str(SCALE), "--updates", str(SHARE), "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("rainforest: wrote 16 file(s) [")
    assert f"sellerproduct@2024-10-14.csv], {report.rows} rows, dates {report.first_date}..{report.last_date} (" in out[0]
    assert out[1] == "rainforest: updates: appuser +6 re-sent rows, product +2 re-sent rows, sellerproduct -30 dropped pairs"
    assert all((tmp_path / "a" / p.name).read_bytes() == p.read_bytes() for p in report.paths)
    # Without --updates the CLI draws no changes, whatever the demo's registry entry binds.
    assert main(["rainforest", "--scale", str(SCALE), "--out", str(tmp_path / "b")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 and not list((tmp_path / "b").glob("*@*"))


@pytest.mark.parametrize(("args", "message"), [
    (["rainforest", "--updates", "0.6"], "updates must be a share between 0 and 0.5, got 0.6"),
    (["rainforest", "--updates", "-1"], "updates must be a share between 0 and 0.5, got -1.0"),
    (["superstore", "--updates", "0.1"], "--updates: the superstore generator has no changes to draw"),
])  # fmt: skip
def test_cli_rejects_bad_updates(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exited:
        main([*args, "--scale", "0.05", "--out", str(tmp_path / "out")])
    assert exited.value.code == 2 and message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# --- PostgreSQL -------------------------------------------------------------------------------


def test_postgres_holds_the_latest_row_per_key(postgres, tmp_path):
    import psycopg

    report = generate(tmp_path, scale=SCALE, updates=SHARE, db_url=postgres.url())
    t = read(tmp_path)
    with psycopg.connect(postgres.url()) as conn:
        for name in ("appuser", "product"):
            key, latest = TABLES[name].key[0], {}
            for row in t[name]:
                if row[key] not in latest or row["last_updated_ts"] > latest[row[key]]["last_updated_ts"]:
                    latest[row[key]] = row
            assert _db_rows(conn, name) == [list(latest[k].values()) for k in sorted(latest, key=int)], name
            changed = sum(row["last_updated_ts"] >= "2024" for row in latest.values())
            assert changed == {"appuser": 5, "product": 2}[name]
        assert _db_rows(conn, "sellerproduct") == sorted(
            [list(pair) for pair in pairs_of(tmp_path / "sellerproduct.csv")], key=lambda p: (int(p[0]), int(p[1])))
        counts = {name: conn.execute(f"SELECT count(*) FROM rainforest.{name}").fetchone()[0] for name in TABLES}
    assert counts == {**report.table_rows, "appuser": 50, "product": 25}  # dated exports not loaded
