"""Staging folders of table writes, and the cleanup of those a killed run left behind.

A write stages its rows in `<base>/_staging/<asset key path>/<owner>/` and removes the folder when
it ends, committed or failed. A SIGKILL (or a lost machine) skips that, so the folder stays, and
on S3 a commit cut short can leave unlisted files in the table's folders too (see `storage`). The
folder's name says who owns it, `<host>~<pid>~<process start>~<created>~<uuid>`, so the next write
of the same table can tell a dead owner from a live one (a concurrent run of another range)
without any service: on the same host the owner is dead when its process is gone (the start
time guards against a reused pid); from another host a folder is taken as dead once older than
STALE_AFTER, longer than any single table write runs. Before deleting a dead owner's folder the
sweep tidies the table folders it was committing: a staging folder mirrors the table's layout
(`<column>=<day>/`, `nested` folders such as `_checkpoint/as_of=<day>/`, or root files for an
unpartitioned table), so its remaining children name them.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

from collections.abc import Sequence

from lakehouse.resources.storage import Storage, is_data_file, tidy

STAGING = "_staging"
STALE_AFTER = 24 * 3600  # seconds; only for owners on other hosts, whose process cannot be seen
_SEP = "~"


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot ("" where /proc does not tell)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name before ")" may hold spaces


def process_alive(pid: int, start: str) -> bool:
    if Path("/proc").is_dir():
        return process_start(pid) == start and start != ""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_name() -> str:
    """A new staging folder's name: this process, now, and a unique suffix."""
    pid = os.getpid()
    return _SEP.join([socket.gethostname(), str(pid), process_start(pid), str(int(time.time())), uuid.uuid4().hex])


def is_abandoned(name: str, now: float | None = None) -> bool:
    """Whether the write that owns staging folder `name` can no longer finish it."""
    parts = name.split(_SEP)
    if len(parts) != 5 or not parts[1].isdigit() or not parts[3].isdigit():
        return True  # an earlier version's `<uuid>` folder: no run of this version owns it
    host, pid, start, created, _ = parts
    if (now or time.time()) - int(created) > STALE_AFTER:
        return True
    return host == socket.gethostname() and not process_alive(int(pid), start)


def new_folder(store: Storage, base: str, key_path: list[str]) -> str:
    return store.join(base, STAGING, *key_path, owner_name())


def _partitions(names: set[str]) -> list[str]:
    return sorted(name for name in names if "=" in name and not name.startswith(("_", ".")))


def sweep(store: Storage, base: str, key_path: list[str], table: str, nested: Sequence[str] = ()) -> list[str]:
    """Remove the table's staging folders whose owner is dead, tidying what they were committing."""
    root = store.join(base, STAGING, *key_path)
    removed = []
    for name in sorted(store.children(root)):
        if not is_abandoned(name):
            continue
        folder = store.join(root, name)
        children = store.children(folder)
        for child in _partitions(children):
            tidy(store, store.join(table, child))
        for inner in (n for n in nested if n in children):
            for child in _partitions(store.children(store.join(folder, inner))):
                tidy(store, store.join(table, inner, child))
        if any(is_data_file(child) for child in children):  # an unpartitioned table's write
            tidy(store, table, partition=False)
        store.delete_tree(folder)
        removed.append(name)
    return removed
