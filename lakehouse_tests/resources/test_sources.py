"""Table sources: the same table as a CSV export and in a real PostgreSQL, read per window and checked."""

import json
import socket
import time
from datetime import datetime

import psycopg
import pytest
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    DecimalType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lakehouse.resources.jdbc import JdbcTables
from lakehouse.resources.landing import LandingError
from lakehouse.resources.sources import CsvTables, SourceError
from lakehouse_tests.pg_server import PASSWORD, TRUSTED_USER

SCHEMA = StructType(
    [
        StructField("id", IntegerType()),
        StructField("kind", StringType()),
        StructField("amount", DecimalType(10, 2)),
        StructField("happened_ts", TimestampType()),
        StructField("flag", BooleanType()),
    ]
)
TYPES = [(f.name, f.dataType) for f in SCHEMA]
START, END = datetime(2024, 1, 2), datetime(2024, 1, 3)
SETTING = "LAKEHOUSE_TEST_DB_URL"
HINT = "load data with `python -m lakehouse.datagen test --db-url ...`"

GOOD_CSV = """id,kind,amount,happened_ts,flag
1,a,1.50,2024-01-01 23:59:59,true
2,b,2.00,2024-01-02 00:00:00,false
3,c,,2024-01-02 12:30:00,
4,,4.25,2024-01-02 23:59:59,true
5,e,5.00,2024-01-03 00:00:00,false
6,f,6.00,,true
"""
BAD_CSV = """x7,g,7.00,2024-01-02 01:00:00,true
8,h,8.00,yesterday,true
9,i,9.00
10,j,oops,2024-01-02 02:00:00,maybe
"""
PG_ROWS = [
    (1, "a", "1.50", "2024-01-01 23:59:59", True),
    (2, "b", "2.00", "2024-01-02 00:00:00", False),
    (3, "c", None, "2024-01-02 12:30:00", None),
    (4, None, "4.25", "2024-01-02 23:59:59", True),
    (5, "e", "5.00", "2024-01-03 00:00:00", False),
    (6, "f", "6.00", None, True),
]
IN_WINDOW = [  # start inclusive (id 2 at 00:00:00), end exclusive (id 5 at the next 00:00:00)
    ("2", "b", "2.00", "2024-01-02 00:00:00", "false"),
    ("3", "c", None, "2024-01-02 12:30:00", None),
    ("4", None, "4.25", "2024-01-02 23:59:59", "true"),
]
ROW_6 = {"id": "6", "kind": "f", "amount": "6.00", "happened_ts": None, "flag": "true"}


def as_text(frame):
    """Rows as sorted tuples of strings (timestamps as UTC wall clock, whatever Python's zone)."""
    rows = frame.select(*(F.col(c).cast("string") for c in frame.columns)).collect()
    return sorted((tuple(r) for r in rows), key=lambda r: int(r[0]))


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    (root / "shop").mkdir()
    (root / "shop" / "events.csv").write_text(GOOD_CSV + BAD_CSV)
    (root / "shop" / "no_flag.csv").write_text("id,kind,amount,happened_ts\n1,a,1.00,2024-01-02 00:00:00\n")
    return root


@pytest.fixture(scope="module")
def pg(postgres):
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS src_test CASCADE")
        conn.execute("CREATE SCHEMA src_test")
        conn.execute(
            "CREATE TABLE src_test.events (id int PRIMARY KEY, kind text, amount numeric(10,2), "
            "happened_ts timestamp, flag boolean)"
        )
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO src_test.events VALUES (%s, %s, %s, %s, %s)", PG_ROWS)
    return postgres


def jdbc(url, **kwargs):
    return JdbcTables(url=url, db_schema="src_test", setting=SETTING, hint=HINT, **kwargs)


def test_csv_reads_a_window_typed_and_sets_bad_rows_aside(spark, landing):
    source = CsvTables(root=str(landing), domain="shop")
    frame = source.read(spark, "events", SCHEMA, "happened_ts", START, END)
    assert [(f.name, f.dataType) for f in frame.schema] == TYPES
    assert as_text(frame) == IN_WINDOW
    # No bounds: every typeable row, a missing time included; open-ended bounds each way.
    assert [r[0] for r in as_text(source.read(spark, "events", SCHEMA, "happened_ts"))] == list("123456")
    assert source.read(spark, "events", SCHEMA).select("kind").count() == 6  # pruned: still no bad row
    assert [r[0] for r in as_text(source.read(spark, "events", SCHEMA, "happened_ts", end=END))] == list("1234")
    assert [r[0] for r in as_text(source.read(spark, "events", SCHEMA, "happened_ts", start=START))] == list("2345")

    bad = {
        r["reason"]: json.loads(r["record"]) for r in source.invalid(spark, "events", SCHEMA, "happened_ts").collect()
    }
    assert sorted(bad) == [
        "malformed_row",
        "missing_time:happened_ts",
        "unparseable:amount;unparseable:flag",
        "unparseable:happened_ts",
        "unparseable:id",
    ]
    assert bad["missing_time:happened_ts"] == ROW_6
    assert bad["unparseable:id"]["id"] == "x7"
    assert bad["malformed_row"]["_line"] == "9,i,9.00"
    # Without a time column a missing time is no reason: only the four untypeable rows remain.
    assert source.invalid(spark, "events", SCHEMA).count() == 4


def test_csv_missing_column_and_missing_file(spark, landing):
    source = CsvTables(root=str(landing), domain="shop")
    assert source.read(spark, "no_flag", SCHEMA, "happened_ts").count() == 0
    reasons = [r["reason"] for r in source.invalid(spark, "no_flag", SCHEMA, "happened_ts").collect()]
    assert reasons == ["missing_column:flag"]
    with pytest.raises(LandingError, match="python -m lakehouse.datagen shop"):
        source.read(spark, "absent", SCHEMA)
    assert source.describe() == f"csv:{landing / 'shop'}"


def test_jdbc_pushes_the_window_down_and_matches_the_csv(spark, landing, pg):
    source = jdbc(pg.url())
    frame = source.read(spark, "events", SCHEMA, "happened_ts", START, END)
    assert [(f.name, f.dataType) for f in frame.schema] == TYPES
    assert as_text(frame) == IN_WINDOW
    csv = CsvTables(root=str(landing), domain="shop").read(spark, "events", SCHEMA, "happened_ts", START, END)
    assert frame.exceptAll(csv).count() == 0 and csv.exceptAll(frame).count() == 0
    assert (
        'FROM "src_test"."events" WHERE "happened_ts" >= TIMESTAMP \'2024-01-02 00:00:00\' '
        "AND \"happened_ts\" < TIMESTAMP '2024-01-03 00:00:00'"
    ) in pg.log.read_text()
    assert [r[0] for r in as_text(source.read(spark, "events", SCHEMA))] == list("123456")

    bad = source.invalid(spark, "events", SCHEMA, "happened_ts").collect()
    assert [(r["reason"], json.loads(r["record"])) for r in bad] == [("missing_time:happened_ts", ROW_6)]
    assert 'FROM "src_test"."events" WHERE "happened_ts" IS NULL' in pg.log.read_text()
    empty = source.invalid(spark, "events", SCHEMA)
    assert empty.columns == ["reason", "record"] and empty.count() == 0


def test_jdbc_password_from_the_password_field(spark, pg):
    source = jdbc(pg.url(password=None), password=PASSWORD)
    assert source.read(spark, "events", SCHEMA, "happened_ts", START, END).count() == 3
    for shown in (source.describe(), repr(source), str(source)):
        assert PASSWORD not in shown
    assert source.describe() == f"postgresql://127.0.0.1:{pg.port}/app (schema src_test)"
    assert PASSWORD not in repr(jdbc(pg.url())) and PASSWORD not in jdbc(pg.url()).describe()


def test_jdbc_without_a_password_connects_where_trusted_and_names_the_setting_where_not(spark, pg):
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(f"GRANT USAGE ON SCHEMA src_test TO {TRUSTED_USER}")
        conn.execute(f"GRANT SELECT ON src_test.events TO {TRUSTED_USER}")
    trusted = jdbc(f"postgresql://{TRUSTED_USER}@127.0.0.1:{pg.port}/app")  # no password anywhere
    assert trusted.read(spark, "events", SCHEMA, "happened_ts", START, END).count() == 3
    with pytest.raises(SourceError) as caught:
        jdbc(pg.url(password=None)).read(spark, "events", SCHEMA)
    assert str(caught.value) == (
        f"PostgreSQL at 127.0.0.1:{pg.port}/app asks user 'lakehouse' for a password and none was given: "
        f"put it in {SETTING} or PGPASSWORD"
    )
    assert caught.value.transient is False


def test_jdbc_driver_missing_from_the_classpath_says_which_variable_provides_it():
    source = jdbc("postgresql://app@db.example:5432/shop")
    missing = Exception("java.lang.ClassNotFoundException: org.postgresql.Driver")  # what Spark raises without the jar
    error = source._explain(missing, source._target(), "events")
    assert str(error) == (
        "the PostgreSQL JDBC driver org.postgresql.Driver is not on Spark's classpath: set LAKEHOUSE_SPARK_JARS to its "
        "jar (Debian: /usr/share/java/postgresql.jar; `make jars` links it into .jars/ when present) or, with Maven "
        "access, LAKEHOUSE_SPARK_PACKAGES (e.g. org.postgresql:postgresql:42.7.4)"
    )
    assert error.transient is False


def test_jdbc_wrong_password_fails_fast_and_permanently(spark, pg):
    wrong = "Wr0ng-Secret-Value"
    began = time.monotonic()
    with pytest.raises(SourceError) as caught:
        jdbc(pg.url(password=wrong)).read(spark, "events", SCHEMA)
    assert time.monotonic() - began < 20
    message = str(caught.value)
    assert caught.value.transient is False
    assert "'lakehouse'" in message and f"127.0.0.1:{pg.port}/app" in message and "PGPASSWORD" in message
    assert wrong not in message and PASSWORD not in message


def test_jdbc_missing_table_gives_the_hint(spark, pg):
    with pytest.raises(SourceError) as caught:
        jdbc(pg.url()).read(spark, "nope", SCHEMA)
    assert caught.value.transient is False
    assert "src_test.nope" in str(caught.value) and HINT in str(caught.value)


def test_jdbc_unreachable_server_is_transient_and_quick(spark):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # released on close: nothing listens there
    began = time.monotonic()
    with pytest.raises(SourceError) as caught:
        jdbc(f"postgresql://lakehouse:{PASSWORD}@127.0.0.1:{port}/app").read(spark, "events", SCHEMA)
    assert time.monotonic() - began < 20
    assert caught.value.transient is True
    assert f"127.0.0.1:{port}/app" in str(caught.value) and SETTING in str(caught.value)
    assert PASSWORD not in str(caught.value)
