"""The finance generator: layout, determinism, counts, balances, events, faults found by re-parsing, PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse.datagen import GENERATORS
from lakehouse.datagen.__main__ import main
from lakehouse.datagen.finance import generate

HEADERS = {
    "customers": "customer_id,name,email,phone,address,updated_at",
    "accounts": "account_id,customer_id,account_type,balance,opened_at,updated_at",
    "transactions": "transaction_id,account_id,transaction_type,amount,timestamp",
}
ALL_FAULTS = dict.fromkeys(
    ("unparseable_amount", "unparseable_timestamp", "empty_transaction_id", "unknown_account", "invalid_json",
     "missing_transaction_id", "fraud_score_wrong_type", "fraud_score_out_of_range", "unknown_device_type",
     "duplicate_event"), 1)  # fmt: skip
DEVICES = {"mobile_app", "web_browser", "atm"}
MONEY = re.compile(r"\d+\.\d{2}")


def table(out: Path, name: str) -> list[dict[str, str]]:
    with open(out / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def moment(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def transaction_faults(row: dict[str, str], accounts: set[str]) -> list[str]:
    """Every rule a transaction row breaks, each checked on its own."""
    found = []
    if not MONEY.fullmatch(row["amount"]):
        found.append("unparseable_amount")
    if moment(row["timestamp"]) is None:
        found.append("unparseable_timestamp")
    if not row["transaction_id"]:
        found.append("empty_transaction_id")
    if row["account_id"] not in accounts:
        found.append("unknown_account")
    return found


def events(out: Path) -> tuple[list[dict], Counter, dict[str, str]]:
    """The valid events, the faulty lines by kind, and the file of each line's transaction_id."""
    valid, faults, seen, file_of = [], Counter(), set(), {}
    for path in sorted((out / "transaction_events").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line in seen:
                faults["duplicate_event"] += 1
                continue
            seen.add(line)
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                faults["invalid_json"] += 1
                continue
            score = event["fraud_score"]
            if "transaction_id" not in event:
                faults["missing_transaction_id"] += 1
            elif not isinstance(score, (int, float)):
                faults["fraud_score_wrong_type"] += 1
            elif not 0 <= score <= 1:
                faults["fraud_score_out_of_range"] += 1
            elif event["device_type"] not in DEVICES:
                faults["unknown_device_type"] += 1
            else:
                valid.append(event)
                file_of[event["transaction_id"]] = path.name
    return valid, faults, file_of


def digests(report, root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in report.paths}


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    out = tmp_path_factory.mktemp("finance")
    return out, generate(out)


# --- registry, report, determinism ------------------------------------------------------------


def test_registry_report_and_files(default):
    out, report = default
    assert GENERATORS["finance"] is generate
    assert (report.first_date, report.last_date) == (date(2024, 1, 1), date(2024, 12, 31))
    assert report.paths == tuple(sorted(p for p in out.rglob("*") if p.is_file()))
    assert [p.name for p in report.paths] == [
        "accounts.csv", "customers.csv", *(f"events_2024-{m:02d}.jsonl" for m in range(1, 13)), "transactions.csv"]
    assert report.faults == ALL_FAULTS and report.without_event == 43
    assert report.database is None and report.not_loaded == {}
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in report.paths if p.suffix == ".jsonl")
    assert report.table_rows == {
        "customers": len(table(out, "customers")), "accounts": len(table(out, "accounts")),
        "transactions": 1440 + 4, "transaction_events": lines,
    }  # fmt: skip
    assert lines == 1440 - 43 + 6  # one event per transaction but the 43, plus the 6 faulty lines
    assert report.rows == sum(report.table_rows.values())


def test_same_arguments_give_identical_bytes_other_seed_differs(tmp_path):
    a, b, c = (generate(tmp_path / n, seed=s) for n, s in (("a", 3), ("b", 3), ("c", 4)))
    assert digests(a, tmp_path / "a") == digests(b, tmp_path / "b")
    other = digests(c, tmp_path / "c")
    assert all(other[name] != digest for name, digest in digests(a, tmp_path / "a").items())


def test_rerun_leaves_exactly_its_own_set(tmp_path):
    generate(tmp_path, start=date(2024, 1, 1), end=date(2024, 3, 31))
    (tmp_path / "stray.csv").write_text("x\n")
    (tmp_path / "notes.txt").write_text("kept\n")
    report = generate(tmp_path, start=date(2024, 5, 1), end=date(2024, 5, 2))
    assert sorted([*tmp_path.glob("*.csv"), *tmp_path.glob("transaction_events/*")]) == list(report.paths)
    assert [p.name for p in report.paths if p.suffix == ".jsonl"] == ["events_2024-05.jsonl"]
    assert (tmp_path / "notes.txt").read_text() == "kept\n"


def test_format_headers_utf8_lf(default):
    out, report = default
    for name, header in HEADERS.items():
        raw = (out / f"{name}.csv").read_bytes()
        assert raw.decode("utf-8").split("\n", 1)[0] == header
        assert b"\r" not in raw and raw.endswith(b"\n")
    for path in report.paths:
        assert b"\r" not in path.read_bytes()


# --- tables -----------------------------------------------------------------------------------


def test_counts_and_keys(default):
    out, _ = default
    customers, accounts, transactions = (table(out, n) for n in HEADERS)
    assert sorted({c["customer_id"] for c in customers}) == [f"C{i:04d}" for i in range(1, 21)]
    assert sorted({a["account_id"] for a in accounts}) == [f"A{i:04d}" for i in range(1, 41)]
    owner = {a["account_id"]: a["customer_id"] for a in accounts}
    assert all(owner[f"A{i:04d}"] == f"C{(i + 1) // 2:04d}" for i in range(1, 41))
    assert {(a["account_id"], a["account_type"]) for a in accounts} == {
        (f"A{i:04d}", "checking" if i % 2 else "savings") for i in range(1, 41)}
    regular = [t for t in transactions if not transaction_faults(t, set(owner))]
    assert len(regular) == 3 * 40 * 12 == 1440
    assert [t["transaction_id"] for t in regular] == [f"T{i:06d}" for i in range(1, 1441)]
    assert Counter(t["account_id"] for t in regular) == dict.fromkeys(owner, 36)
    per_month = Counter((t["account_id"], t["timestamp"][:7]) for t in regular)
    assert set(per_month.values()) == {3} and len(per_month) == 40 * 12
    assert {t["transaction_type"] for t in regular} == {"deposit", "withdrawal", "transfer"}
    assert all(MONEY.fullmatch(t["amount"]) and Decimal(t["amount"]) > 0 for t in regular)
    times = [moment(t["timestamp"]) for t in regular]
    assert times == sorted(times) and date(2024, 1, 1) <= times[0].date() and times[-1].date() <= date(2024, 12, 31)
    for rows, key in ((customers, "customer_id"), (accounts, "account_id")):
        assert len({(r[key], r["updated_at"]) for r in rows}) == len(rows)  # one row per (id, updated_at)


def test_balances_follow_the_transactions_and_never_go_negative(default):
    out, _ = default
    accounts = table(out, "accounts")
    versions = defaultdict(list)
    for row in accounts:
        assert MONEY.fullmatch(row["balance"]) and Decimal(row["balance"]) >= 0
        assert moment(row["opened_at"]) < datetime(2024, 1, 1) <= moment(row["updated_at"])
        versions[row["account_id"]].append(row)
    transactions = [t for t in table(out, "transactions") if not transaction_faults(t, set(versions))]
    days = defaultdict(dict)  # account -> day -> (last timestamp, balance after it)
    balance = {a: Decimal(rows[0]["balance"]) for a, rows in versions.items()}
    for t in transactions:
        sign = 1 if t["transaction_type"] == "deposit" else -1
        balance[t["account_id"]] += sign * Decimal(t["amount"])
        assert balance[t["account_id"]] >= 0, t
        days[t["account_id"]][t["timestamp"][:10]] = (t["timestamp"], f"{balance[t['account_id']]:.2f}")
    for account, rows in versions.items():
        first = rows[0]
        assert first["updated_at"].startswith("2024-01-01 00:")
        later = [(r["updated_at"], r["balance"]) for r in rows[1:]]
        assert later == sorted(days[account].values()), account
    assert len(accounts) == 40 + sum(len(d) for d in days.values())


def test_customer_changes_and_pii_variety(default):
    out, _ = default
    customers = table(out, "customers")
    by_id = defaultdict(list)
    for row in customers:
        by_id[row["customer_id"]].append(row)
    changed = {c: rows for c, rows in by_id.items() if len(rows) > 1}
    assert len(changed) == 4 and all(len(rows) == 2 for rows in changed.values())  # 20% of 20
    for rows in changed.values():
        old, new = rows
        assert moment(old["updated_at"]) < moment(new["updated_at"])
        differs = [k for k in ("customer_id", "name", "email", "phone", "address") if old[k] != new[k]]
        assert len(differs) == 1 and differs[0] in ("email", "phone", "address")
    firsts = [rows[0] for rows in by_id.values()]
    assert all(r["updated_at"].startswith("2024-01-01 00:") for r in firsts)
    assert by_id["C0001"][0]["name"] == "Zoë Müller"
    assert [r["customer_id"] for r in customers if r["phone"] == ""] == ["C0003"]
    assert sum(1 for r in customers if r["email"] != r["email"].strip() and r["email"] != r["email"].lower()) >= 5
    assert any(re.fullmatch(r"\+49 \(\d\d\) \d{3}-\d{4}", r["phone"]) for r in customers)
    assert any(re.fullmatch(r"0\d\d \d{7}", r["phone"]) for r in customers)
    normalised = Counter(r["email"].strip().lower() for r in firsts)
    assert max(normalised.values()) == 1  # one customer per email
    assert all(re.fullmatch(r"[a-z0-9.+]+@[a-z.]+", e) for e in normalised)


def test_boundary_timestamps(default):
    out, _ = default
    customers, transactions = table(out, "customers"), table(out, "transactions")
    assert [r["customer_id"] for r in customers if r["updated_at"].endswith(" 00:00:00")] == ["C0001"]
    assert [r["updated_at"][11:] for r in customers].count("23:59:59") == 1
    assert {t["timestamp"] for t in transactions if t["account_id"] == "A0001"} >= {
        "2024-12-31 00:00:00", "2024-12-31 23:59:59"}


# --- events and faults ------------------------------------------------------------------------


def test_events_one_per_transaction_but_the_reported_few(default):
    out, report = default
    transactions = {t["transaction_id"]: t for t in table(out, "transactions") if MONEY.fullmatch(t["amount"])
                    and moment(t["timestamp"]) and t["transaction_id"] and t["account_id"] != "A0000"}
    valid, _, file_of = events(out)
    named = Counter(e["transaction_id"] for e in valid)
    assert set(named.values()) == {1} and set(named) <= set(transactions)
    assert len(transactions) - len(named) == report.without_event == round(0.03 * 1440)
    for event in valid:
        assert list(event) == ["transaction_id", "device_type", "ip_address", "geolocation", "fraud_score", "event_ts"]
        assert list(event["geolocation"]) == ["country", "city"]
        assert re.fullmatch(r"(\d{1,3}\.){3}\d{1,3}", event["ip_address"])
        at, done = moment(event["event_ts"]), moment(transactions[event["transaction_id"]]["timestamp"])
        assert done <= at and (at - done).total_seconds() <= 90 and at.date() == done.date()
        assert file_of[event["transaction_id"]] == f"events_{event['event_ts'][:7]}.jsonl"
    devices = Counter(e["device_type"] for e in valid)
    assert set(devices) == DEVICES and devices["mobile_app"] > devices["web_browser"] > devices["atm"]


def test_each_fault_appears_exactly_as_reported(default):
    out, report = default
    accounts = {a["account_id"] for a in table(out, "accounts")}
    found = Counter()
    for row in table(out, "transactions"):
        kinds = transaction_faults(row, accounts)
        assert len(kinds) <= 1, row
        found.update(kinds)
    _, document_faults, _ = events(out)
    assert {**found, **document_faults} == report.faults
    bad = [t for t in table(out, "transactions") if transaction_faults(t, accounts)]
    assert [(t["transaction_id"], t["account_id"], t["amount"], t["timestamp"][:10]) for t in bad] == [
        ("T001441", bad[0]["account_id"], "1.234,56", "2024-01-02"),
        ("T001442", bad[1]["account_id"], bad[1]["amount"], "2024-13-45"),
        ("", bad[2]["account_id"], bad[2]["amount"], "2024-01-03"),
        ("T001443", "A0000", bad[3]["amount"], "2024-01-04"),
    ]
    # The faulty event lines end January's file, copying the first six transactions with an event, in order.
    valid, _, _ = events(out)
    tail = (out / "transaction_events" / "events_2024-01.jsonl").read_text(encoding="utf-8").splitlines()[-6:]
    copied = [e["transaction_id"] for e in valid[:6]]
    assert json.dumps(valid[0], ensure_ascii=False).startswith(tail[0]) and len(tail[0]) > 40
    parsed = [json.loads(line) for line in tail[1:]]
    assert parsed[0] == {k: v for k, v in valid[1].items() if k != "transaction_id"}
    assert [e["transaction_id"] for e in parsed[1:]] == copied[2:]
    assert [parsed[1]["fraud_score"], parsed[2]["fraud_score"], parsed[3]["device_type"]] == ["high", 1.7, "smart_tv"]
    assert tail[5] == json.dumps(valid[5], ensure_ascii=False)


# --- ranges, scale, arguments, CLI ------------------------------------------------------------


def test_short_range_and_small_scale(tmp_path):
    report = generate(tmp_path / "short", start=date(2024, 2, 28), end=date(2024, 2, 29))
    transactions = table(tmp_path / "short", "transactions")
    assert report.table_rows["transactions"] == 3 * 40 + 4 and report.faults == ALL_FAULTS
    assert {t["timestamp"][:10] for t in transactions if moment(t["timestamp"])} == {"2024-02-28", "2024-02-29"}
    assert {t["timestamp"] for t in transactions if t["account_id"] == "A0001"} >= {
        "2024-02-29 00:00:00", "2024-02-29 23:59:59"}
    tiny = generate(tmp_path / "tiny", scale=0.1)
    customers = table(tmp_path / "tiny", "customers")
    assert sorted({c["customer_id"] for c in customers}) == ["C0001", "C0002"] and len(customers) == 3
    assert tiny.table_rows["transactions"] == 3 * 4 * 12 + 4 and tiny.faults == ALL_FAULTS
    assert tiny.without_event == round(0.03 * 144) == 4
    one = generate(tmp_path / "one", scale=0.01, start=date(2024, 6, 1), end=date(2024, 6, 1))
    assert one.table_rows["transactions"] == 3 * 2 + 4 and one.faults == ALL_FAULTS


def test_bad_arguments_raise_before_writing(tmp_path):
    with pytest.raises(ValueError, match="after end"):
        generate(tmp_path, start=date(2024, 1, 2), end=date(2024, 1, 1))
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0)
    assert not list(tmp_path.iterdir())


def test_cli(tmp_path, capsys):
    assert main(["finance", "--scale", "0.5", "--out", str(tmp_path)]) == 0
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"finance: wrote 15 file\(s\) \[.*\], \d+ rows, dates 2024-01-01\.\.2024-12-31 \(.* s\)", line)
    assert len(table(tmp_path, "accounts")) and {c["customer_id"] for c in table(tmp_path, "customers")} == {
        f"C{i:04d}" for i in range(1, 11)}
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0 and "finance" in capsys.readouterr().out


# --- PostgreSQL -------------------------------------------------------------------------------


def test_postgres_load(postgres, tmp_path):
    import psycopg

    from lakehouse_tests.pg_server import PASSWORD

    url = postgres.url()
    report = generate(tmp_path, scale=0.5, db_url=url)
    assert report.database == url.replace(PASSWORD, "***") and PASSWORD not in report.database
    assert report.not_loaded == {"customers": 0, "accounts": 0, "transactions": 2}
    with psycopg.connect(url) as conn:
        counts = {name: conn.execute(f"SELECT count(*) FROM finance.{name}").fetchone()[0] for name in HEADERS}
        types = dict(conn.execute(
            "SELECT table_name || '.' || column_name, data_type || coalesce('(' || numeric_precision || ','"
            " || numeric_scale || ')', '') FROM information_schema.columns WHERE table_schema = 'finance'"
        ).fetchall())  # fmt: skip
        total, nulls = conn.execute(
            "SELECT sum(amount), count(*) - count(transaction_id) FROM finance.transactions").fetchone()
        empty_phone = conn.execute("SELECT count(*) FROM finance.customers WHERE phone IS NULL").fetchone()[0]
    assert counts == {"customers": report.table_rows["customers"], "accounts": report.table_rows["accounts"],
                      "transactions": 3 * 20 * 12 + 4 - 2}  # fmt: skip
    text, stamp, money = "text", "timestamp without time zone", "numeric(12,2)"
    assert types == {
        **{f"customers.{c}": text for c in ("customer_id", "name", "email", "phone", "address")},
        "customers.updated_at": stamp,
        **{f"accounts.{c}": text for c in ("account_id", "customer_id", "account_type")},
        "accounts.balance": money, "accounts.opened_at": stamp, "accounts.updated_at": stamp,
        **{f"transactions.{c}": text for c in ("transaction_id", "account_id", "transaction_type")},
        "transactions.amount": money, "transactions.timestamp": stamp,
    }  # fmt: skip
    loadable = [t for t in table(tmp_path, "transactions") if MONEY.fullmatch(t["amount"]) and moment(t["timestamp"])]
    assert total == sum(Decimal(t["amount"]) for t in loadable) and nulls == 1 and empty_phone == 1
