"""The one as-of reader on a hand-made history: the state at the first, a middle and the last day,
validity derived on read, states on many days at once, and events joined to the version of their day."""

from datetime import date, datetime

from lakehouse.versioning.as_of import AS_OF, join_as_of, join_as_of_time, latest, states_at, timed_intervals, with_validity

D = [date(2024, 1, d) for d in range(1, 6)]
DDL = "id int, name string, valid_from_ts timestamp, version_in_day int, is_deleted boolean, valid_from date"
T = datetime(2024, 1, 3, 10)
HISTORY = [
    (1, "a", None, 0, False, D[0]),
    (1, "b", T, 0, False, D[2]),
    (1, "c", T.replace(hour=15), 1, False, D[2]),  # the second change of Jan 3 stands for that day
    (2, "x", None, 0, False, D[0]),
    (2, "x", None, 0, True, D[1]),  # deleted on Jan 2
    (3, "y", None, 0, False, D[1]),
    (3, "y", None, 0, True, D[3]),  # deleted on Jan 4 ...
    (3, "z", None, 0, False, D[4]),  # ... and re-created on Jan 5
]


def history(spark):
    return spark.createDataFrame(HISTORY, DDL)


def names(frame) -> list[tuple]:
    return sorted((r["id"], r["name"]) for r in frame.collect())


def test_latest_on_first_middle_and_last_day(spark):
    h = history(spark)
    assert names(latest(h, ["id"], D[0])) == [(1, "a"), (2, "x")]
    assert names(latest(h, ["id"], D[2])) == [(1, "c"), (3, "y")]
    assert names(latest(h, ["id"], D[3])) == [(1, "c")]
    assert names(latest(h, ["id"], D[4])) == [(1, "c"), (3, "z")]
    assert names(latest(h, ["id"])) == [(1, "c"), (3, "z")]
    assert latest(h, ["id"], date(2023, 12, 31)).count() == 0


def test_validity_is_derived_on_read(spark):
    rows = with_validity(history(spark), ["id"]).collect()
    derived = sorted((r["id"], r["name"], r["valid_from"], r["valid_to"], r["valid_to_ts"], r["is_current"]) for r in rows)
    assert derived == [
        (1, "a", D[0], D[2], T, False),
        (1, "b", D[2], D[2], T.replace(hour=15), False),
        (1, "c", D[2], None, None, True),
        (2, "x", D[0], D[1], None, False),
        (2, "x", D[1], None, None, False),  # a deletion is never current
        (3, "y", D[1], D[3], None, False),
        (3, "y", D[3], D[4], None, False),
        (3, "z", D[4], None, None, True),
    ]


def test_states_at_many_days(spark):
    days = spark.createDataFrame([(d,) for d in D], f"{AS_OF} date")
    found = sorted((r[AS_OF].day, r["id"], r["name"]) for r in states_at(history(spark), ["id"], days).collect())
    assert found == [
        (1, 1, "a"), (1, 2, "x"), (2, 1, "a"), (2, 3, "y"), (3, 1, "c"), (3, 3, "y"),
        (4, 1, "c"), (5, 1, "c"), (5, 3, "z"),
    ]  # fmt: skip


def test_join_as_of_takes_each_event_days_version(spark):
    events = spark.createDataFrame(
        [(10, 1, date(2023, 12, 31)), (11, 1, D[1]), (12, 1, D[2]), (13, 2, D[1]), (14, 3, D[3]), (15, 3, D[4]), (16, 9, D[0])],
        "event int, id int, day date",
    )
    joined = join_as_of(events, "day", history(spark), ["id"], [("id", "id")], ["name"])
    assert joined.columns == ["event", "id", "day", "name"]
    assert sorted((r["event"], r["name"]) for r in joined.collect()) == [
        (10, None), (11, "a"), (12, "c"), (13, None), (14, None), (15, "z"), (16, None),
    ]


# Versions with change timestamps (timestamp strategy): a price of key 1 changing on Jan 3 at 15:00.
TIMED_DDL = "id int, price int, valid_from_ts timestamp, version_in_day int, is_deleted boolean, valid_from date"
TIMED = [
    (1, 10, datetime(2024, 1, 1, 0, 0, 0), 0, False, D[0]),
    (1, 12, datetime(2024, 1, 3, 15, 0, 0), 0, False, D[2]),
    (1, 13, datetime(2024, 1, 3, 23, 59, 59), 1, False, D[2]),
    (2, 20, datetime(2024, 1, 1, 9, 0, 0), 0, False, D[0]),
    (2, 20, None, 0, True, D[1]),  # deleted on Jan 2 (a deletion has no timestamp: from midnight)
    (2, 21, datetime(2024, 1, 2, 8, 0, 0), 1, False, D[1]),  # ... re-created at 08:00 the same day
    (3, 30, datetime(2023, 12, 20, 12, 0, 0), 0, False, D[3]),  # a late row seen on Jan 4: valid from then
    (4, 40, datetime(2024, 1, 2, 10, 0, 0), 0, False, D[1]),
    (4, 41, datetime(2024, 1, 2, 10, 0, 0), 1, False, D[1]),  # two versions at one instant: the last stands
]


def test_join_as_of_time_takes_the_version_valid_at_each_events_instant(spark):
    history = spark.createDataFrame(TIMED, TIMED_DDL)
    at = [
        (1, 1, datetime(2023, 12, 31, 23, 59, 59)),  # before the key existed
        (2, 1, datetime(2024, 1, 1, 0, 0, 0)),  # the creation instant itself (inclusive)
        (3, 1, datetime(2024, 1, 3, 10, 0, 0)),  # the change's day, before its time
        (4, 1, datetime(2024, 1, 3, 14, 59, 59)),
        (5, 1, datetime(2024, 1, 3, 15, 0, 0)),  # the change's instant
        (6, 1, datetime(2024, 1, 3, 23, 59, 59)),  # the day's last second: its second change
        (7, 1, datetime(2024, 1, 5, 0, 0, 0)),
        (8, 2, datetime(2024, 1, 2, 0, 0, 0)),  # deleted at midnight
        (9, 2, datetime(2024, 1, 2, 7, 59, 59)),
        (10, 2, datetime(2024, 1, 2, 8, 0, 0)),  # re-created
        (11, 3, datetime(2024, 1, 3, 23, 59, 59)),  # the late row is not valid before the day it was seen
        (12, 3, datetime(2024, 1, 4, 0, 0, 0)),
        (13, 4, datetime(2024, 1, 2, 10, 0, 0)),
        (14, 9, datetime(2024, 1, 2, 10, 0, 0)),  # no such key
    ]
    events = spark.createDataFrame(at, "event int, id int, ts timestamp")
    joined = join_as_of_time(events, "ts", history, ["id"], [("id", "id")], ["price"])
    assert joined.columns == ["event", "id", "ts", "price"]
    assert sorted((r["event"], r["price"]) for r in joined.collect()) == [
        (1, None), (2, 10), (3, 10), (4, 10), (5, 12), (6, 13), (7, 13), (8, None), (9, None),
        (10, 21), (11, None), (12, 30), (13, 41), (14, None),
    ]  # fmt: skip


def test_timed_intervals_derive_each_versions_instants(spark):
    rows = timed_intervals(spark.createDataFrame(TIMED, TIMED_DDL), ["id"]).collect()
    found = sorted((r["id"], r["price"], r["valid_from_ts"], r["valid_to_ts"]) for r in rows)
    assert found == [
        (1, 10, datetime(2024, 1, 1), datetime(2024, 1, 3, 15)),
        (1, 12, datetime(2024, 1, 3, 15), datetime(2024, 1, 3, 23, 59, 59)),
        (1, 13, datetime(2024, 1, 3, 23, 59, 59), None),
        (2, 20, datetime(2024, 1, 1, 9), datetime(2024, 1, 2)),
        (2, 21, datetime(2024, 1, 2, 8), None),
        (3, 30, datetime(2024, 1, 4), None),
        (4, 41, datetime(2024, 1, 2, 10), None),
    ]
