"""Deterministic sample data for the `finance` domain: a bank's change-feed exports and device/fraud events.

Layout under `out_dir` (its *.csv and `transaction_events/*.jsonl` are removed first, so a run leaves
exactly its own set): `customers.csv` (customer_id, name, email, phone, address, updated_at),
`accounts.csv` (account_id, customer_id, account_type, balance, opened_at, updated_at),
`transactions.csv` (transaction_id, account_id, transaction_type, amount, timestamp) and
`transaction_events/events_<YYYY-MM>.jsonl`, one per month of `event_ts`, one JSON object a line:
{"transaction_id", "device_type", "ip_address", "geolocation": {"country", "city"}, "fraud_score", "event_ts"}.
Times are UTC `YYYY-MM-DD HH:MM:SS`, money has two decimals, an empty field is NULL. Every version is
a row (one per (id, updated_at)), in time order, as a change-data-capture feed delivers them. The
first version of every customer and account is on `start` (00:00:00..00:59:59): the daily extract
reads `updated_at` in its day, so a row dated before `start` would never be read.

Sizes and distributions (N = max(1, round(20 * scale)) customers):
- customers C0001..: names from a fixed list (C0001 is "Zoë Müller"); emails cycle by id through
  "  First.Last@Example.COM " (ids 1, 4, 7, ..), "jdoe+bank@example.org" and "first.last@example.net"
  (unique once trimmed and lower-cased); phones through "+49 (30) 123-4567", "030 1234567",
  "+1-202-555-0143" and "+447700900123"; customer min(3, N) has an empty phone. C0001's first version
  is at 00:00:00. max(1, round(0.2 * N)) drawn customers change one of email, phone or address once:
  a second row on a drawn day of the range at 01:00:00..23:59:59, the lowest-id changer's at 23:59:59.
- accounts: 2 per customer (A0001 checking and A0002 savings of C0001, ..), opened 30..2000 days
  before `start`; first version at the customer's first `updated_at`, balance 50.00..5000.00. Then
  one row per account and day with transactions (per day, not per month: up to 36 a year an account):
  the balance after the day's last transaction, `updated_at` = that transaction's timestamp.
- transactions T000001.. in (timestamp, account) order: 3 per account per calendar month of the
  range (a partial month still gets 3, inside the range), 1,440 at the defaults; deposit 45%
  (20.00..2500.00), withdrawal 35% (5.00..800.00), transfer 20% (10.00..1500.00, an outgoing
  payment). A withdrawal or transfer larger than the balance is cut to half the balance (rounded
  down to the cent), or becomes a deposit when that half is below 0.01: no balance goes negative.
  On `start`, times are from 01:00:00; A0001's last two of the last month are at `end` 00:00:00 and 23:59:59.
- events: one per transaction but round(3%) drawn ones (`without_event`); `event_ts` 0..90 s after
  the transaction, never past its day; device_type mobile_app 55%, web_browser 30%, atm 15%;
  fraud_score beta(1.5, 12) to 4 decimals (mostly below 0.3).

Faults (FAULTS), each exactly once whatever the range; none changes a balance:
- transactions.csv, deposit rows after the regular ones (ids continue the sequence), day dk =
  start + k days (at most `end`): unparseable_amount ("1.234,56", on d1), unparseable_timestamp
  ("2024-13-45 25:61:00"), empty_transaction_id (on d2), unknown_account (A0000, on d3).
- transaction_events, extra lines at the end of the file of the event they copy, the i-th kind
  below copying the i-th transaction with an event (whose valid event stays, so `without_event` is
  exactly the transactions no valid event names): invalid_json (the line cut in half),
  missing_transaction_id (the key left out), fraud_score_wrong_type ("high"), fraud_score_out_of_range
  (1.7), unknown_device_type ("smart_tv"), duplicate_event (the line re-sent byte for byte).
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass, field
from functools import partial
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from lakehouse.datagen import arguments, finance_db
from lakehouse.datagen.files import csv_text, write_text

DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2024, 12, 31)
CUSTOMERS_AT_SCALE_1 = 20
TRANSACTIONS_PER_MONTH = 3
CHANGE_SHARE, NO_EVENT_SHARE = 0.2, 0.03
EVENTS_DIR = "transaction_events"
HEADERS = {
    "customers": ("customer_id", "name", "email", "phone", "address", "updated_at"),
    "accounts": ("account_id", "customer_id", "account_type", "balance", "opened_at", "updated_at"),
    "transactions": ("transaction_id", "account_id", "transaction_type", "amount", "timestamp"),
}
ACCOUNT_TYPES = ("checking", "savings")  # a customer's first and second account
# type: (weight, lowest amount, highest amount)
TRANSACTION_TYPES = {"deposit": (45, 20, 2500), "withdrawal": (35, 5, 800), "transfer": (20, 10, 1500)}
DEVICES = {"mobile_app": 55, "web_browser": 30, "atm": 15}
RELATIONAL_FAULTS = ("unparseable_amount", "unparseable_timestamp", "empty_transaction_id", "unknown_account")
DOCUMENT_FAULTS = (
    "invalid_json", "missing_transaction_id", "fraud_score_wrong_type", "fraud_score_out_of_range",
    "unknown_device_type", "duplicate_event",
)
FAULTS = (*RELATIONAL_FAULTS, *DOCUMENT_FAULTS)
BAD_AMOUNT, BAD_TIMESTAMP, UNKNOWN_ACCOUNT = "1.234,56", "2024-13-45 25:61:00", "A0000"

FIRST_NAMES = ("Jane", "Liam", "Amara", "Mateo", "Sofia", "Noah", "Chloé", "Lukas", "Priya", "Kenji",
               "Olivia", "Björn", "Aisha", "Diego", "Hannah", "Rahul", "Léa", "Oscar")  # fmt: skip
LAST_NAMES = ("Doe", "Smith", "Okafor", "García", "Rossi", "Schmidt", "Nguyen", "Dubois", "Kowalski",
              "Tanaka", "Johansson", "Patel", "O'Brien", "Silva", "Brown", "Fischer")  # fmt: skip
FIXED_NAME = ("Zoë", "Müller")  # C0001: a non-ASCII name always exists
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
STREETS = ("Hauptstraße", "Rue de Rivoli", "Main Street", "Calle Mayor", "Via Roma", "Øster Allé", "High Street")
PLACES = (("DE", "Berlin"), ("DE", "München"), ("FR", "Paris"), ("US", "New York"), ("GB", "London"),
          ("ES", "Madrid"), ("IT", "Roma"), ("BR", "São Paulo"), ("PL", "Kraków"), ("JP", "Tokyo"))  # fmt: skip
IP_FIRST_OCTETS = (24, 62, 77, 81, 85, 91, 98, 176, 185, 203)
CENT = Decimal("0.01")
_json = partial(json.dumps, ensure_ascii=False)  # names like "São Paulo" as UTF-8, not \u escapes


@dataclass(frozen=True)
class FinanceReport:
    """What one `generate` call wrote: files, row counts, the range, the faults, the database."""

    paths: tuple[Path, ...]
    rows: int  # data rows of the three CSV files plus every event line
    first_date: date
    last_date: date
    table_rows: dict[str, int]  # rows per CSV (versions and faulty rows included); transaction_events: lines
    faults: dict[str, int]  # every FAULTS kind -> its count
    without_event: int  # transactions that no valid event names
    database: str | None = None  # the loaded URL, password shown as ***
    not_loaded: dict[str, int] = field(default_factory=dict)  # per table: rows the database cannot type


def customer_count(scale: float) -> int:
    """Customers at `scale`: 20 at scale 1, linear, at least 1."""
    return max(1, round(CUSTOMERS_AT_SCALE_1 * scale))


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _money(rng: random.Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randint(lo * 100, hi * 100)).scaleb(-2)


def _at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(seconds=seconds)


def _email(rng: random.Random, style: int, *name: str) -> str:
    # The name without accents or punctuation: "Zoë" -> "Zoe", "O'Brien" -> "OBrien".
    first, last = ("".join(c for c in unicodedata.normalize("NFKD", part) if c.isascii() and c.isalnum())
                   for part in name)  # fmt: skip
    domain = rng.choice(DOMAINS)
    if style == 1:  # what a user types into a form: capitals and stray spaces
        host, _, tld = domain.rpartition(".")
        return f"  {first.title()}.{last.title()}@{host.capitalize()}.{tld.upper()} "
    if style == 2:
        return f"{first[0]}{last}+bank@{domain}".lower()
    return f"{first}.{last}@{domain}".lower()


def _phone(rng: random.Random, style: int) -> str:
    if style == 1:
        return f"+49 ({rng.randint(30, 89)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
    if style == 2:
        return f"0{rng.randint(30, 89)} {rng.randint(1_000_000, 9_999_999)}"
    if style == 3:  # 555-01xx: the fictional US range
        return f"+1-{rng.randint(201, 989)}-555-01{rng.randint(0, 99):02d}"
    return f"+447700900{rng.randint(0, 999):03d}"  # 07700 900xxx: the UK's drama range


def _address(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)} {rng.randint(1, 250)}, {rng.randint(10000, 99999)} {rng.choice(PLACES)[1]}"


def _customers(rng: random.Random, n: int, start: date, end: date) -> tuple[list[list[str]], list[datetime]]:
    """Customer rows (every version) and each customer's first updated_at."""
    rows, first_seen, span, taken = [], [], (end - start).days, set()

    def email(style: int, first: str, last: str, i: int) -> str:
        """Unique across customers once trimmed and lower-cased, so each email hash is one customer's."""
        address = _email(rng, style, first, last)
        if address.strip().lower() in taken:
            address = _email(rng, style, first, f"{last}{i}")
        taken.add(address.strip().lower())
        return address

    for i in range(1, n + 1):
        first, last = FIXED_NAME if i == 1 else (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        phone = "" if i == min(3, n) else _phone(rng, i % 4)
        since = _at(start, 0 if i == 1 else rng.randint(1, 3599))
        rows.append([f"C{i:04d}", f"{first} {last}", email(i % 3, first, last, i), phone, _address(rng), since])
        first_seen.append(since)
    changers = sorted(rng.sample(range(n), max(1, round(CHANGE_SHARE * n))))
    for k, i in enumerate(changers):
        row = list(rows[i])
        column = HEADERS["customers"].index(rng.choice(("email", "phone", "address")))
        first, last = row[1].split(" ", 1)
        while row[column] == rows[i][column]:  # another style than the first version's, so never the same
            row[column] = (email((i + 2) % 3, first, last, i + 1) if column == 2
                           else _phone(rng, (i + 2) % 4) if column == 3 else _address(rng))  # fmt: skip
        day = start + timedelta(days=rng.randint(0, span))
        row[-1] = _at(day, 86399 if k == 0 else rng.randint(3600, 86399))
        rows.append(row)
    return rows, first_seen


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """Each calendar month's part of start..end: (first day, last day)."""
    parts, first = [], start
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        parts.append((first, min(end, following - timedelta(days=1))))
        first = following
    return parts


def _transactions(rng: random.Random, accounts: list[list], start: date, end: date):
    """Transaction rows (ids in time order) and one balance row per account and day with transactions."""
    drafts = []  # [moment, account_id, type, amount], drawn account by account, month by month
    for account in accounts:
        for first, last in _months(start, end):
            for _ in range(TRANSACTIONS_PER_MONTH):
                day = first + timedelta(days=rng.randint(0, (last - first).days))
                moment = _at(day, rng.randint(3600 if day == start else 0, 86399))
                kind = rng.choices(list(TRANSACTION_TYPES), [w for w, _, _ in TRANSACTION_TYPES.values()])[0]
                drafts.append([moment, account[0], kind, _money(rng, *TRANSACTION_TYPES[kind][1:])])
    per_account = len(drafts) // len(accounts)  # A0001's come first, its last month's last
    drafts[per_account - 2][0], drafts[per_account - 1][0] = _at(end, 0), _at(end, 86399)
    drafts.sort(key=lambda d: (d[0], d[1]))  # stable: a tie keeps the draw order

    balance = {a[0]: a[3] for a in accounts}
    day_end: dict[tuple[str, date], tuple[datetime, Decimal]] = {}
    rows = []
    for n, (moment, account_id, kind, amount) in enumerate(drafts, start=1):
        if kind != "deposit" and amount > balance[account_id]:
            half = (balance[account_id] / 2).quantize(CENT, ROUND_DOWN)
            kind, amount = ("deposit", amount) if half < CENT else (kind, half)
        balance[account_id] += amount if kind == "deposit" else -amount
        day_end[(account_id, moment.date())] = (moment, balance[account_id])
        rows.append([f"T{n:06d}", account_id, kind, amount, moment])
    of = {a[0]: a for a in accounts}
    versions = [[*of[a][:3], b, of[a][4], at] for (a, _), (at, b) in day_end.items()]
    return rows, versions


def _events(rng: random.Random, transactions: list[list]) -> tuple[dict[str, list[str]], int, dict[str, int]]:
    """Event lines per month file (faults appended), the count without an event, the faults."""
    ids = [t[0] for t in transactions]
    missing = set(rng.sample(ids, round(NO_EVENT_SHARE * len(ids))))
    files: dict[str, list[str]] = {}
    evented = []  # (event, its file) in transaction order
    for transaction_id, _, _, _, moment in transactions:
        if transaction_id in missing:
            continue
        at = min(moment + timedelta(seconds=rng.randint(0, 90)), _at(moment.date(), 86399))
        country, city = rng.choice(PLACES)
        event = {
            "transaction_id": transaction_id,
            "device_type": rng.choices(list(DEVICES), list(DEVICES.values()))[0],
            "ip_address": ".".join(str(b) for b in (rng.choice(IP_FIRST_OCTETS), *rng.choices(range(256), k=2),
                                                    rng.randint(1, 254))),
            "geolocation": {"country": country, "city": city},
            "fraud_score": round(rng.betavariate(1.5, 12), 4),
            "event_ts": _ts(at),
        }
        month = at.strftime("%Y-%m")
        files.setdefault(month, []).append(_json(event))
        evented.append((event, month))
    for i, kind in enumerate(DOCUMENT_FAULTS):
        event, month = evented[i % len(evented)]
        bad = dict(event)
        if kind == "missing_transaction_id":
            del bad["transaction_id"]
        elif kind in ("fraud_score_wrong_type", "fraud_score_out_of_range"):
            bad["fraud_score"] = "high" if kind == "fraud_score_wrong_type" else 1.7
        elif kind == "unknown_device_type":
            bad["device_type"] = "smart_tv"
        line = _json(bad)
        files[month].append(line[: len(line) // 2] if kind == "invalid_json" else line)
    return files, len(missing), dict.fromkeys(DOCUMENT_FAULTS, 1)


def _relational_faults(rng: random.Random, accounts: list[list], next_id: int, start: date, end: date) -> list[list]:
    """One faulty deposit row per RELATIONAL_FAULTS kind, in that order; day k is start + k days, at most `end`."""
    on = lambda k: _at(min(start + timedelta(days=k), end), rng.randint(3600, 86399))  # noqa: E731
    return [
        [f"T{next_id:06d}", rng.choice(accounts)[0], "deposit", BAD_AMOUNT, on(1)],
        [f"T{next_id + 1:06d}", rng.choice(accounts)[0], "deposit", _money(rng, 20, 500), BAD_TIMESTAMP],
        ["", rng.choice(accounts)[0], "deposit", _money(rng, 20, 500), on(2)],
        [f"T{next_id + 2:06d}", UNKNOWN_ACCOUNT, "deposit", _money(rng, 20, 500), on(3)],
    ]


def _text(value) -> str:
    """A CSV field: times as `YYYY-MM-DD HH:MM:SS`, money with two decimals."""
    return _ts(value) if isinstance(value, datetime) else f"{value:.2f}" if isinstance(value, Decimal) else value


def generate(
    out_dir: Path,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    db_url: str | None = None,
) -> FinanceReport:
    """Write the three CSV exports and the event files; the same arguments give byte-identical files.

    `db_url` (postgresql://): also load the three tables into schema `finance` of that database.
    """
    arguments.check(scale, start, end)
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    events_dir = out_dir / EVENTS_DIR
    events_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted([*out_dir.glob("*.csv"), *events_dir.glob("*.jsonl")]):
        stale.unlink()

    customers, first_seen = _customers(rng, customer_count(scale), start, end)
    accounts = []  # first versions: account_id, customer_id, type, balance, opened_at, updated_at
    for i, since in enumerate(first_seen):
        for k, kind in enumerate(ACCOUNT_TYPES):
            opened = _at(start - timedelta(days=rng.randint(30, 2000)), rng.randint(0, 86399))
            accounts.append([f"A{2 * i + k + 1:04d}", f"C{i + 1:04d}", kind, _money(rng, 50, 5000), opened, since])
    transactions, balances = _transactions(rng, accounts, start, end)
    event_files, without_event, faults = _events(rng, transactions)
    bad_rows = _relational_faults(rng, accounts, len(transactions) + 1, start, end)
    faults = {**dict.fromkeys(RELATIONAL_FAULTS, 1), **faults}

    tables = {
        "customers": sorted(customers, key=lambda r: (r[-1], r[0])),
        "accounts": sorted(accounts + balances, key=lambda r: (r[-1], r[0])),
        "transactions": transactions + bad_rows,
    }
    paths, table_rows = [], {}
    for name, rows in tables.items():
        path = out_dir / f"{name}.csv"
        write_text(path, csv_text(HEADERS[name], [[_text(v) for v in row] for row in rows]))
        paths.append(path)
        table_rows[name] = len(rows)
    for month, lines in sorted(event_files.items()):
        path = events_dir / f"events_{month}.jsonl"
        write_text(path, "".join(f"{line}\n" for line in lines))
        paths.append(path)
    table_rows[EVENTS_DIR] = sum(len(lines) for lines in event_files.values())

    database, not_loaded = finance_db.load(out_dir, db_url) if db_url else (None, {})
    return FinanceReport(
        paths=tuple(sorted(paths)), rows=sum(table_rows.values()), first_date=start, last_date=end,
        table_rows=table_rows, faults=faults, without_event=without_event, database=database, not_loaded=not_loaded,
    )
