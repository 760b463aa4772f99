"""The finance domain's transformations: PySpark functions of frames, knowing no storage."""
