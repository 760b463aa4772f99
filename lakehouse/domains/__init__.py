"""Registered domains: one package each, exposing `defs` and `DEMO_PARTITION_RANGE`.

A domain that reads an app database also exposes `SOURCE_RESOURCE` (the resource key its bronze
uses) and `SOURCE_SCHEMA` (the database schema), and `SOURCE_FOLDER` when its CSV exports are not in
landing/<domain>/; definitions.py wires CSV exports or JDBC to it. A domain fed by dropped files
exposes `DROP_RESOURCE` and `LEDGER` (the `file_drop.DropFolder` of landing/<domain>/). A domain
that hashes PII exposes `PII_RESOURCE`, bound to the secret in LAKEHOUSE_PII_KEY.
"""

import warnings

from dagster import BetaWarning, PreviewWarning

# Single-run backfill policies, look-back partition mappings and partitioned asset checks are the
# platform's design, used on purpose; their beta/preview notices would only drown run logs.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

from lakehouse.domains import finance, rainforest, sales, shop, superstore  # noqa: E402 (after the filters, which they need)

DOMAINS = {
    "superstore": superstore,
    "rainforest": rainforest,
    "sales": sales,
    "shop": shop,
    "finance": finance,
}
