"""A Word document (.docx) as layout blocks: its headings, paragraphs, lists and tables in
reading order, through python-docx. A table row's place is its table and row number; a
paragraph's, its number in the document."""

from __future__ import annotations

import io
import re

import docx
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph as WordParagraph

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.layout import Block, Heading, Layout, Paragraph, Place, Row, Table

_HEADING_STYLE = re.compile(r"^heading\s*(?P<level>[1-9])$", re.IGNORECASE)


def _paragraph_block(paragraph: WordParagraph, number: int) -> Block | None:
    text = paragraph.text.strip()
    if not text:
        return None
    place = Place(paragraph=number)
    style = paragraph.style.name if paragraph.style is not None else ""
    heading = _HEADING_STYLE.match(style or "")
    if heading:
        return Heading(text, place, int(heading["level"]))
    if style == "Title":
        return Heading(text, place, 1)
    numbered = bool(paragraph._p.xpath("./w:pPr/w:numPr"))
    if numbered or (style or "").lower().startswith("list"):
        levels = paragraph._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
        depth = int(levels[0]) if levels and str(levels[0]).isdigit() else 0
        if not levels and (style or "")[-1:].isdigit():
            depth = int((style or "")[-1]) - 1  # "List Bullet 2" is one level in
        return Paragraph(text, place, bullet=True, depth=depth)
    return Paragraph(text, place)


def _table_block(table: WordTable, number: int) -> Table:
    rows: list[Row] = []
    for index, word_row in enumerate(table.rows, 1):
        cells: list[str] = []
        seen: set[int] = set()
        for cell in word_row.cells:
            # A cell merged across columns comes back once per column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        rows.append(Row(tuple(cells), Place(table=number, row=index)))
    return Table(tuple(rows), Place(table=number, row=1), may_continue=False)


def read_word_layout(content: bytes, source: str) -> Layout:
    """The blocks of a .docx file; raises PlanError when it cannot be opened."""
    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        raise PlanError(source, None, f"cannot open as a Word document: {exc}") from None
    blocks: list[Block] = []
    paragraphs = tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, WordTable):
            tables += 1
            blocks.append(_table_block(item, tables))
            continue
        paragraphs += 1
        block = _paragraph_block(item, paragraphs)
        if block is not None:
            blocks.append(block)
    return Layout(tuple(blocks))
