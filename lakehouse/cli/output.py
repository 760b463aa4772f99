"""How `lakehouse sql` prints a result: an aligned text table (numbers right-aligned) or CSV.

Values are rendered by DuckDB itself (a cast to VARCHAR), so dates, decimals, lists and structs
read as in any DuckDB client. NULL prints as `NULL` in a table and as an empty field in CSV.
"""

from __future__ import annotations

import csv
from typing import TextIO

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def as_text(relation) -> tuple[list[str], list[bool], list[tuple]]:
    """Column names, which are numeric, and the rows as DuckDB's text."""
    names = list(relation.columns)
    # By position: a result may hold two columns of one name.
    text = relation.project(", ".join(f"CAST(#{i + 1} AS VARCHAR)" for i in range(len(names))))
    numeric = [str(kind).removeprefix("U").startswith(_NUMERIC) for kind in relation.types]
    return names, numeric, text.fetchall()


def write_csv(names: list[str], rows: list[tuple], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(["" if value is None else value for value in row] for row in rows)


def write_table(names: list[str], numeric: list[bool], rows: list[tuple], out: TextIO) -> None:
    """psql-style: ` a | b ` over a dashed rule, a cell's lines stacked, then the row count."""
    cells = [[("NULL" if value is None else value).split("\n") for value in row] for row in rows]
    widths = [len(name) for name in names]
    for row in cells:
        widths = [max(width, *map(len, lines)) for width, lines in zip(widths, row)]

    def line(values, align_right):
        padded = [v.rjust(w) if right else v.ljust(w) for v, w, right in zip(values, widths, align_right)]
        return " " + " | ".join(padded).rstrip()

    out.write(line(names, [False] * len(names)) + "\n")
    out.write("-" + "-+-".join("-" * width for width in widths) + "-\n")
    for row in cells:
        for depth in range(max((len(lines) for lines in row), default=1)):
            out.write(line([lines[depth] if depth < len(lines) else "" for lines in row], numeric) + "\n")
    out.write(f"({len(rows)} row{'' if len(rows) == 1 else 's'})\n")


def write(relation, csv_format: bool, out: TextIO) -> None:
    names, numeric, rows = as_text(relation)
    if csv_format:
        write_csv(names, rows, out)
    else:
        write_table(names, numeric, rows, out)
