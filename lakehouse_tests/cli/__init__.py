"""Tests of the `lakehouse` console script."""
