"""Deterministic sample data for the `sales` domain: dimension tables and daily store files, with faults.

Layout under `out_dir` (both folders are emptied of files first, so a run leaves exactly its own set):

- `dimensions/customer.csv`, `store.csv`, `product.csv`, `sales_team.csv`: the reference tables of
  the domain spec (`specs/sales.md`): max(25, round(25 * scale)) customers (ids 1..N), stores
  121..124, 8 grocery products, 10 sales people (id 10 the manager; 1-3 sell for 121, 4-6 for 122,
  7-9 for 123; store 124 has none).
- `to_process/sales_<store>_<YYYYMMDD>.csv`: one file per store 121..123 and day start..end, each
  with max(1, round(randint(10, 40) * scale)) lines carrying the file's own store and day;
  price = the product's current_price, total_cost = price * quantity (2 decimals).

Faults, each exactly once when the range has at least 10 days (d0 = start, dN = start + N days,
written as YYYYMMDD in file names); a fault whose day falls after `end` is left out (counted 0):

- `wrong_type` (counted 2, day d0): `sales_121_<d0>.json` (a JSON array of two sales) and
  `sales_122_<d0>.xlsx` (a few bytes starting with the zip magic `PK\\x03\\x04`).
- `missing_column` (d1): `sales_123_<d1>_no_total.csv`, the header and 5 valid rows without `total_cost`.
- `empty_file` (d2): `sales_121_<d2>_empty.csv`, 0 bytes.
- `extra_column` (d3): `sales_122_<d3>.csv` has a last column `payment_mode` (cash/card/upi); its
  rows are otherwise valid.
- `duplicate_file` (d4): `sales_121_<d4>_copy.csv`, a byte-identical copy of `sales_121_<d4>.csv`
  (which carries no bad row).
- bad rows (`bad_rows` = 8), each one extra line appended to a normal file, every other field valid:
  - `sales_121_<d5>.csv`: `unparseable_date` (sales_date `2024-13-45`), then `unparseable_number`
    (quantity `two`, total_cost = price * 2);
  - `sales_121_<d6>.csv`: `empty_key` (customer_id empty), then `total_mismatch`
    (total_cost = price * quantity + 1.00);
  - `sales_121_<d7>.csv`: `unknown_customer` (customer_id 9999), then `unknown_store` (store_id 999;
    its salesperson is one of store 121's);
  - `sales_122_<d8>.csv`: `unknown_salesperson` (sales_person_id 99);
  - `sales_121_<d9>.csv`: `wrong_store_salesperson` (a store-122 salesperson in a store-121 file).

A shorter range leaves out every fault whose day it lacks: 1 day keeps only the wrong types,
3 days add the missing column and the empty file, 4 the extra column, 5 the copy, and the bad rows
come in with d5 (2), d6 (2), d7 (2), d8 (1) and d9 (1).

`rows` counts the data lines of every CSV file in `to_process/` (the no_total file's 5 and the copy's
included, headers excluded); the faults dict has every key above (0 when left out) plus
`row:<kind>` per bad-row kind.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from lakehouse.datagen import arguments, sales_db
from lakehouse.datagen.files import csv_text, write_text

DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2024, 3, 31)

SALES_HEADER = (
    "customer_id", "store_id", "product_name", "sales_date", "sales_person_id", "price",
    "quantity", "total_cost",
)
CUSTOMER_HEADER = (
    "customer_id", "first_name", "last_name", "address", "pincode", "phone_number",
    "customer_joining_date",
)
STORE_HEADER = ("id", "address", "store_pincode", "store_manager_name", "store_opening_date", "reviews")
PRODUCT_HEADER = ("id", "name", "current_price", "old_price", "created_date", "updated_date", "expiry_date")
SALES_TEAM_HEADER = (
    "id", "first_name", "last_name", "manager_id", "is_manager", "address", "pincode",
    "joining_date", "store_id",
)

CUSTOMERS_AT_SCALE_1 = 25
LINES_PER_FILE = (10, 40)  # randint bounds at scale 1
STORES = (121, 122, 123, 124)
SELLING_STORES = (121, 122, 123)  # the stores that upload files
MANAGER_ID = 10
SALESPEOPLE = {121: (1, 2, 3), 122: (4, 5, 6), 123: (7, 8, 9)}
# (name, current_price, old_price): a small grocery catalogue, the same for every seed.
PRODUCTS = (
    ("quaker oats", "212.00", "202.00"),
    ("sugar", "50.00", "48.00"),
    ("maida", "20.00", "19.00"),
    ("besan", "52.00", "50.00"),
    ("refined oil", "110.00", "105.00"),
    ("clinic plus", "1.50", "1.00"),
    ("dantkanti", "100.00", "95.00"),
    ("nutrella", "40.00", "38.00"),
)
PAYMENT_MODES = ("cash", "card", "upi")
NO_TOTAL_ROWS = 5
XLSX_BYTES = b"PK\x03\x04" + b"\x14\x00\x06\x00" + bytes(56)  # a zip header, then padding

# Day index (from start) of each file-level fault.
FILE_FAULT_DAYS = {"wrong_type": 0, "missing_column": 1, "empty_file": 2, "extra_column": 3,
                   "duplicate_file": 4}
# Bad rows: (kind, day index, store of the file it is appended to), in file order.
ROW_FAULTS = (
    ("unparseable_date", 5, 121),
    ("unparseable_number", 5, 121),
    ("empty_key", 6, 121),
    ("total_mismatch", 6, 121),
    ("unknown_customer", 7, 121),
    ("unknown_store", 7, 121),
    ("unknown_salesperson", 8, 122),
    ("wrong_store_salesperson", 9, 121),
)
FAULT_KEYS = (
    "wrong_type", "missing_column", "empty_file", "extra_column", "duplicate_file", "bad_rows",
    *(f"row:{kind}" for kind, _, _ in ROW_FAULTS),
)

FIRST_NAMES = (
    "Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna", "Ishaan",
    "Ananya", "Diya", "Saanvi", "Aadhya", "Pari", "Anika", "Navya", "Kavya", "Riya", "Meera",
    "Rahul", "Priya", "Rohan", "Neha", "Karan", "Pooja", "Vikram", "Sneha", "Amit", "Divya",
)
LAST_NAMES = (
    "Sharma", "Verma", "Gupta", "Singh", "Kumar", "Patel", "Reddy", "Iyer", "Nair", "Mehta",
    "Joshi", "Chopra", "Malhotra", "Bansal", "Agarwal", "Das", "Rao", "Mishra", "Pandey", "Kapoor",
)
STREETS = (
    "MG Road", "Park Street", "Station Road", "Nehru Nagar", "Gandhi Marg", "Lake View Road",
    "Civil Lines", "Sector 15", "Brigade Road", "Linking Road", "Anna Salai", "Ring Road",
)
CITIES = ("Delhi", "Mumbai", "Bengaluru", "Chennai", "Kolkata", "Hyderabad", "Pune", "Jaipur")
REVIEWS = (
    "Great service, friendly staff", "Clean store and good stock", "Average experience",
    "Fresh products, fair prices", "Long queues at the counter", "Helpful manager",
)


@dataclass(frozen=True)
class SalesReport:
    """What one `generate` call wrote: every file (sorted), CSV data lines, the range and the faults."""

    paths: list[Path]
    rows: int
    first_date: date
    last_date: date
    faults: dict[str, int]
    database: str | None = None  # where the dimension tables were also loaded (password redacted)


def customer_count(scale: float) -> int:
    """Customers in the dimension: 25 at scale 1, linear in scale, never fewer than 25."""
    return max(CUSTOMERS_AT_SCALE_1, round(CUSTOMERS_AT_SCALE_1 * scale))


def _day(d: date) -> str:
    """yyyy-MM-dd, as in the rows."""
    return d.isoformat()


def _stamp(d: date) -> str:
    """YYYYMMDD, as in the file names."""
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _clean(folder: Path) -> None:
    """Create the folder, or remove the files directly in it (sub-folders stay)."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in sorted(folder.iterdir()):
        if entry.is_file() or entry.is_symlink():
            entry.unlink()


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _address(rng: random.Random) -> str:
    return f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"


def _pincode(rng: random.Random) -> str:
    return str(rng.randint(110001, 855999))


def _before(rng: random.Random, day: date, lo: int, hi: int) -> date:
    """A day lo..hi days before `day`."""
    return day - timedelta(days=rng.randint(lo, hi))


def _dimensions(rng: random.Random, n_customers: int, start: date, end: date) -> dict[str, tuple]:
    """Each dimension table: (header, rows)."""
    customers = []
    for cid in range(1, n_customers + 1):
        first, last = _name(rng)
        phone = f"{rng.randint(6, 9)}{rng.randint(0, 999_999_999):09d}"
        customers.append([str(cid), first, last, _address(rng), _pincode(rng), phone,
                          _day(_before(rng, start, 1, 1500))])
    stores = []
    for sid in STORES:
        manager = " ".join(_name(rng))
        stores.append([str(sid), _address(rng), _pincode(rng), manager,
                       _day(_before(rng, start, 400, 3000)), rng.choice(REVIEWS)])
    products = []
    for pid, (name, current, old) in enumerate(PRODUCTS, start=1):
        created = _before(rng, start, 200, 700)
        updated = created + timedelta(days=rng.randint(30, (start - created).days - 1))
        expiry = end + timedelta(days=rng.randint(180, 720))
        products.append([str(pid), name, current, old, _day(created), _day(updated), _day(expiry)])
    team = []
    store_of = {p: s for s, people in SALESPEOPLE.items() for p in people}
    for person in range(1, MANAGER_ID + 1):
        first, last = _name(rng)
        is_manager = person == MANAGER_ID
        team.append([str(person), first, last, str(MANAGER_ID), "Y" if is_manager else "N",
                     _address(rng), _pincode(rng), _day(_before(rng, start, 60, 2000)),
                     "" if is_manager else str(store_of[person])])
    return {
        "customer": (CUSTOMER_HEADER, customers),
        "store": (STORE_HEADER, stores),
        "product": (PRODUCT_HEADER, products),
        "sales_team": (SALES_TEAM_HEADER, team),
    }


def _sale(rng: random.Random, n_customers: int, store: int, day: date) -> list[str]:
    """One valid sales row of that store and day."""
    name, current, _ = rng.choice(PRODUCTS)
    quantity = rng.randint(1, 10)
    total = (Decimal(current) * quantity).quantize(Decimal("0.01"))
    return [str(rng.randint(1, n_customers)), str(store), name, _day(day),
            str(rng.choice(SALESPEOPLE[store])), current, str(quantity), f"{total}"]


def _bad_row(rng: random.Random, n_customers: int, kind: str, store: int, day: date) -> list[str]:
    """A row of that store and day with exactly one fault of the given kind."""
    row = _sale(rng, n_customers, store, day)
    price, quantity = Decimal(row[5]), int(row[6])
    if kind == "unparseable_date":
        row[3] = "2024-13-45"
    elif kind == "unparseable_number":
        row[6], row[7] = "two", f"{(price * 2).quantize(Decimal('0.01'))}"
    elif kind == "empty_key":
        row[0] = ""
    elif kind == "total_mismatch":
        row[7] = f"{(price * quantity + Decimal('1.00')).quantize(Decimal('0.01'))}"
    elif kind == "unknown_customer":
        row[0] = "9999"
    elif kind == "unknown_store":
        row[1] = "999"
    elif kind == "unknown_salesperson":
        row[4] = "99"
    elif kind == "wrong_store_salesperson":
        other = next(s for s in SELLING_STORES if s != store)
        row[4] = str(rng.choice(SALESPEOPLE[other]))
    else:  # pragma: no cover - ROW_FAULTS and this function change together
        raise ValueError(kind)
    return row


def generate(
    out_dir: Path,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    db_url: str | None = None,
) -> SalesReport:
    """Write dimensions/ and to_process/ under out_dir; the same arguments give byte-identical files.

    `db_url` (postgresql:// or mysql://): also load the dimension tables into that database.
    """
    arguments.check(scale, start, end)
    rng = random.Random(seed)
    n_days = (end - start).days + 1
    n_customers = customer_count(scale)
    faults = dict.fromkeys(FAULT_KEYS, 0)

    out_dir = Path(out_dir)
    dim_dir, in_dir = out_dir / "dimensions", out_dir / "to_process"
    _clean(dim_dir)
    _clean(in_dir)
    paths: list[Path] = []

    for table, (header, rows) in _dimensions(rng, n_customers, start, end).items():
        path = dim_dir / f"{table}.csv"
        write_text(path, csv_text(header, rows))
        paths.append(path)

    def has(day_index: int) -> bool:
        return day_index < n_days

    bad_rows_of: dict[tuple[int, int], list[str]] = {}  # (day index, store) -> kinds, in order
    for kind, day_index, store in ROW_FAULTS:
        if has(day_index):
            bad_rows_of.setdefault((day_index, store), []).append(kind)

    total_rows = 0
    for i in range(n_days):
        day = start + timedelta(days=i)
        stamp = _stamp(day)
        for store in SELLING_STORES:
            n = max(1, round(rng.randint(*LINES_PER_FILE) * scale))
            rows = [_sale(rng, n_customers, store, day) for _ in range(n)]
            header = SALES_HEADER
            if store == 122 and i == FILE_FAULT_DAYS["extra_column"]:
                header = (*SALES_HEADER, "payment_mode")
                rows = [[*row, rng.choice(PAYMENT_MODES)] for row in rows]
                faults["extra_column"] += 1
            for kind in bad_rows_of.get((i, store), ()):
                rows.append(_bad_row(rng, n_customers, kind, store, day))
                faults["bad_rows"] += 1
                faults[f"row:{kind}"] += 1
            text = csv_text(header, rows)
            path = in_dir / f"sales_{store}_{stamp}.csv"
            write_text(path, text)
            paths.append(path)
            total_rows += len(rows)

            if store == 121 and i == FILE_FAULT_DAYS["duplicate_file"]:
                copy = in_dir / f"sales_121_{stamp}_copy.csv"
                write_text(copy, text)
                paths.append(copy)
                total_rows += len(rows)
                faults["duplicate_file"] += 1

        if i == FILE_FAULT_DAYS["wrong_type"]:
            records = [dict(zip(SALES_HEADER, _sale(rng, n_customers, 121, day))) for _ in range(2)]
            path = in_dir / f"sales_121_{stamp}.json"
            write_text(path, json.dumps(records, indent=2) + "\n")
            paths.append(path)
            path = in_dir / f"sales_122_{stamp}.xlsx"
            path.write_bytes(XLSX_BYTES)
            paths.append(path)
            faults["wrong_type"] += 2
        if i == FILE_FAULT_DAYS["missing_column"]:
            rows = [_sale(rng, n_customers, 123, day)[:-1] for _ in range(NO_TOTAL_ROWS)]
            path = in_dir / f"sales_123_{stamp}_no_total.csv"
            write_text(path, csv_text(SALES_HEADER[:-1], rows))
            paths.append(path)
            total_rows += len(rows)
            faults["missing_column"] += 1
        if i == FILE_FAULT_DAYS["empty_file"]:
            path = in_dir / f"sales_121_{stamp}_empty.csv"
            path.write_bytes(b"")
            paths.append(path)
            faults["empty_file"] += 1

    return SalesReport(
        paths=sorted(paths),
        rows=total_rows,
        first_date=start,
        last_date=end,
        faults=faults,
        database=sales_db.load(dim_dir, db_url) if db_url else None,
    )
