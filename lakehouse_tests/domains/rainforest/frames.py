"""Hand-made frames shared by the rainforest unit tests: bronze event frames, bronze and silver version
histories (rows of Python values, one `spark.createDataFrame` each, never a frame unioned with itself),
and the plain-row comparisons the tests assert on."""

import datetime

from lakehouse.domains.rainforest.contracts.columns import EXTRACTED_AT, PARTITION
from lakehouse.domains.rainforest.contracts.upstream import TABLES
from lakehouse.versioning import IS_DELETED, SEQ, VALID_FROM, VALID_FROM_TS, VERSION_COLUMNS

EXTRACTED = datetime.datetime(2024, 1, 3, 6, 0)  # the default `_extracted_at` of bronze rows
CATEGORIES = "array<struct<category_id:int,category_name:string>>"
VERSION_TYPES = {VALID_FROM_TS: "timestamp", SEQ: "int", IS_DELETED: "boolean", VALID_FROM: "date"}
# A version row needs its `valid_from`; the other version columns default to a plain first version.
VERSION_DEFAULTS = {VALID_FROM_TS: None, SEQ: 0, IS_DELETED: False}


def _create(spark, typed: list[tuple[str, str]], rows: list[dict], defaults: dict, required: tuple[str, ...]):
    for row in rows:
        unknown = set(row) - {name for name, _ in typed}
        assert not unknown, f"columns {sorted(unknown)} are not among {[name for name, _ in typed]}"
        assert all(name in row for name in required), f"a row needs {required}: {row}"
    schema = ", ".join(f"`{name}` {dtype}" for name, dtype in typed)
    data = [tuple(row[name] if name in row else defaults.get(name) for name, _ in typed) for row in rows]
    return spark.createDataFrame(data, schema)


def _upstream_types(name: str) -> dict[str, str]:
    return {column: dtype.simpleString() for column, dtype in TABLES[name].columns}


# ---------------------------------------------------------------- bronze


def bronze(spark, name, rows):
    """A bronze frame of EVENT table `name`: each row a dict of upstream columns (missing ones null) plus
    `partition_date` (required) and `_extracted_at` (default EXTRACTED)."""
    types = {**_upstream_types(name), EXTRACTED_AT: "timestamp", PARTITION: "date"}
    typed = [(column, types[column]) for column in [*TABLES[name].column_names, EXTRACTED_AT, PARTITION]]
    return _create(spark, typed, rows, {EXTRACTED_AT: EXTRACTED}, (PARTITION,))


def history(spark, name, rows):
    """A bronze version history of STATE table `name` (`TABLES[name].versioned.version_columns`): each
    row a dict of upstream columns (missing ones null) plus `valid_from` (required) and, optionally,
    `valid_from_ts` (null), `version_in_day` (0), `is_deleted` (false) and `_extracted_at` (EXTRACTED)."""
    types = {**_upstream_types(name), EXTRACTED_AT: "timestamp", **VERSION_TYPES}
    typed = [(column, types[column]) for column in TABLES[name].versioned.version_columns]
    return _create(spark, typed, rows, {**VERSION_DEFAULTS, EXTRACTED_AT: EXTRACTED}, (VALID_FROM,))


def deletion(row: dict, day: datetime.date) -> dict:
    """The version saying `row`'s key vanished on `day`: its last values, no timestamp, is_deleted."""
    return {**row, VALID_FROM: day, VALID_FROM_TS: None, SEQ: 0, IS_DELETED: True}


# ---------------------------------------------------------------- silver and gold


def spark_type(column: str) -> str:
    """The silver/gold type of a column, by its name."""
    if column == "categories":
        return CATEGORIES
    if column in VERSION_TYPES:
        return VERSION_TYPES[column]
    if column == "order_date":
        return "date"
    if column == "is_active":
        return "boolean"
    if column in ("total_price", "price", "base_price", "tax"):
        return "decimal(10,2)"
    if column in ("revenue", "total_revenue", "mean_revenue", "median_revenue"):
        return "decimal(18,2)"
    if column.endswith(("_ts", "_timestamp")):
        return "timestamp"
    if column.endswith("_id") or column in ("quantity", "last_updated_by"):
        return "int"
    return "string"


def frame(spark, columns, rows):
    """A DataFrame of `columns` (typed by name) from dict rows; missing values are null."""
    return _create(spark, [(name, spark_type(name)) for name in columns], rows, {}, ())


def silver_history(spark, columns, rows):
    """A silver version history: `columns` plus the version columns (typed by name), from dict rows that
    each need `valid_from`; `valid_from_ts` (null), `version_in_day` (0), `is_deleted` (false) default."""
    typed = [(name, spark_type(name)) for name in [*columns, *VERSION_COLUMNS]]
    return _create(spark, typed, rows, VERSION_DEFAULTS, (VALID_FROM,))


# ---------------------------------------------------------------- comparisons


def plain(value):
    """Rows and arrays of structs as plain tuples and lists, for exact comparison."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, tuple):  # Row is a tuple
        return tuple(plain(item) for item in value)
    return value


def rows(df, columns=None):
    """The chosen columns (all by default) of every row of a DataFrame (or of rows already collected),
    as sorted plain tuples."""
    found = df.collect() if hasattr(df, "collect") else df
    return sorted((plain(tuple(row[name] for name in columns) if columns else tuple(row)) for row in found), key=repr)


def json_ts(moment: datetime.datetime) -> str:
    """A timestamp as a reject record's JSON writes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
