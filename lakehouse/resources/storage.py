"""File and object operations the Parquet IO managers need beside Spark's own reads and writes.

Spark writes and reads the Parquet; these classes only move committed folders into place, write
small marker/schema files and list what exists. They go through the Python side (os, boto3)
rather than Spark's JVM so the same code works with Spark Connect, where there is no JVM handle.

Commits: a folder (a partition, a checkpoint, an unpartitioned table) is committed by its
`_SUCCESS` marker, a JSON object whose `files` lists the data files it holds. A local commit swaps
the whole folder atomically, so the folder holds exactly those files. S3 has no rename: a commit
copies the new files in, then writes the marker (the commit point), then deletes the old files,
so a killed commit can leave both sets side by side. Readers of ours (`readable`) therefore read
the files the marker lists whenever the folder holds files of more than one write; the next
write of the folder, or `tidy` after a killed run, deletes the unlisted ones.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

MARKER = "_SUCCESS"
# Spark names every data file of one write `part-<task>-<write uuid>...`: one uuid, one write.
_WRITE_ID = re.compile(r"part-\d+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def is_data_file(name: str) -> bool:
    """A Parquet file a reader reads (hidden names, markers and schemas are not).

    `name` may be a path inside a partition (`store_id=121/part-...`, a sub-partitioned table):
    then no folder on the way may be hidden either.
    """
    return name.endswith(".parquet") and not any(part.startswith(("_", ".")) for part in name.split("/"))


def marker_text(files: Iterable[str]) -> str:
    """The marker of a folder that commits exactly `files` (names relative to the folder)."""
    return json.dumps({"files": sorted(files)})


def readable(names: Iterable[str], marker: Callable[[], str | None]) -> list[str]:
    """The data files to read among a committed folder's `names`, by its marker where that matters.

    Files of a single write need no marker read (no commit left another write's files beside
    them); otherwise only the files the marker lists are committed. A marker without a list (an
    earlier version's empty one) commits every file.
    """
    data = sorted(name for name in names if is_data_file(name))
    writes = {match[1] if (match := _WRITE_ID.match(name.rsplit("/", 1)[-1])) else name for name in data}
    if len(writes) <= 1:
        return data
    text = marker()
    listed = (json.loads(text) if text and text.strip() else {}).get("files")
    return data if listed is None else [name for name in data if name in set(listed)]


class Storage(Protocol):
    """What a table's storage offers; `uri` values are the ones Spark reads and writes."""

    def join(self, uri: str, *parts: str) -> str: ...
    def read_text(self, uri: str) -> str | None: ...
    def write_text(self, uri: str, text: str) -> None: ...
    def delete_tree(self, uri: str) -> None: ...
    def delete(self, uri: str) -> None: ...
    def children(self, uri: str) -> set[str]: ...
    def tree(self, uri: str) -> set[str]: ...
    def replace_tree(self, src: str, dst: str) -> None: ...
    def commit_tree(self, src: str, dst: str) -> None: ...
    def committed_partitions(self, table: str, column: str, first: str, last: str) -> set[str]: ...
    def committed_files(self, table: str, column: str, first: str, last: str) -> dict[str, list[str]]: ...
    def partition_values(self, table: str, column: str) -> set[str]: ...
    def partition_columns(self, table: str) -> set[str]: ...


def _exchange_function():
    """Linux renameat2(RENAME_EXCHANGE): swap two paths atomically; None where unavailable."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return None
    at_fdcwd, rename_exchange = -100, 2

    def exchange(a: str, b: str) -> bool:
        return renameat2(at_fdcwd, a.encode(), at_fdcwd, b.encode(), rename_exchange) == 0

    return exchange


_EXCHANGE = _exchange_function()


def _partition_columns(names: set[str]) -> set[str]:
    """The columns of a table folder's `<column>=<value>` children (hidden names skipped)."""
    return {name.partition("=")[0] for name in names if "=" in name and name[0] not in "._"}


def folder_files(store: Storage, folder: str) -> list[str]:
    """The committed data files of one folder (a checkpoint, an unpartitioned table), as URIs."""
    found = readable(store.tree(folder), lambda: store.read_text(store.join(folder, MARKER)))
    return [store.join(folder, name) for name in found]


def tidy(store: Storage, folder: str, partition: bool = True) -> None:
    """Delete what a killed commit left in `folder`: unlisted files, or a partition never committed.

    `partition` False: an unpartitioned table's root, which an earlier version committed without
    a marker, so no marker there means nothing to tidy.
    """
    names = store.tree(folder)
    if MARKER not in names:
        if partition:
            store.delete_tree(folder)
        return
    kept = set(readable(names, lambda: store.read_text(store.join(folder, MARKER))))
    for name in sorted(names):
        if is_data_file(name) and name not in kept:
            store.delete(store.join(folder, name))


class LocalStorage:
    """A POSIX filesystem; replacing a folder swaps it atomically so readers never see a gap."""

    def join(self, uri: str, *parts: str) -> str:
        return os.path.join(uri, *parts)

    def read_text(self, uri: str) -> str | None:
        try:
            return Path(uri).read_text()
        except FileNotFoundError:
            return None

    def write_text(self, uri: str, text: str) -> None:
        path = Path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_text(text)
        os.replace(tmp, path)  # atomic: readers see the old or the new file, never half of one

    def delete_tree(self, uri: str) -> None:
        shutil.rmtree(uri, ignore_errors=True)

    def delete(self, uri: str) -> None:
        Path(uri).unlink(missing_ok=True)

    def children(self, uri: str) -> set[str]:
        try:
            return set(os.listdir(uri))
        except FileNotFoundError:
            return set()

    def tree(self, uri: str) -> set[str]:
        """Every file below `uri`, as paths relative to it (`a=1/part-0.parquet`)."""
        found = set()
        for folder, _, files in os.walk(uri):
            inside = os.path.relpath(folder, uri)
            found |= {name if inside == "." else f"{inside}/{name}" for name in files}
        return found

    def replace_tree(self, src: str, dst: str) -> None:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst):
            os.rename(src, dst)
            return
        if _EXCHANGE is not None and _EXCHANGE(src, dst):
            shutil.rmtree(src)  # src now holds the old data
            return
        # Fallback (no renameat2, e.g. macOS): a short window where dst is absent.
        aside = f"{dst}.replaced-{uuid.uuid4().hex}"
        os.rename(dst, aside)
        os.rename(src, dst)
        shutil.rmtree(aside)

    def commit_tree(self, src: str, dst: str) -> None:
        self.write_text(self.join(src, MARKER), marker_text(filter(is_data_file, self.tree(src))))
        self.replace_tree(src, dst)

    def partition_values(self, table: str, column: str) -> set[str]:
        prefix = f"{column}="
        try:
            return {name[len(prefix) :] for name in os.listdir(table) if name.startswith(prefix)}
        except FileNotFoundError:
            return set()

    def partition_columns(self, table: str) -> set[str]:
        return _partition_columns(self.children(table))

    def committed_partitions(self, table: str, column: str, first: str, last: str) -> set[str]:
        try:
            names = os.listdir(table)
        except FileNotFoundError:
            return set()
        prefix = f"{column}="
        return {
            name[len(prefix) :]
            for name in names
            if name.startswith(prefix)
            and first <= name[len(prefix) :] <= last
            and os.path.exists(os.path.join(table, name, MARKER))
        }

    def committed_files(self, table: str, column: str, first: str, last: str) -> dict[str, list[str]]:
        found = self.committed_partitions(table, column, first, last)
        return {key: folder_files(self, self.join(table, f"{column}={key}")) for key in found}


class S3Storage:
    """An S3 bucket through boto3; Spark sees the same objects as s3a://bucket/key."""

    def __init__(self, client, bucket: str):
        self._client = client
        self._bucket = bucket

    def join(self, uri: str, *parts: str) -> str:
        return "/".join([uri.rstrip("/"), *parts])

    def _key(self, uri: str) -> str:
        scheme_prefix = f"s3a://{self._bucket}/"
        if not uri.startswith(scheme_prefix):
            raise ValueError(f"{uri} is not in bucket {self._bucket}")
        return uri[len(scheme_prefix) :]

    def _keys(self, prefix: str, start_after: str = "") -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self._bucket, Prefix=prefix, StartAfter=start_after)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def read_text(self, uri: str) -> str | None:
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=self._key(uri))["Body"]
        except self._client.exceptions.NoSuchKey:
            return None
        return body.read().decode()

    def write_text(self, uri: str, text: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=self._key(uri), Body=text.encode())

    def _delete_keys(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[i : i + 1000]]
            self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": batch})

    def delete_tree(self, uri: str) -> None:
        self._delete_keys(list(self._keys(self._key(uri).rstrip("/") + "/")))

    def delete(self, uri: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self._key(uri))

    def children(self, uri: str) -> set[str]:
        prefix = self._key(uri).rstrip("/") + "/"
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix, Delimiter="/")
        found = set()
        for page in pages:
            found |= {item["Key"][len(prefix):] for item in page.get("Contents", [])}
            found |= {p["Prefix"][len(prefix):].rstrip("/") for p in page.get("CommonPrefixes", [])}
        return found

    def tree(self, uri: str) -> set[str]:
        prefix = self._key(uri).rstrip("/") + "/"
        return {key[len(prefix) :] for key in self._keys(prefix)}

    def _copy_tree(self, src: str, dst: str) -> set[str]:
        """Copy every object under `src` to `dst`; their names relative to it (the marker excepted)."""
        src_prefix, dst_prefix = self._key(src).rstrip("/") + "/", self._key(dst).rstrip("/") + "/"
        copied = set()
        for key in self._keys(src_prefix):
            name = key[len(src_prefix) :]
            if name != MARKER:  # Spark's own empty one, or a staged marker: the commit writes its own
                source = {"Bucket": self._bucket, "Key": key}
                self._client.copy_object(Bucket=self._bucket, Key=dst_prefix + name, CopySource=source)
                copied.add(name)
        return copied

    def _delete_others(self, dst: str, kept: set[str]) -> None:
        dst_prefix = self._key(dst).rstrip("/") + "/"
        self._delete_keys([k for k in self._keys(dst_prefix) if k[len(dst_prefix) :] not in kept])

    def replace_tree(self, src: str, dst: str) -> None:
        # Copy in, then delete the old objects: a reader may briefly see both, never a gap.
        # Spark's part-file names are unique per write, so new objects never overwrite old ones.
        self._delete_others(dst, self._copy_tree(src, dst))
        self.delete_tree(src)

    def commit_tree(self, src: str, dst: str) -> None:
        # Three phases: new files in, the marker listing them (the commit point: one PUT is
        # atomic), old files out. A kill before the marker leaves the old commit in force, one
        # after it the new; either way `readable` picks the listed files and `tidy` the rest.
        copied = self._copy_tree(src, dst)
        self.write_text(self.join(dst, MARKER), marker_text(n for n in copied if is_data_file(n)))
        self._delete_others(dst, copied | {MARKER})
        self.delete_tree(src)

    def partition_values(self, table: str, column: str) -> set[str]:
        prefix = f"{self._key(table).rstrip('/')}/{column}="
        return {key[len(prefix) :].partition("/")[0] for key in self._keys(prefix)}

    def partition_columns(self, table: str) -> set[str]:
        return _partition_columns(self.children(table))

    def _partition_names(self, table: str, column: str, first: str, last: str) -> dict[str, list[str]]:
        """The names inside each `column=` folder with a value in [first, last], in one listing."""
        prefix = f"{self._key(table).rstrip('/')}/{column}="
        names: dict[str, list[str]] = {}
        # Keys are listed in order, so start at the first partition and stop after the last:
        # the cost follows the range asked for, not the table's history.
        for key in self._keys(prefix, start_after=prefix + first):
            value, _, rest = key[len(prefix) :].partition("/")
            if value > last:
                break
            if value >= first:  # `rest` may be inside a sub-partition folder
                names.setdefault(value, []).append(rest)
        return names

    def committed_partitions(self, table: str, column: str, first: str, last: str) -> set[str]:
        return {value for value, inside in self._partition_names(table, column, first, last).items() if MARKER in inside}

    def committed_files(self, table: str, column: str, first: str, last: str) -> dict[str, list[str]]:
        found = {}
        for value, inside in self._partition_names(table, column, first, last).items():
            if MARKER in inside:
                folder = self.join(table, f"{column}={value}")
                files = readable(inside, lambda folder=folder: self.read_text(self.join(folder, MARKER)))
                found[value] = [self.join(folder, name) for name in files]
        return found
