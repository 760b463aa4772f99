"""Database tables (PostgreSQL, MySQL/MariaDB) over Spark JDBC, the time window pushed down as an explicit WHERE clause.

The password travels only as a JDBC property: never in the JDBC URL, a message, `describe()` or
the resource's repr. Connection failures become a `SourceError` that says whether a retry may help.
"""

import re

from py4j.protocol import Py4JError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.resources.databases import Database, parse
from lakehouse.resources.sources import (
    REASON,
    RECORD,
    SourceError,
    TableSource,
    bound_text,
    empty_invalid,
    record_json,
)

TRANSIENT_STATES = ("08", "57P01", "57P02", "57P03", "53300")  # connection class, shutdown, too many clients
AUTH_STATES = ("28P01", "28000")
MISSING_STATES = ("3D000", "42P01", "3F000", "42S02")


class JdbcTables(TableSource):
    """Tables of one PostgreSQL schema (or of a MySQL database); `url` is postgresql:// or mysql://user[:password]@host[:port]/database."""

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
            return f"database (invalid URL in {self.setting}; schema {self.db_schema})"
        return f"{target.dialect}://{target.where} (schema {self.db_schema})"

    def read(self, spark, table, schema, time_column=None, start=None, end=None, export=None) -> DataFrame:
        if export is not None:
            raise ValueError(f"a database holds no dated exports (asked for {table} as of {export})")
        conditions, q = [], self._target().quote
        if time_column is not None and start is not None:
            conditions.append(f"{q(time_column)} >= TIMESTAMP '{bound_text(start)}'")
        if time_column is not None and end is not None:
            conditions.append(f"{q(time_column)} < TIMESTAMP '{bound_text(end)}'")
        frame = self._query(spark, table, schema, conditions)
        return frame.select(*(F.col(f.name).cast(f.dataType).alias(f.name) for f in schema))

    def invalid(self, spark, table, schema, time_column=None, export=None) -> DataFrame:
        # A typed database cannot hold an unparseable value: only a missing time makes a row unplaceable.
        if time_column is None:
            return empty_invalid(spark)
        frame = self._query(spark, table, schema, [f"{self._target().quote(time_column)} IS NULL"])
        return frame.select(F.lit(f"missing_time:{time_column}").alias(REASON), record_json(schema.names).alias(RECORD))

    def _target(self) -> Database:
        return parse(self.url, self.password, self.setting)

    def _query(self, spark: SparkSession, table: str, schema: StructType, conditions: list[str]) -> DataFrame:
        target = self._target()
        columns = ", ".join(target.quote(name) for name in schema.names)
        sql = f"SELECT {columns} FROM {target.table(self.db_schema, table)}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        timeout = str(self.connect_timeout_seconds)
        reader = (
            spark.read.format("jdbc")
            .option("url", target.jdbc_url)
            .option("driver", target.driver)
            .options(**target.jdbc_credentials)
            .option("query", sql)
            # Driver properties: an unreachable server fails in seconds; a stuck query after 10 min.
            .option("connectTimeout", timeout)
            .option("loginTimeout", timeout)
            .option("socketTimeout", "600")
            # `timestamp` columns read as wall-clock values whatever the JVM's time zone, and
            # `timestamptz` ones compared and read in UTC.
            .option("preferTimestampNTZ", "true")
            .option("sessionInitStatement", target.utc_session)
        )
        try:
            return reader.load()  # resolves the schema: connects, so connection errors surface here
        except (Py4JError, PySparkException) as error:  # JVM errors, raw or captured by pyspark
            raise self._explain(error, target, table) from None

    def _explain(self, error: Exception, target: Database, table: str) -> SourceError:
        states, text = _causes(error)
        # The driver never echoes a password; scrub anyway (as a whole word, so "p" spares "postgresql").
        if target.password:
            text = re.sub(rf"(?<!\w){re.escape(target.password)}(?!\w)", "***", text)
        where, check = target.where, f"check {self.setting}"
        hint = f"; {self.hint}" if self.hint else ""

        def has_state(prefixes) -> bool:
            return any(state.startswith(prefixes) for state in states)

        name, lowered = target.label, text.lower()
        if "classnotfoundexception" in lowered and target.driver.lower() in lowered:
            return SourceError(
                f"the {name} JDBC driver {target.driver} is not on Spark's classpath: set LAKEHOUSE_SPARK_JARS to its "
                f"jar (Debian: {target.driver_jar}; `make jars` links it into .jars/ when present) or, with Maven "
                f"access, LAKEHOUSE_SPARK_PACKAGES (e.g. org.postgresql:postgresql:42.7.4)"
            )
        if "no password was provided" in lowered:  # the URL had none, and the server does not trust this user
            return SourceError(
                f"{name} at {where} asks user '{target.user}' for a password and none was given: put it in "
                f"{self.setting}" + (" or PGPASSWORD" if target.dialect == "postgresql" else "")
            )
        if has_state(AUTH_STATES) or "password authentication failed" in text or "access denied" in lowered:
            return SourceError(
                f"{name} at {where} refused user '{target.user}': wrong password or not allowed; "
                f"{check}" + (" / PGPASSWORD" if target.dialect == "postgresql" else "")
            )
        if has_state(("3D000",)) or "unknown database" in lowered:
            return SourceError(f"{name} at {where} has no database '{target.database}'; {check}{hint}")
        if has_state(("42P01", "3F000", "42S02")):
            shown = f"{self.db_schema}.{table}" if target.dialect == "postgresql" else table
            return SourceError(f"{name} at {where} has no table {shown}; {check}{hint}")
        if "connection refused" in lowered:
            return SourceError(f"cannot reach {name} at {where}: connection refused; {check}", transient=True)
        if has_state(TRANSIENT_STATES) or "timeout" in lowered or "timed out" in lowered:
            return SourceError(f"cannot reach {name} at {where}: {_first_line(text)}; {check}", transient=True)
        return SourceError(f"reading {self.db_schema}.{table} from {name} at {where} failed: {_first_line(text)}")


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
