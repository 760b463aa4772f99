"""`lakehouse sql` in a subprocess, as a person runs it, over a small pyarrow-built warehouse (no Spark)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import boto3
import pytest

from lakehouse_tests.cli import warehouse
from lakehouse_tests.conftest import REPO, TEST_BUCKET, TEST_KEY, cli_env

SECRET = "cli-sql-test-secret"  # moto accepts any secret; it must never be printed
ORDERS = "select * from silver.shop_orders order by order_id"
ORDERS_CSV = """order_id,order_date,buyer,amount
1,2024-01-01,ann,10.50
2,2024-01-01,bob,3.25
3,2024-01-03,ann,7.00
4,2024-01-03,cid,100.00
"""
VERSIONS = """select buyer_id, valid_from, version_in_day, is_deleted, valid_to, valid_to_ts, is_current
from silver.shop_dim_buyer order by buyer_id, valid_from, version_in_day"""
VERSIONS_CSV = """buyer_id,valid_from,version_in_day,is_deleted,valid_to,valid_to_ts,is_current
1,2024-01-01,0,false,2024-01-02,2024-01-02 10:00:00,false
1,2024-01-02,0,false,2024-01-04,2024-01-04 15:00:00,false
1,2024-01-04,0,false,,,true
2,2024-01-01,0,false,2024-01-03,2024-01-03 14:00:00,false
2,2024-01-03,0,true,,,false
3,2024-01-01,0,false,2024-01-02,2024-01-02 11:00:00,false
3,2024-01-02,0,true,2024-01-04,2024-01-04 16:00:00,false
3,2024-01-04,0,false,,,true
4,2024-01-02,0,false,2024-01-02,2024-01-02 13:00:00,false
4,2024-01-02,1,false,,,true
"""
# Before the first day, the first day, the middle days (as DATE and as text), the last day, after it.
AS_OF = " union all ".join(
    f"select {day!r} as day, * from silver.shop_dim_buyer_as_of({arg})"
    for day, arg in [("2023-12-31", "date '2023-12-31'"), ("2024-01-01", "date '2024-01-01'"),
                     ("2024-01-02", "'2024-01-02'"), ("2024-01-03", "date '2024-01-03'"),
                     ("2024-01-04", "date '2024-01-04'"), ("2024-01-09", "'2024-01-09'")]
) + " order by day, buyer_id"
AS_OF_CSV = """day,buyer_id,name,city,valid_from,valid_from_ts
2024-01-01,1,Ann,Oslo,2024-01-01,
2024-01-01,2,Bob,Rome,2024-01-01,2024-01-01 08:00:00
2024-01-01,3,Cid,Lima,2024-01-01,2024-01-01 09:00:00
2024-01-02,1,Ann,Bergen,2024-01-02,2024-01-02 10:00:00
2024-01-02,2,Bob,Rome,2024-01-01,2024-01-01 08:00:00
2024-01-02,4,Dee,Quito,2024-01-02,2024-01-02 13:00:00
2024-01-03,1,Ann,Bergen,2024-01-02,2024-01-02 10:00:00
2024-01-03,4,Dee,Quito,2024-01-02,2024-01-02 13:00:00
2024-01-04,1,Ann B,Bergen,2024-01-04,2024-01-04 15:00:00
2024-01-04,3,Cid,Rome,2024-01-04,2024-01-04 16:00:00
2024-01-04,4,Dee,Quito,2024-01-02,2024-01-02 13:00:00
2024-01-09,1,Ann B,Bergen,2024-01-04,2024-01-04 15:00:00
2024-01-09,3,Cid,Rome,2024-01-04,2024-01-04 16:00:00
2024-01-09,4,Dee,Quito,2024-01-02,2024-01-02 13:00:00
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """LAKEHOUSE_HOME holding the sample warehouse."""
    root = tmp_path_factory.mktemp("home")
    warehouse.build(root / "warehouse")
    return root


def lakehouse_sql(*args, env, stdin=subprocess.DEVNULL, input=None):
    command = [sys.executable, "-m", "lakehouse.cli", "sql", *args]
    return subprocess.run(command, env=env, cwd=REPO, stdin=None if input is not None else stdin, input=input,
                          capture_output=True, text=True, timeout=120)


def csv_of(sql, env):
    result = lakehouse_sql("--csv", "-c", sql, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_partitioned_view_reads_only_committed_days_in_schema_order(home):
    # Day 2 is committed and empty, day 4 has no _SUCCESS; the partition column stays where
    # _schema.json has it, typed as there.
    types = "select typeof(order_date) as d, typeof(amount) as a from silver.shop_orders limit 1"
    assert csv_of(f"{ORDERS}; {types}", cli_env(home)) == ORDERS_CSV + '\nd,a\nDATE,"DECIMAL(18,2)"\n'


def test_text_table_is_aligned_with_numbers_right(home):
    result = lakehouse_sql("-c", "select order_id, buyer, amount from silver.shop_orders where order_id > 2 "
                           "order by 1; select * from bronze.shop_rejects order by raw", env=cli_env(home))
    assert result.returncode == 0, result.stderr
    assert result.stdout == """\
 order_id | buyer | amount
----------+-------+--------
        3 | ann   |   7.00
        4 | cid   | 100.00
(2 rows)

 reason   | raw
----------+-----
 bad_date | x,1
 missing  | y
 bad_date | z,,
(3 rows)
"""


def test_versioned_view_derives_validity(home):
    columns = "buyer_id,name,city,valid_from_ts,version_in_day,is_deleted,valid_from,valid_to,valid_to_ts,is_current"
    got = csv_of(f"{VERSIONS}; select * from silver.shop_dim_buyer limit 0", cli_env(home))
    assert got == f"{VERSIONS_CSV}\n{columns}\n"


def test_as_of_macro_gives_each_days_state(home):
    assert csv_of(AS_OF, cli_env(home)) == AS_OF_CSV


def test_table_without_files_is_an_empty_view_with_its_columns(home):
    describe = "select column_name, column_type from (describe interface.shop_daily_report)"
    stdin_script = f"{describe};\nselect count(*) as n from interface.shop_daily_report;\n"
    result = lakehouse_sql("--csv", env=cli_env(home), input=stdin_script)  # stdin is not a tty: a script
    assert result.returncode == 0, result.stderr
    assert result.stdout == """column_name,column_type
Date,DATE
Product Category,VARCHAR
Mean Revenue,"DECIMAL(18,2)"
items,"STRUCT(id BIGINT, ""name"" VARCHAR)[]"
at,TIMESTAMP
ok,BOOLEAN
share,DOUBLE
n,BIGINT

n
0
"""


def test_list_names_every_view_and_macro(home):
    result = lakehouse_sql("--list", "--csv", env=cli_env(home))
    assert result.returncode == 0, result.stderr
    assert result.stdout == """name,kind,partition,info
bronze.shop_rejects,view,,2 files
interface.shop_daily_report,view,Date,"1 partition, 0 files"
silver.shop_dim_buyer,versioned view,valid_from,"key buyer_id; 4 partitions, 4 files, \
1 uncommitted partition skipped; adds valid_to, valid_to_ts, is_current"
silver.shop_dim_buyer_as_of(as_of_day),table macro,valid_from,"per buyer_id the latest version with \
valid_from <= as_of_day, deleted keys dropped"
silver.shop_orders,view,order_date,"3 partitions, 3 files, 1 uncommitted partition skipped"
"""


def test_sql_error_is_one_line_and_exit_code_1(home):
    result = lakehouse_sql("-c", "select * from silver.no_such_table", env=cli_env(home))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("lakehouse sql: error: Catalog Error: Table with name no_such_table does not exist")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_warehouse_says_what_to_set(tmp_path):
    result = lakehouse_sql("-c", "select 1", env=cli_env(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"no warehouse at {tmp_path / 'nowhere' / 'warehouse'}" in result.stderr
    assert "set LAKEHOUSE_HOME" in result.stderr and "make demo" in result.stderr


def test_prompt_on_a_terminal(home):
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "lakehouse.cli", "sql"], env=cli_env(home), cwd=REPO,
                                   stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # A statement over two lines, a failing one (the console goes on), then Ctrl-D.
        os.write(controller, b"select count(*) as orders\n from silver.shop_orders;\nselect nope;\n\x04")
        stdout, stderr = process.communicate(timeout=120)
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 0, stderr
    assert " orders\n--------\n      4\n(1 row)\n" in stdout
    assert stdout.startswith("lakehouse> ") and "..> " in stdout
    assert '\nerror: Binder Error: Referenced column "nope" was not found' in stderr


def test_s3_warehouse_gives_the_same_rows(home, s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id=TEST_KEY, aws_secret_access_key=SECRET)
    local = home / "warehouse"
    for file in sorted(p for p in local.rglob("*") if p.is_file()):
        client.upload_file(str(file), TEST_BUCKET, f"cli-sql/{file.relative_to(local).as_posix()}")
    env = cli_env(home / "unused", LAKEHOUSE_STORAGE="s3", LAKEHOUSE_S3_BUCKET=TEST_BUCKET,
                  LAKEHOUSE_S3_PREFIX="cli-sql", AWS_ENDPOINT_URL=s3_endpoint, AWS_DEFAULT_REGION="us-east-1",
                  AWS_ACCESS_KEY_ID=TEST_KEY, AWS_SECRET_ACCESS_KEY=SECRET)
    result = lakehouse_sql("--csv", "-c", f"{ORDERS}; {VERSIONS}; {AS_OF}", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "\n".join([ORDERS_CSV, VERSIONS_CSV, AS_OF_CSV])
    missing = lakehouse_sql("-c", "select 1", env={**env, "LAKEHOUSE_S3_PREFIX": "nothing-here"})
    assert missing.returncode == 1
    assert "no tables under s3://lakehouse-test/nothing-here/" in missing.stderr
    assert SECRET not in result.stdout + result.stderr + missing.stdout + missing.stderr
