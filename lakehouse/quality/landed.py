"""Reading landed text fields the same way in every domain: trimmed text or null, ISO timestamps, empty keys."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F

from lakehouse.quality.rejects import Rule


def trimmed(column: str | Column) -> Column:
    """The trimmed text, null when empty (an empty field is no value)."""
    return F.when(F.trim(column) != "", F.trim(column))


def text_timestamp(column: str | Column) -> Column:
    """An ISO timestamp text (`T` or space, optional `Z` or offset) as a UTC timestamp; null when empty or not a time."""
    return trimmed(column).try_cast("timestamp")


def empty_key_rules(columns: Sequence[str]) -> list[Rule]:
    """`empty_key:<col>` for each column whose trimmed text is empty or null, in the order given."""
    return [(f"empty_key:{name}", trimmed(name).isNull()) for name in columns]
