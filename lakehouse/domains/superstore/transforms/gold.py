"""Silver order lines -> gold sales: one row per order and order date."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

GOLD_SALES_COLUMNS: list[str] = [
    "order_id", "order_date", "shipment_date", "shipment_mode", "city", "customer_id",
]  # fmt: skip


def to_gold_sales(silver: DataFrame) -> DataFrame:
    """One row per order and order date: the order's line with the smallest row_id."""
    # min() of a struct compares field by field, so row_id decides and the rest only break exact ties.
    first_line = F.min(F.struct("row_id", "ship_date", "ship_mode", "city", "customer_id")).alias("line")
    return silver.groupBy("order_id", "order_date").agg(first_line).select(
        "order_id",
        "order_date",
        F.col("line.ship_date").alias("shipment_date"),
        F.col("line.ship_mode").alias("shipment_mode"),
        F.col("line.city").alias("city"),
        F.col("line.customer_id").alias("customer_id"),
    )
