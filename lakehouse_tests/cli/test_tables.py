"""`lakehouse tables` in a subprocess over the pyarrow-built warehouse (no Spark) and a Dagster instance
holding reported materializations; `kind_of` on metadata and on every asset of the code location."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pyarrow as pa
import pytest
from dagster import AssetKey, AssetMaterialization, AssetRecordsFilter, DagsterInstance, MetadataValue

from lakehouse.cli.tables import latest
from lakehouse.instance import write_instance_config
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.versioned_tables import VERSIONED
from lakehouse.snapshots import AS_OF_DATE
from lakehouse.table_kinds import KINDS, PERIODIC_SNAPSHOT, TABLE_KIND, kind_of
from lakehouse_tests.cli import warehouse
from lakehouse_tests.cli.warehouse import D1, D2, _day, _field, _schema, _text
from lakehouse_tests.conftest import REPO, cli_env

ORDERS, REJECTS = ("silver", "shop", "orders"), ("bronze", "shop", "rejects")
LIFETIME, MONTHLY = ("gold", "shop", "customer_lifetime_value"), ("gold", "sales", "customer_monthly_purchase")
CUSTOMERS = 600  # 1,200 snapshot rows over two days: a number printed with a thousands separator
MONTHLY_SCHEMA = pa.schema([("customer_id", pa.int32()), ("total_sales", pa.decimal128(18, 2))])


def _build(root):
    """The sample warehouse plus two periodic snapshots that have assets: one by as_of_date, one by month."""
    base = warehouse.build(root / "warehouse")
    lifetime = base / "/".join(LIFETIME)
    _text(lifetime / "_schema.json", _schema(_field("customer_id", "integer", False), _field("orders", "long"),
                                             _field(AS_OF_DATE, "date")))  # fmt: skip
    schema = pa.schema([("customer_id", pa.int32()), ("orders", pa.int64())])
    for day in (D1, D2):
        _day(lifetime, AS_OF_DATE, day, [(schema, [(n, 1) for n in range(CUSTOMERS)])])
    monthly = base / "/".join(MONTHLY)
    _text(monthly / "_schema.json", _schema(_field("customer_id", "integer", False),
                                            _field("total_sales", "decimal(18,2)"), _field("sales_month", "string")))  # fmt: skip
    _day(monthly, "sales_month", "2024-01", [(MONTHLY_SCHEMA, [(1, 5), (2, 7)])])
    _day(monthly, "sales_month", "2024-02", [(MONTHLY_SCHEMA, [(1, 3)])])
    return root


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def dagster_home(tmp_path_factory):
    """An instance where orders' days and the monthly snapshot's months were materialized out of order
    (the latest written is not the latest partition), rejects (unpartitioned) once, dim_buyer never."""
    folder = tmp_path_factory.mktemp("dagster_home")
    write_instance_config(folder)
    with (folder / "dagster.yaml").open("a") as config:
        config.write("telemetry:\n  enabled: false\n")
    reported = [(ORDERS, "2024-01-01"), (ORDERS, "2024-01-03"), (ORDERS, "2024-01-02"), (REJECTS, None),
                (LIFETIME, "2024-01-01"), (LIFETIME, "2024-01-02"), (MONTHLY, "2024-02"), (MONTHLY, "2024-01")]
    with DagsterInstance.from_config(str(folder)) as instance:
        for key, partition in reported:
            instance.report_runless_asset_event(AssetMaterialization(asset_key=list(key), partition=partition))
    return folder


def when(dagster_home, key, partition=None) -> str:
    """When the instance recorded `key`'s (latest) materialization of `partition`, as the catalog prints it."""
    partitions = None if partition is None else [partition]
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        record = instance.fetch_materializations(AssetRecordsFilter(AssetKey(list(key)), partitions), limit=1).records[0]
    return datetime.fromtimestamp(record.timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def tables(*args, home, dagster_home):
    """`lakehouse tables ARGS` as a person runs it; DAGSTER_HOME unset when `dagster_home` is None."""
    env = cli_env(home) if dagster_home is None else cli_env(home, DAGSTER_HOME=str(dagster_home))
    if dagster_home is None:
        env.pop("DAGSTER_HOME", None)
    command = [sys.executable, "-m", "lakehouse.cli", "tables", *args]
    return subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_csv_lists_every_table_from_warehouse_and_instance(home, dagster_home):
    result = tables("--csv", home=home, dagster_home=dagster_home)
    assert (result.returncode, result.stderr) == (0, "")
    # orders: 2024-01-04 is uncommitted (not counted, not last); Dagster's last is the max day, not the
    # day written last. dim_buyer and daily_report have no asset: kind from the folder, or unknown.
    assert result.stdout == f"""\
table,layer,kind,partition,partitions,last partition,last materialized,rows,columns
bronze.shop_rejects,bronze,events,,,,{when(dagster_home, REJECTS)},3,2
silver.shop_dim_buyer,silver,versioned,valid_from,4,2024-01-04,,10,7
silver.shop_orders,silver,events,order_date,3,2024-01-03,2024-01-03 ({when(dagster_home, ORDERS, "2024-01-03")}),4,4
gold.sales_customer_monthly_purchase,gold,periodic snapshot,sales_month,2,2024-02,\
2024-02 ({when(dagster_home, MONTHLY, "2024-02")}),3,3
gold.shop_customer_lifetime_value,gold,periodic snapshot,as_of_date,2,2024-01-02,\
2024-01-02 ({when(dagster_home, LIFETIME, "2024-01-02")}),1200,3
interface.shop_daily_report,interface,unknown,Date,1,2024-01-01,,0,8
"""


def test_text_table_with_thousands_separators(home, dagster_home):
    result = tables("--layer", "gold", home=home, dagster_home=dagster_home)
    assert (result.returncode, result.stderr) == (0, "")
    monthly, lifetime = when(dagster_home, MONTHLY, "2024-02"), when(dagster_home, LIFETIME, "2024-01-02")
    assert result.stdout == f"""\
 table                                | layer | kind              | partition   | partitions | last partition \
| last materialized                 | rows  | columns
--------------------------------------+-------+-------------------+-------------+------------+----------------\
+-----------------------------------+-------+---------
 gold.sales_customer_monthly_purchase | gold  | periodic snapshot | sales_month |          2 | 2024-02        \
| 2024-02 ({monthly})    |     3 |       3
 gold.shop_customer_lifetime_value    | gold  | periodic snapshot | as_of_date  |          2 | 2024-01-02     \
| 2024-01-02 ({lifetime}) | 1,200 |       3
(2 rows)
"""


def test_columns_of_one_table(home, dagster_home):
    text = tables("--columns", "--domain", "sales", home=home, dagster_home=dagster_home)
    assert (text.returncode, text.stderr) == (0, "")
    monthly = when(dagster_home, MONTHLY, "2024-02")
    assert text.stdout == f"""\
 table                                | layer | kind              | partition   | partitions | last partition \
| last materialized              | rows | columns
--------------------------------------+-------+-------------------+-------------+------------+----------------\
+--------------------------------+------+----------------------------
 gold.sales_customer_monthly_purchase | gold  | periodic snapshot | sales_month |          2 | 2024-02        \
| 2024-02 ({monthly}) |    3 | 3
                                      |       |                   |             |            |                \
|                                |      | customer_id INTEGER
                                      |       |                   |             |            |                \
|                                |      | total_sales DECIMAL(18, 2)
                                      |       |                   |             |            |                \
|                                |      | sales_month VARCHAR
(1 row)
"""
    csv = tables("--columns", "--csv", "--domain", "sales", home=home, dagster_home=dagster_home)
    assert (csv.returncode, csv.stderr) == (0, "")
    assert csv.stdout == """\
table,column,type
gold.sales_customer_monthly_purchase,customer_id,INTEGER
gold.sales_customer_monthly_purchase,total_sales,"DECIMAL(18, 2)"
gold.sales_customer_monthly_purchase,sales_month,VARCHAR
"""


def test_layer_and_domain_filters(home, dagster_home):
    result = tables("--csv", "--layer", "silver", "--domain", "shop", home=home, dagster_home=dagster_home)
    assert result.returncode == 0, result.stderr
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["table", "silver.shop_dim_buyer",
                                                                          "silver.shop_orders"]  # fmt: skip
    none = tables("--csv", "--domain", "nowhere", home=home, dagster_home=dagster_home)
    assert (none.returncode, none.stdout) == (0, "table,layer,kind,partition,partitions,last partition,"
                                                 "last materialized,rows,columns\n")  # fmt: skip


def test_without_an_instance_last_materialized_is_a_dash_and_a_note(home, tmp_path):
    result = tables("--domain", "shop", "--layer", "bronze", home=home, dagster_home=None)
    assert result.returncode == 0
    assert result.stderr == ("lakehouse tables: last materialized not shown: DAGSTER_HOME is not set: set DAGSTER_HOME "
                             "to the Dagster instance folder, e.g. the .dagster folder `make demo` uses\n")  # fmt: skip
    assert result.stdout == """\
 table               | layer  | kind   | partition | partitions | last partition | last materialized | rows | columns
---------------------+--------+--------+-----------+------------+----------------+-------------------+------+---------
 bronze.shop_rejects | bronze | events | -         |          - | -              | -                 |    3 |       2
(1 row)
"""
    empty = tables("--csv", "--domain", "shop", "--layer", "bronze", home=home, dagster_home=tmp_path)
    assert empty.returncode == 0 and "holds no Dagster instance" in empty.stderr
    assert empty.stdout.splitlines()[1] == "bronze.shop_rejects,bronze,events,,,,,3,2"
    assert not (tmp_path / "history").exists()  # nothing created where DAGSTER_HOME points


def test_kind_of_metadata():
    assert kind_of({}) == "events"
    assert kind_of({PARTITION_EXPR: "order_date"}) == "events"
    assert kind_of({PARTITION_EXPR: "valid_from", VERSIONED: ["customer_id"]}) == "versioned"
    assert kind_of({PARTITION_EXPR: AS_OF_DATE}) == "periodic snapshot"
    assert kind_of({PARTITION_EXPR: MetadataValue.text(AS_OF_DATE)}) == "periodic snapshot"
    assert kind_of({PARTITION_EXPR: "sales_month", TABLE_KIND: PERIODIC_SNAPSHOT}) == "periodic snapshot"
    assert kind_of({PARTITION_EXPR: "day", TABLE_KIND: "events"}) == "events"
    with pytest.raises(ValueError, match="'snapshot', not one of events, versioned, periodic snapshot"):
        kind_of({TABLE_KIND: "snapshot"})


def test_latest_partition_key():
    assert latest([]) is None
    assert latest(["2024-01-09", "2024-01-10", "2023-12-31"]) == "2024-01-10"
    assert latest(["2024-02", "2024-10", "2024-09"]) == "2024-10"
    assert latest(["9", "10", "2"]) == "10"


def test_every_asset_of_the_code_location_has_a_kind():
    from lakehouse.definitions import defs

    kinds = {"/".join(spec.key.path): kind_of(spec.metadata) for spec in defs.resolve_all_asset_specs()}
    assert set(kinds.values()) <= set(KINDS)
    assert {key for key, kind in kinds.items() if kind == "periodic snapshot"} == {
        "gold/superstore/customers",
        "gold/shop/customer_lifetime_value",
        "gold/finance/customer_transaction_totals",
        "gold/sales/customer_monthly_purchase",
        "gold/sales/sales_team_incentive",
    }
    assert "versioned" in kinds.values() and "events" in kinds.values()



def test_s3_warehouse_gives_the_same_catalog(home, s3_endpoint):
    import boto3

    from lakehouse_tests.conftest import TEST_BUCKET, TEST_KEY

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_KEY)  # fmt: skip
    local = home / "warehouse"
    for file in sorted(p for p in local.rglob("*") if p.is_file()):
        client.upload_file(str(file), TEST_BUCKET, f"cli-tables/{file.relative_to(local).as_posix()}")
    env = {"LAKEHOUSE_STORAGE": "s3", "LAKEHOUSE_S3_BUCKET": TEST_BUCKET, "LAKEHOUSE_S3_PREFIX": "cli-tables",
           "AWS_ENDPOINT_URL": s3_endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": TEST_KEY,
           "AWS_SECRET_ACCESS_KEY": TEST_KEY}  # fmt: skip
    on_s3 = subprocess.run([sys.executable, "-m", "lakehouse.cli", "tables", "--csv"], cwd=REPO, capture_output=True,
                           text=True, timeout=300, env={**cli_env(home / "unused", **env), "DAGSTER_HOME": ""})  # fmt: skip
    local_run = tables("--csv", home=home, dagster_home=None)
    assert on_s3.returncode == 0, on_s3.stderr
    assert on_s3.stdout == local_run.stdout and "1200" in on_s3.stdout
