"""The shop spec's formulas (specs/shop.md, gold): tiers and statuses at their exact boundaries, and
order amounts allocated to items so that they sum back to the order's, to the cent."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

CENT = 2  # decimal places of money


def margin_percent(price: Column, cost: Column) -> Column:
    """round((price - cost) / price * 100, 2); null for a zero price (no margin to speak of)."""
    return F.when(price != 0, F.round((price - cost) / price * 100, CENT))


def price_tier(price: Column) -> Column:
    """premium from 500, mid_range from 100, budget from 25, else economy."""
    return (
        F.when(price >= 500, "premium").when(price >= 100, "mid_range").when(price >= 25, "budget").otherwise("economy")
    )


def stock_status(stock: Column) -> Column:
    """out_of_stock at 0, low_stock below 10, normal below 50, else well_stocked."""
    return (
        F.when(stock <= 0, "out_of_stock").when(stock < 10, "low_stock").when(stock < 50, "normal").otherwise("well_stocked")
    )


def value_tier(total_spend: Column) -> Column:
    """platinum from 1000, gold from 500, silver from 100, else bronze."""
    return (
        F.when(total_spend >= 1000, "platinum").when(total_spend >= 500, "gold").when(total_spend >= 100, "silver")
        .otherwise("bronze")
    )  # fmt: skip


def customer_status(last_order_date: Column, as_of: Column) -> Column:
    """churned when the last order is more than 365 days before the day, at_risk more than 90, else active."""
    days = F.datediff(as_of, last_order_date)
    return F.when(days > 365, "churned").when(days > 90, "at_risk").otherwise("active")


def allocate(
    items: DataFrame, order: str, item: str, weight: str, amounts: dict[str, str]
) -> DataFrame:
    """`items` plus, per order amount column `a` in `amounts`, `amounts[a]` = a * weight / the order's weights, rounded to the cent.

    The rounding remainder (the order's amount minus its items' rounded shares, a few cents either
    way) goes to the order's item with the largest weight (ties: the smallest `item`), so an order's
    allocations always sum back to its amount exactly. An order whose weights sum to zero shares
    its amounts equally.
    """
    per_order = Window.partitionBy(order)
    total = F.sum(weight).over(per_order)
    count = F.count(F.lit(1)).over(per_order)
    share = F.when(total != 0, F.col(weight) / total).otherwise(F.lit(1) / count)
    first = F.row_number().over(Window.partitionBy(order).orderBy(F.col(weight).desc(), F.col(item)))
    framed = items.withColumn("_alloc_first", first == 1)
    for amount, name in amounts.items():
        rounded = F.round(F.col(amount) * share, CENT)
        framed = framed.withColumn(name, rounded)
        remainder = F.col(amount) - F.sum(name).over(per_order)
        framed = framed.withColumn(name, F.when(F.col("_alloc_first"), F.col(name) + remainder).otherwise(F.col(name)))
        framed = framed.withColumn(name, F.col(name).cast(f"decimal(12,{CENT})"))
    return framed.drop("_alloc_first")
