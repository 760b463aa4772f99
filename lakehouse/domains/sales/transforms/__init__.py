"""Pure PySpark transforms (DataFrame in, DataFrame out): no Dagster, no storage."""
