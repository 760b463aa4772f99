"""Contracts: columns, asset keys and partitions, pandera schemas (what other modules agree on)."""
