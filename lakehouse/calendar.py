"""Calendar pieces every domain's date dimension shares: the days of a range, the yyyymmdd key, the ISO weekday."""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F


def days(spark: SparkSession, first: date, last: date, column: str = "date") -> DataFrame:
    """One row per day of [first, last], every day (a full calendar, not only the days with data)."""
    return spark.createDataFrame([(first + timedelta(days=i),) for i in range((last - first).days + 1)], f"{column} date")


def date_key(day: Column) -> Column:
    """yyyymmdd as an int."""
    return F.date_format(day, "yyyyMMdd").cast("int")


def iso_weekday(day: Column) -> Column:
    """Monday = 1 .. Sunday = 7 (Spark's dayofweek counts from Sunday = 1)."""
    return (F.dayofweek(day) + 5) % 7 + 1
