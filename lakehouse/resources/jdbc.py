"""PostgreSQL tables over Spark JDBC, with the time window pushed down as an explicit WHERE clause.

The password travels only as a JDBC property: never in the JDBC URL, a message, `describe()` or
the resource's repr. Connection failures become a `SourceError` that says whether a retry may help.
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from py4j.protocol import Py4JError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.resources.sources import (
    REASON,
    RECORD,
    SourceError,
    TableSource,
    bound_text,
    empty_invalid,
    record_json,
)

DRIVER = "org.postgresql.Driver"
TRANSIENT_STATES = ("08", "57P01", "57P02", "57P03", "53300")  # connection class, shutdown, too many clients
AUTH_STATES = ("28P01", "28000")
MISSING_STATES = ("3D000", "42P01", "3F000")


@dataclass(frozen=True)
class _Target:
    user: str
    password: str
    host: str
    port: int
    database: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"

    @property
    def jdbc_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"jdbc:postgresql://{host}:{self.port}/{self.database}"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class JdbcTables(TableSource):
    """Tables of one PostgreSQL schema; `url` is postgresql://user[:password]@host[:port]/database."""

    url: str  # bound to an EnvVar: it may hold the password
    password: str | None = None  # bound to EnvVar("PGPASSWORD"); used when the URL has none
    db_schema: str
    setting: str = "the database URL"  # what to tell the user to check, e.g. LAKEHOUSE_RAINFOREST_DB_URL
    hint: str = ""  # how to create the database or load its tables, told when they are missing
    connect_timeout_seconds: int = 10

    def __repr__(self) -> str:
        return f"JdbcTables({self.describe()})"

    __str__ = __repr__

    def __repr_args__(self):  # pydantic's other renderings (rich, devtools): secrets redacted
        for key, value in super().__repr_args__():
            yield key, ("<redacted>" if key in ("url", "password") and value is not None else value)

    def describe(self) -> str:
        try:
            target = self._target()
        except SourceError:
            return f"postgresql (invalid URL in {self.setting}; schema {self.db_schema})"
        return f"postgresql://{target.where} (schema {self.db_schema})"

    def read(self, spark, table, schema, time_column=None, start=None, end=None, export=None) -> DataFrame:
        if export is not None:
            raise ValueError(f"a database holds no dated exports (asked for {table} as of {export})")
        conditions = []
        if time_column is not None and start is not None:
            conditions.append(f"{quote(time_column)} >= TIMESTAMP '{bound_text(start)}'")
        if time_column is not None and end is not None:
            conditions.append(f"{quote(time_column)} < TIMESTAMP '{bound_text(end)}'")
        frame = self._query(spark, table, schema, conditions)
        return frame.select(*(F.col(f.name).cast(f.dataType).alias(f.name) for f in schema))

    def invalid(self, spark, table, schema, time_column=None, export=None) -> DataFrame:
        # A typed database cannot hold an unparseable value: only a missing time makes a row unplaceable.
        if time_column is None:
            return empty_invalid(spark)
        frame = self._query(spark, table, schema, [f"{quote(time_column)} IS NULL"])
        return frame.select(F.lit(f"missing_time:{time_column}").alias(REASON), record_json(schema.names).alias(RECORD))

    def _target(self) -> _Target:
        bad_url = SourceError(
            f"{self.setting} must be a postgresql://user[:password]@host[:port]/database URL "
            f"(the password may instead come from PGPASSWORD)"
        )
        try:
            parts = urlsplit(self.url.strip())
            port = parts.port or 5432
        except ValueError:
            raise bad_url from None
        database = unquote(parts.path.lstrip("/"))
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not parts.username:
            raise bad_url
        if not database or "/" in database or parts.query or parts.fragment:
            raise bad_url
        password = unquote(parts.password) if parts.password is not None else self.password
        user = unquote(parts.username)
        if not password:
            raise SourceError(
                f"no password for PostgreSQL user '{user}': put it in {self.setting} "
                f"(postgresql://user:password@host/db) or set PGPASSWORD"
            )
        return _Target(user, password, parts.hostname, port, database)

    def _query(self, spark: SparkSession, table: str, schema: StructType, conditions: list[str]) -> DataFrame:
        target = self._target()
        columns = ", ".join(quote(name) for name in schema.names)
        sql = f"SELECT {columns} FROM {quote(self.db_schema)}.{quote(table)}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        timeout = str(self.connect_timeout_seconds)
        reader = (
            spark.read.format("jdbc")
            .option("url", target.jdbc_url)
            .option("driver", DRIVER)
            .option("user", target.user)
            .option("password", target.password)
            .option("query", sql)
            # Driver properties: an unreachable server fails in seconds; a stuck query after 10 min.
            .option("connectTimeout", timeout)
            .option("loginTimeout", timeout)
            .option("socketTimeout", "600")
            # `timestamp` columns read as wall-clock values whatever the JVM's time zone, and
            # `timestamptz` ones compared and read in UTC.
            .option("preferTimestampNTZ", "true")
            .option("sessionInitStatement", "SET TIME ZONE 'UTC'")
        )
        try:
            return reader.load()  # resolves the schema: connects, so connection errors surface here
        except (Py4JError, PySparkException) as error:  # JVM errors, raw or captured by pyspark
            raise self._explain(error, target, table) from None

    def _explain(self, error: Exception, target: _Target, table: str) -> SourceError:
        states, text = _causes(error)
        # The driver never echoes a password; scrub anyway (as a whole word, so "p" spares "postgresql").
        text = re.sub(rf"(?<!\w){re.escape(target.password)}(?!\w)", "***", text)
        where, check = target.where, f"check {self.setting}"
        hint = f"; {self.hint}" if self.hint else ""

        def has_state(prefixes) -> bool:
            return any(state.startswith(prefixes) for state in states)

        if has_state(AUTH_STATES) or "password authentication failed" in text:
            return SourceError(
                f"PostgreSQL at {where} refused user '{target.user}': wrong password or not allowed; "
                f"{check} / PGPASSWORD"
            )
        if has_state(("3D000",)):
            return SourceError(f"PostgreSQL at {where} has no database '{target.database}'; {check}{hint}")
        if has_state(("42P01", "3F000")):
            return SourceError(f"PostgreSQL at {where} has no table {self.db_schema}.{table}; {check}{hint}")
        lowered = text.lower()
        if "connection refused" in lowered:
            return SourceError(f"cannot reach PostgreSQL at {where}: connection refused; {check}", transient=True)
        if has_state(TRANSIENT_STATES) or "timeout" in lowered or "timed out" in lowered:
            return SourceError(f"cannot reach PostgreSQL at {where}: {_first_line(text)}; {check}", transient=True)
        return SourceError(f"reading {self.db_schema}.{table} from PostgreSQL at {where} failed: {_first_line(text)}")


def _causes(error: Exception) -> tuple[list[str], str]:
    """SQLStates and messages along the Java cause chain (or the Python error's text)."""
    java = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
    states, messages, seen = [], [], 0
    while java is not None and seen < 20:
        seen += 1
        try:
            messages.append(f"{java.getClass().getName()}: {java.getMessage()}")
            state = _sql_state(java)
            if state:
                states.append(state)
            java = java.getCause()
        except Py4JError:  # a proxy that no longer answers: keep what was found
            break
    if not messages:
        messages.append(str(error))
    return states, "\n".join(messages)


def _sql_state(java) -> str | None:
    try:
        state = java.getSQLState()  # only java.sql.SQLException and its subclasses have one
    except Py4JError:
        return None
    return str(state) if state else None


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    # The innermost cause names the actual problem (e.g. java.net.SocketTimeoutException).
    return (lines[-1] if lines else "unknown error")[:300]
