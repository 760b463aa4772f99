"""The rainforest daily job and its schedule (yesterday's partition, every morning)."""

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from lakehouse.domains.rainforest.contracts.keys import GROUP

rainforest_daily = define_asset_job(
    "rainforest_daily",
    selection=AssetSelection.groups(GROUP),
    description="The app database to facts, dimensions, wide tables and reports, for a day (or a range in one run).",
)

# After midnight's orders have settled; an hour after superstore so the two do not compete for Spark.
rainforest_daily_schedule = build_schedule_from_partitioned_job(rainforest_daily, hour_of_day=3, minute_of_hour=0)
