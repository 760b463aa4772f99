"""Row-for-row fingerprints of rainforest's event, wide, metric and report tables.

`golden_outputs.json` holds them as the snapshot layout (commit 6336197, before versioned
dimensions) computed them on the test's data (seed 11, scale 0.05, 2024-01-01..2024-01-04); the
versioned layout must give the same rows. Regenerate (only when a change of outputs is intended):
`python -m lakehouse_tests.domains.rainforest.golden <warehouse>`.
"""

import hashlib
import json
import sys
from pathlib import Path

import duckdb

FILE = Path(__file__).with_name("golden_outputs.json")
TABLES = [
    "silver/rainforest/fact_orders", "silver/rainforest/fact_order_items", "silver/rainforest/fact_clickstream",
    "silver/rainforest/fact_rejects", "gold/rainforest/wide_orders", "gold/rainforest/wide_order_items",
    "gold/rainforest/daily_category_metrics", "gold/rainforest/daily_order_metrics",
    "interface/rainforest/daily_category_report", "interface/rainforest/daily_order_report",
]  # fmt: skip


def fingerprint(warehouse: Path, table: str) -> dict:
    """Row count and SHA-256 of the table's rows, each rendered and sorted (order-free)."""
    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT * FROM read_parquet('{warehouse / table}/*/*.parquet', hive_partitioning = true)"
        ).fetchall()
    lines = sorted(repr(row) for row in found)
    return {"rows": len(lines), "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest()}


def fingerprints(warehouse: Path) -> dict:
    return {table: fingerprint(warehouse, table) for table in TABLES}


if __name__ == "__main__":
    FILE.write_text(json.dumps(fingerprints(Path(sys.argv[1])), indent=1) + "\n")
