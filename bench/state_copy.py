"""One day's copy of each silver dimension and bridge, as the earlier copy-per-day layout stored every day.

    python bench/state_copy.py --warehouse WAREHOUSE --out DIR --day D

For each versioned silver table of `dimensions.SPECS` (dim_*, brg_*): its state as of D
(`versioning.as_of.latest` over the versions under WAREHOUSE), without the version columns, written
by the baselines' writer as the one partition `snapshot_date=D` (the old layout's column) under
DIR/silver/rainforest/<table>/. bench/rainforest.py multiplies its bytes by the days of a run to
estimate what the old layout would have stored, the old code being gone.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

from plain_spark import Steps, session, write_partitioned
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.domains.rainforest.transforms.dimensions import SPECS
from lakehouse.domains.rainforest.contracts.keys import silver
from lakehouse.settings import Settings
from lakehouse.versioning.as_of import latest

SNAPSHOT_DATE = "snapshot_date"  # the partition column of the copy-per-day dimensions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="the Dagster run's warehouse folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for the one-day copies")
    parser.add_argument("--day", type=datetime.date.fromisoformat, required=True, help="the state's day")
    args = parser.parse_args(argv)

    steps = Steps("state-copy")
    spark = session(Settings.from_env())
    for name, spec in SPECS.items():
        table = args.warehouse.joinpath(*silver(name))
        schema = StructType.fromJson(json.loads((table / "_schema.json").read_text()))
        # Spark skips `_checkpoint/` (a hidden folder): these are the version partitions only.
        versions = spark.read.schema(schema).parquet(str(table))
        state = latest(versions, spec.key, args.day).select(*spec.columns)
        write_partitioned(state.withColumn(SNAPSHOT_DATE, F.lit(args.day)), SNAPSHOT_DATE,
                          os.path.join(args.out, *silver(name)))
        steps.done(f"{name}: state as of {args.day} written")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
