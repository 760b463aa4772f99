"""Registered domains: one package each, exposing `defs` and `DEMO_PARTITION_RANGE`.

A domain that reads an app database also exposes `SOURCE_RESOURCE` (the resource key its bronze
uses) and `SOURCE_SCHEMA` (the database schema); definitions.py wires CSV exports or JDBC to it.
"""

from lakehouse.domains import rainforest, superstore

DOMAINS = {
    "superstore": superstore,
    "rainforest": rainforest,
}
