"""The versioning mechanism on hand-made frames: new, changed, unchanged, deleted and re-created keys,
two changes in one day, the same timestamp twice, out-of-order arrival; a range run equals one run
per day, and re-running a day gives the same versions."""

from datetime import date, datetime, timedelta

import pytest
from pyspark.sql import functions as F

from lakehouse.versioning import Versioned
from lakehouse.versioning.as_of import AS_OF, latest
from lakehouse.versioning.track import by_comparison, by_timestamp

USERS = Versioned(key=("id",), columns=("id", "name", "created_ts", "updated_ts"), changed_at="updated_ts", created_at="created_ts")
PAIRS = Versioned(key=("a", "b"), columns=("a", "b"))
USER_DDL = "id int, name string, created_ts timestamp, updated_ts timestamp"
D = [date(2024, 1, d) for d in range(1, 6)]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def users(spark, rows):
    return spark.createDataFrame([(i, n, ts(c), ts(u) if u else None) for i, n, c, u in rows], USER_DDL)


def versions(frame) -> list[tuple]:
    """(id..., name?, valid_from, valid_from_ts, version_in_day, is_deleted), sorted."""
    version = ["valid_from", "valid_from_ts", "version_in_day", "is_deleted"]
    names = [c for c in frame.columns if c not in ("created_ts", "updated_ts", *version)] + version
    return sorted((tuple(r[c] for c in names) for r in frame.collect()), key=repr)


SOURCE = [
    (1, "a", "2023-12-01 00:00:00", "2023-12-01 00:00:00"),
    (1, "b", "2023-12-01 00:00:00", "2024-01-03 10:00:00"),  # two changes on Jan 3
    (1, "c", "2023-12-01 00:00:00", "2024-01-03 15:00:00"),
    (1, "d", "2023-12-01 00:00:00", "2024-01-05 23:59:59"),  # the last second of the range
    (2, "x", "2023-06-01 00:00:00", None),  # never updated: its creation is its change time
    (2, "x", "2023-06-01 00:00:00", None),  # re-sent identical row: no new version
    (3, "new", "2024-01-02 00:00:00", "2024-01-02 00:00:00"),  # created at midnight of Jan 2
    (5, "o", "2023-01-01 00:00:00", "2023-01-01 00:00:00"),
    (5, "q", "2023-01-01 00:00:00", "2024-01-04 12:00:00"),  # the same timestamp twice
    (5, "p", "2023-01-01 00:00:00", "2024-01-04 12:00:00"),
    (6, "again", "2024-01-04 08:00:00", "2024-01-04 08:00:00"),  # re-created (was in the old state)
    (7, "later", "2024-01-09 00:00:00", "2024-01-09 00:00:00"),  # after the range: not yet
]
# The state before Jan 1: 4 and 6 exist there, and are gone from the source.
PREVIOUS = [
    (4, "gone", "2023-02-01 00:00:00", None),
    (6, "old", "2023-02-01 00:00:00", None),
]

EXPECTED = [
    (1, "a", D[0], ts("2023-12-01 00:00:00"), 0, False),
    (1, "b", D[2], ts("2024-01-03 10:00:00"), 0, False),
    (1, "c", D[2], ts("2024-01-03 15:00:00"), 1, False),
    (1, "d", D[4], ts("2024-01-05 23:59:59"), 0, False),
    (2, "x", D[0], ts("2023-06-01 00:00:00"), 0, False),
    (3, "new", D[1], ts("2024-01-02 00:00:00"), 0, False),
    (4, "gone", D[0], None, 0, True),
    (5, "o", D[0], ts("2023-01-01 00:00:00"), 0, False),
    (5, "p", D[3], ts("2024-01-04 12:00:00"), 0, False),
    (5, "q", D[3], ts("2024-01-04 12:00:00"), 1, False),
    (6, "again", D[3], ts("2024-01-04 08:00:00"), 0, False),
    (6, "old", D[0], None, 0, True),
]


def previous_state(spark):
    rows = [(i, n, ts(c), None, ts(c), 0, False, date(2023, 12, 31)) for i, n, c, _ in PREVIOUS]
    return spark.createDataFrame(rows, f"{USER_DDL}, valid_from_ts timestamp, version_in_day int, is_deleted boolean, valid_from date")


def stored(spark, frame):
    """The frame as stored rows (as the IO manager would hand them back), without its plan."""
    return spark.createDataFrame(frame.collect(), frame.schema)


def one_day_at_a_time(spark, run, source, previous, days):
    """Versions of `days` run one by one, each day's state taken from the versions before it."""
    history = previous
    for day in days:
        state = latest(history, ("id",)) if history is not None else None
        found = stored(spark, run(source, state, day))
        history = found if history is None else history.unionByName(found)
    return history.where(F.col("valid_from") >= F.lit(days[0]))


def test_by_timestamp_range_run(spark):
    found = by_timestamp(users(spark, SOURCE), previous_state(spark), USERS, D[0], D[-1])
    assert found.columns == [*USERS.columns, "valid_from_ts", "version_in_day", "is_deleted", "valid_from"]
    assert versions(found) == EXPECTED


def test_by_timestamp_range_equals_single_days_and_reruns_are_identical(spark):
    source = users(spark, SOURCE)
    daily = one_day_at_a_time(
        spark, lambda s, state, day: by_timestamp(s, state, USERS, day, day), source, previous_state(spark), D
    )
    assert versions(daily) == EXPECTED
    # Re-running Jan 3 from the state of Jan 2 gives the same versions again.
    upto_jan2 = previous_state(spark).unionByName(by_timestamp(source, previous_state(spark), USERS, D[0], D[1]))
    again = by_timestamp(source, latest(upto_jan2, ("id",)), USERS, D[2], D[2])
    assert versions(again) == [v for v in EXPECTED if v[2] == D[2]]
    assert sorted(again.collect()) == sorted(by_timestamp(source, latest(upto_jan2, ("id",)), USERS, D[2], D[2]).collect())


def test_by_timestamp_first_load_without_previous_state(spark):
    found = by_timestamp(users(spark, SOURCE), None, USERS, D[0], D[0])
    assert versions(found) == [
        (1, "a", D[0], ts("2023-12-01 00:00:00"), 0, False),
        (2, "x", D[0], ts("2023-06-01 00:00:00"), 0, False),
        (5, "o", D[0], ts("2023-01-01 00:00:00"), 0, False),
    ]


def test_by_timestamp_out_of_order_arrival_lands_on_the_day_it_is_seen(spark):
    early = [row for row in SOURCE if row[0] == 1 and row[1] == "a"]
    history = by_timestamp(users(spark, early), None, USERS, D[0], D[2])  # Jan 3's changes not sent yet
    late = [row for row in SOURCE if row[0] == 1 and row[1] in ("a", "b", "c")]
    found = by_timestamp(users(spark, late), latest(history, ("id",)), USERS, D[3], D[3])
    # Only the newest of the late rows is the state entering Jan 4; it keeps its own timestamp.
    assert versions(found) == [(1, "c", D[3], ts("2024-01-03 15:00:00"), 0, False)]
    # A late row older than the current version changes nothing.
    older = [(1, "z", "2023-12-01 00:00:00", "2023-12-15 00:00:00"), *late]
    assert found.count() == 1
    assert by_timestamp(users(spark, older), latest(history.unionByName(found), ("id",)), USERS, D[4], D[4]).count() == 0


def pairs(spark, by_day: dict[date, list[tuple[int, int]]]):
    rows = [(a, b, day) for day, found in by_day.items() for a, b in found]
    return spark.createDataFrame(rows, f"a int, b int, {AS_OF} date")


def days_frame(spark, days):
    return spark.createDataFrame([(d,) for d in days], f"{AS_OF} date")


BRIDGE = {
    D[0]: [(1, 1), (1, 2), (2, 1)],
    D[1]: [(1, 1), (1, 2), (2, 1)],
    D[2]: [(1, 1), (2, 1)],  # (1, 2) dropped
    D[3]: [(1, 1), (1, 2), (2, 1), (3, 3)],  # (1, 2) re-created, (3, 3) new
    D[4]: [(3, 3)],  # every other pair gone
}
BRIDGE_VERSIONS = [
    (1, 1, D[0], None, 0, False), (1, 1, D[4], None, 0, True),
    (1, 2, D[0], None, 0, False), (1, 2, D[2], None, 0, True), (1, 2, D[3], None, 0, False), (1, 2, D[4], None, 0, True),
    (2, 1, D[0], None, 0, False), (2, 1, D[4], None, 0, True),
    (3, 3, D[3], None, 0, False),
]  # fmt: skip


def test_by_comparison_range_equals_single_days(spark):
    found = by_comparison(pairs(spark, BRIDGE), days_frame(spark, D), None, PAIRS)
    assert versions(found) == BRIDGE_VERSIONS
    history = None
    for day in D:
        state = None if history is None else latest(history, PAIRS.key)
        one = stored(spark, by_comparison(pairs(spark, {day: BRIDGE[day]}), days_frame(spark, [day]), state, PAIRS))
        history = one if history is None else history.unionByName(one)
    assert versions(history) == BRIDGE_VERSIONS


def test_by_comparison_empty_day_and_changed_values(spark):
    spec = Versioned(key=("id",), columns=("id", "price", "seen"), untracked=("seen",))
    frame = spark.createDataFrame(
        [(1, 10, "x", D[0]), (2, 5, "x", D[0]), (1, 10, "y", D[1]), (2, 6, "y", D[1])],
        f"id int, price int, seen string, {AS_OF} date",
    )
    found = by_comparison(frame, days_frame(spark, D[:3]), None, spec)
    # An untracked column changing alone makes no version; D[2] has no rows: everything is gone.
    assert versions(found) == [
        (1, 10, "x", D[0], None, 0, False), (1, 10, "y", D[2], None, 0, True),
        (2, 5, "x", D[0], None, 0, False), (2, 6, "y", D[1], None, 0, False), (2, 6, "y", D[2], None, 0, True),
    ]  # fmt: skip


def test_versioned_spec_rejects_unknown_columns():
    with pytest.raises(ValueError, match=r"\['nope'\]"):
        Versioned(key=("nope",), columns=("id",))
    with pytest.raises(ValueError, match="cannot be named"):
        Versioned(key=("id",), columns=("id", "valid_from"))
    assert USERS.tracked == ("name", "created_ts", "updated_ts") and USERS.by_timestamp and not PAIRS.by_timestamp
    assert date(2024, 1, 1) + timedelta(days=1) == D[1]


def test_by_timestamp_change_feed_never_deletes_and_re_sent_rows_add_nothing(spark):
    # Each day's export holds only the rows created or changed that day (a change feed).
    feed = {
        D[0]: [(1, "a", "2024-01-01 00:00:00", "2024-01-01 00:00:00"), (2, "x", "2024-01-01 09:00:00", None)],
        D[1]: [(1, "a", "2024-01-01 00:00:00", "2024-01-01 00:00:00")],  # re-sent: nothing new
        D[2]: [(1, "b", "2024-01-01 00:00:00", "2024-01-03 23:59:59")],  # 2 not sent: unchanged, not gone
        D[3]: [],
    }
    changes = lambda day: users(spark, feed[day])  # noqa: E731
    daily = one_day_at_a_time(
        spark, lambda s, state, day: by_timestamp(changes(day), state, USERS, day, day, complete=False), None, None, D[:4]
    )
    expected = [
        (1, "a", D[0], ts("2024-01-01 00:00:00"), 0, False),
        (1, "b", D[2], ts("2024-01-03 23:59:59"), 0, False),
        (2, "x", D[0], ts("2024-01-01 09:00:00"), 0, False),
    ]
    assert versions(daily) == expected
    whole = users(spark, [row for day in D[:4] for row in feed[day]])
    assert versions(by_timestamp(whole, None, USERS, D[0], D[3], complete=False)) == expected
    # The same feed read as a complete source deletes the key it lacks on Jan 2.
    assert (2, "x", D[1], None, 0, True) in versions(
        one_day_at_a_time(spark, lambda s, state, day: by_timestamp(changes(day), state, USERS, day, day), None, None, D[:2])
    )
