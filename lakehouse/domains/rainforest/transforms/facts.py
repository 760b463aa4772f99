"""Bronze events -> silver facts (pure: DataFrames in, DataFrames out).

Inputs are bronze frames (upstream columns, `_extracted_at`, `partition_date`): orders, orderitem
and clickstream land in the day of their event time; `product` is bronze product's history
(versions, see `lakehouse.versioning`), looked up as of each item's day. A frame may hold many
days (a range run).

Rules, in this order (several failures give one reject row, reasons ';'-joined):
  1. `null_key:<col>`: orders order_id, buyer_id; orderitem order_item_id, order_id, product_id,
     seller_id; clickstream event_id, user_id, event_type;
  2. orderitem: `unknown_order` (order_id is not a valid order of the same input, any day),
     `unknown_product` (product_id is not in bronze product's state as of the item's day);
     clickstream: `unknown_event_type` (not one of upstream.EVENT_TYPES);
     a reference rule only judges a non-null column (a null one is already `null_key`);
  3. `duplicate_key`: rows sharing a key anywhere in the input keep one survivor: a row passing
     the other rules first, then the earliest day, then the smallest by all upstream columns.
     Keys are unique across the whole input, so an item's lookup of its order is one-to-one.

Accounting, per table: bronze rows = fact rows + that table's reject rows (over the input, and per
`partition_date` too for orders and clickstream, whose fact date is the row's own day; an item's
`order_date` is its order's day, which the app makes its own day too).
"""

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.domains.rainforest.contracts.columns import (
    EVENT_DATE,
    FACT_CLICKSTREAM,
    FACT_ORDER_ITEMS,
    FACT_ORDERS,
    ORDER_DATE,
    PARTITION,
)
from lakehouse.domains.rainforest.transforms.rejects import split
from lakehouse.quality.rejects import flag_found, flag_found_as_of, missing, null_key_rules
from lakehouse.domains.rainforest.contracts.upstream import EVENT_TYPES, TABLES

REJECTS = ["table", "reason", "record", PARTITION]
REVENUE = "decimal(18,2)"


def _split(frame: DataFrame, name: str, rules) -> tuple[DataFrame, DataFrame]:
    table = TABLES[name]
    return split(frame, table, rules, table.key, by_day=False, date_column=PARTITION)


def build_facts(
    orders: DataFrame, orderitem: DataFrame, clickstream: DataFrame, product: DataFrame
) -> dict[str, DataFrame]:
    """The silver facts and their rejects from bronze orders, orderitem, clickstream and product.

    Keys: fact_orders, fact_order_items (with revenue = quantity * base_price as decimal(18,2),
    tax excluded, and its order's order_date), fact_clickstream (columns from `columns.py`) and
    rejects (`table, reason, record, partition_date`). See the module docstring for the rules.
    """
    valid_orders, order_rejects = _split(orders, "orders", null_key_rules(["order_id", "buyer_id"]))

    flagged = flag_found(orderitem, "order_id", valid_orders, "order_id")
    flagged = flag_found_as_of(flagged, "product_id", product, "product_id", PARTITION)
    rules = [
        *null_key_rules(["order_item_id", "order_id", "product_id", "seller_id"]),
        ("unknown_order", missing("order_id")),
        ("unknown_product", missing("product_id")),
    ]
    valid_items, item_rejects = _split(flagged, "orderitem", rules)

    rules = [
        *null_key_rules(["event_id", "user_id", "event_type"]),
        ("unknown_event_type", F.col("event_type").isNotNull() & ~F.col("event_type").isin(*EVENT_TYPES)),
    ]
    valid_events, event_rejects = _split(clickstream, "clickstream", rules)

    order_days = valid_orders.select(F.col("order_id").alias("_order_id"), F.col(PARTITION).alias(ORDER_DATE))
    fact_order_items = (
        valid_items.join(order_days, F.col("order_id") == F.col("_order_id"))
        .withColumn("revenue", (F.col("quantity") * F.col("base_price")).cast(REVENUE))
        .select(*FACT_ORDER_ITEMS)
    )
    return {
        "fact_orders": valid_orders.withColumn(ORDER_DATE, F.col(PARTITION)).select(*FACT_ORDERS),
        "fact_order_items": fact_order_items,
        "fact_clickstream": valid_events.withColumn(EVENT_DATE, F.col(PARTITION)).select(*FACT_CLICKSTREAM),
        "rejects": reduce(DataFrame.unionByName, [order_rejects, item_rejects, event_rejects]).select(*REJECTS),
    }
