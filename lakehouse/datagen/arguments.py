"""What every generator checks of its arguments before it writes anything."""

from datetime import date


def check(scale: float, start: date, end: date) -> None:
    """A positive scale and a range that does not end before it starts; ValueError saying which."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
