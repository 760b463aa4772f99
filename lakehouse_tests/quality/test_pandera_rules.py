"""Rules declared in a pandera model: pandera runs them, and the same declarations become the asset checks."""

import importlib
import warnings
from datetime import date

import pyspark.sql.types as T
from dagster import AssetCheckSeverity
from pandera.config import ValidationDepth, config_context
from pandera.errors import SchemaWarning
from pandera.pyspark import DataFrameModel, Field

from lakehouse.quality import audit, pandera_rules
from lakehouse.quality.checks import model_checks
from lakehouse.quality.rules import no_duplicates

ORDERS = "order_id string, day date, revenue double"
D1, D2 = date(2024, 1, 1), date(2024, 1, 2)


class Order(DataFrameModel):
    order_id: T.StringType() = Field(nullable=True)
    day: T.DateType() = Field(nullable=False)
    revenue: T.DoubleType() = Field(nullable=False, ge=0)

    class Config:
        unique = ["order_id"]
        mean_below = {"column": "revenue", "threshold": 100, "group_by": ["day"], "title": "mean_revenue_below_100"}
        rows_satisfy = {"condition": "revenue < 1000", "key_columns": ["order_id"], "title": "revenue_below_1000",
                        "raise_warning": True, "description": "No single order of 1,000 or more."}  # fmt: skip


class StrictOrder(Order):
    """Inherits Order's Config (its unique and rules) and adds `strict`."""

    class Config:
        strict = True


class Versions(DataFrameModel):
    """Rules only: no fields, so no schema check."""

    class Config:
        unique = ["valid_from", "Product ID"]
        metadata = {"unique_description": "One version per product and day."}


class Broken(DataFrameModel):
    class Config:
        mean_below = {"column": "missing", "threshold": 1}


def orders(spark, rows):
    return spark.createDataFrame(rows, ORDERS)


def pandera_errors(model, frame) -> dict[str, list[str]]:
    """pandera's own verdict: failed check -> error message, by reason."""
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        errors = model.validate(frame).pandera.errors
    return {reason: [e["check"] for e in found] for by_type in errors.values() for reason, found in by_type.items()}


def test_registration_survives_a_reimport():
    importlib.reload(pandera_rules)  # pandera raises on a second registration of a name
    assert Order.to_schema().checks[0].name == "mean_below"


def test_declared_rules_fail_and_pass_under_plain_validate(spark):
    good = orders(spark, [("a", D1, 10.0), ("b", D2, 20.0)])
    bad = orders(spark, [("a", D1, 150.0), ("a", D1, 20.0), ("b", D2, 2000.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SchemaWarning)
        assert pandera_errors(Order, good) == {}
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always", SchemaWarning)
        assert pandera_errors(Order, bad) == {
            "DUPLICATES": ["unique"],
            "DATAFRAME_CHECK": ["mean_below(column=revenue, threshold=100, group_by=['day'])"],
        }
    # raise_warning: a failed rows_satisfy is pandera's warning, not its error
    schema_warnings = [str(w.message) for w in warned if issubclass(w.category, SchemaWarning)]
    assert ["rows_satisfy(condition=revenue < 1000" in message for message in schema_warnings] == [True]


def test_pandera_unique_and_no_duplicates_agree(spark):
    frames = {
        "unique": orders(spark, [("a", D1, 1.0), ("b", D1, 1.0), (None, D2, 1.0)]),
        "repeated": orders(spark, [("a", D1, 1.0), ("a", D2, 1.0), ("b", D1, 1.0)]),
        "null keys": orders(spark, [(None, D1, 1.0), (None, D2, 1.0), ("a", D1, 1.0), ("a", D1, 1.0)]),
    }
    for name, frame in frames.items():
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            found = Order.validate(frame).pandera.errors
        duplicates = [e["error"] for by in found.values() for e in by.get("DUPLICATES", [])]
        ours = no_duplicates(Order.to_schema().unique)(frame)
        expected = [f"Duplicated rows [{ours.failing_count}] were found for columns ['order_id']"]
        assert duplicates == ([] if ours.passed else expected), name
    assert [no_duplicates(["order_id"])(f).failing_count for f in frames.values()] == [0, 1, 2]


def test_model_checks_are_what_the_model_declares():
    def described(model):
        return [(c.name, c.severity, c.blocking, c.description) for c in model_checks(model)]

    error, warn = AssetCheckSeverity.ERROR, AssetCheckSeverity.WARN
    assert described(Order) == [
        ("order_id_unique", error, True, "No duplicate records: one row per order_id."),
        ("mean_revenue_below_100", error, True, "mean_below(column=revenue, threshold=100, group_by=['day'])"),
        ("revenue_below_1000", warn, False, "No single order of 1,000 or more."),
        ("schema", error, True, "Types, nullability, ranges and allowed values."),
    ]
    assert [c.name for c in model_checks(StrictOrder)] == [c.name for c in model_checks(Order)]
    assert StrictOrder.to_schema().strict is True and StrictOrder.to_schema().unique == ["order_id"]
    assert described(Versions) == [("product_id_unique", error, True, "One version per product and day.")]


def test_the_schema_check_leaves_the_rules_to_their_own_checks(spark):
    frame = orders(spark, [("a", D1, 150.0), ("a", D1, 2000.0)])  # right types, every rule broken
    results = {c.name: c.rule(frame) for c in model_checks(Order)}
    assert results["schema"].passed is True
    assert (results["order_id_unique"].passed, results["order_id_unique"].details["sample_keys"]) == (False, ["a"])
    assert (results["mean_revenue_below_100"].failing_count, results["revenue_below_1000"].failing_count) == (1, 1)
    assert results["mean_revenue_below_100"].details["actual_max_mean"] == 1075.0
    assert results["mean_revenue_below_100"].details["threshold"] == 100.0


def test_a_rule_that_raises_fails_with_its_error(spark):
    frame = orders(spark, [("a", D1, 1.0)])
    assert list(pandera_errors(Broken, frame)) == ["CHECK_ERROR"]
    (check,) = model_checks(Broken)
    report = audit.judge(frame, "day", ["2024-01-01"], [audit.AuditedRule(check.name, check.rule, True)], "t", "r")
    verdict = report.results["mean_below"]["2024-01-01"]
    assert verdict["passed"] is False
    assert verdict["details"]["error"].startswith("AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION]")
    assert report.held_back == ["2024-01-01"]
