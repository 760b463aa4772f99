"""The shared periodic snapshot: the day before plus the day's events, on hand-made frames."""

from datetime import date
from decimal import Decimal

from lakehouse.snapshots import AS_OF_DATE, accumulate

D = [date(2024, 2, d) for d in range(26, 30)] + [date(2024, 3, 1)]  # a leap day inside: 02-26..03-01
MEASURES = {"orders": "sum", "spend": "sum", "first_day": "min", "last_day": "max"}
EVENTS_DDL = "customer string, day date, orders int, spend decimal(12,2), first_day date, last_day date"
SNAPSHOT_DDL = "customer string, orders long, spend decimal(22,2), first_day date, last_day date"


def _events(spark, rows):
    return spark.createDataFrame([(c, d, 1, s, d, d) for c, d, s in rows], EVENTS_DDL)


EVENTS = [
    ("a", D[1], "5.00"),
    ("b", D[1], "7.00"),
    ("b", D[1], "3.50"),  # two orders of one customer on one day
    ("b", D[3], "1.00"),  # the leap day
    ("c", D[4], "2.25"),  # first seen on the run's last day
]


def _rows(frame) -> list[tuple]:
    return sorted(
        (r[AS_OF_DATE].isoformat(), r["customer"], r["orders"], str(r["spend"]), r["first_day"].day, r["last_day"].day)
        for r in frame.collect()
    )


def _previous(spark):
    # As of D[0]: customer a with two orders from Feb 1 to Feb 20.
    return spark.createDataFrame([("a", 2, Decimal("10.00"), date(2024, 2, 1), date(2024, 2, 20))], SNAPSHOT_DDL)


def test_accumulate_runs_the_previous_snapshot_forward_day_by_day(spark):
    events = _events(spark, [(c, d, Decimal(s)) for c, d, s in EVENTS])
    built = accumulate(_previous(spark), events, ["customer"], "day", MEASURES, D[1], D[4])
    assert built.columns == ["customer", AS_OF_DATE, "orders", "spend", "first_day", "last_day"]
    assert _rows(built) == [
        ("2024-02-27", "a", 3, "15.00", 1, 27),
        ("2024-02-27", "b", 2, "10.50", 27, 27),
        ("2024-02-28", "a", 3, "15.00", 1, 27),  # a day without events keeps every entity
        ("2024-02-28", "b", 2, "10.50", 27, 27),
        ("2024-02-29", "a", 3, "15.00", 1, 27),
        ("2024-02-29", "b", 3, "11.50", 27, 29),
        ("2024-03-01", "a", 3, "15.00", 1, 27),
        ("2024-03-01", "b", 3, "11.50", 27, 29),
        ("2024-03-01", "c", 1, "2.25", 1, 1),
    ]


def test_a_range_run_equals_one_run_per_day_and_the_first_day_needs_no_previous(spark):
    events = _events(spark, [(c, d, Decimal(s)) for c, d, s in EVENTS])
    ranged = _rows(accumulate(None, events, ["customer"], "day", MEASURES, D[0], D[4]))
    daily, previous = [], None
    for day in D:
        built = accumulate(previous, events.where(events.day == day), ["customer"], "day", MEASURES, day, day)
        daily += _rows(built)
        previous = built.drop(AS_OF_DATE)
    assert ranged == sorted(daily)
    assert [r for r in ranged if r[0] == "2024-02-26"] == []  # nobody before their first event
    assert len(ranged) == 9  # a and b from Feb 27 on, c on Mar 1
