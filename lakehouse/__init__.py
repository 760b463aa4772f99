"""Lakehouse: a medallion lakehouse as Dagster software-defined assets on PySpark."""

import os
import sys

# Nothing heavy here: `lakehouse sql` imports this package and must start without Dagster or Spark
# (the warning filters live in lakehouse.domains, where the definitions are made).

# A single-run backfill of N days otherwise writes N "planned" events per asset before the run
# starts (4 years x 6 assets = 8,766 events, about two minutes on SQLite). One event per asset
# carrying the partition range is Dagster's own switch for this; the trade-off is that the days
# of a failed run show as "not materialized" rather than "failed". The Makefile and compose file
# set it for the webserver and daemon processes, which never import this package.
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")

# A range run's per-day materialization events go to the event log in batches: Postgres stores a
# batch at once, and so does the SQLite instance `python -m lakehouse.instance` configures (Dagster's
# default SQLite storage stores them one by one either way). See lakehouse/instance.py.
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")

# Spark starts Python UDF workers (finance's keyed hashes) with PYSPARK_PYTHON, else the first
# `python3` on PATH, which need not have this project's packages; the interpreter running the
# lakehouse has them. A cluster whose workers keep Python elsewhere sets the variable itself.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
