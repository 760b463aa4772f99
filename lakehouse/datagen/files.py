"""How generators write landing files: one CSV dialect and encoding for every domain."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def csv_text(header, rows) -> str:
    """A header and rows as CSV text: minimal quoting, LF line ends (the same bytes on every platform)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_text(path: Path, text: str) -> None:
    """`text` into `path` as UTF-8 with LF line ends, whatever the platform."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
