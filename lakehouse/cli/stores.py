"""Where the warehouse lives for `lakehouse sql`: a local folder or an S3 prefix, chosen by Settings.

Each store lists the files under the layer folders (as paths relative to the base), reads the small
JSON files of the layout, names a file the way DuckDB reads it, and prepares a DuckDB connection
for that. S3 listings go through boto3 (which reads the AWS_* variables itself); DuckDB reads the
objects with its httpfs extension, loaded from the `duckdb-ext-httpfs` wheel because extensions
cannot be downloaded at run time. Credentials go into a DuckDB secret and are never printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

from lakehouse.cli import CliError
from lakehouse.cli.layout import LAYERS
from lakehouse.cli.views import literal
from lakehouse.settings import Settings

HTTPFS_WHEEL = "duckdb-ext-httpfs"


class LocalWarehouse:
    """Tables under `$LAKEHOUSE_HOME/warehouse`."""

    def __init__(self, settings: Settings):
        self.root = Path(settings.warehouse_uri)
        self.label = str(self.root)
        self.hint = (
            f"set LAKEHOUSE_HOME to the folder that holds warehouse/ (now {settings.home}), "
            "or run `make demo` to build one"
        )

    def paths(self) -> Iterator[str]:
        for layer in LAYERS:
            for folder, dirs, files in os.walk(self.root / layer):
                # Staging and checkpoint trees can be large and are never read.
                dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
                relative = Path(folder).relative_to(self.root).as_posix()
                yield from (f"{relative}/{name}" for name in files)

    def read_text(self, path: str) -> str | None:
        file = self.root / path
        return file.read_text() if file.is_file() else None

    def uri(self, path: str) -> str:
        return str(self.root / path)

    def prepare(self, con) -> None:
        """Local Parquet needs nothing beyond DuckDB's built-in reader."""


class S3Warehouse:
    """Tables under `s3://<bucket>/<prefix>/`."""

    def __init__(self, settings: Settings):
        import boto3

        self.settings = settings
        self.bucket = settings.s3_bucket
        self.base = f"{settings.s3_prefix}/" if settings.s3_prefix else ""
        self.label = f"s3://{self.bucket}/{self.base}"
        self.hint = "check LAKEHOUSE_S3_BUCKET and LAKEHOUSE_S3_PREFIX, or materialize the tables first"
        self.client = boto3.client("s3", endpoint_url=settings.s3_endpoint, region_name=settings.aws_region)

    def paths(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2")
        with self._errors():
            return [
                item["Key"][len(self.base):]
                for layer in LAYERS
                for page in pages.paginate(Bucket=self.bucket, Prefix=f"{self.base}{layer}/")
                for item in page.get("Contents", ())
            ]

    def read_text(self, path: str) -> str | None:
        with self._errors():
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self.base + path)["Body"].read().decode()
            except self.client.exceptions.NoSuchKey:
                return None

    @contextmanager
    def _errors(self):
        """boto3's failures (no bucket, no endpoint, bad keys) as one line naming the place."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise CliError(f"cannot read {self.label}: {error}") from None

    def uri(self, path: str) -> str:
        return f"s3://{self.bucket}/{self.base}{path}"

    def prepare(self, con) -> None:
        """Load httpfs from its wheel and hand DuckDB the same endpoint and keys boto3 uses."""
        con.execute(f"LOAD {literal(_httpfs_extension())}")
        options = {"region": self.settings.aws_region or "us-east-1"}
        for option, variable in (("key_id", "AWS_ACCESS_KEY_ID"), ("secret", "AWS_SECRET_ACCESS_KEY"),
                                 ("session_token", "AWS_SESSION_TOKEN")):
            if os.environ.get(variable):
                options[option] = os.environ[variable]
        if self.settings.s3_endpoint:
            # An S3-compatible server (MinIO, moto): host:port, path-style URLs, TLS per the scheme.
            endpoint = urlparse(self.settings.s3_endpoint)
            options.update(endpoint=endpoint.netloc or endpoint.path, url_style="path")
            options["use_ssl"] = endpoint.scheme != "http"
        body = ", ".join(f"{key} {_value(value)}" for key, value in options.items())
        try:
            con.execute(f"CREATE OR REPLACE SECRET lakehouse_s3 (TYPE s3, {body})")
        except Exception as error:
            # Not DuckDB's message: it may quote the statement, keys included.
            raise CliError(f"DuckDB refused the S3 settings ({type(error).__name__})") from None


def _value(value: str | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else literal(value)


def _httpfs_extension() -> str:
    """The httpfs binary shipped for exactly the installed DuckDB version (an extension must match it)."""
    import duckdb

    version = f"v{duckdb.__version__}"
    try:
        files = metadata.files(HTTPFS_WHEEL) or ()
    except metadata.PackageNotFoundError:
        files = ()
    for file in files:
        if file.name == "httpfs.duckdb_extension" and version in file.parts:
            return str(file.locate())
    raise CliError(
        f"reading S3 needs DuckDB's httpfs extension for DuckDB {duckdb.__version__}: "
        f"pip install '{HTTPFS_WHEEL}=={duckdb.__version__}.*' (or reinstall this package)"
    )


def open_warehouse(settings: Settings) -> LocalWarehouse | S3Warehouse:
    """The store the settings point at; a local warehouse folder that does not exist fails here."""
    if settings.storage == "s3":
        return S3Warehouse(settings)
    store = LocalWarehouse(settings)
    if not store.root.is_dir():
        raise CliError(f"no warehouse at {store.label}: {store.hint}")
    return store


def duckdb_connection(store: LocalWarehouse | S3Warehouse):
    """An in-memory DuckDB connection that reads `store`, in UTC (the warehouse's timestamps are UTC)."""
    import duckdb

    # Extensions cannot be fetched here, and a query must not try to: the ones needed are loaded.
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    store.prepare(con)
    return con
