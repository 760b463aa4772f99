"""Asset keys every domain shares the shape of: `<layer>/<domain>/<table>`."""

from collections.abc import Callable

LAYERS = ("bronze", "silver", "gold", "interface")


def layer_keys(group: str) -> tuple[Callable[[str], list[str]], ...]:
    """The key makers of a domain, one per layer in LAYERS order: e.g. `bronze("orders")` -> ["bronze", group, "orders"]."""
    return tuple((lambda table, layer=layer: [layer, group, table]) for layer in LAYERS)
