"""The embedded Dagster instance: SQLite under $DAGSTER_HOME, storing a range run's events in one go.

A range run of a daily asset yields one materialization event per day (366 for a year). Dagster's
SQLite event log stores each in its own two transactions on fresh connections (~20 ms here), so a
year's backfill of 30 tables spent minutes writing events. With `DAGSTER_EVENT_BATCH_SIZE` set,
Dagster hands an output's events to `store_event_batch`, which Postgres implements and SQLite only
loops over; `BatchedSqliteEventLogStorage` writes such a batch in one transaction per database.
A range run's per-day check evaluations (lakehouse.quality.checks logs them as one batch) are
written the same way.
The rows written are the ones `store_event` writes, so the UI and every instance query see the same.

`python -m lakehouse.instance DAGSTER_HOME` writes a `dagster.yaml` selecting this storage, unless
the folder already has a non-empty one (a user's own instance configuration is never replaced).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqlEventLogStorageTable, SqliteEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory

# Dagster's switch for batches; lakehouse/__init__.py defaults it (1000: a year of days in one batch).
BATCH_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"

INSTANCE_YAML = """\
# Written by `python -m lakehouse.instance` (make demo / ui / bench): the embedded SQLite instance,
# with range runs' events stored in batches. Batching needs {variable} in the run's environment
# (lakehouse/__init__.py defaults it); without it this storage behaves exactly like Dagster's default.
# base_dir is this folder, written out so that any process opening it (with or without
# DAGSTER_HOME set) finds the same databases; if the folder moves, delete this file and run it again.
storage:
  custom:
    module: lakehouse.instance
    class: BatchedSqliteStorage
    config:
      base_dir: {base_dir}
# The UI's "Join the Dagster community" dialog covers the page of every first visit on loopback.
nux:
  enabled: false
"""


def _batchable(events: Sequence[EventLogEntry], kinds) -> bool:
    """Events of one run, all of `kinds` and about an asset: what `store_event` writes the same way for each."""
    return bool(events) and len({e.run_id for e in events}) == 1 and all(
        e.is_dagster_event and e.dagster_event_type in kinds and _asset_key(e) for e in events
    )


def _asset_key(event: EventLogEntry):
    # DagsterEvent.asset_key answers for materialization-like events only; a check's is in its data.
    data = event.dagster_event.event_specific_data
    return getattr(data, "asset_key", None) if event.dagster_event_type in ASSET_CHECK_EVENTS else event.dagster_event.asset_key


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, with a batch of one run's asset events written in one transaction each."""

    def __init__(self, *args, **kwargs):
        self._has_check_tables = False  # see supports_asset_checks
        super().__init__(*args, **kwargs)
        self._batch = threading.local()  # the index connection a batch is writing through, if any

    @property
    def supports_asset_checks(self) -> bool:
        # Dagster asks before storing every check event, each time on a new engine and connection:
        # a quarter of the time a range run spends storing its per-day check evaluations (6.3 of
        # 23 s for superstore's 11,688). A table once there stays, so a yes is kept.
        if not self._has_check_tables:
            self._has_check_tables = super().supports_asset_checks
        return self._has_check_tables

    @contextmanager
    def index_connection(self):
        # Inside a batch, Dagster's per-event index writes reuse the batch's one connection and
        # transaction (a second SQLite connection would wait on the first's write lock).
        conn = getattr(self._batch, "conn", None)
        if conn is not None:
            yield conn
            return
        with super().index_connection() as conn:
            yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if _batchable(events, ASSET_CHECK_EVENTS):
            self._store_check_batch(events)
            return
        if not _batchable(events, ASSET_EVENTS):
            super().store_event_batch(events)
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            ids = []
            for event in events:  # one by one: each mirrored row's id keys its tags
                with db_result(conn, self.prepare_insert_event(event)) as result:
                    ids.append(result.inserted_primary_key[0])
            self._store_asset_event_tags(conn, events, ids)
            # The asset's row holds its latest event; writing it per event, as store_event does,
            # leaves the same row after the batch's last event of each asset.
            last = {event.dagster_event.asset_key: (event, event_id) for event, event_id in zip(events, ids)}
            for event, event_id in last.values():
                self._store_asset_event(conn, event, event_id)


    def _store_check_batch(self, events: Sequence[EventLogEntry]) -> None:
        """A range run's per-day check evaluations (quality.checks): one transaction per database."""
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), [self._event_to_row(event) for event in events])
        with self.index_transaction() as conn:
            self._batch.conn = conn
            try:
                for event in events:
                    with db_result(conn, self.prepare_insert_event(event)) as result:
                        self.store_asset_check_event(event, result.inserted_primary_key[0])
            finally:
                self._batch.conn = None


class BatchedSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite instance storage (same folders under base_dir) with the batched event log."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = BatchedSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> BatchedSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


def write_instance_config(dagster_home: Path) -> bool:
    """Write `dagster_home/dagster.yaml` for this storage unless a non-empty one exists; True if written."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if config.exists() and config.read_text().strip():
        return False
    config.write_text(INSTANCE_YAML.format(variable=BATCH_VARIABLE, base_dir=json.dumps(str(dagster_home.resolve()))))
    return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m lakehouse.instance DAGSTER_HOME")
    home = Path(sys.argv[1])
    written = write_instance_config(home)
    print(f"{home / 'dagster.yaml'}: {'written (batched SQLite storage)' if written else 'kept as it is'}")
