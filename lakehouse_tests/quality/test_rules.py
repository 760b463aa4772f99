"""Quality rules on hand-made frames: each shown failing on bad data and passing on clean data."""

from datetime import date
from decimal import Decimal

import pyspark.sql.types as T
from pandera.pyspark import DataFrameModel, Field

from lakehouse.quality.rules import (
    conforms_to,
    mean_below,
    no_duplicates,
    row_accounting,
    row_accounting_by,
    rows_satisfy,
)

ORDERS = "order_id string, day date, revenue decimal(18,4)"
D1, D2 = date(2024, 1, 1), date(2024, 1, 2)


def orders(spark, rows):
    return spark.createDataFrame([(o, d, Decimal(str(r))) for o, d, r in rows], ORDERS)


def test_no_duplicates_passes_on_unique_keys(spark):
    result = no_duplicates(["order_id"])(orders(spark, [("a", D1, 1), ("b", D1, 2)]))
    assert (result.passed, result.failing_count) == (True, 0)
    assert result.details == {"keys": "order_id", "duplicated_keys": 0, "duplicate_rows": 0}


def test_no_duplicates_counts_keys_rows_and_samples(spark):
    frame = orders(spark, [("a", D1, 1), ("a", D1, 1), ("a", D2, 3), ("b", D1, 2), ("c", D1, 2), ("c", D2, 2)])
    result = no_duplicates(["order_id"])(frame)
    assert (result.passed, result.failing_count) == (False, 2)
    assert result.details["duplicate_rows"] == 3  # a: 2 extra rows, c: 1 extra row
    assert result.details["sample_keys"] == ["a", "c"]
    # On a composite key only the exact (order_id, day) repeat counts.
    composite = no_duplicates(["order_id", "day"])(frame)
    assert (composite.failing_count, composite.details["sample_keys"]) == (1, ["a|2024-01-01"])


def test_no_duplicates_treats_null_keys_as_equal(spark):
    result = no_duplicates(["order_id"])(orders(spark, [(None, D1, 1), (None, D2, 1)]))
    assert (result.passed, result.details["sample_keys"]) == (False, [""])


def test_mean_below_per_group_boundary_is_strict(spark):
    frame = orders(spark, [("a", D1, 99_999.99), ("b", D2, 100_000), ("c", D2, 100_000)])
    result = mean_below("revenue", 100_000, group_by=["day"])(frame)
    assert (result.passed, result.failing_count) == (False, 1)  # a mean of exactly 100,000 fails
    assert result.details["actual_max_mean"] == 100_000.0
    assert result.details["threshold"] == 100_000.0
    assert result.details["groups"] == 2
    assert result.details["sample_failing_groups"] == ["2024-01-02|100000.0"]


def test_mean_below_passes_and_reports_actual(spark):
    frame = orders(spark, [("a", D1, 10), ("b", D1, 20), ("c", D2, 99_999.99)])
    result = mean_below("revenue", 100_000, group_by=["day"])(frame)
    assert (result.passed, result.failing_count) == (True, 0)
    assert result.details["actual_max_mean"] == 99_999.99
    assert "sample_failing_groups" not in result.details


def test_mean_below_without_groups_and_on_empty_frame(spark):
    frame = orders(spark, [("a", D1, 150_000), ("b", D1, 40_000)])
    assert mean_below("revenue", 100_000)(frame).passed is True  # overall mean 95,000
    empty = mean_below("revenue", 100_000, group_by=["day"])(orders(spark, []))
    assert (empty.passed, empty.details["groups"], empty.details["actual_max_mean"]) == (True, 0, None)


def test_rows_satisfy_counts_violations_and_nulls(spark):
    frame = spark.createDataFrame([("a", 1, 2), ("b", 3, 2), ("c", None, 2)], "k string, x int, y int")
    result = rows_satisfy("x <= y", ["k"])(frame)
    assert (result.passed, result.failing_count, result.details["sample_keys"]) == (False, 2, ["b", "c"])
    assert rows_satisfy("y = 2", ["k"])(frame).passed is True


class Order(DataFrameModel):
    order_id: T.StringType() = Field(nullable=False)
    revenue: T.DecimalType(18, 4) = Field(ge=0)


def test_conforms_to_reports_each_failed_check(spark):
    bad = orders(spark, [(None, D1, -1), ("b", D1, 5)])
    result = conforms_to(Order)(bad)
    assert (result.passed, result.failing_count) == (False, 2)
    assert sorted(result.details["failures"]) == [
        "order_id: not_nullable",
        "revenue: greater_than_or_equal_to(0)",
    ]
    assert conforms_to(Order)(orders(spark, [("a", D1, 0), ("b", D1, 5)])).passed is True


def test_conforms_to_catches_wrong_types(spark):
    frame = spark.createDataFrame([(1, Decimal("1.5"))], "order_id int, revenue decimal(18,4)")
    result = conforms_to(Order)(frame)
    assert (result.passed, result.details["failures"]) == (False, ["order_id: dtype('StringType()')"])
    # pandera raises instead of reporting on a non-decimal column: still a failed check.
    frame = spark.createDataFrame([("a", 1.5)], "order_id string, revenue double")
    result = conforms_to(Order)(frame)
    assert (result.passed, result.failing_count) == (False, 1)
    assert "Decimal" in result.details["failures"][0]


def test_row_accounting(spark):
    source = spark.range(10)
    kept = spark.createDataFrame([(1, 2), (2, 0), (3, 1)], "id long, dups int")
    rejected = spark.range(4)
    result = row_accounting(source, kept, rejected, "dups")
    assert result.passed is True
    assert result.details == {
        "rows_in": 10, "rows_out": 3, "rows_rejected": 4, "duplicates_removed": 3, "unaccounted": 0,
    }
    lost = row_accounting(source, kept, spark.range(3), "dups")
    assert (lost.passed, lost.failing_count, lost.details["unaccounted"]) == (False, 1, 1)


def test_row_accounting_without_deduplication(spark):
    source, kept, rejected = spark.range(5), spark.range(3), spark.range(2)
    result = row_accounting(source, kept, rejected)
    assert (result.passed, result.details["duplicates_removed"], result.details["unaccounted"]) == (True, 0, 0)
    short = row_accounting(source, spark.range(2), rejected)
    assert (short.passed, short.failing_count) == (False, 1)


# ----------------------------------------------------------------- per day (audited publish)
D3 = date(2024, 1, 3)
DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_no_duplicates_by_day_fails_every_day_a_repeated_key_is_on(spark):
    frame = orders(spark, [("a", D1, 1), ("a", D2, 1), ("b", D2, 2), ("b", D2, 2), ("b", D2, 2), ("c", D3, 1)])
    results = no_duplicates(["order_id"]).by(frame, "day", DAYS)
    assert {day: (r.passed, r.failing_count) for day, r in results.items()} == {
        "2024-01-01": (False, 1), "2024-01-02": (False, 2), "2024-01-03": (True, 0),
    }
    # Extra rows add up to the whole frame's: a's first row is on day 1, b's three rows are on day 2.
    assert results["2024-01-01"].details["duplicate_rows"] == 0
    assert results["2024-01-02"].details["duplicate_rows"] == 1 + 2
    assert results["2024-01-02"].details["sample_keys"] == ["a", "b"]
    assert no_duplicates(["order_id"])(frame).details["duplicate_rows"] == 3


def test_no_duplicates_by_day_with_the_day_in_the_key(spark):
    frame = orders(spark, [("a", D1, 1), ("a", D2, 1), ("a", D2, 5)])
    results = no_duplicates(["day", "order_id"]).by(frame, "day", DAYS)
    assert [results[d].passed for d in DAYS] == [True, False, True]
    assert results["2024-01-02"].details["sample_keys"] == ["2024-01-02|a"]


def test_mean_below_by_day_judges_each_day_alone(spark):
    frame = orders(spark, [("a", D1, 150_000), ("b", D1, 40_000), ("c", D2, 100_000), ("d", D3, 5)])
    results = mean_below("revenue", 100_000, group_by=["day"]).by(frame, "day", DAYS)
    assert [(results[d].passed, results[d].details["actual_max_mean"]) for d in DAYS] == [
        (True, 95_000.0), (False, 100_000.0), (True, 5.0),
    ]
    assert results["2024-01-02"].details["sample_failing_groups"] == ["2024-01-02|100000.0"]
    empty = mean_below("revenue", 100_000).by(orders(spark, []), "day", DAYS)["2024-01-01"]
    assert (empty.passed, empty.details["groups"], empty.details["actual_max_mean"]) == (True, 0, None)


def test_rows_satisfy_and_conforms_to_by_day(spark):
    frame = orders(spark, [("a", D1, 1), ("b", D2, -1), (None, D3, 2)])
    positive = rows_satisfy("revenue >= 0", ["order_id"]).by(frame, "day", DAYS)
    assert [(positive[d].passed, positive[d].failing_count) for d in DAYS] == [(True, 0), (False, 1), (True, 0)]
    assert positive["2024-01-02"].details["sample_keys"] == ["b"]
    # pandera answers for the whole frame; a failed data check is traced to its day.
    model = conforms_to(Order).by(frame, "day", DAYS)
    assert [model[d].passed for d in DAYS] == [True, False, False]
    assert model["2024-01-02"].details["failures"] == ["revenue: greater_than_or_equal_to(0)"]
    assert model["2024-01-03"].details["failures"] == ["order_id: not_nullable"]
    # A schema failure (a column's type) is every day's.
    wrong = spark.createDataFrame([(1, D1, Decimal("1.5"))], "order_id int, day date, revenue decimal(18,4)")
    typed = conforms_to(Order).by(wrong, "day", DAYS)
    assert [typed[d].details["failures"] for d in DAYS] == [["order_id: dtype('StringType()')"]] * 3


def test_row_accounting_by_day_finds_the_day_that_lost_a_row(spark):
    source = spark.createDataFrame([(D1,), (D1,), (D2,), (D2,), (D2,)], "day date")
    kept = spark.createDataFrame([(D1, 1), (D2, 0)], "order_date date, dups int")
    rejected = spark.createDataFrame([(D2,)], "day date")
    results = row_accounting_by(source, kept, rejected, ("day", "order_date", "day"), DAYS, "dups")
    assert {d: (r.passed, r.details["unaccounted"]) for d, r in results.items()} == {
        "2024-01-01": (True, 0), "2024-01-02": (False, 1), "2024-01-03": (True, 0),  # day 2: 3 in, 1 + 1 out
    }
    assert results["2024-01-02"].details == {
        "rows_in": 3, "rows_out": 1, "rows_rejected": 1, "duplicates_removed": 0, "unaccounted": 1,
    }
