"""The sales drop folder as the domain sees it: store CSV files, their mandatory columns, their day."""

from dagster import AssetExecutionContext

from lakehouse.domains.sales.contracts.columns import MANDATORY, SALES_DATE
from lakehouse.domains.sales.contracts.keys import DROP
from lakehouse.resources.file_drop import DropFolder, FileDrop
from lakehouse.resources.file_ledger import PROCESSING, RECEIVED


def open_drop(folder: DropFolder) -> FileDrop:
    """The drop folder, judging files as the spec says: CSV, with the mandatory columns, dated by sales_date."""
    return folder.open(".csv", MANDATORY, SALES_DATE)


def store_files(context) -> FileDrop:
    """The drop folder of the run's (or sensor's) resources."""
    return open_drop(getattr(context.resources, DROP))


def run_days(context: AssetExecutionContext) -> list[str]:
    """The run's daily partition keys."""
    return list(context.partition_keys)


def files_accounted(drop: FileDrop, days) -> tuple[bool, dict]:
    """Whether every file of `days` ended archived or quarantined (none half moved, none still open), with the counts."""
    days = set(days)
    open_files = [e.file_name for e in drop.ledger.with_status(PROCESSING) if set(e.days) <= days]
    unmoved = [e.file_name for e in drop.ledger.unmoved()]
    # Every file present at the intake got a row then; one without a row came in since (the next run's).
    waiting = {e.file_name for e in drop.ledger.with_status(RECEIVED, PROCESSING)}
    arrived_since = [name for name in drop.arrived() if name not in waiting]
    failing = open_files + unmoved
    return not failing, {
        "still_processing": len(open_files), "unfinished_moves": len(unmoved), "sample_files": ", ".join(failing[:10]),
        "waiting_for_other_days": len(waiting - set(open_files)), "arrived_since_the_intake": len(arrived_since),
    }  # fmt: skip
