"""Registered domains: one package each, exposing `defs` and `DEMO_PARTITION_RANGE`."""

from lakehouse.domains import superstore

DOMAINS = {
    "superstore": superstore,
}
