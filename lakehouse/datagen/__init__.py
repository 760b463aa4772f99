"""Sample-data generators by domain; each writes landing files and returns a report.

A generator is `generate(out_dir, seed=..., scale=..., start=..., end=...)` returning a report
with `paths`, `rows`, `first_date` and `last_date`; one that also takes `db_url` can load a
database. The CLI (`python -m lakehouse.datagen`) uses nothing else, so adding a domain is one
line here. An entry may bind the demo's defaults (`make demo` calls `GENERATORS[domain](folder)`);
the CLI passes its own values for those arguments.
"""

from functools import partial

from lakehouse.datagen import finance, rainforest, sales, shop, superstore

GENERATORS = {
    "superstore": superstore.generate,
    "sales": sales.generate,
    "shop": shop.generate,
    "finance": finance.generate,
    # The demo's rainforest data carries changes, so its versioned dimensions hold versions.
    "rainforest": partial(rainforest.generate, updates=rainforest.DEMO_UPDATES),
}
