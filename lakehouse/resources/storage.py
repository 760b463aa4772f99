"""File and object operations the Parquet IO managers need beside Spark's own reads and writes.

Spark writes and reads the Parquet; these classes only move committed folders into place, write
small marker/schema files and list what exists. They go through the Python side (os, boto3)
rather than Spark's JVM so the same code works with Spark Connect, where there is no JVM handle.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

MARKER = "_SUCCESS"


class Storage(Protocol):
    """What a table's storage offers; `uri` values are the ones Spark reads and writes."""

    def join(self, uri: str, *parts: str) -> str: ...
    def read_text(self, uri: str) -> str | None: ...
    def write_text(self, uri: str, text: str) -> None: ...
    def delete_tree(self, uri: str) -> None: ...
    def delete(self, uri: str) -> None: ...
    def children(self, uri: str) -> set[str]: ...
    def replace_tree(self, src: str, dst: str) -> None: ...
    def committed_partitions(self, table: str, column: str, first: str, last: str) -> set[str]: ...
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

    def replace_tree(self, src: str, dst: str) -> None:
        # S3 has no rename: copy the new objects in first, then delete the old ones, so a reader
        # may briefly see both but never a missing partition. Spark's part-file names are unique
        # per write, so new objects never overwrite old ones before the delete.
        src_prefix = self._key(src).rstrip("/") + "/"
        dst_prefix = self._key(dst).rstrip("/") + "/"
        new_keys = set()
        for key in self._keys(src_prefix):
            target = dst_prefix + key[len(src_prefix) :]
            source = {"Bucket": self._bucket, "Key": key}
            self._client.copy_object(Bucket=self._bucket, Key=target, CopySource=source)
            new_keys.add(target)
        self._delete_keys([k for k in self._keys(dst_prefix) if k not in new_keys])
        self.delete_tree(src)

    def partition_values(self, table: str, column: str) -> set[str]:
        prefix = f"{self._key(table).rstrip('/')}/{column}="
        return {key[len(prefix) :].partition("/")[0] for key in self._keys(prefix)}

    def partition_columns(self, table: str) -> set[str]:
        return _partition_columns(self.children(table))

    def committed_partitions(self, table: str, column: str, first: str, last: str) -> set[str]:
        prefix = f"{self._key(table).rstrip('/')}/{column}="
        found = set()
        # Keys are listed in order, so start at the first partition and stop after the last:
        # the cost follows the range asked for, not the table's history.
        for key in self._keys(prefix, start_after=prefix + first):
            value, _, rest = key[len(prefix) :].partition("/")
            if value > last:
                break
            if rest == MARKER and value >= first:
                found.add(value)
        return found
