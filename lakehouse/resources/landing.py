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

    def read_csv(
        self, spark: SparkSession, domain: str, pattern: str = "*.csv", fold: tuple[tuple[str, ...], str] | None = None
    ) -> DataFrame:
        """Every matching file, as `read_csv_files` reads them (`fold`: see there)."""
        folder = self.folder(domain)
        files = sorted(glob.glob(os.path.join(folder, pattern)))
        if not files:
            raise LandingError(
                f"no {pattern} files in {folder}: set LAKEHOUSE_HOME to the folder that holds "
                f"landing/{domain}/, or generate sample data with `python -m lakehouse.datagen {domain}`"
            )
        frame = read_csv_files(spark, files, fold)
        if frame is None:
            raise LandingError(f"every {pattern} file in {folder} is empty")
        return frame


    def read_lines(self, spark: SparkSession, domain: str, pattern: str) -> DataFrame | None:
        """Every line of the matching text files (JSON Lines, logs) as `value`, with `_source_file`; None when none match.

        Unlike CSV drops, a document folder may rightly be empty (no events yet), so no error.
        """
        files = sorted(glob.glob(os.path.join(self.folder(domain), pattern)))
        if not files:
            return None
        return spark.read.text(files).withColumn("_source_file", F.col("_metadata.file_path"))


def read_csv_files(
    spark: SparkSession, paths: list[str], fold: tuple[tuple[str, ...], str] | None = None,
    headers: dict[str, tuple[str, ...]] | None = None,
) -> DataFrame | None:
    """CSV files as string columns, plus `_source_file`, `_absent_columns`, `_corrupt_record` (None: all empty).

    Files may have different headers: each header group is read with its own schema and the
    groups are unioned by name, so a column missing from one file is null there and listed in
    that row's `_absent_columns` (a missing column is told apart from an empty value).
    `fold` = (known columns, name): every other column of a file is folded into one text column
    `name`, `col=value, ...` in that file's header order (null when a file has no other column).
    `headers`: each path's header where Python cannot open the path (an object store).
    """
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in paths:
        header = headers[path] if headers is not None else _header(path)
        if header:  # a zero-byte file has no rows to lose
            groups[header].append(path)
    if not groups:
        return None
    known = fold[0] if fold else None
    all_columns = sorted({name for header in groups for name in header if known is None or name in known})
    frames = []
    for header, group in groups.items():
        schema = StructType([StructField(n, StringType()) for n in header])
        schema = schema.add(CORRUPT, StringType())
        frame = (
            spark.read.schema(schema)
            .option("header", True)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .option("escape", '"')
            .csv(group)
            .withColumn("_source_file", F.col("_metadata.file_path"))
        )
        if fold:
            others = [name for name in header if name not in known]
            pairs = [F.concat(F.lit(f"{name}="), F.coalesce(F.col(name), F.lit(""))) for name in others]
            frame = frame.withColumn(fold[1], F.concat_ws(", ", *pairs) if pairs else F.lit(None).cast("string"))
            frame = frame.drop(*others)
        absent = [name for name in all_columns if name not in header]
        frame = frame.withColumn("_absent_columns", F.array(*[F.lit(n) for n in absent]).cast("array<string>"))
        frames.append(frame)
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _header(path: str) -> tuple[str, ...]:
    # utf-8-sig tolerates a BOM; undecodable bytes become U+FFFD so a broken file's rows are
    # rejected downstream (its header lacks the expected columns) instead of crashing the run.
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        return header_of(handle)


def header_of(lines) -> tuple[str, ...]:
    """The stripped column names of a CSV text's first record (() when there is none)."""
    first = next(csv.reader(lines), None)
    return tuple(name.strip() for name in first) if first else ()
