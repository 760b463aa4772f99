"""Shop: a web shop's monthly app-table exports to a Kimball star schema and KPIs (specs/shop.md).

Not registered in `lakehouse.domains` yet: its assets are still to be written. What exists is the
generator (`lakehouse.datagen.shop`) and the spec's formulas (`transforms.measures`).
"""
