"""The action table under each priority: its header, its rows, and the footnotes they cite.

Cells may be plain text or <p> HTML; a superscript number in a cell cites a footnote.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from scheduler.domain.errors import PlanError

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_DIGIT = str.maketrans(_SUPERSCRIPTS, "0123456789")
_MARKER = re.compile(f"[{_SUPERSCRIPTS}]+")
FOOTNOTE_LINE = re.compile(rf"^\s*(?P<marker>[{_SUPERSCRIPTS}]+)\s*(?P<text>\S.*?)\s*$")
_HTML_TAG = re.compile(r"</?(?:p|br|div|span|strong|em|b|i|u|li|ul|ol|sup|font)\b", re.IGNORECASE)
FIELDS = ("action", "activity", "resources", "timescale", "lead_agency", "targets")
_HEADER_PREFIXES = (
    ("action", "action"),
    ("activit", "activity"),
    ("resource", "resources"),
    ("timescale", "timescale"),
    ("time", "timescale"),
    ("deadline", "timescale"),
    ("lead", "lead_agency"),
    ("target", "targets"),
)


@dataclass
class TableRow:
    """One action's row: its cells by field, line by line, and the footnotes it cites."""

    line: int
    group: str | None
    cells: dict[str, list[str]]
    markers: list[str] = field(default_factory=list)


def header_cells(text: str) -> list[str] | None:
    """The cells of an action table's header line ('Action<TAB>Activity...'), else None."""
    cells = [" ".join(_cell_lines(cell)) for cell in text.split("\t")]
    if cells and cells[0].lower() in ("action", "actions"):
        return cells
    return None


def header_fields(cells: list[str], line: int, source: str, warnings: list[str]) -> list[str]:
    """The field each header cell fills; an unknown or repeated column is warned of and unused."""
    fields: list[str] = []
    for cell in cells:
        lowered = cell.lower()
        name = next((f for prefix, f in _HEADER_PREFIXES if lowered.startswith(prefix)), "")
        if not lowered:
            name = ""
        elif not name or name in fields:
            warnings.append(f"{source}:{line}: column {cell!r} is not used")
            name = ""
        fields.append(name)
    return fields


def _cell_lines(raw: str) -> list[str]:
    """A cell's lines: one per <p> (or <br>) in HTML cells, else the plain text."""
    text = raw
    if _HTML_TAG.search(text):
        text = re.sub(
            r"<sup\b[^>]*>\s*([0-9]+)\s*</sup\s*>",
            lambda m: m[1].translate(str.maketrans("0123456789", _SUPERSCRIPTS)),
            text,
            flags=re.IGNORECASE,
        )
        text = re.sub(r"<br\s*/?>|</(?:p|div|li)\s*>", "\n", text, flags=re.IGNORECASE)
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    lines = (" ".join(part.split()) for part in text.split("\n"))
    return [line for line in lines if line]


def _take_markers(lines: list[str], markers: list[str]) -> list[str]:
    """Drop footnote superscripts from the text, remembering which footnotes were cited."""
    cleaned = []
    for line in lines:
        found = [match[0].translate(_TO_DIGIT) for match in _MARKER.finditer(line)]
        if not found:
            cleaned.append(line)
            continue
        markers.extend(number for number in found if number not in markers)
        stripped = " ".join(_MARKER.sub(" ", line).split())
        cleaned.append(re.sub(r"\s+([.,;:])", r"\1", stripped))
    return [line for line in cleaned if line]


def footnote_number(marker: str) -> str:
    """The footnote a superscript marker cites, in plain digits: '12' for '¹²'."""
    return marker.translate(_TO_DIGIT)


def read_row(
    rows: list[TableRow], fields: list[str], line: int, text: str, group: str | None, source: str
) -> str | None:
    """Read one table line into `rows`; return the group heading in force after it.

    A line with only Action text is a group heading; a line with no Action text continues the
    row above it.
    """
    raw = text.split("\t")
    if len(raw) < len(fields) or any(cell.strip() for cell in raw[len(fields) :]):
        raise PlanError(
            source,
            line,
            f"table row has {len(raw)} cells but the header has {len(fields)}",
        )
    markers: list[str] = []
    cells: dict[str, list[str]] = {name: [] for name in FIELDS}
    for name, cell in zip(fields, raw, strict=False):
        if name:
            cells[name].extend(_take_markers(_cell_lines(cell), markers))
    first = cells["action"]
    others = [name for name in FIELDS[1:] if cells[name]]
    if not first and not others:
        return group
    if first and not others:
        return "\n".join(first)
    if not first:
        if not rows:
            raise PlanError(source, line, "table row has no Action text")
        previous = rows[-1]
        for name in others:
            previous.cells[name].extend(cells[name])
        previous.markers.extend(m for m in markers if m not in previous.markers)
        return group
    rows.append(TableRow(line=line, group=group, cells=cells, markers=markers))
    return group
