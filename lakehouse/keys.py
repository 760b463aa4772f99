"""Keys every domain shares: asset keys `<layer>/<domain>/<table>`, and metadata keys the CLI reads."""

from collections.abc import Callable

LAYERS = ("bronze", "silver", "gold", "interface")
SUMMARY = "lakehouse/summary"  # materialization metadata: one line `lakehouse run` prints after the run's tables


def layer_keys(group: str) -> tuple[Callable[[str], list[str]], ...]:
    """The key makers of a domain, one per layer in LAYERS order: e.g. `bronze("orders")` -> ["bronze", group, "orders"]."""
    return tuple((lambda table, layer=layer: [layer, group, table]) for layer in LAYERS)
