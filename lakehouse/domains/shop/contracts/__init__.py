"""What the shop domain's generator, bronze, silver and gold agree on: keys, landing columns, schemas."""
