"""How `lakehouse checks` prints its report: aligned text, Markdown tables or a self-contained HTML page.

Each check is one row: name, status (PASSED, FAILED, WARN: a failed WARN check), failing count,
the days and run of its latest result, and its numbers in words. Domains, tables and checks are
sorted by name, tables by layer first; a rejects table gets a line of its latest run's rejected rows.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from lakehouse.cli.check_records import CheckResult, Rejects, domain_of

SAMPLES = 5  # items of a sample list shown; the rest are counted
COLUMNS = ("check", "status", "failing", "latest", "run", "details")
LAYERS = ("bronze", "silver", "gold", "interface")  # a domain's tables in the order data flows


@dataclass
class Table:
    """One asset's block: its check rows and, for a rejects table, its rejects line."""

    key: str
    rows: list[tuple[str, ...]] = field(default_factory=list)
    rejects: str | None = None


@dataclass(frozen=True)
class Report:
    title: str
    domains: dict[str, list[Table]]  # sorted by domain, then table
    summary: str


def build(results: Sequence[CheckResult], rejects: Sequence[Rejects], source: str) -> Report:
    tables: dict[tuple[str, ...], Table] = {}
    for result in sorted(results, key=lambda r: (r.asset_key, r.name)):
        table = tables.setdefault(result.asset_key, Table("/".join(result.asset_key)))
        table.rows.append((result.name, status(result), _number(result.metadata.get("failing_count", 0)),
                           _days(result.days, result.day_count), result.run_id[:8], details(result)))  # fmt: skip
    for found in rejects:
        table = tables.setdefault(found.asset_key, Table("/".join(found.asset_key)))
        rows = "not recorded" if found.rows is None else f"{found.rows:,}"
        days = _days(found.days, found.day_count)
        table.rejects = f"rejected rows (latest run): {rows}, {days}, run {found.run_id[:8]}"
    domains: dict[str, list[Table]] = {}
    for key in sorted(tables, key=_order):
        domains.setdefault(domain_of(key), []).append(tables[key])
    return Report(f"Latest check results in {source}", domains, _summary(results))


def _order(key: tuple[str, ...]) -> tuple:
    layer = LAYERS.index(key[0]) if key[0] in LAYERS else len(LAYERS)
    return domain_of(key), layer, key


def status(result: CheckResult) -> str:
    return "PASSED" if result.passed else "WARN" if result.severity == "WARN" else "FAILED"


def _summary(results: Sequence[CheckResult]) -> str:
    counts = {name: sum(status(r) == name for r in results) for name in ("PASSED", "FAILED", "WARN")}
    line = f"{len(results)} checks: {counts['PASSED']} passed, {counts['FAILED']} failed, {counts['WARN']} warned."
    gating = sorted(f"{'/'.join(r.asset_key)} {r.name}" for r in results if r.gates)
    return f"{line} Blocking failures: {', '.join(gating)}." if gating else f"{line} No blocking check failed."


def _days(days: tuple[str, ...], count: int) -> str:
    if not days:
        return "unpartitioned"
    return days[0] if len(days) == 1 else f"{days[0]}...{days[-1]} ({count} days)"


def _number(value) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _threshold(value) -> str:
    # A declared threshold reads as written (100,000), a measured mean keeps its decimals (180,000.0).
    return _number(int(value)) if isinstance(value, float) and value.is_integer() else _number(value)


def _sample(values) -> str:
    values = [str(v) for v in values or []]
    more = f" (+{len(values) - SAMPLES} more)" if len(values) > SAMPLES else ""
    return ", ".join(values[:SAMPLES]) + more


def details(result: CheckResult) -> str:
    """The numbers of a result in words, by the metadata our checks record (lakehouse.quality)."""
    m, parts = result.metadata, []
    if "error" in m:
        parts.append(f"error: {m['error']}")
    if "duplicated_keys" in m:
        parts.append(f"{_number(m['duplicated_keys'])} duplicated keys ({m.get('keys')}), "
                     f"{_number(m.get('duplicate_rows'))} duplicate rows")  # fmt: skip
    if "threshold" in m:
        by = f" by {m['group_by']}" if m.get("group_by") else ""
        parts.append(f"{m.get('column')}: actual {_number(m.get('actual_max_mean'))} vs threshold "
                     f"< {_threshold(m['threshold'])} over {_number(m.get('groups'))} groups{by}")  # fmt: skip
    if "sample_failing_groups" in m:
        parts.append(f"sample groups: {_sample(m['sample_failing_groups'])}")
    if "model" in m:
        parts.append(f"{_number(m.get('failed_checks'))} failed checks of {m['model']}")
        if m.get("failures"):
            parts.append(f"failures: {_sample(m['failures'])}")
    if "condition" in m:
        parts.append(f"{_number(m.get('failing_rows'))} rows fail {m['condition']}")
    if "rows_in" in m:
        parts.append(", ".join(f"{label} {_number(m.get(key))}" for label, key in (
            ("rows in", "rows_in"), ("out", "rows_out"), ("rejected", "rows_rejected"),
            ("duplicates removed", "duplicates_removed"), ("unaccounted", "unaccounted"))))  # fmt: skip
    if m.get("sample_keys"):
        parts.append(f"sample keys: {_sample(m['sample_keys'])}")
    failing = list(result.failing_days)
    if failing:
        parts.append(f"failing days: {_sample(failing)}")
    if m.get("audit_path"):
        parts.append(f"held back in {m['audit_path']}")
    if not result.passed and not result.blocking and result.severity == "ERROR":
        parts.append("non-blocking")
    return "; ".join(parts)


def _text_cells(row: tuple[str, ...]) -> tuple[str, ...]:
    """A row's aligned cells in text; its details follow them unaligned."""
    name, state, failing, days, run, _ = row
    return name, state, f"{failing} failing", days, f"run {run}"


def text(report: Report) -> str:
    rows = [row for tables in report.domains.values() for table in tables for row in table.rows]
    widths = [max((len(_text_cells(row)[i]) for row in rows), default=0) for i in range(len(COLUMNS) - 1)]
    lines = [report.title, ""]
    for domain, tables in report.domains.items():
        lines.append(domain)
        for table in tables:
            lines.append(f"  {table.key}")
            for row in table.rows:
                cells = _text_cells(row)
                aligned = [c.rjust(w) if i == 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
                lines.append(("    " + "  ".join(aligned) + "  " + row[5]).rstrip())
            if table.rejects:
                lines.append(f"    {table.rejects}")
    return "\n".join([*lines, "", report.summary]) + "\n"


def _md(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    lines = [f"# {_md(report.title)}", ""]
    for domain, tables in report.domains.items():
        lines += [f"## {_md(domain)}", ""]
        for table in tables:
            lines += [f"### {_md(table.key)}", ""]
            if table.rows:
                lines += ["| " + " | ".join(COLUMNS) + " |", "|---|---|--:|---|---|---|"]
                lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in table.rows]
                lines.append("")
            if table.rejects:
                lines += [_md(table.rejects[0].upper() + table.rejects[1:]) + ".", ""]
    return "\n".join([*lines, f"**{_md(report.summary)}**"]) + "\n"


STYLE = """body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.failing { text-align: right; }
.PASSED { color: #1a7f37; } .FAILED { color: #cf222e; font-weight: bold; } .WARN { color: #9a6700; }"""


def html_page(report: Report) -> str:
    e = html.escape
    body = [f"<h1>{e(report.title)}</h1>"]
    for domain, tables in report.domains.items():
        body.append(f"<h2>{e(domain)}</h2>")
        for table in tables:
            body.append(f"<h3>{e(table.key)}</h3>")
            if table.rows:
                body.append("<table>")
                body.append("<tr>" + "".join(f"<th>{e(name)}</th>" for name in COLUMNS) + "</tr>")
                for row in table.rows:
                    classes = ["", row[1], "failing", "", "", ""]
                    cells = (f'<td class="{c}">{e(v)}</td>' if c else f"<td>{e(v)}</td>" for c, v in zip(classes, row))
                    body.append("<tr>" + "".join(cells) + "</tr>")
                body.append("</table>")
            if table.rejects:
                body.append(f"<p>{e(table.rejects)}</p>")
    body.append(f"<p><strong>{e(report.summary)}</strong></p>")
    head = f'<meta charset="utf-8">\n<title>{e(report.title)}</title>\n<style>\n{STYLE}\n</style>'
    page = ["<!DOCTYPE html>", '<html lang="en">', "<head>", head, "</head>", "<body>", *body, "</body>", "</html>"]
    return "\n".join(page) + "\n"


RENDERERS = {"text": text, "markdown": markdown, "html": html_page}
