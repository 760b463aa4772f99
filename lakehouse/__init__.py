"""Lakehouse: a medallion lakehouse as Dagster software-defined assets on PySpark."""

import warnings

from dagster import BetaWarning, PreviewWarning

# Single-run backfill policies, look-back partition mappings and partitioned asset checks are the
# platform's design, used on purpose; their beta/preview notices would only drown run logs.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)
