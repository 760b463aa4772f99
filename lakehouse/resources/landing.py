"""Landing files: the CSV drops that bronze assets ingest, read as strings exactly as written."""

from __future__ import annotations

import csv
import glob
import os
from collections import defaultdict
from functools import reduce

from dagster import ConfigurableResource
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

CORRUPT = "_corrupt_record"


class LandingError(Exception):
    """The landing folder cannot be read (missing, empty): a setup problem, not bad data."""


class LandingFiles(ConfigurableResource):
    """`<root>/<domain>/*.csv`, where `root` is `$LAKEHOUSE_HOME/landing`."""

    root: str

    def folder(self, domain: str) -> str:
        return os.path.join(self.root, domain)

    def read_csv(self, spark: SparkSession, domain: str, pattern: str = "*.csv") -> DataFrame:
        """Every matching file as string columns, plus `_source_file`, `_absent_columns`, `_corrupt_record`.

        Files may have different headers: each header group is read with its own schema and the
        groups are unioned by name, so a column missing from one file is null there and listed in
        that row's `_absent_columns` (a missing column is told apart from an empty value).
        """
        folder = self.folder(domain)
        files = sorted(glob.glob(os.path.join(folder, pattern)))
        if not files:
            raise LandingError(
                f"no {pattern} files in {folder}: set LAKEHOUSE_HOME to the folder that holds "
                f"landing/{domain}/, or generate sample data with `python -m lakehouse.datagen {domain}`"
            )
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for path in files:
            header = _header(path)
            if header:  # a zero-byte file has no rows to lose
                groups[header].append(path)
        if not groups:
            raise LandingError(f"every {pattern} file in {folder} is empty")
        all_columns = sorted({name for header in groups for name in header})
        frames = []
        for header, paths in groups.items():
            schema = StructType([StructField(n, StringType()) for n in header])
            schema = schema.add(CORRUPT, StringType())
            frame = (
                spark.read.schema(schema)
                .option("header", True)
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", CORRUPT)
                .option("escape", '"')
                .csv(paths)
                .withColumn("_source_file", F.col("_metadata.file_path"))
            )
            absent = [name for name in all_columns if name not in header]
            frame = frame.withColumn("_absent_columns", F.array(*[F.lit(n) for n in absent]).cast("array<string>"))
            frames.append(frame)
        return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _header(path: str) -> tuple[str, ...]:
    # utf-8-sig tolerates a BOM; undecodable bytes become U+FFFD so a broken file's rows are
    # rejected downstream (its header lacks the expected columns) instead of crashing the run.
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        first = next(csv.reader(handle), None)
    return tuple(name.strip() for name in first) if first else ()
