"""A pandera model judged in one Spark pass gives pandera's own verdicts, check by check and day by day."""

from datetime import date

import pyspark.sql.types as T
from pandera.config import ValidationDepth
from pandera.pyspark import DataFrameModel, Field

from lakehouse.quality import pandera_rules, pandera_spark  # noqa: F401 (registers rows_satisfy)
from lakehouse.quality.rules import _pandera_failures, conforms_to

D1, D2, D3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)
DAYS = [D.isoformat() for D in (D1, D2, D3)]
COLUMNS = "k string, day date, n int, code string, name string, score double"


class Every(DataFrameModel):
    """One field per kind of builtin check (and nulls) the translation covers."""

    k: T.StringType() = Field(nullable=False, str_length={"min_value": 1, "max_value": 3})
    day: T.DateType() = Field(in_range={"min_value": D1, "max_value": D2, "include_max": True})
    n: T.IntegerType() = Field(ge=0, lt=10, ne=5, nullable=True)
    code: T.StringType() = Field(isin=["a", "b"], notin=["x"], str_startswith="a", nullable=True)
    name: T.StringType() = Field(str_matches="[A-Z]", str_contains="o", str_endswith="o", nullable=True)
    score: T.DoubleType() = Field(gt=0.0, le=1.0, eq=0.5, nullable=True)


ROWS = [
    ("a", D1, 0, "a", "Bo", 0.5),         # clean
    ("b", D1, None, None, None, None),    # nulls break no comparison
    ("toolong", D2, 5, "b", "bob", 2.0),  # str_length, ne, startswith, matches, le, eq
    (None, D3, 10, "x", "Zed", -1.0),     # not_nullable, in_range, lt, isin+notin+startswith, contains, endswith, gt
]


def test_every_translated_check_fails_exactly_where_pandera_does(spark):
    frame = spark.createDataFrame(ROWS, COLUMNS)
    schema = Every.to_schema()
    assert pandera_spark.plan(schema).rest is None  # every check translated: nothing left to pandera
    for day in DAYS:
        one = frame.where(f"day = '{day}'")
        expected = sorted(_pandera_failures(schema, one, ValidationDepth.SCHEMA_AND_DATA))
        assert sorted(conforms_to(Every)(one).details.get("failures", [])) == expected
    by_day = conforms_to(Every).by(frame, "day", DAYS)
    assert by_day[DAYS[0]].passed is True
    assert sorted(by_day[DAYS[1]].details["failures"]) == [
        "code: str_startswith('a')", "k: str_length(1, 3)", "n: not_equal_to(5)",
        "name: str_endswith('o')", "name: str_matches('[A-Z]')", "score: equal_to(0.5)", "score: less_than_or_equal_to(1.0)",
    ]  # fmt: skip
    assert sorted(by_day[DAYS[2]].details["failures"]) == [
        "code: isin(['a', 'b'])", "code: notin(['x'])", "code: str_startswith('a')",
        "day: in_range(2024-01-01, 2024-01-02)", "k: not_nullable", "n: less_than(10)",
        "name: str_contains('o')", "name: str_endswith('o')", "score: equal_to(0.5)", "score: greater_than(0.0)",
    ]  # fmt: skip


class Even(DataFrameModel):
    """A field check plus a dataframe-level check: the latter is pandera's to run."""

    n: T.IntegerType() = Field(nullable=False, ge=0)
    day: T.DateType() = Field()

    class Config:
        strict = True
        rows_satisfy = {"condition": "n % 2 = 0", "key_columns": ["n"]}


def test_a_check_it_cannot_translate_stays_with_pandera_and_is_traced_to_its_day(spark):
    assert pandera_spark.plan(Even.to_schema()).rest is not None
    frame = spark.createDataFrame([(2, D1), (3, D2), (-1, D3)], "n int, day date")
    results = conforms_to(Even).by(frame, "day", DAYS)
    odd = "Even: rows_satisfy(condition=n % 2 = 0, key_columns=['n'])"
    assert [results[d].details.get("failures") for d in DAYS] == [None, [odd], ["n: greater_than_or_equal_to(0)", odd]]
    # The schema is judged without a data pass: an extra column under `strict` fails every day.
    wrong = conforms_to(Even).by(frame.withColumn("other", frame.n), "day", DAYS)
    assert [wrong[d].details["failures"] for d in DAYS] == [["Even: column_in_schema"]] * 3
