"""The finance job end to end on generated exports: 2024-01-01..2024-02-29 (default seed, scale 1) in
one run with a fixed test PII key, every table read back and compared, row for row and to the cent,
with an oracle worked out here from the landing CSV and JSON Lines files in plain Python (csv, json,
hmac, Decimal; no Spark, nothing of the domain's transforms or of lakehouse.pii but the variable's
name): each generator fault in its rejects table with its exact reason, rows adding up per layer,
hashed and masked PII and no raw email or phone past bronze, one version per change (the 23:59:59
one included), the calendar, the facts with their keys (xxhash64 of the natural id, recomputed here)
and device events, the running totals; every blocking check passes, the PII rule and the integrity
check find injected faults; a re-run of one day changes nothing; a missing key fails before
anything is written; `lakehouse sql` answers the seed's verification query and an as-of question.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

from lakehouse.datagen.finance import FAULTS, generate
from lakehouse.definitions import build_definitions, build_resources
from lakehouse.pii import KEY_VARIABLE  # the variable's name only: the oracle hashes on its own
from lakehouse.settings import Settings
from lakehouse_tests.domains.warehouse import by, read_table, run_range, text, without
from lakehouse_tests.conftest import materialize_range

KEY = "finance-test-key-not-a-secret"  # the fixed test key of the keyed hashes
START, END = date(2024, 1, 1), date(2024, 2, 29)
RERUN_DAY = date(2024, 1, 29)  # C0010 changes phone that day, with transactions and account versions (asserted)
AS_OF = date(2024, 1, 31)  # the as-of question's day
TS = "%Y-%m-%d %H:%M:%S"
ENTITIES = ("customers", "accounts", "transactions", "transaction_events")
TABLES = (
    *(f"bronze/finance/{e}" for e in ENTITIES), "bronze/finance/rejects",
    *(f"silver/finance/{e}" for e in ENTITIES), "silver/finance/rejects",
    *(f"gold/finance/{t}" for t in ("dim_dates", "dim_customers", "dim_accounts", "fact_transactions",
                                    "customer_transaction_totals")),
)  # fmt: skip
DEVICES = ("mobile_app", "web_browser", "atm")
# Where each generator fault ends: (rejects table, entity, reason). A copy of a valid event that breaks a
# rule is also a second event of its transaction that day: silver names every reason, `;`-joined.
FAULT_REASONS = {
    "unparseable_amount": ("bronze", "transactions", "unparseable:amount"),
    "unparseable_timestamp": ("bronze", "transactions", "unparseable:timestamp"),
    "invalid_json": ("bronze", "transaction_events", "malformed_json"),
    "empty_transaction_id": ("silver", "transactions", "empty_key:transaction_id"),
    "unknown_account": ("silver", "transactions", "unknown_account"),
    "missing_transaction_id": ("silver", "transaction_events", "empty_key:transaction_id"),
    "fraud_score_wrong_type": ("silver", "transaction_events", "wrong_type:fraud_score;duplicate_key"),
    "fraud_score_out_of_range": ("silver", "transaction_events", "out_of_range:fraud_score;duplicate_key"),
    "unknown_device_type": ("silver", "transaction_events", "out_of_range:device_type;duplicate_key"),
    "duplicate_event": ("silver", "transaction_events", "duplicate_key"),
}
VERSION = ("valid_from_ts", "version_in_day", "is_deleted", "valid_from")


# ------------------------------------------------------------------------------------- helpers


def run(defs, instance, first: date, last: date):
    """One in-process run of finance_daily over first..last (a single-run backfill)."""
    return run_range(defs, instance, "finance_daily", first.isoformat(), last.isoformat())


def table(home: Path, key: str) -> list[dict]:
    """Every committed row of a table, in a fixed order."""
    return sorted(read_table(home, key), key=repr)


def canonical(rows: list[dict]) -> list[dict]:
    """Rows in an order that does not depend on the order of their keys."""
    return sorted(rows, key=lambda r: repr(sorted(r.items())))


def days() -> list[date]:
    return [START + timedelta(days=i) for i in range((END - START).days + 1)]


# ------------------------------------------------------------------------- oracle: typing, PII, keys


def moment(value: str | None) -> datetime | None:
    try:
        return datetime.strptime((value or "").strip(), TS)
    except ValueError:
        return None


def money(value: str | None) -> Decimal | None:
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return number.quantize(Decimal("0.01")) if number.is_finite() else None


def normal_email(raw: str | None) -> str | None:
    """The spec's normalisation: NFC, surrounding whitespace stripped, lower-cased."""
    return text(unicodedata.normalize("NFC", raw or "").lower())


def normal_phone(raw: str | None) -> str | None:
    """ASCII digits, with the leading '+' kept ('00' read as '+'); None without digits."""
    stripped = (raw or "").strip()
    digits = "".join(c for c in stripped if c in "0123456789")
    if stripped.startswith("+"):
        return "+" + digits if digits else None
    if digits.startswith("00"):
        return "+" + digits[2:] if digits[2:] else None
    return digits or None


def keyed(value: str | None) -> str | None:
    return None if value is None else hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def email_mask(raw: str | None) -> str | None:
    email = normal_email(raw)
    if email is None:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def phone_mask(raw: str | None) -> str | None:
    phone = normal_phone(raw)
    return None if phone is None else "***-***-" + phone.lstrip("+")[-4:]


_P1, _P2, _P3, _P4, _P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63,
                           0x27D4EB2F165667C5)  # fmt: skip
_M = (1 << 64) - 1


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxhash64(value: str, seed: int = 42) -> int:
    """XXH64 of the UTF-8 bytes, as a signed 64-bit integer: Spark's `xxhash64(column)` (seed 42)."""
    data, i = value.encode(), 0
    n = len(data)
    if n >= 32:
        lanes = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M]
        while i + 32 <= n:
            lanes = [_round(v, int.from_bytes(data[i + 8 * j:i + 8 * j + 8], "little")) for j, v in enumerate(lanes)]
            i += 32
        h = sum(_rotl(v, r) for v, r in zip(lanes, (1, 7, 12, 18))) & _M
        for v in lanes:
            h = ((h ^ _round(0, v)) * _P1 + _P4) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 8 <= n:
        h = (_rotl(h ^ _round(0, int.from_bytes(data[i:i + 8], "little")), 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= n:
        h = (_rotl(h ^ ((int.from_bytes(data[i:i + 4], "little") * _P1) & _M), 23) * _P2 + _P3) & _M
        i += 4
    for byte in data[i:]:
        h = (_rotl(h ^ ((byte * _P5) & _M), 11) * _P1) & _M
    h = ((h ^ (h >> 33)) * _P2) & _M
    h = ((h ^ (h >> 29)) * _P3) & _M
    h ^= h >> 32
    return h - (1 << 64) if h >= 1 << 63 else h


# ------------------------------------------------------------------------------------- oracle


TYPED = {  # per table: its non-text columns and how a value is typed, in the table's column order
    "customers": {"updated_at": moment},
    "accounts": {"balance": money, "opened_at": moment, "updated_at": moment},
    "transactions": {"amount": money, "timestamp": moment},
}
TIME = {"customers": "updated_at", "accounts": "updated_at", "transactions": "timestamp"}


@dataclass
class Oracle:
    landing: dict  # table -> CSV rows; transaction_events -> (file name, line)
    bronze: dict  # entity -> (row, day) placed rows
    bronze_rejects: list  # (table, reason, id or line)
    silver_rejects: list  # (entity, reason, rejected_on, id or line)
    customers: dict  # customer_id -> silver versions, oldest first
    accounts: dict  # account_id -> silver versions, oldest first
    transactions: dict  # transaction_id -> silver transaction
    events: dict  # (transaction_id, event_date) -> the surviving valid event
    facts: dict  # transaction_id -> fact row
    totals: list  # customer_transaction_totals rows


def _versions(rows: list[dict], key: str) -> dict[str, list[dict]]:
    """A change feed's rows as versions: each row that changes something, at its own time, numbered within its day."""
    by_key = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["updated_at"], repr(r))):
        versions = by_key[row[key]]
        if versions and without([versions[-1]], *VERSION) == [row]:
            continue  # a re-sent row: no version
        in_day = sum(1 for v in versions if v["valid_from"] == row["updated_at"].date())
        versions.append({**row, "valid_from_ts": row["updated_at"], "version_in_day": in_day, "is_deleted": False,
                         "valid_from": row["updated_at"].date()})  # fmt: skip
    return dict(by_key)


def version_at(versions: list[dict], at: datetime) -> dict | None:
    """The version in effect at the instant `at`: the latest that began at or before it."""
    before = [v for v in versions if v["valid_from_ts"] <= at]
    return before[-1] if before else None


def version_on(versions: list[dict], day: date) -> dict | None:
    """The version standing at the end of `day`."""
    before = [v for v in versions if v["valid_from"] <= day]
    return before[-1] if before else None


def oracle(landing: Path) -> Oracle:
    """Every expected row, from the landing files alone."""
    rows = {}
    for name in TYPED:
        with open(landing / f"{name}.csv", newline="", encoding="utf-8") as handle:
            rows[name] = list(csv.DictReader(handle))
    lines = [(path.name, line) for path in sorted((landing / "transaction_events").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines()]  # fmt: skip
    bronze, bronze_rejects = defaultdict(list), []

    # Bronze: a row whose typed values parse lands on the day of its time; the others are rejects.
    for name, typed in TYPED.items():
        for row in rows[name]:
            reasons = [f"unparseable:{c}" for c, parse in typed.items() if text(row[c]) and parse(row[c]) is None]
            reasons += [f"missing_time:{TIME[name]}"] if not text(row[TIME[name]]) else []
            if reasons:
                bronze_rejects.append((name, ";".join(reasons), row[list(row)[0]]))
            else:
                typed_row = {**row, **{c: parse(row[c]) for c, parse in typed.items()}}
                bronze[name].append((typed_row, typed_row[TIME[name]].date()))
    for file, line in lines:
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict):
            bronze_rejects.append(("transaction_events", "malformed_json", line))
            continue
        at = moment(doc.get("event_ts"))
        if at is None:
            reason = "unparseable:event_ts" if text(doc.get("event_ts")) else "missing_time:event_ts"
            bronze_rejects.append(("transaction_events", reason, line))
        else:
            bronze["transaction_events"].append(({**doc, "_line": line, "_file": file}, at.date()))

    # Silver customers: PII hashed and masked, a version per change.
    silver_rejects = []
    customer_rows = []
    for row, day in bronze["customers"]:
        if not text(row["customer_id"]):
            silver_rejects.append(("customers", "empty_key:customer_id", day, None))
            continue
        customer_rows.append({
            "customer_id": text(row["customer_id"]), "name": text(row["name"]),
            "email_hash": keyed(normal_email(row["email"])), "email_masked": email_mask(row["email"]),
            "phone_hash": keyed(normal_phone(row["phone"])), "phone_masked": phone_mask(row["phone"]),
            "address": text(row["address"]), "updated_at": row["updated_at"],
        })  # fmt: skip
    customers = _versions(customer_rows, "customer_id")

    # Silver accounts: the owner must be a customer version valid at the row's time.
    account_rows = []
    for row, day in bronze["accounts"]:
        customer_id, kind = text(row["customer_id"]), (text(row["account_type"]) or "").lower()
        reasons = [r for r, bad in (
            ("empty_key:account_id", not text(row["account_id"])), ("empty_key:customer_id", not customer_id),
            ("out_of_range:account_type", kind not in ("savings", "checking")),
            ("unknown_customer", customer_id and not version_at(customers.get(customer_id, []), row["updated_at"])),
        ) if bad]  # fmt: skip
        if reasons:
            silver_rejects.append(("accounts", ";".join(reasons), day, text(row["account_id"])))
        else:
            account_rows.append({
                "account_id": text(row["account_id"]), "customer_id": customer_id, "account_type": kind,
                "balance": row["balance"], "opened_at": row["opened_at"], "updated_at": row["updated_at"],
            })  # fmt: skip
    accounts = _versions(account_rows, "account_id")

    # Silver transactions: typed, of an account valid at their time, one per id and day.
    judged = []
    for row, day in bronze["transactions"]:
        account_id, kind = text(row["account_id"]), (text(row["transaction_type"]) or "").lower()
        reasons = [r for r, bad in (
            ("empty_key:transaction_id", not text(row["transaction_id"])), ("empty_key:account_id", not account_id),
            ("missing:amount", row["amount"] is None),
            ("out_of_range:transaction_type", kind not in ("deposit", "withdrawal", "transfer")),
            ("unknown_account", account_id and not version_at(accounts.get(account_id, []), row["timestamp"])),
        ) if bad]  # fmt: skip
        judged.append(({"transaction_id": text(row["transaction_id"]), "account_id": account_id,
                        "transaction_type": kind, "amount": row["amount"], "timestamp": row["timestamp"],
                        "transaction_date": day}, reasons))  # fmt: skip
    transactions = {}
    for row, reasons in _deduplicated(judged, "transaction_id", "transaction_date",
                                      lambda r: (r["timestamp"], r["account_id"], r["amount"])):  # fmt: skip
        if reasons:
            silver_rejects.append(("transactions", ";".join(reasons), row["transaction_date"], row["transaction_id"]))
        else:
            transactions[row["transaction_id"]] = row

    # Silver events: the rules on the document's own JSON types, one event per transaction and day.
    judged = []
    for doc, day in bronze["transaction_events"]:
        score, device = doc.get("fraud_score"), (text(doc.get("device_type")) or "").lower() or None
        number = isinstance(score, (int, float)) and not isinstance(score, bool)
        reasons = [r for r, bad in (
            ("empty_key:transaction_id", not text(doc.get("transaction_id"))),
            ("wrong_type:fraud_score", score is not None and not number),
            ("out_of_range:fraud_score", number and not 0 <= score <= 1),
            ("out_of_range:device_type", device is not None and device not in DEVICES),
        ) if bad]  # fmt: skip
        geo = doc.get("geolocation") or {}
        judged.append(({"transaction_id": text(doc.get("transaction_id")), "device_type": device,
                        "ip_address": text(doc.get("ip_address")), "country": text(geo.get("country")),
                        "city": text(geo.get("city")), "fraud_score": float(score) if number else None,
                        "event_ts": moment(doc["event_ts"]), "_file": doc["_file"], "_line": doc["_line"],
                        "event_date": day}, reasons))  # fmt: skip
    events = {}
    for row, reasons in _deduplicated(judged, "transaction_id", "event_date",
                                      lambda r: (r["event_ts"], r["_file"], r["_line"])):  # fmt: skip
        if reasons:
            silver_rejects.append(("transaction_events", ";".join(reasons), row["event_date"], row["_line"]))
        else:
            events[row["transaction_id"], row["event_date"]] = row

    # Gold: facts keyed by the account version valid at the transaction's second, their event's fields.
    facts = {}
    for t in transactions.values():
        account = version_at(accounts[t["account_id"]], t["timestamp"])
        event = events.get((t["transaction_id"], t["transaction_date"]))
        facts[t["transaction_id"]] = {
            "transaction_id": t["transaction_id"], "date_key": int(t["transaction_date"].strftime("%Y%m%d")),
            "account_key": xxhash64(t["account_id"]), "customer_key": xxhash64(account["customer_id"]),
            "amount": t["amount"], "transaction_type": t["transaction_type"],
            "device_type": event and event["device_type"], "fraud_score": event and event["fraud_score"],
            "transaction_date": t["transaction_date"],
        }  # fmt: skip
    owner = {xxhash64(c): c for c in customers}
    totals = []
    for day in days():
        summed = defaultdict(Decimal)
        for f in facts.values():
            if f["transaction_date"] <= day:
                summed[f["customer_key"]] += f["amount"]
        for key, total in summed.items():
            name = version_on(customers[owner[key]], day)["name"]
            totals.append({"customer_key": key, "name": name, "total_amount": total, "as_of_date": day})
    return Oracle(
        landing={**rows, "transaction_events": lines}, bronze=dict(bronze), bronze_rejects=bronze_rejects,
        silver_rejects=silver_rejects, customers=customers, accounts=accounts, transactions=transactions,
        events=events, facts=facts, totals=totals,
    )  # fmt: skip


def _deduplicated(judged: list, key: str, day: str, order) -> list:
    """(row, reasons): per non-null key and day, every row but the first (valid rows first, then by `order`)
    has duplicate_key added."""
    groups = defaultdict(list)
    for row, reasons in judged:
        groups[row[key], row[day]].append((row, reasons))
    out = []
    for (value, _), members in groups.items():
        members.sort(key=lambda m: (bool(m[1]), order(m[0])))
        out += [(row, reasons + ["duplicate_key"] if value is not None and i else reasons)
                for i, (row, reasons) in enumerate(members)]  # fmt: skip
    return out


# ------------------------------------------------------------------------------------- fixtures


@dataclass
class Lakehouse:
    home: Path
    landing: Path
    defs: object
    instance: object
    report: object
    result: object
    tables: dict[str, list[dict]]


@pytest.fixture(scope="module")
def finance(tmp_path_factory, spark) -> Lakehouse:
    """Generated exports and events for 2024-01-01..2024-02-29; finance_daily over the range in one run,
    the key given as LAKEHOUSE_PII_KEY (bound by definitions as an EnvVar); every table read back."""
    home = tmp_path_factory.mktemp("finance-home")
    landing = home / "landing" / "finance"
    report = generate(landing, start=START, end=END)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_VARIABLE, KEY)
        defs = build_definitions(Settings(home=home, spark_master="local[2]", has_pii_key=True))
        instance = DagsterInstance.ephemeral()
        result = run(defs, instance, START, END)
        tables = {key: table(home, key) for key in TABLES}
        yield Lakehouse(home, landing, defs, instance, report, result, tables)


@pytest.fixture(scope="module")
def expected(finance) -> Oracle:
    return oracle(finance.landing)


@pytest.fixture(scope="module")
def raw_pii(expected) -> set[str]:
    """Every raw email and phone number of the exports, as written and in the spellings a leak could take."""
    found = set()
    for row in expected.landing["customers"]:
        for raw, normal in ((row["email"], normal_email(row["email"])), (row["phone"], normal_phone(row["phone"]))):
            found |= {v for v in (raw, raw.strip(), normal, (normal or "").lstrip("+")) if v}
    return found


# ------------------------------------------------------------------------------------- tests


def test_the_run_succeeds_and_every_blocking_check_passes(finance, expected):
    assert finance.report.faults == dict.fromkeys(finance.report.faults, 1) and len(finance.report.faults) == 10
    assert finance.result.success
    written = {e.asset_key.to_user_string() for e in finance.result.get_asset_materialization_events()}
    assert written == set(TABLES)
    evaluations = finance.result.get_asset_check_evaluations()
    assert len(evaluations) == 34
    assert [e.check_name for e in evaluations if e.blocking and not e.passed] == []
    assert {e.check_name for e in evaluations if not e.blocking} == {"device_event_missing_below_5pct",
                                                                      "mean_amount_below_100k"}  # fmt: skip
    failed = [(e.asset_key.to_user_string(), e.check_name, e.severity) for e in evaluations if not e.passed]
    assert failed == [("gold/finance/fact_transactions", "device_event_missing_below_5pct", AssetCheckSeverity.WARN)]
    # Its verdicts per day: exactly the days on which 5% or more of the transactions have no event.
    per_day = {}
    records = finance.instance.get_records_for_run(
        finance.result.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if evaluation.check_name == "device_event_missing_below_5pct" and evaluation.partition:
            per_day[date.fromisoformat(evaluation.partition)] = evaluation.passed
    per_day_facts = defaultdict(list)
    for f in expected.facts.values():
        per_day_facts[f["transaction_date"]].append(f["device_type"] is None)
    want = {day: sum(flags) / len(flags) < 0.05 for day, flags in per_day_facts.items()}
    assert per_day == {**dict.fromkeys(days(), True), **want}
    assert sorted(day for day, ok in per_day.items() if not ok) == sorted(
        {f["transaction_date"] for f in expected.facts.values() if f["device_type"] is None}
    )


def test_every_fault_ends_in_its_rejects_table_with_its_reason(finance, expected):
    t = finance.tables
    assert set(FAULT_REASONS) == set(FAULTS) and finance.report.faults == dict.fromkeys(FAULTS, 1)
    found = Counter([("bronze", r["table"], r["reason"]) for r in t["bronze/finance/rejects"]]
                    + [("silver", r["entity"], r["reason"]) for r in t["silver/finance/rejects"]])  # fmt: skip
    assert found == Counter(FAULT_REASONS.values())
    bronze = sorted((r["table"], r["reason"], json.loads(r["record"]).get("transaction_id")
                     if r["table"] != "transaction_events" else json.loads(r["record"])["_line"])
                    for r in t["bronze/finance/rejects"])  # fmt: skip
    assert bronze == sorted(expected.bronze_rejects)
    events_file = {line: file for file, line in expected.landing["transaction_events"]}
    for r in t["bronze/finance/rejects"]:
        if r["table"] == "transaction_events":
            record = json.loads(r["record"])
            assert record["_source_file"].endswith("/transaction_events/" + events_file[record["_line"]])
    # The generator's faults, by name: ids continue after the regular transactions.
    regular = len(expected.transactions)
    bad_amount, bad_time, no_id, unknown = expected.landing["transactions"][regular:]
    assert (bad_amount["amount"], bad_time["timestamp"], no_id["transaction_id"], unknown["account_id"]) == (
        "1.234,56", "2024-13-45 25:61:00", "", "A0000")  # fmt: skip
    cut = next(line for _, line in expected.landing["transaction_events"] if not line.endswith("}"))
    assert bronze == sorted([
        ("transactions", "unparseable:amount", bad_amount["transaction_id"]),
        ("transactions", "unparseable:timestamp", bad_time["transaction_id"]),
        ("transaction_events", "malformed_json", cut),
    ])  # fmt: skip

    def key(r):
        record = r["record"] if r["entity"] == "transaction_events" else json.loads(r["record"])["transaction_id"]
        return r["entity"], r["reason"], r["rejected_on"], record

    silver = sorted((key(r) for r in t["silver/finance/rejects"]), key=repr)
    assert silver == sorted(expected.silver_rejects, key=repr)
    # The copies of valid events: the one that fails a rule says so, and that its transaction has an event already.
    evented = [doc for doc, _ in expected.bronze["transaction_events"]]
    first = lambda k: next(d["_line"] for d in evented if d.get("transaction_id") == k)  # noqa: E731
    no_key = next(d for d in evented if "transaction_id" not in d)
    by_reason = {reason: (entity, day, record) for entity, reason, day, record in silver}
    assert set(by_reason) == {
        "empty_key:transaction_id", "unknown_account", "wrong_type:fraud_score;duplicate_key",
        "out_of_range:fraud_score;duplicate_key", "out_of_range:device_type;duplicate_key", "duplicate_key",
    }  # fmt: skip
    assert len(silver) == 7  # empty_key twice: a transaction row and an event
    assert sorted((r for r in silver if r[1] == "empty_key:transaction_id"), key=repr) == sorted([
        ("transaction_events", "empty_key:transaction_id", moment(no_key["event_ts"]).date(), no_key["_line"]),
        ("transactions", "empty_key:transaction_id", moment(no_id["timestamp"]).date(), None),
    ], key=repr)  # fmt: skip
    unknown_day = moment(unknown["timestamp"]).date()
    assert by_reason["unknown_account"] == ("transactions", unknown_day, unknown["transaction_id"])
    for reason, score, device in (("wrong_type:fraud_score", "high", None), ("out_of_range:fraud_score", 1.7, None),
                                  ("out_of_range:device_type", None, "smart_tv")):  # fmt: skip
        line = json.loads(by_reason[f"{reason};duplicate_key"][2])
        if score is not None:
            assert line["fraud_score"] == score
        else:
            assert line["device_type"] == device
        assert json.loads(first(line["transaction_id"])) != line  # the transaction's valid event came first
    resent = by_reason["duplicate_key"][2]
    assert [line for _, line in expected.landing["transaction_events"]].count(resent) == 2


def test_rows_add_up_per_table_from_landing_to_bronze_to_silver(finance, expected):
    t, report = finance.tables, finance.report
    bronze_rejects = Counter(r["table"] for r in t["bronze/finance/rejects"])
    silver_rejects = Counter(r["entity"] for r in t["silver/finance/rejects"])
    landed = {name: len(rows) for name, rows in expected.landing.items()}
    assert landed == report.table_rows
    for entity in ENTITIES:
        assert landed[entity] == len(t[f"bronze/finance/{entity}"]) + bronze_rejects[entity], entity
        assert len(t[f"bronze/finance/{entity}"]) == len(t[f"silver/finance/{entity}"]) + silver_rejects[entity], entity
    # Per day too, and each bronze row on its day.
    day_column = {"customers": "updated_date", "accounts": "updated_date", "transactions": "transaction_date",
                  "transaction_events": "event_date"}  # fmt: skip
    silver_day = {"customers": "valid_from", "accounts": "valid_from", "transactions": "transaction_date",
                  "transaction_events": "event_date"}  # fmt: skip
    for entity in ENTITIES:
        placed = Counter(r[day_column[entity]] for r in t[f"bronze/finance/{entity}"])
        assert placed == Counter(day for _, day in expected.bronze[entity]), entity
        kept = Counter(r[silver_day[entity]] for r in t[f"silver/finance/{entity}"])
        rejected = Counter(r["rejected_on"] for r in t["silver/finance/rejects"] if r["entity"] == entity)
        assert placed == kept + rejected, entity
    assert Counter(r["_line"] for r in t["bronze/finance/transaction_events"]) == Counter(
        d["_line"] for d, _ in expected.bronze["transaction_events"]
    )
    assert len(t["silver/finance/transactions"]) == 240 and report.table_rows["transactions"] == 244


def test_silver_customers_are_hashed_masked_and_versioned_per_change(finance, expected):
    got = finance.tables["silver/finance/customers"]
    want = [v for versions in expected.customers.values() for v in versions]
    assert canonical(without(got, "_extracted_at")) == canonical(want)
    # The spec's forms, spelled out on C0001 (its email typed with capitals and spaces).
    c1 = expected.landing["customers"][0]
    assert c1["customer_id"] == "C0001" and c1["email"] != c1["email"].strip().lower()
    first = by(got, "customer_id", "version_in_day", "valid_from")["C0001", 0, START]
    email, phone = c1["email"].strip().lower(), "+" + "".join(ch for ch in c1["phone"] if ch.isdigit())
    assert first["email_hash"] == hmac.new(KEY.encode(), email.encode(), hashlib.sha256).hexdigest()
    assert first["phone_hash"] == hmac.new(KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()
    assert first["email_masked"] == f"{email[0]}***@{email.split('@')[1]}" and first["email_masked"].startswith("z***@")
    assert first["phone_masked"] == f"***-***-{phone[-4:]}"
    assert first["name"] == "Zoë Müller" and first["updated_at"] == datetime(2024, 1, 1)
    # The customer with no phone: no hash, no mask.
    no_phone = [r for r in got if r["customer_id"] == "C0003"]
    assert no_phone and all(r["phone_hash"] is None and r["phone_masked"] is None for r in no_phone)
    assert [r["phone"] for r in expected.landing["customers"] if r["customer_id"] == "C0003"] == [""]
    # Versions: exactly the changed customers have two, the second at its change time.
    counts = Counter(r["customer_id"] for r in got)
    rows_per_id = Counter(r["customer_id"] for r in expected.landing["customers"])
    changed = {c for c, n in rows_per_id.items() if n == 2}
    assert len(changed) == 4 and set(rows_per_id.values()) == {1, 2}
    assert {c for c, n in counts.items() if n == 2} == changed and set(counts.values()) == {1, 2}
    assert len(counts) == 20
    changes = []
    for customer_id in sorted(changed):
        _, changed_at = sorted(moment(r["updated_at"]) for r in expected.landing["customers"]
                               if r["customer_id"] == customer_id)  # fmt: skip
        changes.append((customer_id, changed_at))
    for customer_id, at in changes:
        second = max((r for r in got if r["customer_id"] == customer_id), key=lambda r: r["valid_from_ts"])
        assert (second["valid_from"], second["valid_from_ts"], second["updated_at"]) == (at.date(), at, at)
    assert [at.time().isoformat() for _, at in changes].count("23:59:59") == 1
    # The hashes of a changed email or phone differ from the first version's; the others are equal.
    for customer_id in changed:
        old, new = sorted((r for r in got if r["customer_id"] == customer_id), key=lambda r: r["valid_from_ts"])
        differ = {c for c in ("email_hash", "phone_hash", "address") if old[c] != new[c]}
        assert len(differ) == 1, customer_id


def test_no_raw_email_or_phone_reaches_silver_or_gold(finance, raw_pii):
    assert len(raw_pii) > 40

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for inner in value.values():
                yield from strings(inner)

    def leaks(key: str) -> set[str]:
        return {raw for row in finance.tables[key] for value in row.values() for s in strings(value)
                for raw in raw_pii if raw in s}  # fmt: skip

    for key in TABLES:
        if not key.startswith("bronze/"):
            assert leaks(key) == set(), key
    # The scan finds them where they belong: bronze keeps the source's values.
    assert {r["email"] for r in finance.tables["bronze/finance/customers"]} <= leaks("bronze/finance/customers")


def test_silver_accounts_transactions_and_events_equal_the_oracle(finance, expected):
    t = finance.tables
    want = [v for versions in expected.accounts.values() for v in versions]
    assert canonical(without(t["silver/finance/accounts"], "_extracted_at")) == canonical(want)
    assert len(want) == len(t["bronze/finance/accounts"])  # every balance row changes something
    got = by(without(t["silver/finance/transactions"], "_extracted_at"), "transaction_id")
    assert got == {(k,): v for k, v in expected.transactions.items()}
    got = by(t["silver/finance/transaction_events"], "transaction_id")
    assert set(got) == {(k,) for k, _ in expected.events}
    for (transaction_id, _), event in expected.events.items():
        row = got[transaction_id,]
        assert row["_source_file"].endswith("/transaction_events/" + event["_file"])
        assert without([row], "_source_file") == without([event], "_file", "_line"), transaction_id


def test_dim_dates_is_a_full_calendar(finance):
    assert canonical(finance.tables["gold/finance/dim_dates"]) == canonical([
        {"date_key": int(d.strftime("%Y%m%d")), "date": d, "year": d.year, "month": d.month, "day": d.day,
         "quarter": (d.month - 1) // 3 + 1, "day_of_week": d.isoweekday()}
        for d in days()
    ])  # fmt: skip
    assert len(finance.tables["gold/finance/dim_dates"]) == 60
    leap = next(r for r in finance.tables["gold/finance/dim_dates"] if r["date"] == END)
    assert (leap["date_key"], leap["day_of_week"], leap["quarter"]) == (20240229, 4, 1)


def test_dimensions_one_row_per_version_with_stable_keys(finance, expected):
    dim_c, dim_a = finance.tables["gold/finance/dim_customers"], finance.tables["gold/finance/dim_accounts"]
    columns = ("customer_id", "name", "email_masked", "email_hash", "phone_masked", "address", *VERSION)
    assert canonical(dim_c) == canonical(
        [{"customer_key": xxhash64(v["customer_id"]), **{c: v[c] for c in columns}}
         for vs in expected.customers.values() for v in vs])  # fmt: skip
    columns = ("account_id", "account_type", "opened_at", "balance", *VERSION)
    assert canonical(dim_a) == canonical(
        [{"account_key": xxhash64(v["account_id"]), "customer_key": xxhash64(v["customer_id"]),
          **{c: v[c] for c in columns}} for vs in expected.accounts.values() for v in vs])  # fmt: skip
    # One key per natural id, the same for all its versions, and no two ids share one.
    for rows, natural, key in ((dim_c, "customer_id", "customer_key"), (dim_a, "account_id", "account_key")):
        keys = defaultdict(set)
        for r in rows:
            keys[r[natural]].add(r[key])
        assert all(len(k) == 1 for k in keys.values()) and len({min(k) for k in keys.values()}) == len(keys)
    assert max(Counter(r["account_id"] for r in dim_a).values()) > 1


def test_fact_transactions_equal_the_oracle(finance, expected):
    got = by(finance.tables["gold/finance/fact_transactions"], "transaction_id")
    assert got == {(k,): v for k, v in expected.facts.items()}
    assert len(got) == 240
    # Keys: the dimensions' (every version of an account has one key; its owner's customer key).
    account_key = {r["account_id"]: r["account_key"] for r in finance.tables["gold/finance/dim_accounts"]}
    customer_key = {r["customer_id"]: r["customer_key"] for r in finance.tables["gold/finance/dim_customers"]}
    for transaction_id, t in expected.transactions.items():
        fact = got[transaction_id,]
        owner = expected.accounts[t["account_id"]][0]["customer_id"]
        assert (fact["account_key"], fact["customer_key"]) == (account_key[t["account_id"]], customer_key[owner])
    # Without a valid event: exactly the generator's drawn transactions (no valid line names them).
    named = {json.loads(line).get("transaction_id") for _, line in expected.landing["transaction_events"]
             if line.endswith("}")}  # fmt: skip
    no_event = {k for (k,), r in got.items() if r["device_type"] is None}
    assert no_event == {k for (k,), r in got.items() if r["fraud_score"] is None}
    assert no_event == set(expected.transactions) - named and len(no_event) == finance.report.without_event == 7
    # Both ends of the last day (A0001's last two transactions), on the last day.
    edges = {datetime(2024, 2, 29, 0, 0, 0), datetime(2024, 2, 29, 23, 59, 59)}
    on_edges = [k for k, t in expected.transactions.items() if t["timestamp"] in edges]
    assert len(on_edges) == 2 and {expected.transactions[k]["account_id"] for k in on_edges} == {"A0001"}
    assert [(got[k,]["transaction_date"], got[k,]["date_key"]) for k in on_edges] == [(END, 20240229)] * 2


def test_customer_transaction_totals_equal_the_oracle(finance, expected):
    got = finance.tables["gold/finance/customer_transaction_totals"]
    assert by(got, "as_of_date", "customer_key") == by(expected.totals, "as_of_date", "customer_key")
    assert {r["as_of_date"] for r in got} == set(days())
    last = [r for r in got if r["as_of_date"] == END]
    assert len(last) == 20 and sum(r["total_amount"] for r in last) == sum(f["amount"] for f in expected.facts.values())


def test_no_raw_pii_rule_fails_on_injected_values_and_passes_on_silver(finance, spark, expected):
    from pyspark.sql import functions as F

    from lakehouse.quality.rules import no_raw_pii

    rule = no_raw_pii()
    customers = spark.read.parquet(str(finance.home / "warehouse" / "silver/finance/customers"))
    assert rule(customers).passed and rule(customers).failing_count == 0
    raw_email = expected.landing["customers"][0]["email"].strip()
    raw_phone = expected.landing["customers"][0]["phone"]
    one = customers.where(F.col("customer_id") == "C0002")
    leaked = customers.unionByName(one.withColumn("email_masked", F.lit(raw_email)))
    verdict = rule(leaked)
    assert (verdict.passed, verdict.failing_count) == (False, 1)
    assert verdict.details["columns_with_raw_pii"] == ["email_masked"]
    nested = customers.withColumn("contact", F.struct(F.col("phone_masked").alias("phone")))
    leaked = nested.unionByName(one.withColumn("contact", F.struct(F.lit(raw_phone).alias("phone"))))
    verdict = rule(leaked)
    assert (verdict.passed, verdict.failing_count) == (False, 1)
    assert verdict.details["columns_with_raw_pii"] == ["contact.phone"]
    assert rule(nested).passed


def test_integrity_check_finds_exactly_the_injected_orphans(finance, spark, expected):
    from lakehouse.domains.finance.checks import orphans

    def read(key):
        return spark.read.parquet(str(finance.home / "warehouse" / key))

    facts, transactions = read("gold/finance/fact_transactions"), read("silver/finance/transactions")
    accounts, customers = read("gold/finance/dim_accounts"), read("gold/finance/dim_customers")
    assert orphans(facts, transactions, accounts, customers).count() == 0
    real = next(iter(finance.tables["gold/finance/fact_transactions"]))
    real_t = by(finance.tables["silver/finance/transactions"], "transaction_id")[real["transaction_id"],]
    existing = {r["account_key"] for r in finance.tables["gold/finance/dim_accounts"]} | {
        r["customer_key"] for r in finance.tables["gold/finance/dim_customers"]}  # fmt: skip
    missing = next(k for k in range(1, 1000) if k not in existing)
    # The account that begins last on the first day: a second before it, neither it nor its owner exists.
    latest = max((vs[0] for vs in expected.accounts.values()), key=lambda v: v["valid_from_ts"])
    early = latest["valid_from_ts"] - timedelta(seconds=1)
    assert early.date() == START
    injected = [
        ({**real, "transaction_id": "X-NO-ACCOUNT", "account_key": missing}, real_t["timestamp"]),
        ({**real, "transaction_id": "X-NO-CUSTOMER", "customer_key": missing}, real_t["timestamp"]),
        ({**real, "transaction_id": "X-NEITHER", "account_key": missing, "customer_key": missing}, real_t["timestamp"]),
        ({**real, "transaction_id": "X-TOO-EARLY", "account_key": xxhash64(latest["account_id"]),
          "customer_key": xxhash64(latest["customer_id"])}, early),
    ]  # fmt: skip
    extra_facts = spark.createDataFrame([tuple(f[c.name] for c in facts.schema) for f, _ in injected], facts.schema)
    extra_t = spark.createDataFrame(
        [tuple({**real_t, "transaction_id": f["transaction_id"], "timestamp": at}[c.name] for c in transactions.schema)
         for f, at in injected], transactions.schema)  # fmt: skip
    found = orphans(facts.unionByName(extra_facts), transactions.unionByName(extra_t), accounts, customers)
    assert sorted(r["transaction_id"] for r in found.collect()) == ["X-NEITHER", "X-NO-ACCOUNT", "X-NO-CUSTOMER",
                                                                    "X-TOO-EARLY"]  # fmt: skip


def test_rerunning_a_middle_day_changes_no_table(finance, expected):
    # The day has a customer's change, account versions and transactions.
    assert any(v["valid_from"] == RERUN_DAY and v["version_in_day"] == 0 and vs.index(v) > 0
               for vs in expected.customers.values() for v in vs)  # fmt: skip
    assert any(t["transaction_date"] == RERUN_DAY for t in expected.transactions.values())
    again = run(finance.defs, finance.instance, RERUN_DAY, RERUN_DAY)
    assert again.success
    redone = {e.asset_key.to_user_string(): e.partition for e in again.get_asset_materialization_events()}
    assert redone == {key: None if key == "bronze/finance/rejects" else RERUN_DAY.isoformat() for key in TABLES}
    assert [e.check_name for e in again.get_asset_check_evaluations() if e.blocking and not e.passed] == []
    for key in TABLES:
        # Bronze and silver stamp each row with the time it was extracted: the only column a re-run changes.
        assert without(table(finance.home, key), "_extracted_at") == without(finance.tables[key], "_extracted_at"), key
    bronze = [r for r in table(finance.home, "bronze/finance/transactions") if r["transaction_date"] == RERUN_DAY]
    before = max(r["_extracted_at"] for r in finance.tables["bronze/finance/transactions"])
    assert bronze and all(r["_extracted_at"] > before for r in bronze)


def test_a_missing_pii_key_fails_before_anything_is_written(tmp_path, spark, finance):
    from lakehouse.domains.finance.bronze import BRONZE_TABLES
    from lakehouse.pii import PiiKey

    home = tmp_path / "no-key"
    (home / "landing").mkdir(parents=True)
    (home / "landing" / "finance").symlink_to(finance.landing)
    resources = {**build_resources(Settings(home=home, spark_master="local[2]")), "pii_key": PiiKey()}
    customers = next(a for a in BRONZE_TABLES if a.key.to_user_string() == "bronze/finance/customers")
    result = materialize_range([customers], resources, "2024-01-01", "2024-01-02", raise_on_error=False)
    assert not result.success
    # The resources are set up before any step: the key's fails, so no step starts.
    kinds = [e.event_type for e in result.all_events]
    assert DagsterEventType.STEP_START not in kinds and result.get_asset_materialization_events() == []
    (failure,) = [e for e in result.all_events if e.event_type == DagsterEventType.RESOURCE_INIT_FAILURE]
    message = failure.event_specific_data.error.message
    assert message.startswith(f"dagster._core.definitions.events.Failure: {KEY_VARIABLE} is not set (or blank)")
    assert not (home / "warehouse").exists() or not any(p.is_file() for p in (home / "warehouse").rglob("*"))


def test_analysts_query_totals_and_accounts_as_of_a_day_with_lakehouse_sql(finance, expected):
    """`lakehouse sql` in a subprocess: the seed's verification query and a customer's accounts as of a day."""
    import subprocess
    import sys

    from lakehouse_tests.conftest import cli_env

    def sql(statement: str) -> list[list[str]]:
        command = [sys.executable, "-m", "lakehouse.cli", "sql", "--csv", "-c", statement]
        done = subprocess.run(command, env=cli_env(finance.home), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return list(csv.reader(done.stdout.splitlines()))[1:]

    # The seed's query: the total transaction amount per customer (its name and masked email as of the last day).
    totals = sql(
        "SELECT c.customer_id, c.name, c.email_masked, SUM(f.amount) AS total_transaction_amount "
        "FROM gold.finance_fact_transactions AS f "
        f"JOIN gold.finance_dim_customers_as_of(DATE '{END}') AS c ON f.customer_key = c.customer_key "
        "GROUP BY c.customer_id, c.name, c.email_masked ORDER BY total_transaction_amount DESC, c.customer_id"
    )
    summed = defaultdict(Decimal)
    for t in expected.transactions.values():
        summed[expected.accounts[t["account_id"]][0]["customer_id"]] += t["amount"]
    want = []
    for customer_id, total in summed.items():
        standing = version_on(expected.customers[customer_id], END)
        want.append([customer_id, standing["name"], standing["email_masked"], f"{total:.2f}"])
    assert totals == sorted(want, key=lambda r: (-Decimal(r[3]), r[0])) and len(totals) == 20
    # A customer's accounts as of a day: C0001's two, with the balance after that day's last transaction.
    accounts = sql(
        "SELECT c.name, a.account_id, a.account_type, a.balance, a.valid_from "
        f"FROM gold.finance_dim_accounts_as_of(DATE '{AS_OF}') AS a "
        f"JOIN gold.finance_dim_customers_as_of(DATE '{AS_OF}') AS c ON a.customer_key = c.customer_key "
        "WHERE c.customer_id = 'C0001' ORDER BY a.account_id"
    )
    want = []
    for account_id in ("A0001", "A0002"):
        v = version_on(expected.accounts[account_id], AS_OF)
        want.append(["Zoë Müller", account_id, v["account_type"], f"{v['balance']:.2f}", v["valid_from"].isoformat()])
    assert accounts == want
    assert [r[2] for r in accounts] == ["checking", "savings"]
    assert all(date.fromisoformat(r[4]) > START for r in accounts)  # balances changed by January's transactions
