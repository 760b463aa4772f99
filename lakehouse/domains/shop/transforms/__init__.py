"""The shop's pure transforms: Spark columns and frames in, Spark columns and frames out."""
