"""What the finance domain's generator, sources, bronze, silver and gold agree on: keys, tables, schemas."""
