"""What a versioned table declares, and the columns every version carries."""

from __future__ import annotations

from dataclasses import dataclass

VALID_FROM = "valid_from"  # date: the partition, the day the version began
VALID_FROM_TS = "valid_from_ts"  # timestamp: when it began, where the source says (else null)
SEQ = "version_in_day"  # int: order of several versions of one key within one valid_from day
IS_DELETED = "is_deleted"  # boolean: the key vanished from the source that day
VERSION_COLUMNS = (VALID_FROM_TS, SEQ, IS_DELETED, VALID_FROM)  # after the table's own, partition last


@dataclass(frozen=True)
class Versioned:
    """A versioned table: its key, its columns and, for the timestamp strategy, its timestamps.

    - `changed_at`: the column saying when a row's current values began (e.g. last_updated_ts);
    - `created_at`: the column saying when the key began to exist (e.g. created_ts).
    With either one, changes are found by timestamp (`track.by_timestamp`); with neither, by
    comparing each day's extract with the state before it (`track.by_comparison`).
    `untracked` columns are carried but never make a version on their own (e.g. `_extracted_at`).
    """

    key: tuple[str, ...]
    columns: tuple[str, ...]
    changed_at: str | None = None
    created_at: str | None = None
    untracked: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = [c for c in (*self.key, *self.untracked) if c not in self.columns]
        if unknown:
            raise ValueError(f"versioned key/untracked columns {unknown} are not among the columns {self.columns}")
        if set(self.columns) & set(VERSION_COLUMNS):
            raise ValueError(f"a versioned table's own columns cannot be named like {VERSION_COLUMNS}")

    @property
    def tracked(self) -> tuple[str, ...]:
        """The columns compared between versions: all but the key and the untracked ones."""
        return tuple(c for c in self.columns if c not in self.key and c not in self.untracked)

    @property
    def by_timestamp(self) -> bool:
        return self.changed_at is not None or self.created_at is not None

    @property
    def version_columns(self) -> list[str]:
        """Every column of a stored version, in order."""
        return [*self.columns, *VERSION_COLUMNS]
