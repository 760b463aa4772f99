"""The superstore daily job and its schedule (yesterday's partition, every morning)."""

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from lakehouse.domains.superstore.contracts.keys import GROUP

superstore_daily = define_asset_job(
    "superstore_daily",
    selection=AssetSelection.groups(GROUP),
    description="Bronze to gold for one day (or a range, in one run) of superstore order lines.",
)

superstore_daily_schedule = build_schedule_from_partitioned_job(
    superstore_daily, hour_of_day=2, minute_of_hour=0
)
