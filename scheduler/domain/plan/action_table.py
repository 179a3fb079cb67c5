"""The rows of an action table: each row's cells by field, and the footnotes they cite.

Cells may be plain text or <p> HTML; a superscript number in a cell cites a footnote. A row
with only Action text is a group heading; a row with no Action text continues the row above.
Columns that name no field, and the fields the model has no place for (ref, outcome,
partners, notes), are kept as the action's notes with their header.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from scheduler.domain.plan.columns import FIELDS, Columns
from scheduler.domain.plan.layout import Place

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_DIGIT = str.maketrans(_SUPERSCRIPTS, "0123456789")
_MARKER = re.compile(f"[{_SUPERSCRIPTS}]+")
FOOTNOTE_LINE = re.compile(rf"^\s*(?P<marker>[{_SUPERSCRIPTS}]+)\s*(?P<text>\S.*?)\s*$")
_HTML_TAG = re.compile(r"</?(?:p|br|div|span|strong|em|b|i|u|li|ul|ol|sup|font)\b", re.IGNORECASE)
# Fields an Action holds as they are; the rest become notes.
ACTION_FIELDS = ("action", "activity", "resources", "timescale", "lead_agency", "targets")
_NOTE_LABELS = {"outcome": "Outcome", "partners": "Partners"}
# Fields whose text alone does not make a row an action ("1.1" with nothing else is not one).
_NOT_CONTENT = ("action", "ref", "priority")


@dataclass
class TableRow:
    """One action's row: its cells by field, line by line, its notes and the footnotes it cites."""

    place: Place
    group: str | None
    cells: dict[str, list[str]]
    markers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self, name: str) -> str:
        """A field's lines joined, as the Action holds it."""
        return "\n".join(self.cells.get(name, ()))


def empty_cells() -> dict[str, list[str]]:
    return {name: [] for name in FIELDS}


def cell_lines(raw: str) -> list[str]:
    """A cell's lines: one per <p> (or <br>) in HTML cells, else one per line of plain text."""
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


def take_markers(lines: list[str], markers: list[str]) -> list[str]:
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


def _notes_of(name: str | None, header: str, lines: list[str]) -> list[str]:
    if not lines:
        return []
    if name == "notes":
        return lines
    label = _NOTE_LABELS.get(name or "", header or "column")
    return [f"{label}: {' '.join(lines)}"]


def read_cells(
    columns: Columns, cells: tuple[str, ...]
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """A row's text by field, its notes, and the footnotes it cites."""
    markers: list[str] = []
    by_field = empty_cells()
    notes: list[str] = []
    for index, raw in enumerate(cells):
        name = columns.fields[index] if index < len(columns.fields) else None
        header = columns.headers[index] if index < len(columns.headers) else ""
        lines = take_markers(cell_lines(raw), markers)
        if name in ACTION_FIELDS or name in ("priority", "ref"):
            by_field[name].extend(lines)
        else:
            by_field[name or "notes"].extend(lines)
            notes.extend(_notes_of(name, header, lines))
    return by_field, notes, markers


def add_row(
    rows: list[TableRow],
    place: Place,
    group: str | None,
    read: tuple[dict[str, list[str]], list[str], list[str]],
) -> tuple[str | None, str | None]:
    """Add one read row to `rows`; return (the group in force after it, a problem or None)."""
    cells, notes, markers = read
    first = cells["action"]
    others = [name for name in FIELDS if name not in _NOT_CONTENT and cells[name]]
    if not first and not others and not cells["ref"]:
        return group, None
    if first and not others and not cells["ref"]:
        return "\n".join(first), None
    if not first:
        if not rows:
            return group, "table row has no Action text and no row above it to continue"
        previous = rows[-1]
        for name in FIELDS:
            previous.cells[name].extend(cells[name])
        previous.notes.extend(notes)
        previous.markers.extend(m for m in markers if m not in previous.markers)
        return group, None
    rows.append(TableRow(place=place, group=group, cells=cells, markers=markers, notes=notes))
    return group, None
