"""The reject mechanism on hand-made frames: every reason kept in order, survivors, lookups."""

from datetime import date

from pyspark import StorageLevel
from pyspark.sql import functions as F

from lakehouse.quality import rejects
from lakehouse.quality.rejects import (
    DUPLICATE_KEY,
    REASON,
    flag_found,
    missing,
    null_key_rules,
    record_json,
    released,
    split,
)

D1, D2 = date(2024, 1, 1), date(2024, 1, 2)
ROWS = "id int, name string, qty int, day date"


def test_split_keeps_every_reason_in_order_and_valid_rows_untouched(spark):
    frame = spark.createDataFrame(
        [(1, "a", 1, D1), (None, None, -1, D1), (3, None, 2, D2), (4, "d", None, D2)], ROWS
    )
    rules = [*null_key_rules(["id", "name"]), ("negative_qty", F.col("qty") < 0)]
    valid, rejected = split(frame, rules)
    assert sorted(tuple(r) for r in valid.drop(REASON).collect()) == [(1, "a", 1, D1), (4, "d", None, D2)]
    assert sorted(((r["id"], r[REASON]) for r in rejected.collect()), key=str) == [
        (3, "null_key:name"),
        (None, "null_key:id;null_key:name;negative_qty"),  # a null qty is no negative_qty
    ]
    assert valid.count() + rejected.count() == frame.count()


def test_split_keeps_one_survivor_per_key_and_group_valid_rows_first(spark):
    frame = spark.createDataFrame(
        [(1, "b", -5, D1), (1, "a", 2, D1), (1, "c", 3, D1), (1, "z", 1, D2), (None, "n", 1, D1), (None, "m", 1, D1)], ROWS
    )
    rules = [("negative_qty", F.col("qty") < 0)]
    valid, rejected = split(frame, rules, key=["id"], group=["day"], order=[F.col("name")])
    # Day 1: "a" survives (valid, first by name), "b" breaks a rule too, "c" is a repeat; day 2's
    # "z" is alone in its group. Null keys are never duplicates (null_key rules judge them).
    assert sorted(((r["id"], r["name"]) for r in valid.collect()), key=str) == [(1, "a"), (1, "z"), (None, "m"), (None, "n")]
    assert sorted((r["name"], r[REASON]) for r in rejected.collect()) == [
        ("b", f"negative_qty;{DUPLICATE_KEY}"), ("c", DUPLICATE_KEY),
    ]


def test_lookups_and_the_record_as_received(spark):
    frame = spark.createDataFrame([(1, "a", 1, D1), (2, "b", None, D2), (None, "c", 1, D1)], ROWS)
    known = spark.createDataFrame([(1, D1), (2, D1)], "id int, day date")
    flagged = flag_found(frame, "id", known, "id", same="day")  # 2 is known on another day only
    rows = flagged.select("name", missing("id").alias("unknown"), record_json(["id", "qty"]).alias("record"))
    assert sorted(tuple(r) for r in rows.collect()) == [
        ("a", False, '{"id":1,"qty":1}'), ("b", True, '{"id":2,"qty":null}'), ("c", False, '{"id":null,"qty":1}'),
    ]
    anywhere = flag_found(frame, "id", known, "id")
    assert sorted(r["name"] for r in anywhere.where(missing("id")).collect()) == []


def test_released_unpersists_only_the_judged_rows_its_block_cached(spark):
    frame = spark.createDataFrame([(1, "a", 1, D1), (1, "b", 2, D1)], ROWS)
    other = spark.createDataFrame([(9, "z", 9, D2)], ROWS).persist()  # e.g. another step's cache
    with released():
        valid, rejected = split(frame, [], key=["id"], order=[F.col("name")], persist=True)
        held = list(rejects._PERSISTED.get())
        assert [r["name"] for r in valid.collect()] == ["a"] and [r["name"] for r in rejected.collect()] == ["b"]
        assert [f.storageLevel for f in held] == [StorageLevel.DISK_ONLY]  # asked of Spark's cache manager
    assert [f.storageLevel for f in held] == [StorageLevel.NONE]  # the block's judged rows, released
    assert other.storageLevel == StorageLevel.MEMORY_AND_DISK_DESER  # not what someone else cached
    assert rejects._PERSISTED.get() is None  # outside any block, nothing is tracked
    other.unpersist()
