"""The app database's 13 tables (schema `rainforest`): columns, types and how each is partitioned.

This is the contract shared by the generator, the sources (CSV exports or PostgreSQL) and bronze.
Column order is the upstream order; CSV exports use it as their header.
"""

from dataclasses import dataclass
from functools import cached_property

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DecimalType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

SCHEMA = "rainforest"  # the PostgreSQL schema the app tables live in

INT, TEXT, BOOL, TS = IntegerType(), StringType(), BooleanType(), TimestampType()
MONEY = DecimalType(10, 2)
RATING = DecimalType(3, 2)

from lakehouse.domains.rainforest.contracts.columns import EXTRACTED_AT
from lakehouse.versioning import Versioned

EVENT = "event"  # a fact: each row lands in the day of its `time_column`
STATE = "state"  # a dimension or bridge: versioned, a day holds the rows new or changed on it


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, DataType], ...]
    key: tuple[str, ...]
    kind: str
    time_column: str | None  # event time (EVENT) or creation time (STATE); None: no timestamp

    @property
    def schema(self) -> StructType:
        return StructType([StructField(name, dtype) for name, dtype in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @cached_property
    def versioned(self) -> Versioned:
        """How bronze versions a STATE table: by last_updated_ts / created_ts where it has them, else by comparison."""
        names = self.column_names
        return Versioned(
            key=self.key,
            columns=(*names, EXTRACTED_AT),
            changed_at="last_updated_ts" if "last_updated_ts" in names else None,
            created_at="created_ts" if "created_ts" in names else None,
            untracked=(EXTRACTED_AT,),
        )


_AUDIT = (("created_ts", TS), ("last_updated_by", INT), ("last_updated_ts", TS))

TABLES = {
    t.name: t
    for t in (
        Table(
            "appuser",
            (("user_id", INT), ("username", TEXT), ("email", TEXT), ("is_active", BOOL), *_AUDIT),
            ("user_id",), STATE, "created_ts",
        ),
        Table("category", (("category_id", INT), ("name", TEXT), *_AUDIT), ("category_id",), STATE, "created_ts"),
        Table(
            "brand", (("brand_id", INT), ("name", TEXT), ("country", TEXT), *_AUDIT),
            ("brand_id",), STATE, "created_ts",
        ),
        Table(
            "manufacturer", (("manufacturer_id", INT), ("name", TEXT), ("type", TEXT), *_AUDIT),
            ("manufacturer_id",), STATE, "created_ts",
        ),
        Table(
            "product",
            (
                ("product_id", INT), ("name", TEXT), ("description", TEXT), ("price", MONEY),
                ("brand_id", INT), ("manufacturer_id", INT), *_AUDIT,
            ),
            ("product_id",), STATE, "created_ts",
        ),
        Table(
            "ratings", (("ratings_id", INT), ("product_id", INT), ("rating", RATING), ("created_ts", TS)),
            ("ratings_id",), EVENT, "created_ts",
        ),
        Table(
            "seller",
            (("seller_id", INT), ("user_id", INT), ("first_time_sold_timestamp", TS), ("created_ts", TS)),
            ("seller_id",), STATE, "created_ts",
        ),
        Table(
            "buyer",
            (("buyer_id", INT), ("user_id", INT), ("first_time_purchased_timestamp", TS), ("created_ts", TS)),
            ("buyer_id",), STATE, "created_ts",
        ),
        Table(
            "orders",
            (("order_id", INT), ("buyer_id", INT), ("order_ts", TS), ("total_price", MONEY), ("created_ts", TS)),
            ("order_id",), EVENT, "order_ts",
        ),
        Table(
            "orderitem",
            (
                ("order_item_id", INT), ("order_id", INT), ("product_id", INT), ("seller_id", INT),
                ("quantity", INT), ("base_price", MONEY), ("tax", MONEY), ("created_ts", TS),
            ),
            # The app stamps an item with its order's order_ts, so items land on their order's day.
            ("order_item_id",), EVENT, "created_ts",
        ),
        Table("sellerproduct", (("seller_id", INT), ("product_id", INT)), ("seller_id", "product_id"), STATE, None),
        Table(
            "productcategory", (("product_id", INT), ("category_id", INT)),
            ("product_id", "category_id"), STATE, None,
        ),
        Table(
            "clickstream",
            (
                ("event_id", INT), ("user_id", INT), ("event_type", TEXT), ("product_id", INT),
                ("order_id", INT), ("event_ts", TS), ("created_ts", TS),
            ),
            ("event_id",), EVENT, "event_ts",
        ),
    )
}

EVENT_TYPES = ("view", "add_to_cart", "purchase")
