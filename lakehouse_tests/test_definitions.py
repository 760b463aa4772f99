"""The code location: what loads, how it is wired per environment, and the daily schedule."""

import subprocess
import sys
from datetime import datetime, timezone

import pytest
from dagster import EnvVar, build_schedule_context
from dagster._core.definitions.backfill_policy import BackfillPolicyType

from lakehouse.definitions import build_definitions
from lakehouse.domains.rainforest.contracts.upstream import TABLES
from lakehouse.resources.jdbc import JdbcTables
from lakehouse.resources.parquet_io_manager import LocalParquetIOManager, S3ParquetIOManager
from lakehouse.resources.sources import CsvTables
from lakehouse.settings import Settings
from lakehouse_tests.conftest import cli_env

SUPERSTORE = {
    "bronze/superstore/order_lines",
    "bronze/superstore/order_lines_rejects",
    "silver/superstore/order_lines",
    "silver/superstore/order_lines_rejects",
    "gold/superstore/sales",
    "gold/superstore/customers",
}


def test_assets_groups_docstrings_and_backfill_policies(tmp_path):
    graph = build_definitions(Settings(home=tmp_path)).resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert SUPERSTORE <= keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == key.path[1], key  # group = domain
        assert node.description and "\n" not in node.description.strip(), key
        if node.partitions_def is not None:
            assert node.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN, key
    unpartitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).partitions_def}
    assert unpartitioned == {f"bronze/{d}/rejects" for d in ("rainforest", "shop", "finance")} | {
        "bronze/superstore/order_lines_rejects"
    }


def test_shop_group_has_the_specs_tables_and_partitionings(tmp_path):
    graph = build_definitions(Settings(home=tmp_path)).resolve_asset_graph()
    shop = {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys() if k.path[1] == "shop"}
    monthly = {"gold/shop/category_performance", "gold/shop/top_products", "gold/shop/orders_per_customer"}
    assert set(shop) == {
        *(f"bronze/shop/{t}" for t in ("customers", "products", "orders", "order_items", "rejects")),
        *(f"silver/shop/{t}" for t in ("customers", "products", "orders", "order_items", "rejects")),
        *(f"gold/shop/{t}" for t in ("dim_date", "dim_customer", "dim_product", "fact_sales", "daily_revenue",
                                     "customer_lifetime_value")),
        *monthly,
    }  # fmt: skip
    for key, node in shop.items():
        if key in monthly:
            assert node.partitions_def.get_partition_keys()[0] == "2024-01-01", key  # a month keyed by its first day
        elif key != "bronze/shop/rejects":
            assert node.partitions_def.get_partition_keys()[:2] == ["2024-01-01", "2024-01-02"], key
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys if c.asset_key.path[1] == "shop"}
    assert {
        "gold/shop/fact_sales:keys_resolve_to_valid_versions", "gold/shop/fact_sales:order_item_id_unique",
        "gold/shop/dim_customer:customer_key_unique", "gold/shop/dim_product:product_key_unique",
        "silver/shop/orders:total_valid_share_above_99pct", "silver/shop/orders:row_accounting",
    } <= checks  # fmt: skip


def test_finance_group_has_the_specs_tables_checks_and_resources(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_PII_KEY", "not-a-real-key")
    monkeypatch.setenv("LAKEHOUSE_FINANCE_DB_URL", "postgresql://bank@db.example:5432/bank")
    defs = build_definitions(Settings.from_env())
    graph = defs.resolve_asset_graph()
    finance = {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys() if k.path[1] == "finance"}
    assert set(finance) == {
        *(f"bronze/finance/{t}" for t in ("customers", "accounts", "transactions", "transaction_events", "rejects")),
        *(f"silver/finance/{t}" for t in ("customers", "accounts", "transactions", "transaction_events", "rejects")),
        *(f"gold/finance/{t}" for t in ("dim_dates", "dim_customers", "dim_accounts", "fact_transactions",
                                        "customer_transaction_totals")),
    }  # fmt: skip
    for key, node in finance.items():
        if key != "bronze/finance/rejects":
            assert node.partitions_def.get_partition_keys()[:2] == ["2024-01-01", "2024-01-02"], key
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys if c.asset_key.path[1] == "finance"}
    # The PII scan on every silver and gold table.
    assert {c.rsplit(":", 1)[0] for c in checks if c.endswith(":no_raw_pii")} == {
        k for k in finance if not k.startswith("bronze/")
    }
    assert {
        "gold/finance/fact_transactions:keys_resolve_to_valid_versions", "gold/finance/fact_transactions:transaction_id_unique",
        "gold/finance/fact_transactions:device_event_missing_below_5pct", "silver/finance/transactions:row_accounting",
        "silver/finance/transaction_events:row_accounting",
    } <= checks  # fmt: skip
    resources = defs.resources
    assert isinstance(resources["finance_source"], JdbcTables) and resources["finance_source"].db_schema == "finance"
    assert resources["pii_key"].key == EnvVar("LAKEHOUSE_PII_KEY")  # bound, never copied
    monkeypatch.delenv("LAKEHOUSE_PII_KEY")
    assert build_definitions(Settings.from_env()).resources["pii_key"].key is None  # fails its first step, see test_pipeline


def test_rainforest_group_has_every_layer(tmp_path):
    graph = build_definitions(Settings(home=tmp_path)).resolve_asset_graph()
    rainforest = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[1] == "rainforest"}
    assert {k for k in rainforest if k.startswith("bronze/")} == {
        f"bronze/rainforest/{t}" for t in (*TABLES, "rejects")
    }
    assert len(TABLES) == 13
    assert {k for k in rainforest if not k.startswith("bronze/")} == {
        *(f"silver/rainforest/{t}" for t in (
            "dim_buyer", "dim_seller", "dim_category", "dim_product", "brg_product_category",
            "brg_seller_product", "dimension_rejects", "fact_orders", "fact_order_items",
            "fact_clickstream", "fact_rejects",
        )),
        "gold/rainforest/wide_orders", "gold/rainforest/wide_order_items",
        "gold/rainforest/daily_category_metrics", "gold/rainforest/daily_order_metrics",
        "interface/rainforest/daily_category_report", "interface/rainforest/daily_order_report",
    }  # fmt: skip
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys}
    assert {
        "bronze/rainforest/orders:order_id_unique",
        "silver/rainforest/fact_orders:order_id_unique",
        "silver/rainforest/fact_order_items:order_item_id_unique",
        "silver/rainforest/fact_clickstream:event_id_unique",
        "gold/rainforest/wide_orders:order_id_unique",
        "gold/rainforest/wide_order_items:order_item_id_unique",
        "gold/rainforest/daily_category_metrics:mean_revenue_below_100k",
        "gold/rainforest/daily_order_metrics:mean_revenue_below_100k",
        "interface/rainforest/daily_category_report:product_category_unique",
        "interface/rainforest/daily_category_report:mean_revenue_below_100k",
        "interface/rainforest/daily_order_report:date_unique",
        "interface/rainforest/daily_order_report:mean_revenue_below_100k",
    } <= checks


def test_rainforest_source_is_csv_by_default_and_postgresql_when_configured(tmp_path):
    csv = build_definitions(Settings(home=tmp_path)).resources["rainforest_source"]
    assert isinstance(csv, CsvTables)
    assert csv.describe() == f"csv:{tmp_path / 'landing' / 'rainforest'}"
    settings = Settings(home=tmp_path, database_domains=("rainforest",), has_pgpassword=True)
    jdbc = build_definitions(settings).resources["rainforest_source"]
    assert isinstance(jdbc, JdbcTables) and jdbc.db_schema == "rainforest"
    # The URL and password stay environment variables: never copied into config or the UI.
    assert jdbc.__dict__["url"].env_var_name == "LAKEHOUSE_RAINFOREST_DB_URL"
    assert jdbc.__dict__["password"].env_var_name == "PGPASSWORD"
    without = build_definitions(Settings(home=tmp_path, database_domains=("rainforest",)))
    assert without.resources["rainforest_source"].__dict__["password"] is None


def test_checks_are_registered(tmp_path):
    graph = build_definitions(Settings(home=tmp_path)).resolve_asset_graph()
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys}
    assert {
        "silver/superstore/order_lines:schema",
        "silver/superstore/order_lines:silver_row_accounting",
        "silver/superstore/order_lines:mean_sales_per_day_below_100k",
        "gold/superstore/sales:order_id_unique",
        "gold/superstore/customers:customer_id_unique",
        "gold/superstore/customers:order_counts_ordered",
    } <= checks


def test_local_wiring_uses_the_filesystem_and_one_process(tmp_path):
    defs = build_definitions(Settings(home=tmp_path))
    io_manager = defs.resources["io_manager"]
    assert isinstance(io_manager, LocalParquetIOManager)
    assert io_manager.base_path == str(tmp_path / "warehouse")
    assert defs.executor.name == "in_process"
    assert defs.resources["landing"].root == str(tmp_path / "landing")


def test_s3_wiring_binds_secrets_to_environment_variables(tmp_path):
    settings = Settings(home=tmp_path, storage="s3", s3_bucket="lake", s3_prefix="p", has_aws_keys=True,
                        s3_endpoint="http://127.0.0.1:9000", spark_master="spark://127.0.0.1:7077")
    defs = build_definitions(settings)
    io_manager = defs.resources["io_manager"]
    assert isinstance(io_manager, S3ParquetIOManager)
    assert io_manager.base_uri() == "s3a://lake/p"
    for value in (io_manager.s3.__dict__["aws_secret_access_key"],
                  defs.resources["spark"].__dict__["s3_secret_access_key"]):
        assert isinstance(value, EnvVar) and value.env_var_name == "AWS_SECRET_ACCESS_KEY"
    assert defs.executor.name == "in_process"  # one driver per run, also on a cluster
    connect = build_definitions(Settings(home=tmp_path, spark_remote="sc://127.0.0.1:15002"))
    assert connect.executor.name == "in_process"  # a process per step costs more than it gains


def test_module_loads_from_env_and_fails_fast_naming_the_variable(tmp_path):
    code = "import lakehouse.definitions as d; print(len(d.defs.resolve_asset_graph().get_all_asset_keys()))"
    ok = subprocess.run([sys.executable, "-c", code], env=cli_env(tmp_path),
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert int(ok.stdout.strip()) >= len(SUPERSTORE)
    bad = subprocess.run([sys.executable, "-c", code], env=cli_env(tmp_path, LAKEHOUSE_STORAGE="s3"),
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0
    assert "LAKEHOUSE_STORAGE=s3 needs LAKEHOUSE_S3_BUCKET" in bad.stderr


def test_daily_schedule_requests_yesterdays_partition(tmp_path):
    defs = build_definitions(Settings(home=tmp_path))
    schedule = defs.resolve_schedule_def("superstore_daily_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.job_name == "superstore_daily"
    tick = datetime(2018, 12, 31, 2, 0, tzinfo=timezone.utc)
    requests = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=tick)).run_requests
    assert [r.partition_key for r in requests] == ["2018-12-30"]
    month_end = datetime(2016, 3, 1, 2, 0, tzinfo=timezone.utc)
    requests = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=month_end)).run_requests
    assert [r.partition_key for r in requests] == ["2016-02-29"]  # leap day


def test_rainforest_schedule_runs_after_superstore(tmp_path):
    schedule = build_definitions(Settings(home=tmp_path)).resolve_schedule_def("rainforest_daily_schedule")
    assert (schedule.cron_schedule, schedule.job_name) == ("0 3 * * *", "rainforest_daily")
    tick = datetime(2025, 1, 1, 3, 0, tzinfo=timezone.utc)
    requests = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=tick)).run_requests
    assert [r.partition_key for r in requests] == ["2024-12-31"]


_PARTITIONINGS = """
from lakehouse.definitions import defs
seen = set()
for spec in defs.resolve_all_asset_specs():
    p = spec.partitions_def
    if p is not None:
        keys = p.get_partition_keys()
        seen.add((spec.group_name, type(p).__name__[:-len("PartitionsDefinition")], keys[0], keys[-1], len(keys)))
for row in sorted(seen):
    print(*row)
"""


def test_a_sample_deployment_ends_each_domains_partitions_at_its_sample_datas_last_day(tmp_path):
    shown = subprocess.run([sys.executable, "-c", _PARTITIONINGS], capture_output=True, text=True, timeout=120,
                           env=cli_env(tmp_path, LAKEHOUSE_SAMPLE_DEPLOYMENT="1"))  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    # The UI's "N materialized, 0 missing" after `make demo`: exactly the days and months it runs.
    assert shown.stdout.splitlines() == [
        "finance Daily 2024-01-01 2024-12-31 366",
        "rainforest Daily 2024-01-01 2024-12-31 366",
        "sales Daily 2024-01-01 2024-03-31 91",
        "sales Monthly 2024-01 2024-03 3",
        "shop Daily 2024-01-01 2024-12-31 366",
        "shop Monthly 2024-01-01 2024-12-01 12",
        "superstore Daily 2015-01-01 2018-12-31 1461",
    ]


def test_partitions_are_open_ended_unless_a_sample_deployment_and_a_bad_value_names_the_variable(monkeypatch):
    from lakehouse.partitions import SAMPLE_DEPLOYMENT, daily, monthly

    monkeypatch.delenv(SAMPLE_DEPLOYMENT, raising=False)
    assert daily("2024-01-01", sample_last_day="2024-02-29").end is None
    monkeypatch.setenv(SAMPLE_DEPLOYMENT, "1")
    assert daily("2024-01-01", sample_last_day="2024-02-29").get_last_partition_key() == "2024-02-29"  # leap day
    assert daily("2024-01-01").end is None  # a domain without sample data stays open-ended
    assert monthly("2024-01", sample_last_day="2024-12-31").get_last_partition_key() == "2024-12"  # year end
    assert monthly("2024-01", sample_last_day="2024-11-15").get_last_partition_key() == "2024-11"
    monkeypatch.setenv(SAMPLE_DEPLOYMENT, "maybe")
    with pytest.raises(ValueError) as error:
        daily("2024-01-01", sample_last_day="2024-02-29")
    assert str(error.value) == "LAKEHOUSE_SAMPLE_DEPLOYMENT='maybe': set it to 1 (a sample deployment) or leave it unset"
