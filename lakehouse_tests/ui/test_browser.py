"""The Dagster UI in a real browser. `dagster-webserver`, started as `make ui` starts it (workspace.yaml, a
sample deployment), on a free loopback port, against a SQLite instance of lakehouse.instance's storage
that ran the sample data of two domains: superstore over 2015-01-01..2015-01-03 (the generator at 1%) and
sales over 2024-01-01..2024-01-02. Headless Chromium (Debian's `chromium`, driven by Playwright; no
browser download) checks, against values read from the instance and from the tables themselves: the
asset graph shows the five domain groups; a partitioned asset's partitions tab counts its materialized
and missing days and lists the materialized ones; a check's latest result shows its metadata numbers;
a materialization's metadata shows its row count and its schema. The webserver starts no Spark.

Each step saves a screenshot to lakehouse_tests/ui/screenshots/ (git-ignored; viewport-sized, as
Dagster's pages scroll inside their own panes); docs/ui-assets.png and docs/ui-checks.png are two of them.

Needs `apt-get install -y chromium` and playwright (the `test` extra): without either it fails, never skips.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psutil
import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance, Definitions

from lakehouse.datagen import GENERATORS
from lakehouse.definitions import build_definitions
from lakehouse.domains import DOMAINS
from lakehouse.instance import write_instance_config
from lakehouse.partitions import SAMPLE_DEPLOYMENT
from lakehouse.resources.spark_server import free_port
from lakehouse.settings import Settings
from lakehouse_tests.conftest import REPO, cli_env
from lakehouse_tests.domains.warehouse import read_table, run_range

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the `ui` fixture fails, saying what to install
    expect = sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
# No background connections (this network is closed), no sandbox (root), no GPU. Playwright gives it a
# fresh user data folder.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SHOTS = Path(__file__).parent / "screenshots"
GROUPS = {"superstore", "rainforest", "sales", "shop", "finance"}
# The runs: job and days per domain (the generators write those days only). Superstore's customer
# snapshots look back from the first partition, so its range starts there.
RUNS = {
    "superstore": ("superstore_daily", date(2015, 1, 1), date(2015, 1, 3)),
    "sales": ("sales_daily", date(2024, 1, 1), date(2024, 1, 2)),
}
SCALES = {"superstore": 0.01, "sales": 1.0}  # superstore at 1%: ~100 order lines
TIMEOUT_MS = 30_000  # per expectation (a page's queries on 2 shared cores)
FIRST_PAGE_TIMEOUT_MS = 90_000  # the code location may still be loading its definitions


@dataclass
class Ui:
    url: str
    home: Path
    instance: DagsterInstance
    defs: Definitions
    server: subprocess.Popen


def require_browser() -> None:
    """Fail, saying what to install, without playwright or Debian's chromium."""
    if sync_playwright is None:
        pytest.fail("playwright is missing: `.venv/bin/pip install -e '.[test]'` (never `playwright install`: "
                    f"the test drives Debian's chromium at {CHROMIUM})", pytrace=False)  # fmt: skip
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run installs it)", pytrace=False)


def start_webserver(dagster_home: Path, home: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`make ui`'s webserver (no daemon): workspace.yaml, a sample deployment, this instance and home."""
    port = free_port()
    env = cli_env(
        home, DAGSTER_HOME=str(dagster_home), DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS="true",
        **{SAMPLE_DEPLOYMENT: "1"},
    )  # fmt: skip
    command = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}"


def wait_ready(server: subprocess.Popen, url: str, log: Path, seconds: float = 60) -> None:
    """Until /server_info answers; fail with the webserver's log if it exits or the deadline passes."""
    deadline = time.monotonic() + seconds
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        if server.poll() is not None:
            pytest.fail(f"dagster-webserver exited ({server.returncode}):\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            with opener.open(f"{url}/server_info", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"dagster-webserver not answering after {seconds} s:\n{log.read_text()[-3000:]}", pytrace=False)
        time.sleep(0.25)


def stop(server: subprocess.Popen) -> None:
    """The webserver and what it started (its code server): terminated, killed if they linger."""
    try:
        family = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for process in family:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=15)
    for process in alive:
        process.kill()
    server.wait(timeout=15)


@pytest.fixture(scope="module")
def ui(tmp_path_factory, spark_resource):  # noqa: ARG001 (the shared session, which build_definitions' Spark reuses)
    """The instance, its runs and the webserver on it (started first: it loads while the runs run)."""
    require_browser()
    home = tmp_path_factory.mktemp("ui-home")
    dagster_home = home / "dagster"
    write_instance_config(dagster_home)
    for name, (_, first, last) in RUNS.items():
        GENERATORS[name](home / "landing" / name, scale=SCALES[name], start=first, end=last)
    log = home / "webserver.log"
    server, url = start_webserver(dagster_home, home, log)
    try:
        instance = DagsterInstance.from_config(str(dagster_home))
        defs = build_definitions(Settings(home=home))
        for name, (job, first, last) in RUNS.items():
            result = run_range(defs, instance, job, first.isoformat(), last.isoformat())
            assert result.success, f"{job} failed"
        wait_ready(server, url, log)
        yield Ui(url, home, instance, defs, server)
    finally:
        stop(server)


@pytest.fixture(scope="module")
def page(ui):
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 760})
        # Dagster's "join the community" dialog opens on loopback origins until dismissed once; the
        # navigation, collapsed to its icons, leaves the page more of the screenshots' 1000 pixels.
        page.add_init_script(
            "window.localStorage.setItem('communityNux', JSON.stringify('1'));"
            "window.localStorage.setItem('dagster-nav-collapsed', 'true');"
        )
        expect.set_options(timeout=TIMEOUT_MS)
        yield page
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True, animations="disabled")


def row(scope, key: str, value) -> object:
    """The table row of metadata entry `key`, which must read exactly `value`."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*{re.escape(str(value))}\s*$")
    return scope.get_by_role("row").filter(has_text=pattern)


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def test_asset_graph_shows_the_five_domain_groups(ui, page):
    assert {spec.group_name for spec in ui.defs.resolve_all_asset_specs()} == GROUPS
    page.goto(f"{ui.url}/asset-groups")
    for group in sorted(GROUPS):
        # Once in the tree on the left, once as the group's node in the graph.
        shown = page.get_by_text(group, exact=True).filter(visible=True)
        expect(shown).to_have_count(2, timeout=FIRST_PAGE_TIMEOUT_MS)
    # Each node reads "N assets (fetching statuses)" until its assets' statuses arrive.
    expect(page.get_by_text("(fetching statuses)")).to_have_count(0)
    shot(page, "1-asset-groups")


def test_partitions_tab_counts_and_lists_the_materialized_days(ui, page):
    key = AssetKey(["gold", "superstore", "sales"])
    _, first, last = RUNS["superstore"]
    done = days(first, last)
    assert ui.instance.get_materialized_partitions(key) == set(done)
    sample_first, sample_last = map(date.fromisoformat, DOMAINS["superstore"].DEMO_PARTITION_RANGE)
    total = (sample_last - sample_first).days + 1  # a sample deployment's partitions: 1,461
    page.goto(f"{ui.url}/assets/gold/superstore/sales?view=partitions")
    expect(page.get_by_text(f"{total:,} Partitions Selected", exact=True)).to_be_visible(timeout=FIRST_PAGE_TIMEOUT_MS)
    expect(page.get_by_text(f"Materialized ({len(done)})", exact=True)).to_be_visible()

    def shown(day: str):
        return page.get_by_text(day, exact=True).filter(visible=True)

    # The range picker shows the first and last day; the list starts with the newest, missing, day.
    expect(shown(sample_last.isoformat())).to_have_count(2)
    missing = f"Missing ({total - len(done)})"
    page.get_by_text(missing, exact=True).click()  # its (styled) checkbox's label: the list keeps the rest
    expect(page.get_by_label(missing)).not_to_be_checked()
    expect(page.get_by_text(f"{len(done)} Partitions Selected", exact=True)).to_be_visible()
    expect(shown(sample_last.isoformat())).to_have_count(1)
    for day in done:
        expect(shown(day)).to_have_count(2 if day == sample_first.isoformat() else 1)
    shot(page, "2-partitions")


def test_check_result_shows_its_metadata_numbers(ui, page):
    key = AssetCheckKey(AssetKey(["silver", "superstore", "order_lines"]), "silver_row_accounting")
    [latest] = ui.instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
    evaluation = latest.event.dagster_event.event_specific_data
    figures = {name: value.value for name, value in evaluation.metadata.items()}
    # The run's summary over its days, which the UI shows as the latest result; its figures are the tables'.
    assert evaluation.passed and evaluation.partition is None and figures["days_checked"] == 3
    assert figures["rows_in"] == len(read_table(ui.home, "bronze/superstore/order_lines")) > 0
    assert figures["rows_out"] == len(read_table(ui.home, "silver/superstore/order_lines")) > 0
    assert figures["rows_rejected"] == len(read_table(ui.home, "silver/superstore/order_lines_rejects"))
    assert figures["rows_in"] == figures["rows_out"] + figures["rows_rejected"] + figures["duplicates_removed"]
    page.goto(f"{ui.url}/assets/silver/superstore/order_lines?view=checks&checkDetail=silver_row_accounting")
    expect(page.get_by_text("bronze rows = silver rows + rejected rows + duplicates removed, per day.")).to_be_visible(
        timeout=FIRST_PAGE_TIMEOUT_MS
    )
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    for name in ("rows_in", "rows_out", "rows_rejected", "duplicates_removed", "days_checked", "unaccounted"):
        expect(row(page, name, figures[name])).to_be_visible()
    shot(page, "3-checks")


def test_materialization_shows_row_count_and_schema(ui, page):
    key = AssetKey(["gold", "superstore", "sales"])
    record = ui.instance.fetch_materializations(key, limit=1).records[0]
    metadata = record.asset_materialization.metadata
    day = record.asset_materialization.partition
    rows = metadata["dagster/row_count"].value
    columns = [(c.name, c.type) for c in metadata["dagster/column_schema"].schema.columns]
    # The figures are the table's: that day's rows, its columns (partition column included).
    table = read_table(ui.home, "gold/superstore/sales")
    assert day == RUNS["superstore"][2].isoformat()
    assert rows == sum(1 for r in table if r["order_date"].isoformat() == day) > 0
    assert [name for name, _ in columns] == list(table[0])
    page.goto(f"{ui.url}/assets/gold/superstore/sales?view=events")
    expect(page.get_by_text(f"Partition {day} materialized in run {record.run_id[:8]}")).to_be_visible(
        timeout=FIRST_PAGE_TIMEOUT_MS
    )
    expect(row(page, "dagster/row_count", rows)).to_be_visible()
    shot(page, "4-materialization")
    page.get_by_text("[Show Table Schema]").click()
    schema = page.get_by_role("dialog")
    expect(schema.get_by_text("dagster/column_schema")).to_be_visible()
    for name, kind in columns:
        expect(row(schema, name, kind)).to_be_visible()
    shot(page, "5-schema")


def loaded_location(url: str, seconds: float = 90) -> dict:
    """The workspace's one code location once loaded (name, status, what loaded), asked over GraphQL."""
    entries = "locationEntries { name loadStatus locationOrLoadError { __typename } }"
    query = json.dumps({"query": "{ workspaceOrError { ... on Workspace { %s } } }" % entries}).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while True:
        request = urllib.request.Request(f"{url}/graphql", data=query, headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=10) as answer:
            [entry] = json.load(answer)["data"]["workspaceOrError"]["locationEntries"]
        if entry["loadStatus"] == "LOADED" or time.monotonic() > deadline:
            return entry
        time.sleep(0.25)


def test_webserver_starts_no_spark(ui):
    """Loading the definitions creates no Spark session: no JVM among the webserver's processes."""
    entry = loaded_location(ui.url)
    loaded = {"__typename": "RepositoryLocation"}  # not a PythonError
    assert entry == {"name": "lakehouse", "loadStatus": "LOADED", "locationOrLoadError": loaded}
    family = [psutil.Process(ui.server.pid), *psutil.Process(ui.server.pid).children(recursive=True)]
    commands = [" ".join(p.cmdline()) for p in family]
    assert any(" -m dagster api grpc " in c for c in commands), commands  # the code server that loaded them
    jvms = [p.pid for p in family if p.name() == "java" or "java" in (p.cmdline() or [""])[0]]
    assert jvms == [], commands
