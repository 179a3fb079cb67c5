"""A plan document as neutral blocks: headings, paragraphs and tables, each with its place.

Every format (text, markdown, CSV, Word, Excel, PDF) is turned into this shape by a reader;
`document.py` then interprets it the same way whatever the format was. A place says where a
block came from in terms the coordinator can find: a line of a text file, a page of a PDF, a
sheet and row of a workbook, a table and row of a Word document.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where something is in its document; the parts that do not apply are None."""

    line: int | None = None
    page: int | None = None
    sheet: str | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None

    def parts(self) -> str:
        """ "page 2, table 1, row 3" (empty when only a line is known)."""
        named = [
            f"page {self.page}" if self.page is not None else "",
            f"sheet {self.sheet!r}" if self.sheet is not None else "",
            f"paragraph {self.paragraph}" if self.paragraph is not None else "",
            f"table {self.table}" if self.table is not None else "",
            f"row {self.row}" if self.row is not None else "",
        ]
        return ", ".join(part for part in named if part)

    def of(self, source: str) -> str:
        """The place in a message: "plan.txt:41" for a line, else "plan.pdf (page 2, row 3)"."""
        parts = self.parts()
        if self.line is not None and not parts:
            return f"{source}:{self.line}"
        if self.line is not None:
            return f"{source}:{self.line} ({parts})"
        return f"{source} ({parts})" if parts else source


@dataclass(frozen=True)
class Heading:
    """A heading the format marks as one (markdown '#', a Word heading style); level 1 is top."""

    text: str
    place: Place
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A line or paragraph of text; a bullet item knows how deeply it is indented (0 is top)."""

    text: str
    place: Place
    bullet: bool = False
    depth: int = 0


@dataclass(frozen=True)
class Row:
    """One row of a table: its cells' text (a cell's lines joined by newlines) and its place."""

    cells: tuple[str, ...]
    place: Place


@dataclass(frozen=True)
class Table:
    """A table as the document lays it out; the interpreter decides which row is a header.

    `may_continue` says whether a table without a header of its own may be the rest of the
    table before it (a table broken by a page, or by a blank line in text); a spreadsheet's
    tables, separated by empty rows, may not.
    """

    rows: tuple[Row, ...]
    place: Place
    may_continue: bool = True


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Layout:
    """The whole document in reading order, with problems its reader met (already placed)."""

    blocks: tuple[Block, ...]
    problems: tuple[str, ...] = ()
