"""The sales generator: layout, determinism, dimensions, row arithmetic, and faults found by re-parsing."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.sales import generate

REPO = Path(__file__).resolve().parents[2]
SALES_HEADER = [
    "customer_id", "store_id", "product_name", "sales_date", "sales_person_id", "price",
    "quantity", "total_cost",
]
DIMENSION_HEADERS = {
    "customer.csv": "customer_id,first_name,last_name,address,pincode,phone_number,customer_joining_date",
    "store.csv": "id,address,store_pincode,store_manager_name,store_opening_date,reviews",
    "product.csv": "id,name,current_price,old_price,created_date,updated_date,expiry_date",
    "sales_team.csv": "id,first_name,last_name,manager_id,is_manager,address,pincode,joining_date,store_id",
}
ROW_KINDS = (
    "unparseable_date", "unparseable_number", "empty_key", "total_mismatch", "unknown_customer",
    "unknown_store", "unknown_salesperson", "wrong_store_salesperson",
)
ALL_FAULTS = {
    "wrong_type": 2, "missing_column": 1, "empty_file": 1, "extra_column": 1, "duplicate_file": 1,
    "bad_rows": 8, **{f"row:{kind}": 1 for kind in ROW_KINDS},
}
# Where each bad row is, at the default range.
BAD_ROW_FILES = {
    "unparseable_date": "sales_121_20240106.csv",
    "unparseable_number": "sales_121_20240106.csv",
    "empty_key": "sales_121_20240107.csv",
    "total_mismatch": "sales_121_20240107.csv",
    "unknown_customer": "sales_121_20240108.csv",
    "unknown_store": "sales_121_20240108.csv",
    "unknown_salesperson": "sales_122_20240109.csv",
    "wrong_store_salesperson": "sales_121_20240110.csv",
}
NORMAL_NAME = re.compile(r"sales_(12[123])_(\d{8})\.csv")


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def dimensions(out: Path) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for name in DIMENSION_HEADERS:
        with open(out / "dimensions" / name, encoding="utf-8", newline="") as fh:
            tables[name.removesuffix(".csv")] = list(csv.DictReader(fh))
    return tables


def row_faults(row: dict[str, str], file_store: str, dims) -> list[str]:
    """Every rule a sales row breaks, each checked on its own."""
    customers = {c["customer_id"] for c in dims["customer"]}
    stores = {s["id"] for s in dims["store"]}
    store_of = {p["id"]: p["store_id"] for p in dims["sales_team"]}
    found = []
    try:
        date.fromisoformat(row["sales_date"])
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["sales_date"]):
            raise ValueError
    except ValueError:
        found.append("unparseable_date")
    numbers = (row["price"], row["quantity"], row["total_cost"])
    if not all(re.fullmatch(r"\d+(\.\d+)?", v) for v in numbers):
        found.append("unparseable_number")
    elif Decimal(row["price"]) * Decimal(row["quantity"]) != Decimal(row["total_cost"]):
        found.append("total_mismatch")
    if not all(row[k] for k in ("customer_id", "store_id", "product_name", "sales_person_id")):
        found.append("empty_key")
    if row["customer_id"] and row["customer_id"] not in customers:
        found.append("unknown_customer")
    if row["store_id"] not in stores:
        found.append("unknown_store")
    if row["sales_person_id"] not in store_of:
        found.append("unknown_salesperson")
    elif row["store_id"] in stores and store_of[row["sales_person_id"]] != row["store_id"]:
        found.append("wrong_store_salesperson")
    # A row's store must be its file's; only the unknown-store row differs (its store is 999).
    if row["store_id"] != file_store and "unknown_store" not in found:
        found.append("foreign_store")
    return found


def cli(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "lakehouse.datagen", *args],
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    out = tmp_path_factory.mktemp("sales")
    return out, generate(out)


def incoming(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "to_process").iterdir())


# --- registry, report, determinism ------------------------------------------------------------


def test_registry_and_report(default):
    out, report = default
    assert GENERATORS["sales"] is generate
    assert (report.first_date, report.last_date) == (date(2024, 1, 1), date(2024, 3, 31))
    assert report.faults == ALL_FAULTS
    assert report.paths == sorted(report.paths)
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert report.paths == written and len(written) == 282
    data_lines = sum(len(read(p)[1]) for p in written
                     if p.parent.name == "to_process" and p.suffix == ".csv" and p.stat().st_size)
    assert report.rows == data_lines == 6962


def test_same_arguments_give_identical_bytes_other_seed_differs(tmp_path):
    a = generate(tmp_path / "a", seed=3)
    b = generate(tmp_path / "b", seed=3)
    c = generate(tmp_path / "c", seed=4)
    rel = lambda report, root: [p.relative_to(root) for p in report.paths]  # noqa: E731
    assert rel(a, tmp_path / "a") == rel(b, tmp_path / "b") == rel(c, tmp_path / "c")
    for path in a.paths:
        name = path.relative_to(tmp_path / "a")
        assert path.read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert any(path.read_bytes() != (tmp_path / "c" / path.relative_to(tmp_path / "a")).read_bytes()
               for path in a.paths)
    assert a.rows == b.rows


def test_rerun_replaces_the_previous_set(tmp_path):
    generate(tmp_path, start=date(2024, 1, 1), end=date(2024, 1, 20))
    (tmp_path / "to_process" / "stray.csv").write_text("x\n")
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "kept.csv").write_text("y\n")
    report = generate(tmp_path, start=date(2024, 2, 1), end=date(2024, 2, 3))
    assert sorted(p for p in tmp_path.glob("*/*") if p.parent.name != "processed") == report.paths
    assert (tmp_path / "processed" / "kept.csv").read_text() == "y\n"


def test_format_is_utf8_lf_and_minimal_quoting(default):
    out, report = default
    for path in report.paths:
        if path.suffix != ".csv" or not path.stat().st_size:
            continue
        raw = path.read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        header, rows = read(path)
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows([header, *rows])
        assert buf.getvalue() == raw.decode("utf-8"), path.name


# --- file set ---------------------------------------------------------------------------------


def test_file_set_at_defaults(default):
    out, _ = default
    names = incoming(out)
    assert len(names) == 278
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(91)]
    normal = {f"sales_{s}_{d:%Y%m%d}.csv" for s in (121, 122, 123) for d in days}
    extras = {"sales_121_20240101.json", "sales_122_20240101.xlsx", "sales_123_20240102_no_total.csv",
              "sales_121_20240103_empty.csv", "sales_121_20240105_copy.csv"}
    assert set(names) == normal | extras
    assert sorted(p.name for p in (out / "dimensions").iterdir()) == sorted(DIMENSION_HEADERS)
    assert {p.name for p in out.iterdir()} == {"dimensions", "to_process"}


def test_dimension_headers_and_row_counts(default):
    out, _ = default
    counts = {}
    for name, header in DIMENSION_HEADERS.items():
        text = (out / "dimensions" / name).read_text(encoding="utf-8")
        assert text.split("\n", 1)[0] == header
        counts[name] = len(read(out / "dimensions" / name)[1])
    assert counts == {"customer.csv": 25, "store.csv": 4, "product.csv": 8, "sales_team.csv": 10}


def test_dimension_values(default):
    out, _ = default
    dims = dimensions(out)
    assert [c["customer_id"] for c in dims["customer"]] == [str(i) for i in range(1, 26)]
    for c in dims["customer"]:
        assert re.fullmatch(r"\d{6}", c["pincode"]) and re.fullmatch(r"\d{10}", c["phone_number"])
        assert date.fromisoformat(c["customer_joining_date"]) < date(2024, 1, 1)
    assert [s["id"] for s in dims["store"]] == ["121", "122", "123", "124"]
    for s in dims["store"]:
        assert re.fullmatch(r"\d{6}", s["store_pincode"]) and s["store_manager_name"]
        date.fromisoformat(s["store_opening_date"])
    assert [p["name"] for p in dims["product"]] == [
        "quaker oats", "sugar", "maida", "besan", "refined oil", "clinic plus", "dantkanti", "nutrella"]
    assert [p["current_price"] for p in dims["product"]] == [
        "212.00", "50.00", "20.00", "52.00", "110.00", "1.50", "100.00", "40.00"]
    for p in dims["product"]:
        assert re.fullmatch(r"\d+\.\d{2}", p["current_price"]) and re.fullmatch(r"\d+\.\d{2}", p["old_price"])
        created, updated, expiry = (date.fromisoformat(p[k]) for k in
                                    ("created_date", "updated_date", "expiry_date"))
        assert created <= updated < date(2024, 1, 1) and expiry > date(2024, 3, 31)


def test_customers_grow_with_scale_but_never_below_25(tmp_path):
    short = {"start": date(2024, 1, 1), "end": date(2024, 1, 2)}
    for folder, scale, customers in (("a", 4, 100), ("b", 0.1, 25), ("c", 1.5, 38)):
        generate(tmp_path / folder, scale=scale, **short)
        assert len(dimensions(tmp_path / folder)["customer"]) == customers


def test_sales_team_rules(default):
    out, _ = default
    team = dimensions(out)["sales_team"]
    assert [p["id"] for p in team] == [str(i) for i in range(1, 11)]
    assert all(p["manager_id"] == "10" for p in team)
    assert {p["id"]: (p["is_manager"], p["store_id"]) for p in team} == {
        **{str(i): ("N", "121") for i in (1, 2, 3)},
        **{str(i): ("N", "122") for i in (4, 5, 6)},
        **{str(i): ("N", "123") for i in (7, 8, 9)},
        "10": ("Y", ""),
    }


# --- rows -------------------------------------------------------------------------------------


def test_normal_rows_are_valid_and_carry_their_files_store_and_day(default):
    out, _ = default
    dims = dimensions(out)
    price_of = {p["name"]: p["current_price"] for p in dims["product"]}
    files = lines = 0
    for name in incoming(out):
        match = NORMAL_NAME.fullmatch(name)
        if not match:
            continue
        store, stamp = match.groups()
        day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"
        header, rows = read(out / "to_process" / name)
        files += 1
        assert header[:8] == SALES_HEADER
        bad = sum(1 for r in rows if row_faults(dict(zip(header, r)), store, dims))
        assert bad == sum(1 for f in BAD_ROW_FILES.values() if f == name)
        assert 10 <= len(rows) - bad <= 40
        for r in rows[: len(rows) - bad]:  # bad rows are appended last
            row = dict(zip(header, r))
            assert row_faults(row, store, dims) == [], (name, r)
            assert (row["store_id"], row["sales_date"]) == (store, day)
            assert row["price"] == price_of[row["product_name"]]
            assert 1 <= int(row["quantity"]) <= 10
            total = Decimal(row["price"]) * int(row["quantity"])
            assert Decimal(row["total_cost"]) == total and row["total_cost"] == f"{total:.2f}"
            lines += 1
    copied = len(read(out / "to_process" / "sales_121_20240105_copy.csv")[1])
    assert files == 273 and lines == 6962 - 8 - 5 - copied  # the bad rows, no_total's and the copy's


# --- faults, found by re-parsing --------------------------------------------------------------


def test_bad_rows_each_once_in_their_files(default):
    out, _ = default
    dims = dimensions(out)
    found: dict[str, list[str]] = {}
    for name in incoming(out):
        path = out / "to_process" / name
        match = NORMAL_NAME.fullmatch(name) or re.fullmatch(r"sales_(12[123])_(\d{8})_copy\.csv", name)
        if not match:
            continue
        header, rows = read(path)
        for r in rows:
            kinds = row_faults(dict(zip(header, r)), match.group(1), dims)
            assert len(kinds) <= 1, (name, r, kinds)
            for kind in kinds:
                found.setdefault(kind, []).append(name)
    assert found == {kind: [name] for kind, name in BAD_ROW_FILES.items()}
    by_kind = {}
    for kind, name in BAD_ROW_FILES.items():
        header, rows = read(out / "to_process" / name)
        by_kind[kind] = next(dict(zip(header, r)) for r in rows
                             if row_faults(dict(zip(header, r)), name[6:9], dims) == [kind])
    assert by_kind["unparseable_date"]["sales_date"] == "2024-13-45"
    assert by_kind["unparseable_number"]["quantity"] == "two"
    assert by_kind["empty_key"]["customer_id"] == ""
    mismatch = by_kind["total_mismatch"]
    assert Decimal(mismatch["total_cost"]) == Decimal(mismatch["price"]) * int(mismatch["quantity"]) + 1
    assert by_kind["unknown_customer"]["customer_id"] == "9999"
    assert by_kind["unknown_store"]["store_id"] == "999"
    assert by_kind["unknown_store"]["sales_person_id"] in {"1", "2", "3"}
    assert by_kind["unknown_salesperson"]["sales_person_id"] == "99"
    assert by_kind["unknown_salesperson"]["store_id"] == "122"
    assert by_kind["wrong_store_salesperson"]["sales_person_id"] in {"4", "5", "6"}
    assert by_kind["wrong_store_salesperson"]["store_id"] == "121"


def test_wrong_type_files(default):
    out, _ = default
    records = json.loads((out / "to_process" / "sales_121_20240101.json").read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) == 2
    assert all(list(r) == SALES_HEADER and r["sales_date"] == "2024-01-01" for r in records)
    raw = (out / "to_process" / "sales_122_20240101.xlsx").read_bytes()
    assert raw.startswith(b"PK\x03\x04") and len(raw) == 64
    assert [n for n in incoming(out) if not n.endswith(".csv")] == [
        "sales_121_20240101.json", "sales_122_20240101.xlsx"]


def test_missing_column_file(default):
    out, _ = default
    header, rows = read(out / "to_process" / "sales_123_20240102_no_total.csv")
    assert header == SALES_HEADER[:-1] and len(rows) == 5
    assert all(r[1] == "123" and r[3] == "2024-01-02" and len(r) == 7 for r in rows)
    others = [n for n in incoming(out) if n.endswith(".csv") and (out / "to_process" / n).stat().st_size
              and "total_cost" not in read(out / "to_process" / n)[0]]
    assert others == ["sales_123_20240102_no_total.csv"]


def test_empty_file(default):
    out, _ = default
    empty = [n for n in incoming(out) if (out / "to_process" / n).stat().st_size == 0]
    assert empty == ["sales_121_20240103_empty.csv"]


def test_extra_column_file(default):
    out, _ = default
    dims = dimensions(out)
    extra = [n for n in incoming(out) if n.endswith(".csv") and (out / "to_process" / n).stat().st_size
             and read(out / "to_process" / n)[0] != SALES_HEADER
             and "total_cost" in read(out / "to_process" / n)[0]]
    assert extra == ["sales_122_20240104.csv"]
    header, rows = read(out / "to_process" / extra[0])
    assert header == [*SALES_HEADER, "payment_mode"]
    assert 10 <= len(rows) <= 40 and all(len(r) == 9 for r in rows)
    assert {r[8] for r in rows} <= {"cash", "card", "upi"}
    assert all(row_faults(dict(zip(header, r)), "122", dims) == [] for r in rows)


def test_duplicate_file(default):
    out, _ = default
    contents = Counter((out / "to_process" / n).read_bytes() for n in incoming(out))
    assert sorted(n for n in contents.values() if n > 1) == [2]
    copy = out / "to_process" / "sales_121_20240105_copy.csv"
    assert copy.read_bytes() == (out / "to_process" / "sales_121_20240105.csv").read_bytes()
    assert contents[copy.read_bytes()] == 2 and len(read(copy)[1]) >= 10


# --- ranges -----------------------------------------------------------------------------------


def test_start_after_end_raises(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, start=date(2024, 1, 2), end=date(2024, 1, 1))
    with pytest.raises(ValueError):
        generate(tmp_path, scale=0)
    assert not tmp_path.joinpath("to_process").exists()


def test_short_range_leaves_out_the_later_faults(tmp_path):
    report = generate(tmp_path, start=date(2024, 2, 28), end=date(2024, 3, 1))
    assert (report.first_date, report.last_date) == (date(2024, 2, 28), date(2024, 3, 1))
    assert report.faults == {**dict.fromkeys(ALL_FAULTS, 0),
                             "wrong_type": 2, "missing_column": 1, "empty_file": 1}
    assert incoming(tmp_path) == sorted([
        *(f"sales_{s}_{d}.csv" for s in (121, 122, 123) for d in ("20240228", "20240229", "20240301")),
        "sales_121_20240228.json", "sales_122_20240228.xlsx", "sales_123_20240229_no_total.csv",
        "sales_121_20240301_empty.csv",
    ])


def test_single_day_and_scaled_lines(tmp_path):
    report = generate(tmp_path / "one", start=date(2024, 5, 5), end=date(2024, 5, 5))
    assert report.faults["wrong_type"] == 2 and sum(report.faults.values()) == 2
    assert len(incoming(tmp_path / "one")) == 5
    tiny = generate(tmp_path / "tiny", scale=0.01, start=date(2024, 1, 1), end=date(2024, 1, 12))
    assert tiny.faults == ALL_FAULTS
    for name in incoming(tmp_path / "tiny"):
        if NORMAL_NAME.fullmatch(name):
            n = len(read(tmp_path / "tiny" / "to_process" / name)[1])
            assert n == 1 + sum(1 for f in BAD_ROW_FILES.values() if f == name)


# --- CLI --------------------------------------------------------------------------------------


def test_cli(tmp_path):
    done = cli("sales", "--out", str(tmp_path), "--start", "2024-01-01", "--end", "2024-01-12")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sales: wrote 45 file(s)")
    assert "dates 2024-01-01..2024-01-12" in lines[0]
    direct = generate(tmp_path / "direct", start=date(2024, 1, 1), end=date(2024, 1, 12))
    assert f", {direct.rows} rows," in lines[0]
    for path in direct.paths:
        assert (tmp_path / path.relative_to(tmp_path / "direct")).read_bytes() == path.read_bytes()
    backwards = cli("sales", "--out", str(tmp_path), "--start", "2024-01-02", "--end", "2024-01-01")
    assert backwards.returncode == 2
