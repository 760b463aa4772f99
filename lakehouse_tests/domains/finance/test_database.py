"""Finance from its PostgreSQL database (LAKEHOUSE_FINANCE_DB_URL): the data test_pipeline generates,
loaded into a real throwaway server by the generator, and the first week run over Spark JDBC gives the
same gold tables as the CSV exports, row for row; the two rows PostgreSQL cannot store (the
unparseable amount and timestamp) are simply absent, as the loader reports, and everything else matches.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from dagster import DagsterInstance

from lakehouse.datagen.finance import generate
from lakehouse.definitions import build_definitions
from lakehouse.pii import KEY_VARIABLE
from lakehouse.resources.databases import parse
from lakehouse.settings import Settings
from lakehouse_tests.domains.finance.test_pipeline import END, KEY, START, TABLES, oracle, run, table, without

VARIABLE = "LAKEHOUSE_FINANCE_DB_URL"
FIRST, LAST = date(2024, 1, 1), date(2024, 1, 7)  # the four relational faults fall on days 1..3
GOLD = [key for key in TABLES if key.startswith("gold/")]
SILVER = [key for key in TABLES if key.startswith("silver/")]


def fetch(url: str, sql: str) -> list[tuple]:
    with parse(url).connect() as db:
        cursor = db.cursor()
        cursor.execute(sql)
        return sorted(tuple(row) for row in cursor.fetchall())


@pytest.fixture(scope="module")
def runs(tmp_path_factory, spark, postgres):
    """The exports of 2024-01-01..2024-02-29 loaded into PostgreSQL; finance_daily over the first week
    from the CSV exports and from the database (whose home holds only the event files)."""
    generated = tmp_path_factory.mktemp("finance-db-generated")
    report = generate(generated, start=START, end=END, db_url=postgres.url())
    csv_home, jdbc_home = tmp_path_factory.mktemp("finance-csv"), tmp_path_factory.mktemp("finance-jdbc")
    shutil.copytree(generated, csv_home / "landing" / "finance")
    shutil.copytree(generated / "transaction_events", jdbc_home / "landing" / "finance" / "transaction_events")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_VARIABLE, KEY)
        csv_defs = build_definitions(Settings(home=csv_home, spark_master="local[2]", has_pii_key=True))
        from_csv = run(csv_defs, DagsterInstance.ephemeral(), FIRST, LAST)
        patch.setenv(VARIABLE, postgres.url())
        settings = Settings(home=jdbc_home, spark_master="local[2]", has_pii_key=True, database_domains=("finance",))
        jdbc_defs = build_definitions(settings)
        from_db = run(jdbc_defs, DagsterInstance.ephemeral(), FIRST, LAST)
    return report, generated, (csv_home, from_csv), (jdbc_home, from_db)


def test_the_loader_leaves_out_exactly_the_rows_postgresql_cannot_type(runs, postgres):
    report, generated, _, _ = runs
    assert report.not_loaded == {"customers": 0, "accounts": 0, "transactions": 2}
    assert "***" in report.database and postgres.url().split("@")[0].split(":")[-1] not in report.database
    expected = oracle(generated)
    url = postgres.url()
    for name in ("customers", "accounts"):
        assert fetch(url, f"SELECT COUNT(*) FROM finance.{name}") == [(report.table_rows[name],)]
    rows = expected.landing["transactions"]
    unstorable = [r for r in rows if r["amount"] == "1.234,56" or r["timestamp"] == "2024-13-45 25:61:00"]
    assert len(unstorable) == 2
    assert fetch(url, "SELECT COUNT(*) FROM finance.transactions") == [(report.table_rows["transactions"] - 2,)]
    ids = ", ".join(f"'{r['transaction_id']}'" for r in unstorable)
    assert fetch(url, f"SELECT transaction_id FROM finance.transactions WHERE transaction_id IN ({ids})") == []
    # The rows a database without constraints holds: the empty id and the unknown account.
    held = fetch(url, "SELECT account_id FROM finance.transactions"
                      " WHERE transaction_id IS NULL OR account_id = 'A0000'")
    faulty = [r for r in rows if not r["transaction_id"] or r["account_id"] == "A0000"]
    assert held == sorted((r["account_id"],) for r in faulty) and len(held) == 2


def test_both_runs_succeed_with_every_blocking_check_passing(runs):
    _, _, (_, from_csv), (_, from_db) = runs
    for result in (from_csv, from_db):
        assert result.success
        assert [e.check_name for e in result.get_asset_check_evaluations() if e.blocking and not e.passed] == []
        assert {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()} == set(TABLES)


def test_gold_from_the_database_equals_gold_from_the_exports(runs):
    _, generated, (csv_home, _), (jdbc_home, _) = runs
    expected = oracle(generated)
    for key in GOLD:
        from_csv, from_db = table(csv_home, key), table(jdbc_home, key)
        assert from_db == from_csv, key
    facts = table(jdbc_home, "gold/finance/fact_transactions")
    # The week's transactions and nothing else: the unparseable rows are in neither, the faulty ones rejected.
    assert {r["transaction_id"] for r in facts} == {
        k for k, t in expected.transactions.items() if FIRST <= t["transaction_date"] <= LAST
    }
    totals = table(jdbc_home, "gold/finance/customer_transaction_totals")
    assert len(facts) > 20 and {r["as_of_date"] for r in totals} == {date(2024, 1, d) for d in range(1, 8)}
    by_id = {r["transaction_id"]: r for r in facts}
    assert all(by_id[k] == v for k, v in expected.facts.items() if k in by_id)


def test_everything_else_matches_and_the_unstorable_rows_are_simply_absent(runs):
    _, _, (csv_home, _), (jdbc_home, _) = runs
    for key in SILVER:
        # The event files' paths differ (two homes); everything else is equal.
        assert without(table(jdbc_home, key), "_extracted_at", "_source_file") == without(
            table(csv_home, key), "_extracted_at", "_source_file"
        ), key
    for key in ("bronze/finance/customers", "bronze/finance/accounts", "bronze/finance/transactions"):
        assert without(table(jdbc_home, key), "_extracted_at") == without(table(csv_home, key), "_extracted_at"), key
    # Bronze rejects: from the exports the two rows no type can hold; from the database none (they were
    # never stored) - the malformed event line comes from the same files on both paths.
    csv_rejects = without(table(csv_home, "bronze/finance/rejects"), "_extracted_at")
    db_rejects = without(table(jdbc_home, "bronze/finance/rejects"), "_extracted_at")
    assert sorted((r["table"], r["reason"]) for r in csv_rejects) == [
        ("transaction_events", "malformed_json"), ("transactions", "unparseable:amount"),
        ("transactions", "unparseable:timestamp"),
    ]  # fmt: skip
    assert [(r["table"], r["reason"]) for r in db_rejects] == [("transaction_events", "malformed_json")]


def test_the_extract_pushes_the_days_down_to_postgresql(runs, postgres):
    log = postgres.log.read_text(errors="replace")
    for name, column in (("transactions", "timestamp"), ("customers", "updated_at"), ("accounts", "updated_at")):
        statements = [line for line in log.splitlines() if f'"finance"."{name}"' in line]
        window = f"""TIMESTAMP '{FIRST} 00:00:00' AND "{column}" < TIMESTAMP '2024-01-08 00:00:00'"""
        pushed = f'WHERE "{column}" >= {window}'
        assert any(pushed in line for line in statements), (name, statements[:5])
