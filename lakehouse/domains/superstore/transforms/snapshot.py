"""Silver order lines -> gold customers: daily snapshots built incrementally from the previous one."""

import datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.domains.superstore.contracts.columns import clean_text

SNAPSHOT_COLUMNS: list[str] = [
    "customer_id", "first_name", "last_name", "segment", "country",
    "orders_last_1m", "orders_last_6m", "orders_last_12m", "orders_lifetime", "as_of_date",
]  # fmt: skip
WINDOW_MONTHS: tuple[int, ...] = (1, 6, 12)
COUNTS: list[str] = [f"orders_last_{months}m" for months in WINDOW_MONTHS] + ["orders_lifetime"]
ATTRIBUTES = "struct<priority:int,row_id:int,first_name:string,last_name:string,segment:string,country:string>"


def _last_day_counted(order_date: Column, months: int) -> Column:
    """Last as-of date D whose window [add_months(D, -months), D] still contains order_date."""
    # add_months clamps to month end, so every D in the target month maps back onto a
    # month-end order date, while other dates stop exactly `months` later.
    shifted = F.add_months(order_date, months)
    return F.when(order_date == F.last_day(order_date), F.last_day(shifted)).otherwise(shifted)


def _attributes(
    priority: int, row_id: Column, first: Column, last: Column, segment: Column, country: Column
) -> Column:
    """Customer attributes ranked by (priority, row_id): lines of a day beat the previous snapshot."""
    return F.struct(
        F.lit(priority).alias("priority"), row_id.alias("row_id"), first.alias("first_name"),
        last.alias("last_name"), segment.alias("segment"), country.alias("country"),
    ).cast(ATTRIBUTES)  # fmt: skip


def _event(date: Column, deltas: dict[str, Column], attributes: Column | None = None) -> Column:
    """One change to a customer's running counts (and maybe attributes) effective from `date`."""
    zero = F.lit(0).cast("long")
    return F.struct(
        date.alias("as_of_date"),
        *[deltas.get(name, zero).cast("long").alias(name) for name in COUNTS],
        (attributes if attributes is not None else F.lit(None).cast(ATTRIBUTES)).alias("attributes"),
    )


def _line_events(lines: DataFrame, start: datetime.date, end: datetime.date) -> DataFrame:
    """Count deltas (+n when an order enters a window, -n the day after it leaves) and daily attributes."""
    in_lookback = F.col("order_date").between(F.add_months(F.lit(start), -max(WINDOW_MONTHS)), F.lit(end))
    days = (
        lines.filter(in_lookback & F.col("customer_id").isNotNull())
        .groupBy("customer_id", "order_date")
        .agg(
            F.countDistinct("order_id").alias("n"),
            # Ties on one date go to the greatest row_id, which leads the struct.
            F.max(F.struct("row_id", "customer_name", "segment", "country")).alias("latest"),
        )
    )
    tokens = F.split(clean_text("latest.customer_name"), r"\s+")
    last_name = F.when(F.size(tokens) >= 2, F.try_element_at(tokens, F.lit(-1)))
    day_attributes = _attributes(
        1, F.col("latest.row_id"), F.try_element_at(tokens, F.lit(1)), last_name,
        F.col("latest.segment"), F.col("latest.country"),
    )  # fmt: skip
    n, order_date, in_range = F.col("n"), F.col("order_date"), F.col("order_date") >= F.lit(start)
    # Orders before start are already in previous.orders_lifetime and previous attributes.
    entering = _event(
        order_date,
        {**{f"orders_last_{m}m": n for m in WINDOW_MONTHS}, "orders_lifetime": F.when(in_range, n).otherwise(0)},
        F.when(in_range, day_attributes),
    )
    leaving = [
        _event(F.date_add(_last_day_counted(order_date, m), 1), {f"orders_last_{m}m": -n}) for m in WINDOW_MONTHS
    ]
    return days.select("customer_id", F.inline(F.array(entering, *leaving)))


def _previous_events(previous: DataFrame, start: datetime.date) -> DataFrame:
    """The previous snapshot as a start-day event: its lifetime count and attributes carried forward."""
    attributes = _attributes(
        0, F.lit(None), F.col("first_name"), F.col("last_name"), F.col("segment"), F.col("country")
    )
    event = _event(F.lit(start), {"orders_lifetime": F.col("orders_lifetime")}, attributes)
    return previous.select("customer_id", F.inline(F.array(event)))


def to_customers_snapshot(
    lines: DataFrame, previous: DataFrame | None, start: datetime.date, end: datetime.date
) -> DataFrame:
    """Daily customer snapshots for every as-of date in [start, end]."""
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    events = _line_events(lines, start, end)
    if previous is not None:
        events = events.unionByName(_previous_events(previous, start))
    # Customers with an order in [start, end] or carried from previous; lookback-only ones have lifetime 0.
    customers = events.filter(F.col("orders_lifetime") > 0).select("customer_id").distinct()
    # Zero events on every (customer, day) so each as-of date gets a row to carry the running sums.
    days = F.sequence(F.lit(start), F.lit(end))
    grid = customers.select("customer_id", F.inline(F.transform(days, lambda day: _event(day, {}))))

    clamped = grid.unionByName(events).withColumn("as_of_date", F.greatest("as_of_date", F.lit(start)))
    per_day = (
        clamped.filter(F.col("as_of_date") <= F.lit(end))
        .groupBy("customer_id", "as_of_date")
        .agg(*[F.sum(name).alias(name) for name in COUNTS], F.max("attributes").alias("attributes"))
    )
    running = Window.partitionBy("customer_id").orderBy("as_of_date").rowsBetween(Window.unboundedPreceding, 0)
    snapshot = per_day.select(
        "customer_id",
        "as_of_date",
        *[F.sum(name).over(running).alias(name) for name in COUNTS],
        F.last("attributes", ignorenulls=True).over(running).alias("attributes"),
    )
    return snapshot.filter(F.col("orders_lifetime") > 0).select(
        "customer_id",
        *[F.col(f"attributes.{name}").alias(name) for name in ("first_name", "last_name", "segment", "country")],
        *COUNTS,
        "as_of_date",
    )
