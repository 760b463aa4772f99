"""Source header, snake_case naming and the column cleaners shared by every superstore layer."""

import re

from pyspark.sql import Column
from pyspark.sql import functions as F

SOURCE_HEADER: list[str] = [
    "Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer ID",
    "Customer Name", "Segment", "Country", "City", "State", "Postal Code", "Region",
    "Product ID", "Category", "Sub-Category", "Product Name", "Sales",
]  # fmt: skip


def snake_case(name: str) -> str:
    """Lowercase a header name and collapse runs of non-alphanumerics into single underscores."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def snake_case_col(name: Column) -> Column:
    """Column twin of `snake_case`, for header names that travel inside the data."""
    underscored = F.regexp_replace(F.lower(name), r"[^a-z0-9]+", "_")
    return F.regexp_replace(underscored, r"^_+|_+$", "")


BUSINESS_COLUMNS: list[str] = [snake_case(name) for name in SOURCE_HEADER]

# Kaggle writes dd/MM/yyyy; single-digit day/month parse too, two-digit years do not.
DATE_PATTERN = "d/M/yyyy"


def clean_text(column: Column | str) -> Column:
    """Trim all surrounding whitespace (tabs and CR too, not only spaces); blank becomes null."""
    trimmed = F.regexp_replace(F.col(column) if isinstance(column, str) else column, r"^\s+|\s+$", "")
    return F.when(trimmed != "", trimmed)


def parse_date(column: Column | str) -> Column:
    """Parse a d/M/yyyy string to a date; anything unparseable (ANSI-safe) becomes null."""
    return F.try_to_date(clean_text(column), DATE_PATTERN)
