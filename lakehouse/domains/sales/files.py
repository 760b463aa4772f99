"""The sales drop folder as the domain sees it: store CSV files, their mandatory columns, their day."""

from dagster import AssetExecutionContext

from lakehouse.domains.sales.contracts.columns import MANDATORY, SALES_DATE
from lakehouse.domains.sales.contracts.keys import DROP
from lakehouse.resources.file_drop import DropFolder, FileDrop


def open_drop(folder: DropFolder) -> FileDrop:
    """The drop folder, judging files as the spec says: CSV, with the mandatory columns, dated by sales_date."""
    return folder.open(".csv", MANDATORY, SALES_DATE)


def store_files(context) -> FileDrop:
    """The drop folder of the run's (or sensor's) resources."""
    return open_drop(getattr(context.resources, DROP))


def run_days(context: AssetExecutionContext) -> list[str]:
    return list(context.partition_keys)
