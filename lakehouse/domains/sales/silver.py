"""Silver: the sales typed and enriched with the dimensions, the rejected rows, and the files archived."""

from collections import Counter

from dagster import AssetExecutionContext, AssetIn, AssetOut, MaterializeResult, Output, asset, multi_asset
from pyspark.sql import DataFrame

from lakehouse.domains.sales.contracts.columns import FILE_ID, PARTITION, SALES_DATE
from lakehouse.domains.sales.contracts.keys import DAILY, DROP, ENRICHED, FILES, REJECTS, SOURCE, TRANSACTIONS
from lakehouse.domains.sales.contracts.upstream import TABLES
from lakehouse.domains.sales.files import run_days, store_files
from lakehouse.domains.sales.transforms.silver import enrich
from lakehouse.quality.rejects import released
from lakehouse.keys import SUMMARY
from lakehouse.resources.file_ledger import PROCESSING
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR
from lakehouse.resources.sources import TableSource
from lakehouse.resources.spark import SparkResource


def _out(key: list[str], description: str, column: str) -> AssetOut:
    return AssetOut(key=key, description=description, metadata={PARTITION_EXPR: column}, kinds={"spark", "parquet"})


@multi_asset(
    name="sales_silver",
    outs={
        "enriched_sales": _out(ENRICHED, "Events: valid sales, typed, with customer, store and salesperson.", SALES_DATE),
        "rejects": _out(REJECTS, "Events: bronze rows breaking a rule, with every reason and the row as read.", PARTITION),
    },
    ins={"transactions": AssetIn(key=TRANSACTIONS)},
    required_resource_keys={"spark", SOURCE},
    **DAILY,
)
def sales_silver(context: AssetExecutionContext, transactions: DataFrame):
    """Type the day's sales, judge them against the rules and the dimensions, and enrich the valid ones."""
    spark: SparkResource = context.resources.spark
    source: TableSource = getattr(context.resources, SOURCE)
    dims = {name: source.read(spark.spark_session, name, TABLES[name]) for name in ("customer", "store", "sales_team")}
    with released():  # the judged rows are cached for both outputs
        enriched, rejects = enrich(transactions, dims["customer"], dims["store"], dims["sales_team"])
        yield Output(enriched, output_name="enriched_sales")
        yield Output(rejects, output_name="rejects")


def _rows_per_file(frame: DataFrame) -> dict[int, int]:
    """Rows per ledger file id (one small aggregation: as many rows as the run has files)."""
    return {row[FILE_ID]: row["count"] for row in frame.groupBy(FILE_ID).count().collect()}


@asset(
    key=FILES,
    ins={"enriched": AssetIn(key=ENRICHED), "rejects": AssetIn(key=REJECTS)},
    required_resource_keys={DROP},
    **DAILY,
)
def sales_files(context: AssetExecutionContext, enriched: DataFrame, rejects: DataFrame) -> MaterializeResult:
    """The run's store files archived to processed/ and completed in the ledger, with their accepted and rejected rows."""
    drop = store_files(context)
    days = set(run_days(context))
    taken = [e for e in drop.ledger.with_status(PROCESSING) if set(e.days) <= days]
    accepted, rejected = _rows_per_file(enriched), _rows_per_file(rejects)
    counts = {e.file_id: (accepted.get(e.file_id, 0), rejected.get(e.file_id, 0)) for e in taken}
    archived = drop.archive(counts)
    context.log.info(f"archived {len(archived)} file(s) to {drop.root}/processed/")
    return MaterializeResult(metadata={
        "files_completed": len(archived),
        "rows_accepted": sum(a for a, _ in counts.values()),
        "rows_rejected": sum(r for _, r in counts.values()),
        SUMMARY: ledger_summary(drop.ledger.all()),
    })  # fmt: skip


def ledger_summary(entries) -> str:
    """Every file the ledger knows, by status, and the rows of the completed ones: one line."""
    statuses = Counter(e.status for e in entries)
    accepted = sum(e.rows_accepted or 0 for e in entries)
    rejected = sum(e.rows_rejected or 0 for e in entries)
    files = ", ".join(f"{n:,} {status}" for status, n in sorted(statuses.items()))
    return f"files in the ledger: {files}; rows of completed files: {accepted:,} accepted, {rejected:,} rejected"
