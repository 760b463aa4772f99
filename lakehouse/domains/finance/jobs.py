"""The finance job (a day's tables, bronze to gold) and its schedule."""

from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from lakehouse.domains.finance.contracts.keys import GROUP

finance_daily = define_asset_job(
    "finance_daily", selection=AssetSelection.groups(GROUP),
    description="A day's (or a range's, in one run) extracts and events to the star schema and the running totals.",
)  # fmt: skip

# After the night's exports have landed; after the other domains (02:00..05:00).
finance_daily_schedule = build_schedule_from_partitioned_job(finance_daily, hour_of_day=6, minute_of_hour=0)
