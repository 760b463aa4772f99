"""`lakehouse run`'s planning without Spark: one run per partitioning in dependency order, the partition
keys covering a range of days, and the errors said before anything runs. (Real runs: test_cli.py.)"""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    DailyPartitionsDefinition,
    Definitions,
    MonthlyPartitionsDefinition,
    asset,
)

from lakehouse.cli import main
from lakehouse.cli.run import Progress
from lakehouse.cli.run_plan import domain_assets, key_range, plan

DAILY = DailyPartitionsDefinition(start_date="2024-01-01")
MONTHLY = MonthlyPartitionsDefinition(start_date="2024-01-01")


def keys(batch) -> list[str]:
    return [key.to_user_string() for key in batch.keys]


def test_one_batch_per_partitioning_daily_first_unpartitioned_with_what_they_read():
    @asset(group_name="shop", partitions_def=DAILY)
    def orders(): ...

    @asset(group_name="shop", partitions_def=DAILY)
    def sales(orders): ...

    @asset(group_name="shop", partitions_def=MONTHLY)
    def monthly_sales(sales): ...

    @asset(group_name="shop")
    def rejects(): ...  # reads nothing of ours: the first run

    @asset(group_name="shop")
    def monthly_export(monthly_sales): ...  # reads the monthly asset: the monthly run

    @asset(group_name="mall", partitions_def=MONTHLY)
    def elsewhere(): ...  # another domain's

    graph = Definitions(assets=[orders, sales, monthly_sales, rejects, monthly_export, elsewhere]).resolve_asset_graph()
    batches = plan(domain_assets(graph, "shop"))
    assert [b.partitions_def for b in batches] == [DAILY, MONTHLY]
    assert sorted(keys(batches[0])) == ["orders", "rejects", "sales"]
    assert keys(batches[1]) == ["monthly_sales", "monthly_export"]


def test_what_a_batch_reads_runs_first_even_when_coarser():
    @asset(group_name="shop", partitions_def=MONTHLY)
    def targets(): ...

    @asset(group_name="shop")
    def target_table(targets): ...

    @asset(group_name="shop", partitions_def=DAILY)
    def progress_to_target(target_table): ...  # daily, reading monthly through an unpartitioned asset

    graph = Definitions(assets=[targets, target_table, progress_to_target]).resolve_asset_graph()
    batches = plan(domain_assets(graph, "shop"))
    assert [(b.partitions_def, keys(b)) for b in batches] == [
        (MONTHLY, ["targets", "target_table"]),
        (DAILY, ["progress_to_target"]),
    ]


def test_only_unpartitioned_assets_make_one_unpartitioned_batch():
    @asset(group_name="shop")
    def lookup(): ...

    batches = plan(domain_assets(Definitions(assets=[lookup]).resolve_asset_graph(), "shop"))
    assert [(b.partitions_def, keys(b)) for b in batches] == [(None, ["lookup"])]


def test_key_ranges_cover_the_days_and_stop_at_what_exists():
    d = date
    assert key_range(MONTHLY, d(2024, 1, 31), d(2024, 3, 1)) == ("2024-01-01", "2024-03-01")
    # Leap year: February ends on the 29th, and a range ending that day does not reach March.
    assert key_range(MONTHLY, d(2024, 2, 1), d(2024, 2, 29)) == ("2024-02-01", "2024-02-01")
    assert key_range(MONTHLY, d(2024, 2, 29), d(2024, 3, 1)) == ("2024-02-01", "2024-03-01")
    assert key_range(DAILY, d(2024, 2, 28), d(2024, 3, 1)) == ("2024-02-28", "2024-03-01")
    # Before the definition's first partition, and past its last complete one (this month, today).
    assert key_range(DAILY, d(2023, 6, 1), d(2024, 1, 2)) == ("2024-01-01", "2024-01-02")
    assert key_range(MONTHLY, d(2024, 5, 1), d(2999, 1, 1)) == ("2024-05-01", MONTHLY.get_last_partition_key())
    assert key_range(DAILY, d(2999, 1, 1), d(2999, 1, 2)) is None


def test_progress_lines_from_step_events():
    from dagster import DagsterEventType

    def entry(kind, step, at):  # what Progress reads of an EventLogEntry
        return SimpleNamespace(dagster_event=SimpleNamespace(event_type=kind), step_key=step, timestamp=at)

    out = io.StringIO()
    progress = Progress("shop [daily 2024-01-01...2024-01-31]", out, started=0.0, total=3)
    for event in [entry(DagsterEventType.STEP_START, "orders", 10.0), entry(DagsterEventType.STEP_SUCCESS, "orders", 75.0),
                  entry(DagsterEventType.STEP_START, "sales", 75.5)]:  # fmt: skip
        progress.feed(event)
    progress.flush()
    lines = [line.split(" (")[0] for line in out.getvalue().splitlines()]  # without the elapsed time
    # A step that started and ended within one poll gets its end line only.
    assert lines == [
        "shop [daily 2024-01-01...2024-01-31] step 1/3 orders done in 1:05",
        "shop [daily 2024-01-01...2024-01-31] step 2/3 sales running",
    ]
    # Failed blocking ERROR checks are kept (the run's summary over a day's); WARN or non-blocking ones are not.
    for passed, severity, blocking, partition, failing in [
        (False, AssetCheckSeverity.ERROR, True, "2024-01-02", 1), (False, AssetCheckSeverity.ERROR, True, None, 3),
        (False, AssetCheckSeverity.WARN, False, None, 1), (False, AssetCheckSeverity.ERROR, False, None, 1),
    ]:  # fmt: skip
        evaluation = AssetCheckEvaluation(asset_key=AssetKey(["gold", "shop", "sales"]), check_name=f"{severity.value}_{blocking}",
                                          passed=passed, severity=severity, blocking=blocking, partition=partition,
                                          metadata={"failing_count": MetadataValue.int(failing)})  # fmt: skip
        event = SimpleNamespace(event_type=DagsterEventType.ASSET_CHECK_EVALUATION, event_specific_data=evaluation)
        progress.feed(SimpleNamespace(dagster_event=event, step_key="sales", timestamp=80.0))
    assert progress.failed_checks == {"gold/shop/sales ERROR_True": 3}
    # A resource that cannot start fails the run outside any step: its error is kept, unwrapped.
    cause = SimpleNamespace(cls_name="Failure", message="dagster._core.definitions.events.Failure: LAKEHOUSE_PII_KEY is not set", cause=None)
    wrapper = SimpleNamespace(cls_name="DagsterResourceFunctionError", message="Error executing resource_fn", cause=cause)
    event = SimpleNamespace(event_type=DagsterEventType.RESOURCE_INIT_FAILURE, event_specific_data=SimpleNamespace(error=wrapper))
    progress.feed(SimpleNamespace(dagster_event=event, step_key=None, timestamp=81.0))
    assert progress.run_errors == ["Failure: LAKEHOUSE_PII_KEY is not set"]


def test_errors_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    assert main(["run", "superstore"]) == 1
    landing = tmp_path / "landing" / "superstore"
    assert f"lakehouse run: error: the landing folder {landing} does not exist: put superstore's CSV files there" in capsys.readouterr().err
    assert main(["run", "banking"]) == 1
    assert "unknown domain 'banking': registered are superstore, rainforest, sales, shop, finance" in capsys.readouterr().err
    assert main(["run", "shop"]) == 1  # its exports live in one folder per entity
    shop = tmp_path / "landing" / "shop"
    assert (f"the landing folder {shop} does not exist: put shop's CSV files there" in capsys.readouterr().err)
    assert main(["run", "superstore", "--from", "2016-01-02", "--to", "2016-01-01"]) == 1
    assert "--from 2016-01-02 is after --to 2016-01-01" in capsys.readouterr().err
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("x\n")
    monkeypatch.delenv("DAGSTER_HOME")
    assert main(["run", "superstore"]) == 1
    assert "DAGSTER_HOME is not set" in capsys.readouterr().err


def test_sales_runs_over_the_days_its_waiting_files_name(tmp_path, monkeypatch, capsys):
    """`lakehouse run sales` without --from/--to: the waiting files' days, or nothing to do."""
    from lakehouse.cli import run as run_module

    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    landing = tmp_path / "landing" / "sales"
    (landing / "dimensions").mkdir(parents=True)
    (landing / "dimensions" / "customer.csv").write_text("customer_id\n1\n")
    (landing / "to_process").mkdir()
    assert main(["run", "sales"]) == 0
    assert "sales: no files waiting in" in capsys.readouterr().out
    header = "customer_id,store_id,product_name,sales_date,sales_person_id,price,quantity,total_cost"
    (landing / "to_process" / "a.csv").write_text(f"{header}\n1,121,sugar,2024-01-09,1,1.00,1,1.00\n")
    (landing / "to_process" / "b.csv").write_text(f"{header}\n1,121,sugar,2024-01-03,1,1.00,1,1.00\n")
    (landing / "to_process" / "c.json").write_text("[]")
    asked = []
    monkeypatch.setattr(run_module, "run_domain", lambda settings, home, domain, first, last: asked.append((domain, first, last)) or True)
    assert main(["run", "sales"]) == 0
    assert asked == [("sales", date(2024, 1, 3), date(2024, 1, 9))]
    assert sorted(p.name for p in (landing / "to_process").iterdir()) == ["a.csv", "b.csv", "c.json"]  # it only looked
