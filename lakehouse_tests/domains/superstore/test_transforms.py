"""Unit tests of the superstore transformations on tiny hand-built DataFrames, asserting exact values."""

import calendar
import datetime
import random
from decimal import Decimal

import pytest
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from lakehouse.domains.superstore.transforms import (
    BUSINESS_COLUMNS,
    SOURCE_HEADER,
    snake_case,
    to_bronze,
    to_customers_snapshot,
    to_gold_sales,
    to_silver,
)

D = datetime.date
INGESTED = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)
# The first line of the Kaggle train.csv.
KAGGLE_VALUES = [
    "1", "CA-2017-152156", "08/11/2017", "11/11/2017", "Second Class", "CG-12520", "Claire Gute",
    "Consumer", "United States", "Henderson", "Kentucky", "42420", "South", "FUR-BO-10001798",
    "Furniture", "Bookcases", "Bush Somerset Collection Bookcase", "261.96",
]  # fmt: skip
RAW_BASE = dict(zip(SOURCE_HEADER, KAGGLE_VALUES))
BRONZE_BASE = dict(zip(BUSINESS_COLUMNS, KAGGLE_VALUES))
SILVER_COLUMNS = [*BUSINESS_COLUMNS, "_source_file", "_ingested_at", "_duplicates_removed"]
SNAPSHOT_COLUMNS = [
    "customer_id", "first_name", "last_name", "segment", "country",
    "orders_last_1m", "orders_last_6m", "orders_last_12m", "orders_lifetime", "as_of_date",
]  # fmt: skip


# ---------------------------------------------------------------- helpers


def raw_frame(spark, rows, header=SOURCE_HEADER):
    """Landing rows as the reader gives them; a row dict overrides RAW_BASE and the helper columns."""
    schema = StructType(
        [StructField(name, StringType()) for name in header]
        + [
            StructField("_source_file", StringType()),
            StructField("_absent_columns", ArrayType(StringType())),
            StructField("_corrupt_record", StringType()),
        ]
    )
    data = [
        tuple(row[name] if name in row else RAW_BASE.get(name) for name in header)
        + (row.get("_source_file", "landing/a.csv"), row.get("_absent_columns", []), row.get("_corrupt_record"))
        for row in rows
    ]
    return spark.createDataFrame(data, schema)


def dicts(df, columns=None):
    """All rows as dicts sorted by their repr (tests collect; production code never does)."""
    return sorted((row.asDict() if columns is None else {c: row[c] for c in columns} for row in df.collect()), key=repr)


def bronze_frame(spark, rows):
    """Placed bronze rows with one extra source column; partition_date is derived like bronze does."""
    columns = [*BUSINESS_COLUMNS, "discount", "_source_file", "_ingested_at", "partition_date"]
    schema = ", ".join(
        [f"{name} string" for name in [*BUSINESS_COLUMNS, "discount", "_source_file"]]
        + ["_ingested_at timestamp", "partition_date date"]
    )
    data = []
    for row in rows:
        values = {**BRONZE_BASE, "discount": "0.2", "_source_file": "landing/a.csv", "_ingested_at": INGESTED, **row}
        if "partition_date" not in row:
            parsed = datetime.datetime.strptime(values["order_date"].strip(), "%d/%m/%Y").date()
            values["partition_date"] = parsed
        data.append(tuple(values[name] for name in columns))
    return spark.createDataFrame(data, schema)


SILVER_SCHEMA = (
    "row_id int, order_id string, order_date date, ship_date date, ship_mode string, customer_id string, "
    "customer_name string, segment string, country string, city string, state string, postal_code string, "
    "region string, product_id string, category string, sub_category string, product_name string, "
    "sales decimal(18,4), _source_file string, _ingested_at timestamp, _duplicates_removed int"
)


def line(customer, order, order_date, row_id=None, name="Claire Gute", segment="Consumer", country="United States",
         ship_mode="Second Class", city="Henderson", ship_date=None):  # fmt: skip
    """One silver order line spec (row_id defaults to its position in the list)."""
    return dict(customer_id=customer, order_id=order, order_date=order_date, row_id=row_id, customer_name=name,
                segment=segment, country=country, ship_mode=ship_mode, city=city,
                ship_date=ship_date or order_date + datetime.timedelta(days=3))  # fmt: skip


def silver_frame(spark, specs):
    """Silver rows from line specs; unspecified columns are fixed Kaggle values."""
    data = []
    for position, spec in enumerate(specs, start=1):
        data.append((
            spec["row_id"] or position, spec["order_id"], spec["order_date"], spec["ship_date"], spec["ship_mode"],
            spec["customer_id"], spec["customer_name"], spec["segment"], spec["country"], spec["city"],
            "Kentucky", "42420", "South", "FUR-BO-10001798", "Furniture", "Bookcases", "Bookcase",
            Decimal("261.96"), "landing/a.csv", datetime.datetime(2024, 5, 1), 0,
        ))  # fmt: skip
    return spark.createDataFrame(data, SILVER_SCHEMA)


PREVIOUS_SCHEMA = (
    "customer_id string, first_name string, last_name string, segment string, country string, "
    "orders_last_1m long, orders_last_6m long, orders_last_12m long, orders_lifetime long, as_of_date date"
)


def snapshot_rows(df):
    """Snapshot rows as tuples in output column order, sorted by (as_of_date, customer_id)."""
    assert df.columns == SNAPSHOT_COLUMNS
    return sorted((tuple(row) for row in df.collect()), key=lambda row: (row[-1], row[0]))


def on(rows, as_of):
    """The snapshot rows of one as-of date."""
    return [row for row in rows if row[-1] == as_of]


# ---------------------------------------------------------------- naming


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sub-Category", "sub_category"),
        ("Row ID", "row_id"),
        (" Postal  Code ", "postal_code"),
        ("Order Date", "order_date"),
        ("Discount", "discount"),
        ("__Unit--Price (USD)__", "unit_price_usd"),
    ],
)
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_header_constants():
    assert SOURCE_HEADER == [
        "Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer ID", "Customer Name",
        "Segment", "Country", "City", "State", "Postal Code", "Region", "Product ID", "Category",
        "Sub-Category", "Product Name", "Sales",
    ]  # fmt: skip
    assert BUSINESS_COLUMNS == [
        "row_id", "order_id", "order_date", "ship_date", "ship_mode", "customer_id", "customer_name",
        "segment", "country", "city", "state", "postal_code", "region", "product_id", "category",
        "sub_category", "product_name", "sales",
    ]  # fmt: skip


# ---------------------------------------------------------------- bronze


def test_bronze_places_kaggle_row_with_snake_columns_extra_column_and_lineage(spark):
    raw = raw_frame(spark, [{"Discount": "0.2"}], header=[*SOURCE_HEADER, "Discount"])
    placed, rejects = to_bronze(raw, INGESTED)

    assert placed.columns == [*BUSINESS_COLUMNS, "discount", "_source_file", "_ingested_at", "partition_date"]
    assert rejects.columns == [*BUSINESS_COLUMNS, "discount", "_source_file", "_ingested_at", "reject_reason"]
    types = dict(placed.dtypes)
    assert {types[name] for name in [*BUSINESS_COLUMNS, "discount", "_source_file"]} == {"string"}
    assert (types["_ingested_at"], types["partition_date"]) == ("timestamp", "date")
    rows = dicts(placed, [*BUSINESS_COLUMNS, "discount", "_source_file", "partition_date"])
    expected = {**BRONZE_BASE, "discount": "0.2", "_source_file": "landing/a.csv", "partition_date": D(2017, 11, 8)}
    assert rows == [expected]
    assert placed.select(F.unix_seconds("_ingested_at")).first()[0] == int(INGESTED.timestamp())
    assert rejects.count() == 0


def test_bronze_naive_ingested_at_is_taken_as_utc(spark):
    placed, _ = to_bronze(raw_frame(spark, [{}]), datetime.datetime(2024, 5, 1, 12, 30))
    assert placed.select(F.date_format("_ingested_at", "yyyy-MM-dd HH:mm:ss")).first()[0] == "2024-05-01 12:30:00"


def test_bronze_parses_order_date_with_or_without_leading_zero(spark):
    dates = {"1": "08/11/2017", "2": "8/11/2017", "3": " 08/11/2017 "}
    raw = raw_frame(spark, [{"Row ID": row_id, "Order Date": day} for row_id, day in dates.items()])
    placed, rejects = to_bronze(raw, INGESTED)
    assert dicts(placed, ["row_id", "order_date", "partition_date"]) == [
        {"row_id": row_id, "order_date": day, "partition_date": D(2017, 11, 8)} for row_id, day in dates.items()
    ]
    assert rejects.count() == 0


def test_bronze_rejects_unparseable_or_blank_order_date(spark):
    dates = {"1": "2017-11-08", "2": "31/02/2017", "3": "08/11/17", "4": "", "5": "   ", "6": None}
    raw = raw_frame(spark, [{"Row ID": row_id, "Order Date": day} for row_id, day in dates.items()])
    placed, rejects = to_bronze(raw, INGESTED)
    assert placed.count() == 0
    assert dicts(rejects, ["row_id", "order_date", "reject_reason"]) == [
        {"row_id": row_id, "order_date": day, "reject_reason": "unparseable_order_date"}
        for row_id, day in dates.items()
    ]


def test_bronze_rejects_rows_when_a_required_column_is_absent_from_every_file(spark):
    header = [name for name in SOURCE_HEADER if name != "Sales"]
    placed, rejects = to_bronze(raw_frame(spark, [{}, {"Row ID": "2"}], header=header), INGESTED)

    assert placed.count() == 0
    assert rejects.columns == [*BUSINESS_COLUMNS, "_source_file", "_ingested_at", "reject_reason"]
    assert dicts(rejects, ["row_id", "sales", "reject_reason"]) == [
        {"row_id": "1", "sales": None, "reject_reason": "missing_column:sales"},
        {"row_id": "2", "sales": None, "reject_reason": "missing_column:sales"},
    ]
    assert dict(rejects.dtypes)["sales"] == "string"


def test_bronze_rejects_only_rows_of_the_file_missing_columns(spark):
    rows = [
        {"Row ID": "1", "_source_file": "landing/full.csv"},
        {"Row ID": "2", "_source_file": "landing/partial.csv", "Segment": None, "Region": None,
         "_absent_columns": ["Region", "Segment"]},
    ]  # fmt: skip
    placed, rejects = to_bronze(raw_frame(spark, rows), INGESTED)

    assert dicts(placed, ["row_id", "_source_file"]) == [{"row_id": "1", "_source_file": "landing/full.csv"}]
    # Reasons follow BUSINESS_COLUMNS order, not the order of _absent_columns.
    assert dicts(rejects, ["row_id", "_source_file", "reject_reason"]) == [
        {"row_id": "2", "_source_file": "landing/partial.csv",
         "reject_reason": "missing_column:segment;missing_column:region"},
    ]  # fmt: skip


def test_bronze_merges_two_spellings_of_one_column_across_files(spark):
    header = [name for name in SOURCE_HEADER if name != "Postal Code"] + ["Postal Code", "Postal-Code"]
    rows = [
        {"Row ID": "1", "Postal Code": "05408", "Postal-Code": None, "_absent_columns": ["Postal-Code"]},
        {"Row ID": "2", "Postal Code": None, "Postal-Code": "42420", "_absent_columns": ["Postal Code"]},
    ]
    placed, rejects = to_bronze(raw_frame(spark, rows, header=header), INGESTED)

    assert rejects.count() == 0
    assert placed.columns == [*BUSINESS_COLUMNS, "_source_file", "_ingested_at", "partition_date"]
    assert dicts(placed, ["row_id", "postal_code"]) == [
        {"row_id": "1", "postal_code": "05408"},
        {"row_id": "2", "postal_code": "42420"},
    ]


def test_bronze_rejects_malformed_row(spark):
    rows = [{"Row ID": "1"}, {"Row ID": "2", "_corrupt_record": "2,CA-1,08/11/2017,oops"}]
    placed, rejects = to_bronze(raw_frame(spark, rows), INGESTED)
    assert dicts(placed, ["row_id"]) == [{"row_id": "1"}]
    assert dicts(rejects, ["row_id", "reject_reason"]) == [{"row_id": "2", "reject_reason": "malformed_row"}]
    assert "_corrupt_record" not in rejects.columns and "_absent_columns" not in rejects.columns


def test_bronze_joins_multiple_reasons_in_contract_order(spark):
    header = [name for name in SOURCE_HEADER if name != "Product Name"]
    rows = [{"Ship Mode": None, "Order Date": "", "_absent_columns": ["Ship Mode"], "_corrupt_record": "x"}]
    _, rejects = to_bronze(raw_frame(spark, rows, header=header), INGESTED)
    assert dicts(rejects, ["reject_reason"]) == [
        {"reject_reason": "missing_column:ship_mode;missing_column:product_name;malformed_row;unparseable_order_date"}
    ]


def test_bronze_puts_every_row_in_exactly_one_output(spark):
    header = [*SOURCE_HEADER, "Discount"]
    rows = [
        {"Row ID": "1"},
        {"Row ID": "2", "Order Date": "8/1/2018"},
        {"Row ID": "3", "Order Date": "not a date"},
        {"Row ID": "4", "_corrupt_record": "4,,"},
        {"Row ID": "5", "_absent_columns": ["Sales"], "Sales": None},
        {"Row ID": "6", "Order Date": None, "_corrupt_record": "6"},
        {"Row ID": "7", "Discount": "0.5"},
    ]
    placed, rejects = to_bronze(raw_frame(spark, rows, header=header), INGESTED)

    placed_ids = [row["row_id"] for row in dicts(placed, ["row_id"])]
    rejected_ids = [row["row_id"] for row in dicts(rejects, ["row_id"])]
    assert placed_ids == ["1", "2", "7"]
    assert rejected_ids == ["3", "4", "5", "6"]
    assert placed.count() + rejects.count() == len(rows)


# ---------------------------------------------------------------- silver


def test_silver_types_cleans_and_drops_extra_columns(spark):
    silver, rejects = to_silver(bronze_frame(spark, [{}]))

    assert silver.columns == SILVER_COLUMNS
    types = dict(silver.dtypes)
    assert (types["row_id"], types["order_date"], types["ship_date"], types["sales"]) == (
        "int", "date", "date", "decimal(18,4)",
    )  # fmt: skip
    assert types["_duplicates_removed"] == "int" and types["_ingested_at"] == "timestamp"
    assert types["postal_code"] == "string"
    row = silver.first().asDict()
    row.pop("_ingested_at")
    assert row == {
        **BRONZE_BASE,
        "row_id": 1,
        "order_date": D(2017, 11, 8),
        "ship_date": D(2017, 11, 11),
        "sales": Decimal("261.9600"),
        "_source_file": "landing/a.csv",
        "_duplicates_removed": 0,
    }
    assert rejects.count() == 0


def test_silver_trims_text_and_turns_blank_text_into_null(spark):
    bronze = bronze_frame(
        spark,
        [{"row_id": " 7 ", "order_id": " CA-1 ", "customer_name": "\tClaire Gute  ", "ship_mode": "   ",
          "segment": "", "ship_date": " 11/11/2017 ", "sales": " 261.960 "}],
    )  # fmt: skip
    row = to_silver(bronze)[0].first()
    assert (row.row_id, row.order_id, row.customer_name, row.ship_mode, row.segment) == (
        7, "CA-1", "Claire Gute", None, None,
    )  # fmt: skip
    assert (row.ship_date, row.sales) == (D(2017, 11, 11), Decimal("261.9600"))


def test_silver_postal_code_keeps_leading_zeros_and_blank_is_null(spark):
    # One order per row so the cleaned-equal rows are not de-duplicated.
    cases = {"A": ("05408", "05408"), "B": (" 05408 ", "05408"), "C": ("", None), "D": ("  ", None), "E": (None, None)}
    bronze = bronze_frame(spark, [{"order_id": order, "postal_code": raw} for order, (raw, _) in cases.items()])
    silver, rejects = to_silver(bronze)
    assert dicts(silver, ["order_id", "postal_code"]) == [
        {"order_id": order, "postal_code": expected} for order, (_, expected) in cases.items()
    ]
    assert rejects.count() == 0


def test_silver_sales_decimal_scale_four(spark):
    silver, _ = to_silver(bronze_frame(spark, [{"sales": "261.960"}, {"row_id": "2", "sales": "0", "order_id": "B"}]))
    assert dicts(silver, ["row_id", "sales"]) == [
        {"row_id": 1, "sales": Decimal("261.9600")},
        {"row_id": 2, "sales": Decimal("0.0000")},
    ]


SINGLE_RULE_CASES = [
    ({"row_id": "abc"}, "unparseable_row_id"),
    ({"row_id": ""}, "unparseable_row_id"),
    ({"order_id": "  "}, "null_order_id"),
    ({"order_id": None}, "null_order_id"),
    ({"customer_id": ""}, "null_customer_id"),
    ({"customer_id": None}, "null_customer_id"),
    ({"ship_date": "2017/11/11"}, "unparseable_ship_date"),
    ({"ship_date": None}, "unparseable_ship_date"),
    ({"sales": "12,5"}, "unparseable_sales"),
    ({"sales": " "}, "unparseable_sales"),
    ({"ship_date": "07/11/2017"}, "ship_before_order"),
    ({"sales": "-0.01"}, "negative_sales"),
]


def test_silver_rejects_each_rule_alone_and_keeps_bronze_row(spark):
    # One row per case in one frame (one Spark job); the extra `discount` column labels the case.
    rows = [{**override, "discount": str(case)} for case, (override, _) in enumerate(SINGLE_RULE_CASES)]
    bronze = bronze_frame(spark, rows)
    silver, rejects = to_silver(bronze)

    assert silver.count() == 0
    assert rejects.columns == [*bronze.columns, "reject_reason"]
    # A reject is its bronze row untouched (raw strings, partition_date, lineage) plus its reason.
    expected = [
        {**row.asDict(), "reject_reason": SINGLE_RULE_CASES[int(row["discount"])][1]} for row in bronze.collect()
    ]
    assert dicts(rejects) == sorted(expected, key=repr)
    assert len(expected) == len(SINGLE_RULE_CASES)


def test_silver_accepts_same_day_shipping_and_zero_sales(spark):
    silver, rejects = to_silver(bronze_frame(spark, [{"ship_date": "08/11/2017", "sales": "0.00"}]))
    assert dicts(silver, ["ship_date", "sales"]) == [{"ship_date": D(2017, 11, 8), "sales": Decimal("0.0000")}]
    assert rejects.count() == 0


def test_silver_joins_multiple_reasons_in_contract_order(spark):
    bronze = bronze_frame(
        spark,
        [
            {"row_id": "x", "order_id": "", "customer_id": None, "ship_date": "soon", "sales": "n/a"},
            {"row_id": "2", "ship_date": "01/01/2017", "sales": "-5"},
        ],
    )
    silver, rejects = to_silver(bronze)
    assert silver.count() == 0
    assert dicts(rejects, ["row_id", "reject_reason"]) == [
        {"row_id": "2", "reject_reason": "ship_before_order;negative_sales"},
        {"row_id": "x",
         "reject_reason": "unparseable_row_id;null_order_id;null_customer_id;unparseable_ship_date;unparseable_sales"},
    ]  # fmt: skip


def test_silver_dedup_keeps_smallest_row_id_and_counts_removed(spark):
    bronze = bronze_frame(
        spark,
        [
            {"row_id": "7", "sales": "261.96"},
            {"row_id": "3", "sales": " 261.960", "customer_name": " Claire Gute", "_source_file": "landing/b.csv"},
            {"row_id": "5", "sales": "261.9600", "discount": "0.9"},  # extra columns are not business columns
            {"row_id": "4", "sales": "261.97"},  # near duplicate: different sales
            {"row_id": "9", "sales": "261.97", "postal_code": ""},  # differs on postal_code null vs 42420
            {"row_id": "8", "sales": "261.97", "postal_code": " "},  # equal to row 9 once cleaned (nulls match)
        ],
    )
    silver, rejects = to_silver(bronze)
    assert rejects.count() == 0
    assert dicts(silver, ["row_id", "sales", "postal_code", "_source_file", "_duplicates_removed"]) == [
        {"row_id": 3, "sales": Decimal("261.9600"), "postal_code": "42420", "_source_file": "landing/b.csv",
         "_duplicates_removed": 2},
        {"row_id": 4, "sales": Decimal("261.9700"), "postal_code": "42420", "_source_file": "landing/a.csv",
         "_duplicates_removed": 0},
        {"row_id": 8, "sales": Decimal("261.9700"), "postal_code": None, "_source_file": "landing/a.csv",
         "_duplicates_removed": 1},
    ]  # fmt: skip


def test_silver_row_accounting_invariant(spark):
    bronze = bronze_frame(
        spark,
        [
            {"row_id": "1"},
            {"row_id": "2"},  # duplicate of 1
            {"row_id": "3"},  # duplicate of 1
            {"row_id": "4", "order_id": "CA-2"},
            {"row_id": "5", "order_id": "CA-2", "sales": "1"},  # near duplicate of 4
            {"row_id": "6", "sales": "-1"},
            {"row_id": "7", "customer_id": " "},
            {"row_id": "8", "order_id": "CA-3"},
            {"row_id": "9", "order_id": "CA-3"},  # duplicate of 8
        ],
    )
    silver, rejects = to_silver(bronze)
    removed = silver.agg(F.sum("_duplicates_removed")).first()[0]
    assert (bronze.count(), silver.count(), rejects.count(), removed) == (9, 4, 2, 3)
    assert bronze.count() == silver.count() + rejects.count() + removed


# ---------------------------------------------------------------- gold sales


def test_gold_sales_takes_smallest_row_id_line_per_order_and_date(spark):
    silver = silver_frame(
        spark,
        [
            line("C1", "O1", D(2018, 1, 5), row_id=12, ship_mode="Standard Class", city="Boston"),
            line("C1", "O1", D(2018, 1, 5), row_id=10, ship_mode="First Class", city="Austin",
                 ship_date=D(2018, 1, 6)),
            line("C1", "O1", D(2018, 1, 5), row_id=11, ship_mode="Same Day", city="Chicago"),
            line("C2", "O2", D(2018, 1, 5), row_id=3, ship_mode="Second Class", city="Denver"),
            line("C3", "O3", D(2018, 1, 6), row_id=20),
            line("C3", "O3", D(2018, 1, 7), row_id=21, city="Elgin"),  # same order id on another date
        ],
    )  # fmt: skip
    gold = to_gold_sales(silver)

    assert gold.columns == ["order_id", "order_date", "shipment_date", "shipment_mode", "city", "customer_id"]
    assert dict(gold.dtypes)["shipment_date"] == "date"
    assert sorted(tuple(row) for row in gold.collect()) == [
        ("O1", D(2018, 1, 5), D(2018, 1, 6), "First Class", "Austin", "C1"),
        ("O2", D(2018, 1, 5), D(2018, 1, 8), "Second Class", "Denver", "C2"),
        ("O3", D(2018, 1, 6), D(2018, 1, 9), "Second Class", "Henderson", "C3"),
        ("O3", D(2018, 1, 7), D(2018, 1, 10), "Second Class", "Elgin", "C3"),
    ]


# ---------------------------------------------------------------- customers snapshot


def test_snapshot_window_boundaries_on_both_sides(spark):
    orders = {
        "O1": D(2017, 6, 14), "O2": D(2017, 6, 15), "O3": D(2017, 12, 14), "O4": D(2017, 12, 15),
        "O5": D(2018, 5, 14), "O6": D(2018, 5, 15), "O7": D(2018, 6, 15), "O8": D(2018, 6, 16),
    }  # fmt: skip
    lines = silver_frame(spark, [line("C", order, day) for order, day in orders.items()])
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2017, 6, 14), D(2018, 6, 16)))

    # D = 2018-06-15: windows start 2018-05-15 (1m), 2017-12-15 (6m), 2017-06-15 (12m), all inclusive.
    assert on(rows, D(2018, 6, 15)) == [
        ("C", "Claire", "Gute", "Consumer", "United States", 2, 4, 6, 7, D(2018, 6, 15))
    ]
    # One day later O6, O4 and O2 still count while O5, O3 and O1 have left; O8 enters on its own date.
    assert on(rows, D(2018, 6, 16)) == [
        ("C", "Claire", "Gute", "Consumer", "United States", 2, 4, 6, 8, D(2018, 6, 16))
    ]
    assert on(rows, D(2018, 6, 14)) == [
        ("C", "Claire", "Gute", "Consumer", "United States", 2, 4, 6, 6, D(2018, 6, 14))
    ]
    assert len(rows) == (D(2018, 6, 16) - D(2017, 6, 14)).days + 1


def test_snapshot_month_end_clamp(spark):
    lines = silver_frame(spark, [line("C", "O1", D(2018, 2, 27)), line("C", "O2", D(2018, 2, 28))])
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2018, 2, 27), D(2018, 8, 31)))
    windows = {row[-1]: row[5:8] for row in rows}

    assert windows[D(2018, 3, 27)] == (2, 2, 2)  # 1m starts 2018-02-27
    assert windows[D(2018, 3, 28)] == (1, 2, 2)  # 1m starts 2018-02-28
    assert windows[D(2018, 3, 31)] == (1, 2, 2)  # add_months(2018-03-31, -1) = 2018-02-28
    assert windows[D(2018, 4, 1)] == (0, 2, 2)  # 1m starts 2018-03-01
    assert windows[D(2018, 8, 27)] == (0, 2, 2)  # 6m starts 2018-02-27
    assert windows[D(2018, 8, 28)] == (0, 1, 2)  # 6m starts 2018-02-28
    assert windows[D(2018, 8, 31)] == (0, 1, 2)  # add_months(2018-08-31, -6) = 2018-02-28


def test_snapshot_leap_day_as_of_date(spark):
    lines = silver_frame(
        spark,
        [line("C", "O1", D(2015, 2, 27)), line("C", "O2", D(2015, 2, 28)),
         line("C", "O3", D(2016, 1, 28)), line("C", "O4", D(2016, 1, 29))],
    )  # fmt: skip
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2015, 2, 27), D(2016, 2, 29)))
    # D = 2016-02-29: 1m starts 2016-01-29, 6m 2015-08-29, 12m 2015-02-28.
    assert on(rows, D(2016, 2, 29)) == [
        ("C", "Claire", "Gute", "Consumer", "United States", 1, 2, 3, 4, D(2016, 2, 29))
    ]


def test_snapshot_leap_day_order_seen_a_year_later(spark):
    lines = silver_frame(spark, [line("C", "O1", D(2016, 2, 29))])
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2016, 2, 29), D(2017, 3, 1)))
    windows = {row[-1]: row[5:9] for row in rows}
    assert windows[D(2016, 3, 29)] == (1, 1, 1, 1)  # add_months(2016-03-29, -1) = 2016-02-29
    assert windows[D(2016, 3, 31)] == (1, 1, 1, 1)
    assert windows[D(2016, 4, 1)] == (0, 1, 1, 1)
    assert windows[D(2016, 8, 31)] == (0, 1, 1, 1)
    assert windows[D(2016, 9, 1)] == (0, 0, 1, 1)
    assert windows[D(2017, 2, 28)] == (0, 0, 1, 1)  # add_months(2017-02-28, -12) = 2016-02-28
    assert windows[D(2017, 3, 1)] == (0, 0, 0, 1)


def test_snapshot_counts_distinct_orders_not_lines(spark):
    lines = silver_frame(
        spark,
        [line("C", "O1", D(2018, 1, 1)), line("C", "O1", D(2018, 1, 1)), line("C", "O1", D(2018, 1, 1)),
         line("C", "O2", D(2018, 1, 1)), line("C", "O3", D(2018, 1, 2)), line("C", "O3", D(2018, 1, 2))],
    )  # fmt: skip
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2018, 1, 1), D(2018, 1, 2)))
    assert [row[5:] for row in rows] == [(2, 2, 2, 2, D(2018, 1, 1)), (3, 3, 3, 3, D(2018, 1, 2))]


def test_snapshot_name_splitting(spark):
    lines = silver_frame(
        spark,
        [line("A", "O1", D(2018, 1, 1), name="Cher"), line("B", "O2", D(2018, 1, 1), name="  Mary  Ann Smith "),
         line("C", "O3", D(2018, 1, 1), name=None)],
    )  # fmt: skip
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2018, 1, 1), D(2018, 1, 1)))
    assert [row[:3] for row in rows] == [("A", "Cher", None), ("B", "Mary", "Smith"), ("C", None, None)]


def test_snapshot_latest_attributes_by_date_then_greatest_row_id(spark):
    lines = silver_frame(
        spark,
        [
            line("C", "O1", D(2018, 1, 1), row_id=50, segment="Consumer", name="Ann Lee", country="US"),
            line("C", "O2", D(2018, 1, 3), row_id=9, segment="Corporate", name="Ann Lee-Park", country="CA"),
            line("C", "O2", D(2018, 1, 3), row_id=5, segment="Home Office", name="A L", country="MX"),
        ],
    )
    rows = snapshot_rows(to_customers_snapshot(lines, None, D(2018, 1, 1), D(2018, 1, 3)))
    assert [row[1:5] + row[-1:] for row in rows] == [
        ("Ann", "Lee", "Consumer", "US", D(2018, 1, 1)),
        ("Ann", "Lee", "Consumer", "US", D(2018, 1, 2)),
        ("Ann", "Lee-Park", "Corporate", "CA", D(2018, 1, 3)),  # later date wins although its row_id is smaller
    ]


def test_snapshot_continues_lifetime_and_attributes_from_previous(spark):
    previous = spark.createDataFrame(
        [
            ("P1", "Old", "Name", "Consumer", "United States", 9, 9, 9, 5, D(2018, 1, 9)),
            ("P2", "Only", "Previous", "Home Office", "Canada", 99, 99, 99, 3, D(2018, 1, 9)),
        ],
        PREVIOUS_SCHEMA,
    )
    lines = silver_frame(
        spark,
        [
            line("P1", "X1", D(2017, 12, 1), segment="Consumer"),  # lookback only: windows, not lifetime
            line("P1", "X2", D(2018, 1, 10), name="New Name", segment="Corporate"),
            line("P2", "Y1", D(2017, 12, 20), segment="Home Office", name="Only Previous", country="Canada"),
            line("P2", "Y2", D(2017, 3, 1), segment="Home Office", name="Only Previous", country="Canada"),
        ],
    )
    rows = snapshot_rows(to_customers_snapshot(lines, previous, D(2018, 1, 10), D(2018, 1, 10)))
    assert rows == [
        ("P1", "New", "Name", "Corporate", "United States", 1, 2, 2, 6, D(2018, 1, 10)),
        ("P2", "Only", "Previous", "Home Office", "Canada", 1, 1, 2, 3, D(2018, 1, 10)),
    ]


def test_snapshot_customer_appears_from_first_order_date(spark):
    previous = spark.createDataFrame(
        [("OLD", "Old", "Timer", "Consumer", "United States", 0, 0, 0, 1, D(2017, 12, 31))], PREVIOUS_SCHEMA
    )
    lines = silver_frame(spark, [line("NEW", "O1", D(2018, 1, 2))])
    rows = snapshot_rows(to_customers_snapshot(lines, previous, D(2018, 1, 1), D(2018, 1, 3)))
    assert [(row[0], row[-1]) for row in rows] == [
        ("OLD", D(2018, 1, 1)), ("NEW", D(2018, 1, 2)), ("OLD", D(2018, 1, 2)),
        ("NEW", D(2018, 1, 3)), ("OLD", D(2018, 1, 3)),
    ]  # fmt: skip


def test_snapshot_ignores_lines_after_end_and_before_lookback(spark):
    previous = spark.createDataFrame(
        [("C", "Claire", "Gute", "Consumer", "United States", 0, 0, 1, 4, D(2018, 6, 14))], PREVIOUS_SCHEMA
    )
    kept = [line("C", "O1", D(2017, 6, 15)), line("C", "O2", D(2018, 6, 15))]
    noise = [
        line("C", "OLD", D(2017, 6, 14), row_id=90, segment="Corporate"),  # one day before the 12m window
        line("C", "OLDER", D(2016, 1, 1), row_id=91, segment="Corporate"),
        line("C", "LATER", D(2018, 6, 16), row_id=92, segment="Corporate"),  # after end
        line("Z", "Z1", D(2018, 6, 16), row_id=93),  # a customer that only starts after end
    ]
    expected = [("C", "Claire", "Gute", "Consumer", "United States", 1, 1, 2, 5, D(2018, 6, 15))]
    for specs in (kept, kept + noise):
        lines = silver_frame(spark, specs)
        assert snapshot_rows(to_customers_snapshot(lines, previous, D(2018, 6, 15), D(2018, 6, 15))) == expected


def _chain_dataset(spark):
    """Lines around three consecutive as-of dates, with ties, attribute changes and lookback boundaries."""
    previous = spark.createDataFrame(
        [
            ("A", "Ann", "Lee", "Consumer", "United States", 1, 2, 3, 7, D(2018, 3, 29)),
            ("B", "Bob", None, "Corporate", "Canada", 0, 0, 1, 2, D(2018, 3, 29)),
        ],
        PREVIOUS_SCHEMA,
    )
    specs = [
        line("A", "A1", D(2018, 2, 28), name="Ann Lee"),  # 1m window end: in until 2018-03-31
        line("A", "A2", D(2017, 3, 30), name="Ann Lee"),  # 12m window end: 2018-03-30
        line("A", "A3", D(2017, 10, 31), name="Ann Lee"),  # 6m: counted through 2018-04-30
        line("A", "A4", D(2018, 3, 31), row_id=40, segment="Corporate", name="Ann Lee Park"),
        line("A", "A4", D(2018, 3, 31), row_id=41, segment="Home Office", name="Ann Park"),
        line("B", "B1", D(2017, 3, 31), name="Bob"),  # 12m window end: 2018-03-31
        line("B", "B2", D(2018, 3, 30), name="Bob  Stone", country="Canada", segment="Consumer"),
        line("N", "N1", D(2018, 3, 31), name="Nia Roy"),
        line("N", "N2", D(2018, 3, 31), name="Nia Roy"),
    ]
    return silver_frame(spark, specs), previous


def test_snapshot_multi_day_range_equals_chained_daily_runs(spark):
    lines, previous = _chain_dataset(spark)
    days = [D(2018, 3, 30), D(2018, 3, 31), D(2018, 4, 1)]

    ranged = snapshot_rows(to_customers_snapshot(lines, previous, days[0], days[-1]))
    chained, prior = [], previous
    for day in days:
        daily = to_customers_snapshot(lines, prior, day, day)
        chained.extend(snapshot_rows(daily))
        prior = spark.createDataFrame(snapshot_rows(daily), PREVIOUS_SCHEMA)  # as the IO manager would reload it

    assert ranged == sorted(chained, key=lambda row: (row[-1], row[0]))
    assert ranged == [
        ("A", "Ann", "Lee", "Consumer", "United States", 1, 2, 3, 7, D(2018, 3, 30)),
        ("B", "Bob", "Stone", "Consumer", "Canada", 1, 1, 2, 3, D(2018, 3, 30)),
        ("A", "Ann", "Park", "Home Office", "United States", 2, 3, 3, 8, D(2018, 3, 31)),
        ("B", "Bob", "Stone", "Consumer", "Canada", 1, 1, 2, 3, D(2018, 3, 31)),
        ("N", "Nia", "Roy", "Consumer", "United States", 2, 2, 2, 2, D(2018, 3, 31)),
        ("A", "Ann", "Park", "Home Office", "United States", 1, 3, 3, 8, D(2018, 4, 1)),
        ("B", "Bob", "Stone", "Consumer", "Canada", 1, 1, 1, 3, D(2018, 4, 1)),
        ("N", "Nia", "Roy", "Consumer", "United States", 2, 2, 2, 2, D(2018, 4, 1)),
    ]


def test_snapshot_empty_lines_without_previous_gives_empty_frame_with_exact_columns(spark):
    lines = spark.createDataFrame([], SILVER_SCHEMA)
    snapshot = to_customers_snapshot(lines, None, D(2015, 1, 1), D(2015, 1, 3))
    assert snapshot.columns == SNAPSHOT_COLUMNS
    assert [(field.name, field.dataType.simpleString()) for field in snapshot.schema.fields] == [
        ("customer_id", "string"), ("first_name", "string"), ("last_name", "string"), ("segment", "string"),
        ("country", "string"), ("orders_last_1m", "bigint"), ("orders_last_6m", "bigint"),
        ("orders_last_12m", "bigint"), ("orders_lifetime", "bigint"), ("as_of_date", "date"),
    ]  # fmt: skip
    assert snapshot.count() == 0


def test_snapshot_rejects_inverted_range(spark):
    with pytest.raises(ValueError, match="after end"):
        to_customers_snapshot(spark.createDataFrame([], SILVER_SCHEMA), None, D(2018, 1, 2), D(2018, 1, 1))


# A brute-force model of the spec, to cross-check the sweep on month ends and leap years.


def _add_months(day, months):
    """Spark's add_months: move the month, clamp the day to the target month's last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return D(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _brute_force(specs, start, end):
    """Recount every (customer, as-of date) from scratch, straight from the spec's wording."""
    rows = []
    day = start
    while day <= end:
        for customer in sorted({spec["customer_id"] for spec in specs}):
            seen = [(position, spec) for position, spec in enumerate(specs, start=1)
                    if spec["customer_id"] == customer and spec["order_date"] <= day]  # fmt: skip
            if not seen:
                continue
            counts = [
                len({spec["order_id"] for _, spec in seen if spec["order_date"] >= _add_months(day, -months)})
                for months in (1, 6, 12)
            ]
            latest = max(seen, key=lambda item: (item[1]["order_date"], item[1]["row_id"] or item[0]))[1]
            tokens = latest["customer_name"].split()
            rows.append((customer, tokens[0], tokens[-1] if len(tokens) > 1 else None, latest["segment"],
                         latest["country"], *counts, len({spec["order_id"] for _, spec in seen}), day))  # fmt: skip
        day += datetime.timedelta(days=1)
    return sorted(rows, key=lambda row: (row[-1], row[0]))


def _random_specs():
    """Orders on month ends, leap days and random days for a few customers (fixed seed)."""
    rng = random.Random(2811)
    special = [
        D(2015, 12, 31), D(2016, 1, 29), D(2016, 1, 30), D(2016, 1, 31), D(2016, 2, 28), D(2016, 2, 29),
        D(2016, 3, 1), D(2016, 3, 30), D(2016, 3, 31), D(2016, 4, 30), D(2016, 5, 31), D(2016, 8, 29),
        D(2016, 8, 31), D(2016, 9, 30), D(2016, 11, 30), D(2016, 12, 31), D(2017, 1, 31), D(2017, 2, 28),
    ]  # fmt: skip
    days = special + [D(2016, 1, 1) + datetime.timedelta(days=rng.randrange(400)) for _ in range(20)]
    specs = []
    for number, day in enumerate(days):
        customer = rng.choice(["C1", "C2", "C3"])
        segment = rng.choice(["Consumer", "Corporate", "Home Office"])
        name = rng.choice(["Cher", "Ann Lee", "Mary Ann Smith"])
        for _ in range(rng.randint(1, 3)):  # several lines of one order
            specs.append(line(customer, f"O{number}", day, segment=segment, name=name))
    return specs


def test_snapshot_matches_brute_force_over_month_ends_and_leap_year(spark):
    specs = _random_specs()
    start, end = D(2015, 12, 31), D(2017, 3, 31)
    actual = snapshot_rows(to_customers_snapshot(silver_frame(spark, specs), None, start, end))
    assert actual == _brute_force(specs, start, end)


def test_snapshot_incremental_run_matches_full_history(spark):
    specs = _random_specs()
    lines = silver_frame(spark, specs)
    start, end = D(2016, 12, 30), D(2017, 2, 28)
    full = _brute_force(specs, D(2015, 12, 31), end)
    previous = spark.createDataFrame(on(full, start - datetime.timedelta(days=1)), PREVIOUS_SCHEMA)
    actual = snapshot_rows(to_customers_snapshot(lines, previous, start, end))
    assert actual == [row for row in full if row[-1] >= start]
