"""Versioned state (SCD type 2), domain-free: a table declares its key, its columns and how changes are seen.

Storage: a versioned table is partitioned by `valid_from`; partition D holds only the versions that
began on D: new keys, changed rows and vanished keys (a version with `is_deleted = true`). A version
is the table's columns plus `valid_from_ts` (the change timestamp where the source has one, else
null), `version_in_day` (0, 1, ... for several versions of one key on one day) and `is_deleted`.
Per key, versions are ordered by (valid_from, version_in_day). `valid_to` and `is_current` are
derived when read, never written back into older partitions.

- `spec.Versioned` declares a table (key, columns, change/creation timestamps).
- `track` finds the new versions of a run: by timestamp, or by comparing states day by day.
- `as_of` is THE reader: the state as of a day, on many days at once, or joined to events by their day.
"""

from lakehouse.versioning.spec import IS_DELETED, SEQ, VALID_FROM, VALID_FROM_TS, VERSION_COLUMNS, Versioned

__all__ = ["IS_DELETED", "SEQ", "VALID_FROM", "VALID_FROM_TS", "VERSION_COLUMNS", "Versioned"]
