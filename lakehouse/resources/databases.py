"""Relational databases the lakehouse reads and writes: PostgreSQL and MySQL/MariaDB, from one URL.

`parse` turns `postgresql://user[:password]@host[:port]/database` or `mysql://...` (`mariadb://`)
into a `Database`: its JDBC URL and driver for Spark, its identifier quoting, and a DB-API
connection (psycopg, PyMySQL) for what Spark's JDBC writer cannot do in one transaction. The
password never appears in a JDBC URL, a message or a repr. A MySQL "schema" is a database: its
tables are those of the URL's database, so the schema name is not used there.

`replace_partitions` writes a frame's rows for some values of a column (a month) into a table so
that readers see the old rows or the new ones, never none or both: Spark loads the rows into a
staging table, then one transaction deletes those values' rows and inserts the staged ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from dagster import ConfigurableResource
from pyspark.sql import DataFrame

from lakehouse.resources.sources import SourceError

SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql"}
_PORTS = {"postgresql": 5432, "mysql": 3306}
_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL"}


@dataclass(frozen=True)
class Database:
    """A parsed database URL (the password kept out of every rendering)."""

    dialect: str  # postgresql | mysql
    user: str
    password: str
    host: str
    port: int
    database: str

    def __repr__(self) -> str:
        return f"Database({self.dialect}://{self.user}@{self.where})"

    @property
    def label(self) -> str:
        return _LABELS[self.dialect]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"

    @property
    def jdbc_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.dialect == "mysql":
            # The MariaDB driver (it serves MySQL too) takes jdbc:mysql only with this flag.
            return f"jdbc:mysql://{host}:{self.port}/{self.database}?permitMysqlScheme"
        return f"jdbc:postgresql://{host}:{self.port}/{self.database}"

    @property
    def driver(self) -> str:
        return "org.mariadb.jdbc.Driver" if self.dialect == "mysql" else "org.postgresql.Driver"

    @property
    def driver_jar(self) -> str:
        """Where Debian puts the JDBC driver (packages libmariadb-java, libpostgresql-jdbc-java)."""
        return "/usr/share/java/mariadb-java-client.jar" if self.dialect == "mysql" else "/usr/share/java/postgresql.jar"

    @property
    def jdbc_credentials(self) -> dict[str, str]:
        """Spark JDBC options `user` and, when there is one, `password` (none: the server's trust or .pgpass decides)."""
        return {"user": self.user, **({"password": self.password} if self.password else {})}

    @property
    def utc_session(self) -> str:
        """The statement that makes the session's timestamps UTC."""
        return "SET time_zone = '+00:00'" if self.dialect == "mysql" else "SET TIME ZONE 'UTC'"

    def quote(self, identifier: str) -> str:
        if self.dialect == "mysql":
            return "`" + identifier.replace("`", "``") + "`"
        return '"' + identifier.replace('"', '""') + '"'

    def table(self, schema: str | None, name: str) -> str:
        """A table's qualified name: `schema.name` in PostgreSQL, `name` in the URL's database in MySQL."""
        if self.dialect == "mysql" or not schema:
            return self.quote(name)
        return f"{self.quote(schema)}.{self.quote(name)}"

    def connect(self):
        """A DB-API connection, not in autocommit: the caller commits."""
        if self.dialect == "mysql":
            import pymysql

            return pymysql.connect(host=self.host, port=self.port, user=self.user, password=self.password or "",
                                   database=self.database, autocommit=False, connect_timeout=10)  # fmt: skip
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password or None,
                               dbname=self.database, connect_timeout=10)  # fmt: skip


def parse(url: str, password: str | None = None, setting: str = "the database URL") -> Database:
    """The `Database` of a URL; `password` (e.g. PGPASSWORD) when the URL has none. SourceError names `setting`."""
    bad_url = SourceError(
        f"{setting} must be a postgresql:// or mysql://user[:password]@host[:port]/database URL "
        f"(a PostgreSQL password may instead come from PGPASSWORD)"
    )
    try:
        parts = urlsplit(url.strip())
        dialect = SCHEMES.get(parts.scheme)
        port = parts.port or _PORTS.get(dialect or "", 0)
    except ValueError:
        raise bad_url from None
    database = unquote(parts.path.lstrip("/"))
    if dialect is None or not parts.hostname or not parts.username:
        raise bad_url
    if not database or "/" in database or parts.query or parts.fragment:
        raise bad_url
    # No password at all is allowed: a server with trust authentication (common on a laptop) or
    # a ~/.pgpass needs none, and one that does need it says so when we connect.
    secret = unquote(parts.password) if parts.password is not None else (password or "")
    return Database(dialect, unquote(parts.username), secret, parts.hostname, port, database)


def replace_partitions(
    target: Database, schema: str | None, table: str, frame: DataFrame, column: str, values: Sequence[str]
) -> int:
    """Make `table` hold `frame`'s rows for `values` of `column` (its other rows untouched); the rows written.

    The table is created from the frame's columns when missing. A failure before the commit
    leaves the table as it was.
    """
    staging = f"{table}__load_{uuid.uuid4().hex[:12]}"
    (
        frame.write.format("jdbc")
        .option("url", target.jdbc_url).option("driver", target.driver)
        .options(**target.jdbc_credentials)
        .option("dbtable", target.table(schema, staging))
        .mode("overwrite").save()
    )  # fmt: skip
    columns = ", ".join(target.quote(name) for name in frame.columns)
    final, staged = target.table(schema, table), target.table(schema, staging)
    marks = ", ".join(["%s"] * len(values))
    with target.connect() as db:
        try:
            cursor = db.cursor()
            if target.dialect == "mysql":  # DDL commits implicitly there: before the transaction
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {final} LIKE {staged}")
                db.commit()
            else:
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {final} (LIKE {staged})")
            cursor.execute(f"DELETE FROM {final} WHERE {target.quote(column)} IN ({marks})", list(values))
            cursor.execute(f"INSERT INTO {final} ({columns}) SELECT {columns} FROM {staged}")
            written = cursor.rowcount
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            cursor = db.cursor()
            cursor.execute(f"DROP TABLE IF EXISTS {staged}")
            db.commit()
    return written


class DatabaseResource(ConfigurableResource):
    """A domain's own database, for what it writes back there; `url` None: none is configured."""

    url: str | None = None  # bound to an EnvVar: it may hold the password
    password: str | None = None  # bound to EnvVar("PGPASSWORD")
    db_schema: str | None = None  # PostgreSQL's schema of the tables (MySQL: the URL's database)
    setting: str = "the database URL"

    def __repr__(self) -> str:
        return f"DatabaseResource({self.setting}, {'set' if self.url else 'not set'})"

    __str__ = __repr__

    def __repr_args__(self):  # pydantic's other renderings: secrets redacted
        for key, value in super().__repr_args__():
            yield key, ("<redacted>" if key in ("url", "password") and value is not None else value)

    def target(self) -> Database | None:
        return parse(self.url, self.password, self.setting) if self.url else None
