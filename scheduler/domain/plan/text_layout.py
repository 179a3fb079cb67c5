"""Plain text and markdown as layout blocks: tab and pipe tables, '#' headings, bullets, lines.

A table is a run of lines with tabs (a plan copied out of Word) or pipes (markdown). A row cut
short, as when a cell wraps onto the next line in a copy, is joined with the lines after it
until it has the header's cells, when that adds up; otherwise it is kept, padded, and named as
a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scheduler.domain.plan.layout import Block, Heading, Layout, Paragraph, Place, Row, Table

_HEADING = re.compile(r"^\s{0,3}(?P<marks>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+\u2022\u2023\u25e6\u25aa\u2013])\s+(?P<text>\S.*)$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ESCAPED_PIPE = "\x00"


@dataclass
class _TableRun:
    """The rows of the table being read, and a row waiting for the rest of its cells."""

    kind: str  # "tab" or "pipe"
    width: int
    rows: list[Row]
    first_line: int
    pending: list[str] | None = None
    pending_line: int = 0
    # A line without tabs held back: the first part of a row whose first cell wraps, or text.
    held: tuple[int, str] | None = None


def _tab_cells(line: str) -> list[str]:
    return line.split("\t")


def _pipe_cells(line: str) -> list[str]:
    text = line.strip().replace("\\|", _ESCAPED_PIPE)
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip().replace(_ESCAPED_PIPE, "|") for cell in text.split("|")]


def _is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and stripped.count("|") >= 2


class _TextReader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.blocks: list[Block] = []
        self.problems: list[str] = []
        self.table: _TableRun | None = None

    def read(self, text: str) -> Layout:
        lines = text.lstrip("\ufeff").splitlines()
        for number, line in enumerate(lines, 1):
            self.line(number, line)
        self.end_table()
        return Layout(tuple(self.blocks), tuple(self.problems))

    def line(self, number: int, line: str) -> None:
        kind = "tab" if "\t" in line else "pipe" if _is_pipe_row(line) else None
        if self.table is not None and kind == "pipe" and _PIPE_SEPARATOR.match(line):
            return
        if kind is not None and self.table is not None and self.table.kind == kind:
            self.cells(number, _tab_cells(line) if kind == "tab" else _pipe_cells(line))
            return
        if kind is None and self.table is not None and self.table.pending and line.strip():
            self.cells(number, [line.strip()])  # a wrapped cell's next line
            return
        table = self.table
        held_back = table is not None and table.kind == "tab" and table.held is None
        if kind is None and held_back and line.strip():
            assert table is not None
            table.held = (number, line.strip())
            return
        self.end_table()
        if kind is not None:
            cells = _tab_cells(line) if kind == "tab" else _pipe_cells(line)
            self.table = _TableRun(kind, len(cells), [], number)
            self.table.rows.append(self.row(cells, number))
            return
        self.text_line(number, line)

    def text_line(self, number: int, line: str) -> None:
        if line.strip():
            self.blocks.append(text_block(line, Place(line=number)))

    def row(self, cells: list[str], number: int) -> Row:
        return Row(tuple(cells), Place(line=number))

    def cells(self, number: int, cells: list[str]) -> None:
        table = self.table
        assert table is not None
        if table.held is not None:
            held_line, held_text = table.held
            table.held = None
            if len(cells) == table.width and table.pending is None:
                cells = [f"{held_text} {cells[0]}".strip(), *cells[1:]]
                number = held_line
            else:
                self.end_table()
                self.text_line(held_line, held_text)
                self.table = _TableRun(table.kind, len(cells), [], number)
                self.table.rows.append(self.row(cells, number))
                return
        if table.pending is not None:
            joined = len(table.pending) + len(cells) - 1
            if joined <= table.width:
                table.pending[-1] = f"{table.pending[-1]} {cells[0]}".strip()
                table.pending.extend(cells[1:])
                if len(table.pending) == table.width:
                    table.rows.append(self.row(table.pending, table.pending_line))
                    table.pending = None
                return
            self.short_row()
        if 0 < len(cells) < table.width and table.kind == "tab":
            table.pending, table.pending_line = list(cells), number
            return
        table.rows.append(self.row(cells, number))

    def short_row(self) -> None:
        """A row that stays short: kept with empty cells to the right, and reported."""
        table = self.table
        assert table is not None and table.pending is not None
        cells = table.pending
        self.problems.append(
            f"{self.source}:{table.pending_line}: table row has {len(cells)} cells but the"
            f" header has {table.width}: the cells are read from the left"
        )
        table.rows.append(self.row(cells + [""] * (table.width - len(cells)), table.pending_line))
        table.pending = None

    def end_table(self) -> None:
        table = self.table
        if table is None:
            return
        if table.pending is not None:
            self.short_row()
        self.blocks.append(Table(tuple(table.rows), Place(line=table.first_line)))
        self.table = None
        if table.held is not None:
            self.text_line(*table.held)


def text_block(line: str, place: Place) -> Heading | Paragraph:
    """One line of text as a block: a '#' heading, a bullet (with its depth) or a paragraph."""
    heading = _HEADING.match(line)
    if heading:
        return Heading(heading["text"], place, len(heading["marks"]))
    bullet = _BULLET.match(line)
    if bullet:
        depth = len(bullet["indent"].expandtabs(4)) // 2
        return Paragraph(bullet["text"].rstrip(), place, bullet=True, depth=depth)
    return Paragraph(line, place)


def read_text_layout(text: str, source: str) -> Layout:
    """The blocks of a plain text or markdown document; places are line numbers."""
    return _TextReader(source).read(text)
