"""Gold: the customer and sales-team data marts, and the monthly purchases and incentives."""

from dagster import AssetExecutionContext, AssetIn, MaterializeResult, asset
from pyspark.sql import DataFrame

from lakehouse.domains.sales.contracts.columns import SALES_DATE, SALES_MONTH
from lakehouse.domains.sales.contracts.keys import DAILY, DATABASE, ENRICHED, MONTHLY, WRITE_BACK, gold
from lakehouse.domains.sales.contracts.upstream import SCHEMA
from lakehouse.domains.sales.transforms import gold as transforms
from lakehouse.partitions import committed_days
from lakehouse.resources.databases import DatabaseResource, replace_partitions
from lakehouse.resources.parquet_io_manager import PARTITION_EXPR, SUBPARTITIONS
from lakehouse.table_kinds import PERIODIC_SNAPSHOT, TABLE_KIND

_KINDS = {"spark", "parquet"}


@asset(key=gold("customer_data_mart"), ins={"enriched": AssetIn(key=ENRICHED)}, **DAILY,
       metadata={PARTITION_EXPR: SALES_DATE}, kinds=_KINDS)  # fmt: skip
def customer_data_mart(enriched: DataFrame) -> DataFrame:
    """Events: one row per sale with the customer's name, address and phone."""
    return transforms.customer_data_mart(enriched)


@asset(key=gold("sales_team_data_mart"), ins={"enriched": committed_days(ENRICHED)}, **MONTHLY,
       metadata={PARTITION_EXPR: SALES_MONTH, SUBPARTITIONS: ["store_id"]}, kinds=_KINDS)  # fmt: skip
def sales_team_data_mart(enriched: DataFrame) -> DataFrame:
    """Events: one row per sale with the salesperson and store manager, by month and store folder."""
    return transforms.sales_team_data_mart(enriched)


@asset(key=gold("customer_monthly_purchase"), ins={"enriched": committed_days(ENRICHED)}, **MONTHLY,
       metadata={PARTITION_EXPR: SALES_MONTH, TABLE_KIND: PERIODIC_SNAPSHOT}, kinds=_KINDS)  # fmt: skip
def customer_monthly_purchase(enriched: DataFrame) -> DataFrame:
    """Periodic snapshot: each customer's total spending in the month."""
    return transforms.customer_monthly_purchase(enriched)


@asset(key=gold("sales_team_incentive"), ins={"enriched": committed_days(ENRICHED)}, **MONTHLY,
       metadata={PARTITION_EXPR: SALES_MONTH, TABLE_KIND: PERIODIC_SNAPSHOT}, kinds=_KINDS)  # fmt: skip
def sales_team_incentive(enriched: DataFrame) -> DataFrame:
    """Periodic snapshot: each salesperson's monthly sales; the store's top seller earns 1%."""
    return transforms.sales_team_incentive(enriched)


@asset(
    key=WRITE_BACK,
    ins={"customer_monthly_purchase": AssetIn(key=gold("customer_monthly_purchase")),
         "sales_team_incentive": AssetIn(key=gold("sales_team_incentive"))},
    required_resource_keys={DATABASE},
    **MONTHLY,
)  # fmt: skip
def database_write_back(context: AssetExecutionContext, **tables: DataFrame) -> MaterializeResult:
    """The two monthly tables written to the sales database, each run's months replaced in one transaction."""
    database: DatabaseResource = getattr(context.resources, DATABASE)
    target = database.target()
    if target is None:
        return MaterializeResult(metadata={"written": f"nothing: no database ({database.setting} is not set)"})
    months = list(context.partition_keys)
    written = {name: replace_partitions(target, SCHEMA, name, frame, SALES_MONTH, months) for name, frame in tables.items()}
    context.log.info(f"wrote {written} row(s) for {months[0]}...{months[-1]} to {target!r}")
    return MaterializeResult(metadata={f"{name}_rows": rows for name, rows in written.items()})
