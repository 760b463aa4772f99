"""Lakehouse: a medallion lakehouse as Dagster software-defined assets on PySpark."""

import os

# Nothing heavy here: `lakehouse sql` imports this package and must start without Dagster or Spark
# (the warning filters live in lakehouse.domains, where the definitions are made).

# A single-run backfill of N days otherwise writes N "planned" events per asset before the run
# starts (4 years x 6 assets = 8,766 events, about two minutes on SQLite). One event per asset
# carrying the partition range is Dagster's own switch for this; the trade-off is that the days
# of a failed run show as "not materialized" rather than "failed". The Makefile and compose file
# set it for the webserver and daemon processes, which never import this package.
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
