"""The plan of `lakehouse run`: a domain's assets grouped into one run per partitioning, and each run's range.

A range run needs one partitioning, so the domain's assets are batched by partitions definition,
in dependency order (daily before the monthly assets built on it); unpartitioned assets join the
run of what they read (or the first run). A run covers the partitions overlapping the days asked
for, clipped to those that exist. No Dagster run happens here: `lakehouse.cli.run` launches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lakehouse.cli import CliError

# Partitionings of one domain run finest first when nothing orders them (monthly reads daily).
CADENCES = ("MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY")


@dataclass(frozen=True)
class Batch:
    """The assets of one run: one partitioning (None: unpartitioned only) and their keys in graph order."""

    partitions_def: object
    keys: tuple


def domain_assets(asset_graph, group: str) -> list[tuple]:
    """(key, partitions_def, parent keys) of the group's assets, in topological order."""
    nodes = [asset_graph.get(key) for key in asset_graph.toposorted_asset_keys]
    return [(n.key, n.partitions_def, tuple(n.parent_keys)) for n in nodes if n.group_name == group]


def plan(assets: Sequence[tuple]) -> list[Batch]:
    """One batch per partitioning of `assets` ((key, partitions_def, parents), topologically sorted), in run order.

    A batch runs after every batch it reads from (through unpartitioned assets too); otherwise
    finer partitionings first. An unpartitioned asset joins the last batch it reads from, or the first.
    """
    defs: list = []  # the partitionings, in order of first appearance
    for _, partitions_def, _ in assets:
        if partitions_def is not None and partitions_def not in defs:
            defs.append(partitions_def)
    if not defs:
        return [Batch(None, tuple(key for key, _, _ in assets))] if assets else []
    known = {key for key, _, _ in assets}
    feeds: dict = {}  # key -> indexes (into defs) of the partitionings it reads, itself included
    after: dict[int, set[int]] = {i: set() for i in range(len(defs))}  # batch -> batches before it
    for key, partitions_def, parents in assets:
        upstream = set().union(*(feeds[p] for p in parents if p in known and p != key))
        if partitions_def is None:
            feeds[key] = upstream
        else:
            own = defs.index(partitions_def)
            after[own] |= upstream - {own}
            feeds[key] = {own}
    order = _ordered(defs, after)
    position = {index: rank for rank, index in enumerate(order)}
    members: list[list] = [[] for _ in order]
    for key, partitions_def, _ in assets:
        sources = {defs.index(partitions_def)} if partitions_def is not None else feeds[key]
        members[max((position[s] for s in sources), default=0)].append(key)
    return [Batch(defs[index], tuple(keys)) for index, keys in zip(order, members)]


def _ordered(defs: list, after: dict[int, set[int]]) -> list[int]:
    """The partitionings' indexes with each after those it reads from; finer cadences first otherwise."""
    def rank(index):
        cadence = getattr(getattr(defs[index], "schedule_type", None), "name", None)
        return (CADENCES.index(cadence) if cadence in CADENCES else len(CADENCES), index)

    order: list[int] = []
    while len(order) < len(defs):
        ready = [i for i in range(len(defs)) if i not in order and after[i] <= set(order)]
        if not ready:
            stuck = ", ".join(label(defs[i]) for i in range(len(defs)) if i not in order)
            raise CliError(f"the domain's {stuck} assets read each other both ways: they cannot run one partitioning at a time")
        order.append(min(ready, key=rank))
    return order


def key_range(partitions_def, first: date, last: date) -> tuple[str, str] | None:
    """The first and last partition key overlapping days first..last, clipped to the partitions that exist now."""
    from dagster import TimeWindowPartitionsDefinition

    if not isinstance(partitions_def, TimeWindowPartitionsDefinition):
        raise CliError(f"{partitions_def}: lakehouse run knows time-window partitions only (daily, monthly, ...)")
    zone = ZoneInfo(partitions_def.timezone)
    start = datetime(first.year, first.month, first.day, tzinfo=zone).timestamp()
    end_day = last + timedelta(days=1)
    end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone).timestamp()
    low = partitions_def.get_partition_key_for_timestamp(start)
    high = partitions_def.get_partition_key_for_timestamp(end, end_closed=True)
    existing = partitions_def.get_first_partition_key(), partitions_def.get_last_partition_key()
    if None in existing:
        return None
    at = partitions_def.start_time_for_partition_key
    low = max(low, existing[0], key=at)
    high = min(high, existing[1], key=at)
    return (low, high) if at(low) <= at(high) else None


def label(partitions_def) -> str:
    """daily, monthly, ... (the cron schedule for others; unpartitioned)."""
    if partitions_def is None:
        return "unpartitioned"
    cadence = getattr(partitions_def, "schedule_type", None)
    return cadence.name.lower() if cadence is not None else getattr(partitions_def, "cron_schedule", str(partitions_def))
