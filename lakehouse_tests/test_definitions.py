"""The code location: what loads, how it is wired per environment, and the daily schedule."""

import subprocess
import sys
from datetime import datetime, timezone

from dagster import EnvVar, build_schedule_context
from dagster._core.definitions.backfill_policy import BackfillPolicyType

from lakehouse.definitions import build_definitions
from lakehouse.resources.parquet_io_manager import LocalParquetIOManager, S3ParquetIOManager
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
    assert unpartitioned == {"bronze/superstore/order_lines_rejects"}


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
    assert connect.executor.name == "multiprocess"  # Connect sessions are cheap: parallel steps


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
