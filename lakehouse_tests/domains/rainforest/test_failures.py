"""The rainforest job against a database that is down or refuses the password: a bounded retry
for the first, an immediate failure for the second, and never a password in the run's events."""

from __future__ import annotations

import socket
import time

from dagster import AssetKey, DagsterEventType, DagsterInstance
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from lakehouse.definitions import build_definitions
from lakehouse.domains.rainforest import bronze
from lakehouse.domains.rainforest.contracts.keys import bronze as bronze_key
from lakehouse.settings import Settings
from lakehouse_tests import pg_server

DB_VARIABLE = "LAKEHOUSE_RAINFOREST_DB_URL"
DAY = "2024-01-02"
WRONG = "wrong-pw"


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_bronze_orders(tmp_path, monkeypatch, url: str):
    """bronze/rainforest/orders alone for DAY, from the database at `url`; (result, instance, seconds)."""
    monkeypatch.setenv(DB_VARIABLE, url)
    settings = Settings(home=tmp_path, spark_master="local[2]", database_domains=("rainforest",))
    job = build_definitions(settings).resolve_job_def("rainforest_daily")
    instance = DagsterInstance.ephemeral()
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance,
        tags={ASSET_PARTITION_RANGE_START_TAG: DAY, ASSET_PARTITION_RANGE_END_TAG: DAY},
        raise_on_error=False,
        asset_selection=[AssetKey(bronze_key("orders"))],
    )
    return result, instance, time.monotonic() - started


def event_types(instance, run_id) -> list[DagsterEventType]:
    return [e.dagster_event.event_type for e in instance.all_logs(run_id) if e.dagster_event]


def log_text(instance, run_id) -> str:
    """Everything the run's event log holds, as text: each event's message and its Dagster event."""
    return "\n".join(f"{e.message}\n{e.dagster_event!r}\n{e.user_message}" for e in instance.all_logs(run_id))


def failure_messages(result) -> list[str]:
    return [str(e.step_failure_data.error.message) for e in result.all_events if e.is_step_failure]


def test_unreachable_database_retries_then_fails_naming_the_setting(spark, tmp_path, monkeypatch):
    monkeypatch.setattr(bronze, "RETRIES", 1)
    monkeypatch.setattr(bronze, "RETRY_WAIT_SECONDS", 1)
    port = free_port()
    result, instance, seconds = run_bronze_orders(tmp_path, monkeypatch, f"postgresql://lakehouse:pw@127.0.0.1:{port}/app")
    assert not result.success
    assert seconds < 60
    types = event_types(instance, result.run_id)
    assert types.count(DagsterEventType.STEP_UP_FOR_RETRY) == 1  # RetryRequested, once (RETRIES = 1)
    assert types.count(DagsterEventType.STEP_RESTARTED) == 1
    assert types.count(DagsterEventType.STEP_FAILURE) == 1
    assert types.index(DagsterEventType.STEP_UP_FOR_RETRY) < types.index(DagsterEventType.STEP_FAILURE)
    text = log_text(instance, result.run_id)
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}/app: connection refused; check {DB_VARIABLE}" in text
    assert "retrying in 1 s" in text
    assert not (tmp_path / "warehouse" / "bronze" / "rainforest" / "orders").exists()


def test_wrong_password_fails_at_once_without_leaking_a_password(spark, postgres, tmp_path, monkeypatch):
    result, instance, seconds = run_bronze_orders(tmp_path, monkeypatch, postgres.url(password=WRONG))
    assert not result.success
    assert seconds < 60
    types = event_types(instance, result.run_id)
    assert DagsterEventType.STEP_UP_FOR_RETRY not in types  # not transient: no retry
    assert types.count(DagsterEventType.STEP_FAILURE) == 1
    (message,) = failure_messages(result)
    assert f"refused user '{pg_server.USER}': wrong password" in message
    assert DB_VARIABLE in message
    text = log_text(instance, result.run_id)
    assert "refused user" in text  # the failure is in the event log text that is searched below
    assert WRONG not in text
    assert pg_server.PASSWORD not in text
