"""The superstore generator: format, determinism, volumes, and faults recounted by hand."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.superstore import (
    HEADER,
    REGION_OF_STATE,
    customer_count,
    fault_counts,
    generate,
)

REPO = Path(__file__).resolve().parents[2]
HEADER_LINE = (
    "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,"
    "City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales"
)
FAULT_KINDS = (
    "unparseable_order_date", "unparseable_ship_date", "unparseable_sales", "negative_sales",
    "null_customer_id", "null_order_id", "ship_before_order",
)
# Field positions in a row.
ROW_ID, ORDER_ID, ORDER_DATE, SHIP_DATE, SHIP_MODE, CUSTOMER_ID, CUSTOMER_NAME, SEGMENT = range(8)
COUNTRY, CITY, STATE, POSTAL, REGION = range(8, 13)
PRODUCT_ID, CATEGORY, SUB_CATEGORY, PRODUCT, SALES = range(13, 18)
CATEGORY_CODES = {"Furniture": "FUR", "Office Supplies": "OFF", "Technology": "TEC"}


def parse_date(text: str) -> date | None:
    """dd/MM/yyyy, strictly (zero-padded), else None."""
    if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        return None
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def parse_sales(text: str) -> Decimal | None:
    """A plain decimal with 2-4 places (optionally negative), else None."""
    return Decimal(text) if re.fullmatch(r"-?\d+\.\d{2,4}", text) else None


def faults_of(row: list[str]) -> list[str]:
    """Every rule the row breaks, each checked independently."""
    found = []
    order_date, ship_date = parse_date(row[ORDER_DATE]), parse_date(row[SHIP_DATE])
    sales = parse_sales(row[SALES])
    if order_date is None:
        found.append("unparseable_order_date")
    if ship_date is None:
        found.append("unparseable_ship_date")
    if sales is None:
        found.append("unparseable_sales")
    elif sales < 0:
        found.append("negative_sales")
    if not row[CUSTOMER_ID].strip():
        found.append("null_customer_id")
    if not row[ORDER_ID].strip():
        found.append("null_order_id")
    if order_date and ship_date and ship_date < order_date:
        found.append("ship_before_order")
    return found


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def recount(rows: list[list[str]]) -> tuple[dict[str, int], int]:
    """Faults per kind and exact duplicates (all columns but Row ID), counted from the file."""
    bad = Counter({kind: 0 for kind in FAULT_KINDS})
    for row in rows:
        found = faults_of(row)
        assert len(found) <= 1, (row, found)
        bad.update(found)
    seen = Counter(tuple(row[1:]) for row in rows)
    return dict(bad), sum(n - 1 for n in seen.values())


def clean(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows if not faults_of(row)]


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run the CLI in a fresh interpreter, importing this checkout."""
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "lakehouse.datagen", *args],
        env=full_env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def scale1(tmp_path_factory):
    """The default file: scale 1, seed 42."""
    out = tmp_path_factory.mktemp("scale1")
    report = generate(out)
    header, rows = read(report.path)
    return report, header, rows


# --- format -----------------------------------------------------------------------------------


def test_registry_and_report(scale1):
    report, _, _ = scale1
    assert GENERATORS["superstore"] is generate
    assert report.paths == (report.path,) and report.path.name == "train.csv"
    assert (report.rows, report.customers, report.duplicates) == (9800, 790, 29)
    assert (report.first_date, report.last_date) == (date(2015, 1, 3), date(2018, 12, 30))
    assert 4700 <= report.orders <= 5100
    assert report.segment_changes == 16


def test_header_encoding_and_minimal_quoting(scale1):
    report, header, rows = scale1
    raw = report.path.read_bytes()
    text = raw.decode("utf-8")
    assert header == list(HEADER) and text.split("\n", 1)[0] == HEADER_LINE
    assert b"\r" not in raw and raw.endswith(b"\n")
    # Byte-for-byte what csv.writer(QUOTE_MINIMAL, "\n") writes for the parsed rows.
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows([header, *rows])
    assert buf.getvalue() == text
    assert all(len(row) == 18 for row in rows)
    names = [row[PRODUCT] for row in rows]
    assert any("," in n for n in names) and any('"' in n for n in names)
    assert '""' in text  # an embedded quote, escaped by doubling


def test_row_ids_are_1_to_n_in_file_order(scale1):
    _, _, rows = scale1
    assert [row[ROW_ID] for row in rows] == [str(i) for i in range(1, 9801)]


@pytest.mark.parametrize("scale", [0.002, 0.0137, 0.05, 0.3])
def test_row_count_is_linear_in_scale(tmp_path, scale):
    report = generate(tmp_path, scale=scale)
    _, rows = read(report.path)
    assert len(rows) == report.rows == round(9800 * scale)


def test_customer_count_is_sublinear():
    assert [customer_count(s) for s in (0.00001, 0.02, 1, 4, 100)] == [5, 112, 790, 1580, 7900]


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_different_seed_differs(tmp_path):
    a = generate(tmp_path / "a", seed=3, scale=0.2).path.read_bytes()
    b = generate(tmp_path / "b", seed=3, scale=0.2).path.read_bytes()
    c = generate(tmp_path / "c", seed=4, scale=0.2).path.read_bytes()
    assert a == b
    assert a != c


def test_cli_writes_the_same_bytes_in_any_process(tmp_path):
    # Different hash seeds catch any output that depends on set/dict iteration of strings.
    for hash_seed in ("1", "2"):
        out = tmp_path / f"cli{hash_seed}"
        done = cli("superstore", "--scale", "0.05", "--seed", "7", "--out", str(out),
                   env={"PYTHONHASHSEED": hash_seed})
        assert done.returncode == 0, done.stderr
        assert (out / "train.csv").is_file()
        assert len(done.stdout.strip().splitlines()) == 1 and "490 rows" in done.stdout
    direct = generate(tmp_path / "direct", seed=7, scale=0.05).path.read_bytes()
    assert (tmp_path / "cli1" / "train.csv").read_bytes() == direct
    assert (tmp_path / "cli2" / "train.csv").read_bytes() == direct
    assert not list(tmp_path.glob("*/.train.csv.tmp"))


# --- dates ------------------------------------------------------------------------------------


def test_order_dates_cover_the_default_range(scale1):
    _, _, rows = scale1
    dates = {d for d in (parse_date(row[ORDER_DATE]) for row in rows) if d}
    assert min(dates) == date(2015, 1, 3) and max(dates) == date(2018, 12, 30)
    # Both ends survive rejection: they are on clean lines.
    clean_dates = {parse_date(row[ORDER_DATE]) for row in clean(rows)}
    assert {date(2015, 1, 3), date(2018, 12, 30)} <= clean_dates
    assert {d.year for d in dates} == {2015, 2016, 2017, 2018}


def test_custom_range_is_respected(tmp_path):
    report = generate(tmp_path, seed=5, scale=0.05, start=date(2017, 3, 1), end=date(2017, 3, 31))
    _, rows = read(report.path)
    dates = {parse_date(row[ORDER_DATE]) for row in clean(rows)}
    assert min(dates) == date(2017, 3, 1) and max(dates) == date(2017, 3, 31)
    assert all(re.fullmatch(r"(CA|US)-2017-\d{6}", row[ORDER_ID]) for row in clean(rows))


def test_ship_dates_and_modes(scale1):
    _, _, rows = scale1
    modes = Counter()
    for row in clean(rows):
        lag = (parse_date(row[SHIP_DATE]) - parse_date(row[ORDER_DATE])).days
        assert 0 <= lag <= 7
        assert (lag == 0) == (row[SHIP_MODE] == "Same Day")
        modes[row[SHIP_MODE]] += 1
    assert set(modes) == {"Standard Class", "Second Class", "First Class", "Same Day"}
    assert modes.most_common(1)[0][0] == "Standard Class"


# --- entities ---------------------------------------------------------------------------------


def test_ids_have_the_kaggle_shapes(scale1):
    _, _, rows = scale1
    for row in clean(rows):
        assert re.fullmatch(r"(CA|US)-\d{4}-\d{6}", row[ORDER_ID])
        assert row[ORDER_ID][3:7] == row[ORDER_DATE][6:]  # order year
        assert re.fullmatch(r"[A-Z]{2}-\d{5}", row[CUSTOMER_ID])
        code = f"{CATEGORY_CODES[row[CATEGORY]]}-{row[SUB_CATEGORY][:2].upper()}-"
        assert re.fullmatch(r"[A-Z]{3}-[A-Z]{2}-\d{8}", row[PRODUCT_ID])
        assert row[PRODUCT_ID].startswith(code)
        assert row[COUNTRY] == "United States"
        assert row[SEGMENT] in ("Consumer", "Corporate", "Home Office")


def test_each_order_is_consistent_across_its_lines(scale1):
    _, _, rows = scale1
    per_order = defaultdict(set)
    for row in clean(rows):
        per_order[row[ORDER_ID]].add(tuple(row[ORDER_DATE:REGION + 1]))
    assert all(len(v) == 1 for v in per_order.values())
    sizes = Counter(Counter(row[ORDER_ID] for row in rows).values())
    assert sizes[1] == max(sizes.values())  # single-line orders are the most common
    assert max(sizes) >= 6


def test_products_have_one_description(scale1):
    _, _, rows = scale1
    described = defaultdict(set)
    for row in rows:
        described[row[PRODUCT_ID]].add((row[CATEGORY], row[SUB_CATEGORY], row[PRODUCT]))
    assert all(len(v) == 1 for v in described.values())
    assert {row[CATEGORY] for row in rows} == set(CATEGORY_CODES)
    assert len({row[SUB_CATEGORY] for row in rows}) == 17


def test_customers_keep_their_name_and_a_few_change_segment(scale1):
    _, _, rows = scale1
    names, history = defaultdict(set), defaultdict(list)
    for row in clean(rows):
        names[row[CUSTOMER_ID]].add(row[CUSTOMER_NAME])
        history[row[CUSTOMER_ID]].append((parse_date(row[ORDER_DATE]), row[SEGMENT]))
    assert len(names) == 790
    assert all(len(v) == 1 for v in names.values())
    tokens = Counter(len(next(iter(v)).split()) for v in names.values())
    assert tokens[1] >= 1 and tokens[3] >= 1 and tokens[2] > 700
    changed = 0
    for events in history.values():
        by_day = defaultdict(set)
        for day, seg in events:
            by_day[day].add(seg)
        assert all(len(s) == 1 for s in by_day.values())  # never two segments on one day
        runs = [seg for _, seg in sorted((d, next(iter(s))) for d, s in by_day.items())]
        switches = sum(a != b for a, b in zip(runs, runs[1:]))
        assert switches <= 1
        changed += switches
    assert changed == 16


def test_locations_and_postal_codes(scale1):
    _, _, rows = scale1
    postal = Counter()
    for row in rows:
        assert REGION_OF_STATE[row[STATE]] == row[REGION]
        if row[POSTAL] == "":
            assert (row[CITY], row[STATE]) == ("Burlington", "Vermont")
        else:
            assert re.fullmatch(r"\d{5}", row[POSTAL])
        postal[row[POSTAL]] += 1
    assert postal["02138"] > 0  # Cambridge, Massachusetts
    assert postal[""] > 0
    assert sum(n for code, n in postal.items() if code.startswith("0")) > 100


def test_small_files_still_hold_leading_zero_and_blank_postal_codes(tmp_path):
    _, rows = read(generate(tmp_path, seed=11, scale=0.05).path)
    codes = {row[POSTAL] for row in rows}
    assert "" in codes and any(code.startswith("0") for code in codes)


def test_sales_are_positive_skewed_and_capped(scale1):
    _, _, rows = scale1
    sales = sorted(parse_sales(row[SALES]) for row in clean(rows))
    assert sales[0] > 0 and sales[-1] <= 25000
    assert sum(s < 500 for s in sales) / len(sales) > 0.85
    assert 1 <= sum(s > 5000 for s in sales) <= 50
    assert {len(row[SALES].split(".")[1]) for row in clean(rows)} == {2, 3, 4}


# --- faults -----------------------------------------------------------------------------------

SCALE1_FAULTS = {
    "unparseable_order_date": 5, "unparseable_ship_date": 5, "unparseable_sales": 5,
    "negative_sales": 10, "null_customer_id": 5, "null_order_id": 5, "ship_before_order": 10,
}


def test_scale1_faults_match_the_report_exactly(scale1):
    report, _, rows = scale1
    assert report.bad_rows == SCALE1_FAULTS
    assert recount(rows) == (SCALE1_FAULTS, 29)


@pytest.mark.parametrize("scale, seed", [(0.002, 1), (0.02, 2), (0.02, 3), (0.5, 9)])
def test_small_files_have_every_fault_counted_exactly(tmp_path, scale, seed):
    report = generate(tmp_path, seed=seed, scale=scale)
    _, rows = read(report.path)
    bad, duplicates = recount(rows)
    assert bad == report.bad_rows and duplicates == report.duplicates
    assert min(bad.values()) >= 1 and duplicates >= 1


def test_tiny_files_have_no_faults(tmp_path):
    report = generate(tmp_path, scale=0.001)
    _, rows = read(report.path)
    assert len(rows) == 10
    assert recount(rows) == (report.bad_rows, 0) and sum(report.bad_rows.values()) == 0


def test_fault_counts_are_proportional():
    assert fault_counts(980_000) == (
        {"unparseable_order_date": 490, "unparseable_ship_date": 490, "unparseable_sales": 490,
         "negative_sales": 980, "null_customer_id": 490, "null_order_id": 490,
         "ship_before_order": 980},
        2940,
    )


def test_duplicates_copy_a_clean_earlier_line(scale1):
    _, _, rows = scale1
    first_seen: dict[tuple[str, ...], int] = {}
    copies = 0
    for row in rows:
        key = tuple(row[1:])
        if key in first_seen:
            copies += 1
            assert not faults_of(row) and int(row[ROW_ID]) > first_seen[key]
        else:
            first_seen[key] = int(row[ROW_ID])
    assert copies == 29


def test_every_fault_variant_appears_at_scale1(scale1):
    _, _, rows = scale1
    by_kind = defaultdict(set)
    for row in rows:
        for kind in faults_of(row):
            by_kind[kind].add(tuple(row))
    order_dates = {row[ORDER_DATE] for row in by_kind["unparseable_order_date"]}
    assert "" in order_dates and any("-13-" in v for v in order_dates) and len(order_dates) == 5
    ship_dates = {row[SHIP_DATE] for row in by_kind["unparseable_ship_date"]}
    assert "" in ship_dates and "TBD" in ship_dates and len(ship_dates) == 5
    sales = {row[SALES] for row in by_kind["unparseable_sales"]}
    assert {"", "N/A", "1.2.3", "#VALUE!"} < sales
    assert any(re.fullmatch(r"\d+,\d+x", s) for s in sales)  # quoted in the file
    assert {row[CUSTOMER_ID] for row in by_kind["null_customer_id"]} == {"", " "}
    assert {row[ORDER_ID] for row in by_kind["null_order_id"]} == {"", " "}


# --- CLI --------------------------------------------------------------------------------------


def test_cli_defaults_to_lakehouse_home(tmp_path):
    home = tmp_path / "home"
    done = cli("superstore", "--scale", "0.01", env={"LAKEHOUSE_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    assert (home / "landing" / "superstore" / "train.csv").is_file()


def test_cli_without_lakehouse_home_writes_under_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LAKEHOUSE_HOME"}
    done = subprocess.run(
        [sys.executable, "-m", "lakehouse.datagen", "superstore", "--scale", "0.01"],
        env={**env, "PYTHONPATH": str(REPO)}, cwd=tmp_path, capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "landing" / "superstore" / "train.csv").is_file()


def test_cli_help_and_bad_arguments(tmp_path):
    done = cli("--help")
    assert done.returncode == 0 and "superstore" in done.stdout and "--scale" in done.stdout
    for bad in (["nosuchdomain"], ["superstore", "--scale", "0"],
                ["superstore", "--start", "2018-01-02", "--end", "2018-01-01"],
                ["superstore", "--start", "03/01/2015"]):
        done = cli(*bad, "--out", str(tmp_path))
        assert done.returncode == 2, bad
    assert not (tmp_path / "train.csv").exists()


def test_generate_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, scale=-1)
    with pytest.raises(ValueError):
        generate(tmp_path, start=date(2018, 1, 2), end=date(2018, 1, 1))
    with pytest.raises(ValueError):
        generate(tmp_path, scale=0.00001)
