"""The kind of each table (ARCHITECTURE.md, "Three kinds of tables"), read from its asset's definition metadata.

- "versioned": the asset's metadata names its key (`lakehouse/versioned`, resources/versioned_tables.py);
- "periodic snapshot": partitioned by `as_of_date` (lakehouse.snapshots), or declared with
  `TABLE_KIND: PERIODIC_SNAPSHOT` (a snapshot with another partition column, e.g. sales' monthly tables);
- "events": everything else, unless the metadata declares a kind under TABLE_KIND.

The writer states the kind where it defines the asset, so readers (`lakehouse tables`) never guess
it from names. The storage format is unchanged: a table's folder does not record its kind.
"""

from __future__ import annotations

from collections.abc import Mapping

from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.versioned_tables import VERSIONED
from lakehouse.snapshots import AS_OF_DATE

TABLE_KIND = "lakehouse/kind"  # asset metadata: the table's kind, where its other metadata does not tell it
EVENTS, VERSIONED_STATE, PERIODIC_SNAPSHOT = "events", "versioned", "periodic snapshot"
KINDS = (EVENTS, VERSIONED_STATE, PERIODIC_SNAPSHOT)


def kind_of(metadata: Mapping) -> str:
    """The kind of the table an asset with this definition metadata writes: one of KINDS."""
    declared = _plain(metadata.get(TABLE_KIND))
    if declared is not None and declared not in KINDS:
        raise ValueError(f"{TABLE_KIND} is {declared!r}, not one of {', '.join(KINDS)}")
    if VERSIONED in metadata:
        return VERSIONED_STATE
    if _plain(metadata.get(PARTITION_EXPR)) == AS_OF_DATE or declared == PERIODIC_SNAPSHOT:
        return PERIODIC_SNAPSHOT
    return declared or EVENTS


def _plain(value):
    """A metadata value as written, whether Dagster kept it raw or wrapped it (TextMetadataValue)."""
    return getattr(value, "value", value)
