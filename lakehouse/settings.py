"""The environment, read once: every LAKEHOUSE_* variable and the standard AWS ones.

Secrets (AWS keys) are never copied here: resources bind them with Dagster `EnvVar` so they
stay out of run config and the UI. This module only checks that they are present.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(ValueError):
    """A missing or contradictory environment setting; the message names the variable."""


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Where data lives and where Spark runs."""

    home: Path
    storage: str = "local"
    s3_bucket: str | None = None
    s3_prefix: str = "lakehouse"
    s3_endpoint: str | None = None
    aws_region: str | None = None
    has_aws_keys: bool = False
    spark_master: str | None = None
    spark_remote: str | None = None
    spark_jars: tuple[str, ...] = ()
    spark_packages: tuple[str, ...] = ()
    spark_extra_conf: tuple[tuple[str, str], ...] = ()
    # Domains whose app database is read directly (LAKEHOUSE_<DOMAIN>_DB_URL set); the URL itself
    # may hold a password, so only the variable's presence is kept and resources bind EnvVar.
    database_domains: tuple[str, ...] = ()
    has_pgpassword: bool = False
    has_pii_key: bool = False  # LAKEHOUSE_PII_KEY set (bound as an EnvVar, never copied)
    # LAKEHOUSE_<DOMAIN>_S3_PREFIX: where a domain's dropped files live in the bucket (storage s3).
    landing_prefixes: tuple[tuple[str, str], ...] = ()

    def landing_prefix(self, domain: str) -> str:
        """A domain's drop-folder prefix in the bucket: LAKEHOUSE_<DOMAIN>_S3_PREFIX, default `landing/<domain>`."""
        return dict(self.landing_prefixes).get(domain, f"landing/{domain}")

    @property
    def landing_root(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse_uri(self) -> str:
        """Base URI of all tables: a local folder or an s3a:// prefix."""
        if self.storage == "s3":
            return f"s3a://{self.s3_bucket}/{self.s3_prefix}".rstrip("/")
        return str(self.home / "warehouse")

    def database_url_variable(self, domain: str) -> str:
        """The environment variable that points `domain` at its app database."""
        return f"LAKEHOUSE_{domain.upper()}_DB_URL"

    @property
    def is_cluster(self) -> bool:
        """True when Spark runs outside this process (standalone master or Spark Connect)."""
        master = self.spark_master or ""
        return bool(self.spark_remote) or not (master == "" or master.startswith("local"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the environment; raise SettingsError naming the variable at fault."""
        env = os.environ if environ is None else environ
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731

        storage = (get("LAKEHOUSE_STORAGE") or "local").lower()
        if storage not in ("local", "s3"):
            raise SettingsError(f"LAKEHOUSE_STORAGE must be 'local' or 's3', got {storage!r}")

        bucket = get("LAKEHOUSE_S3_BUCKET")
        if storage == "s3" and not bucket:
            raise SettingsError("LAKEHOUSE_STORAGE=s3 needs LAKEHOUSE_S3_BUCKET (the bucket name)")
        if storage == "local" and bucket:
            raise SettingsError(
                "LAKEHOUSE_S3_BUCKET is set but LAKEHOUSE_STORAGE is 'local': "
                "set LAKEHOUSE_STORAGE=s3 or unset LAKEHOUSE_S3_BUCKET"
            )
        if bucket and ("/" in bucket or bucket.startswith("s3")):
            raise SettingsError(f"LAKEHOUSE_S3_BUCKET must be a bare bucket name, got {bucket!r}")

        key_id, secret = get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
        if bool(key_id) != bool(secret):
            missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
            raise SettingsError(f"{missing} must be set together with the other AWS key")

        master, remote = get("LAKEHOUSE_SPARK_MASTER"), get("LAKEHOUSE_SPARK_REMOTE")
        if master and remote:
            raise SettingsError(
                "LAKEHOUSE_SPARK_MASTER and LAKEHOUSE_SPARK_REMOTE are both set: "
                "use a master URL (local[*], spark://...) or a Spark Connect URL (sc://...), not both"
            )
        if remote and not remote.startswith("sc://"):
            raise SettingsError(f"LAKEHOUSE_SPARK_REMOTE must start with sc://, got {remote!r}")

        jars = _split(get("LAKEHOUSE_SPARK_JARS"))
        missing_jars = [jar for jar in jars if "://" not in jar and not Path(jar).is_file()]
        if missing_jars:
            raise SettingsError(f"LAKEHOUSE_SPARK_JARS lists files that do not exist: {missing_jars}")

        extra_conf = []
        for item in _split(get("LAKEHOUSE_SPARK_CONF")):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise SettingsError(f"LAKEHOUSE_SPARK_CONF entries must be key=value, got {item!r}")
            extra_conf.append((key.strip(), value.strip()))

        database_domains = []
        for name in sorted(env):
            if name.startswith("LAKEHOUSE_") and name.endswith("_DB_URL") and get(name):
                url = get(name)
                if not url.startswith(("postgresql://", "postgres://", "mysql://", "mariadb://")):
                    # Never echo the value: it may carry a password.
                    raise SettingsError(
                        f"{name} must be a postgresql:// or mysql://user[:password]@host[:port]/database URL"
                    )
                database_domains.append(name[len("LAKEHOUSE_"):-len("_DB_URL")].lower())

        prefixes = tuple(
            (name[len("LAKEHOUSE_"):-len("_S3_PREFIX")].lower(), get(name).strip("/"))
            for name in sorted(env)
            if name.startswith("LAKEHOUSE_") and name.endswith("_S3_PREFIX") and name != "LAKEHOUSE_S3_PREFIX" and get(name)
        )

        return cls(
            landing_prefixes=prefixes,
            home=Path(get("LAKEHOUSE_HOME") or "./data").expanduser().absolute(),
            storage=storage,
            s3_bucket=bucket,
            s3_prefix=(get("LAKEHOUSE_S3_PREFIX") or "lakehouse").strip("/"),
            s3_endpoint=get("AWS_ENDPOINT_URL"),
            aws_region=get("AWS_DEFAULT_REGION"),
            has_aws_keys=bool(key_id),
            spark_master=master,
            spark_remote=remote,
            spark_jars=jars,
            spark_packages=_split(get("LAKEHOUSE_SPARK_PACKAGES")),
            spark_extra_conf=tuple(extra_conf),
            database_domains=tuple(database_domains),
            has_pgpassword=bool(get("PGPASSWORD")),
            has_pii_key=bool(get("LAKEHOUSE_PII_KEY")),
        )
