"""`lakehouse checks` over a throwaway Dagster instance: tiny pure-Python assets (no Spark) keyed like ours,
whose checks record their results as lakehouse.quality.checks does (each day of a range, then its summary)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    BackfillPolicy,
    DagsterInstance,
    DailyPartitionsDefinition,
    MetadataValue,
    PreviewWarning,
    asset,
    asset_check,
    materialize,
)

from lakehouse.cli import main
from lakehouse.instance import write_instance_config
from lakehouse.quality.checks import Check, log_days, summary
from lakehouse.quality.rules import RuleResult
from lakehouse_tests.conftest import REPO, cli_env, materialize_range

PARTITIONS = DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-05")
ORDERS, REJECTS = ["silver", "shop", "orders"], ["silver", "shop", "order_rejects"]
SALES = ["gold", "mall", "daily_sales"]
AUDIT = "/lake/_audit/silver/shop/orders"
WARN, ERROR = AssetCheckSeverity.WARN, AssetCheckSeverity.ERROR
UNIQUE = {"keys": "order_id", "duplicated_keys": 0, "duplicate_rows": 0}
MEAN = {"column": "amount", "threshold": 100000.0, "groups": 3, "group_by": "region"}
# Per check, each day's verdict: the first day fails the blocking unique check and the WARN mean.
VERDICTS = {
    "order_id_unique": [
        RuleResult(False, 2, {**UNIQUE, "duplicated_keys": 2, "duplicate_rows": 3, "sample_keys": ["7", "9"]}),
        RuleResult(True, 0, UNIQUE),
    ],
    "amount_mean": [
        RuleResult(False, 1, {**MEAN, "actual_max_mean": 180000.0, "sample_failing_groups": ["west|180000.0"]}),
        RuleResult(True, 0, {**MEAN, "actual_max_mean": 90000.5}),
    ],
    "schema": [RuleResult(True, 0, {"model": "Orders", "failed_checks": 0})] * 2,
    "row_accounting": [
        RuleResult(True, 0, {"rows_in": 6, "rows_out": 3, "rows_rejected": 2, "duplicates_removed": 1,
                             "unaccounted": 0}),
        RuleResult(True, 0, {"rows_in": 4, "rows_out": 3, "rows_rejected": 1, "duplicates_removed": 0,
                             "unaccounted": 0}),
    ],
    "revenue_positive": [RuleResult(True, 0, {"condition": "revenue >= 0", "failing_rows": 0})] * 5,
}  # fmt: skip
REJECTED = {"2024-01-01": 2, "2024-01-02": 1}


def _check(key: list[str], name: str, severity=ERROR):
    """A check recording as ours do: in a range, each day's verdict (log_days), then the run's summary."""
    blocking = severity == ERROR
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)

        @asset_check(asset=key, name=name, partitions_def=PARTITIONS, blocking=blocking)
        def _recorded(context) -> AssetCheckResult:
            days = list(context.op_execution_context.partition_keys)
            results = {day: VERDICTS[name][PARTITIONS.get_partition_keys().index(day)] for day in days}
            if len(results) > 1:
                log_days(context, Check(name, "", None, blocking, severity), AssetKey(key), results)
            passed, details = summary(results, AUDIT)
            metadata = {k: MetadataValue.json(v) if isinstance(v, list) else v for k, v in details.items()}
            return AssetCheckResult(passed=passed, severity=severity, metadata=metadata)

    return _recorded


def _asset(key: list[str]):
    @asset(key=key, partitions_def=PARTITIONS, backfill_policy=BackfillPolicy.single_run())
    def _table(context) -> None:
        if key == REJECTS:  # each day's count on its own materialization, as our IO manager records a range
            for day in context.partition_keys:
                context.add_asset_metadata({"dagster/row_count": REJECTED[day]}, partition_key=day)

    return _table


CHECKS = [_check(ORDERS, name) for name in ("order_id_unique", "schema", "row_accounting")]
MEAN_CHECK, SALES_CHECK = _check(ORDERS, "amount_mean", WARN), _check(SALES, "revenue_positive")


def instance_folder(home):
    """`home` configured with the storage `make demo` uses (it writes a range's evaluations in one batch)."""
    (home / "dagster.yaml").unlink(missing_ok=True)
    write_instance_config(home)  # its base_dir is `home`: a copied folder needs its own
    with (home / "dagster.yaml").open("a") as config:
        config.write("telemetry:\n  enabled: false\n")
    return home


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """DAGSTER_HOME with a range run of shop (2024-01-01...02) and a single-day run of mall (2024-01-03)."""
    home = instance_folder(tmp_path_factory.mktemp("dagster_home"))
    with DagsterInstance.from_config(str(home)) as instance:
        shop = materialize_range([_asset(ORDERS), _asset(REJECTS), *CHECKS, MEAN_CHECK], None, "2024-01-01",
                                 "2024-01-02", instance=instance, raise_on_error=False)  # fmt: skip
        mall = materialize([_asset(SALES), SALES_CHECK], instance=instance, partition_key="2024-01-03")
    assert not shop.success and mall.success  # the shop run's blocking check failed
    return home, shop.run_id[:8], mall.run_id[:8]


def checks(monkeypatch, capsys, home, *args):
    """`lakehouse checks ARGS` in this process: exit code, stdout, stderr."""
    if home is None:
        monkeypatch.delenv("DAGSTER_HOME", raising=False)
    else:
        monkeypatch.setenv("DAGSTER_HOME", str(home))
    code = main(["checks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def expected_text(home, shop, mall) -> str:
    span = "2024-01-01...2024-01-02 (2 days)"
    return f"""Latest check results in DAGSTER_HOME={home}

mall
  gold/mall/daily_sales
    revenue_positive  PASSED  0 failing  2024-01-03                        run {mall}  0 rows fail revenue >= 0
shop
  silver/shop/order_rejects
    rejected rows (latest run): 3, {span}, run {shop}
  silver/shop/orders
    amount_mean       WARN    1 failing  {span}  run {shop}  amount: actual 180,000.0 vs threshold < 100,000 over 6 groups by region; sample groups: west|180000.0; failing days: 2024-01-01; held back in {AUDIT}
    order_id_unique   FAILED  2 failing  {span}  run {shop}  2 duplicated keys (order_id), 3 duplicate rows; sample keys: 7, 9; failing days: 2024-01-01; held back in {AUDIT}
    row_accounting    PASSED  0 failing  {span}  run {shop}  rows in 10, out 6, rejected 3, duplicates removed 1, unaccounted 0
    schema            PASSED  0 failing  {span}  run {shop}  0 failed checks of Orders

5 checks: 3 passed, 1 failed, 1 warned. Blocking failures: silver/shop/orders order_id_unique.
"""


def test_text_report_in_a_subprocess_exits_1_on_the_failed_blocking_check(runs, tmp_path):
    home, shop, mall = runs
    command = [sys.executable, "-m", "lakehouse.cli", "checks"]
    done = subprocess.run(command, env=cli_env(tmp_path, DAGSTER_HOME=str(home)), cwd=REPO, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout == expected_text(home, shop, mall)


def test_domain_and_since_filters(runs, monkeypatch, capsys):
    home, _, mall = runs
    code, out, _ = checks(monkeypatch, capsys, home, "--domain", "mall", "--since", "2024-01-01")
    assert code == 0
    assert out.splitlines() == [
        f"Latest check results in DAGSTER_HOME={home} (domain mall, since 2024-01-01)",
        "",
        "mall",
        "  gold/mall/daily_sales",
        f"    revenue_positive  PASSED  0 failing  2024-01-03  run {mall}  0 rows fail revenue >= 0",
        "",
        "1 checks: 1 passed, 0 failed, 0 warned. No blocking check failed.",
    ]
    code, out, err = checks(monkeypatch, capsys, home, "--since", "2999-01-01")
    assert (code, out) == (2, "")
    assert err == (f"lakehouse checks: no check results (since 2999-01-01) in DAGSTER_HOME={home}: "
                   "run the pipeline first, or point DAGSTER_HOME at the instance that ran it\n")  # fmt: skip


def test_markdown_and_html_to_a_file(runs, monkeypatch, capsys, tmp_path):
    home, shop, mall = runs
    code, out, _ = checks(monkeypatch, capsys, home, "--format", "markdown")
    lines = out.splitlines()
    assert code == 1
    assert lines[:6] == [f"# Latest check results in DAGSTER_HOME={home}", "", "## mall", "",
                         "### gold/mall/daily_sales", ""]  # fmt: skip
    assert "| check | status | failing | latest | run | details |" in lines
    assert (f"| order_id_unique | FAILED | 2 | 2024-01-01...2024-01-02 (2 days) | {shop} | "
            "2 duplicated keys (order_id), 3 duplicate rows; sample keys: 7, 9; failing days: 2024-01-01; "
            f"held back in {AUDIT} |") in lines  # fmt: skip
    assert f"Rejected rows (latest run): 3, 2024-01-01...2024-01-02 (2 days), run {shop}." in lines
    assert lines[-1] == "**5 checks: 3 passed, 1 failed, 1 warned. Blocking failures: silver/shop/orders order_id_unique.**"

    page = tmp_path / "report.html"
    code, out, _ = checks(monkeypatch, capsys, home, "--format", "html", "--out", str(page))
    assert (code, out) == (1, "")
    lines = page.read_text().splitlines()
    assert lines[:2] == ["<!DOCTYPE html>", '<html lang="en">']
    assert (f'<tr><td>revenue_positive</td><td class="PASSED">PASSED</td><td class="failing">0</td><td>2024-01-03</td>'
            f"<td>{mall}</td><td>0 rows fail revenue &gt;= 0</td></tr>") in lines  # fmt: skip
    assert "<h3>silver/shop/orders</h3>" in lines and lines[-1] == "</html>"


def test_a_day_failed_earlier_stays_failing_after_a_passing_rerun(runs, monkeypatch, capsys, tmp_path):
    home = instance_folder(Path(shutil.copytree(runs[0], tmp_path / "dagster_home")))
    with DagsterInstance.from_config(str(home)) as instance:
        rerun = materialize([_asset(ORDERS), CHECKS[0]], instance=instance, partition_key="2024-01-02")
    code, out, _ = checks(monkeypatch, capsys, home, "--domain", "shop")
    assert code == 0  # the latest result passed; the day it does not cover is reported, not gated on
    assert (f"    order_id_unique  PASSED  0 failing  2024-01-02                        run {rerun.run_id[:8]}  "
            "0 duplicated keys (order_id), 0 duplicate rows; failing days: 2024-01-01") in out.splitlines()


def test_dagster_home_missing(monkeypatch, capsys, tmp_path):
    code, out, err = checks(monkeypatch, capsys, None)
    assert (code, out) == (1, "")
    assert err == ("lakehouse checks: error: DAGSTER_HOME is not set: set DAGSTER_HOME to the Dagster instance "
                   "folder, e.g. the .dagster folder `make demo` uses\n")  # fmt: skip
    code, _, err = checks(monkeypatch, capsys, tmp_path / "nowhere")
    assert code == 1 and err.startswith(f"lakehouse checks: error: DAGSTER_HOME={tmp_path / 'nowhere'} is not a folder")
    code, _, err = checks(monkeypatch, capsys, tmp_path)  # a folder, but no instance: none is created there
    assert code == 1 and "holds no Dagster instance (no dagster.yaml, no history/)" in err
    assert not (tmp_path / "history").exists()
