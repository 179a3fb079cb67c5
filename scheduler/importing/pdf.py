"""A PDF plan (as councils publish them) as layout blocks, through pdfplumber.

Each page's ruled tables are read as tables and the text outside them as lines, in the order
they stand on the page. A cell's lines are wrapped text, so they are joined with spaces. A PDF
without ruled tables gives lines only, which the interpreter reads as text (headings, Lead
lines, bullet lists of actions).
"""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.layout import Block, Layout, Place, Row, Table
from scheduler.domain.plan.text_layout import text_block


def _cell(text: str | None) -> str:
    return " ".join((text or "").split())


def _page_blocks(page: Any, number: int, tables_before: int) -> list[tuple[float, Block]]:
    found = page.find_tables()
    placed: list[tuple[float, Block]] = []
    outside = page
    for index, table in enumerate(found, tables_before + 1):
        rows = [
            Row(tuple(_cell(cell) for cell in cells), Place(page=number, table=index, row=row))
            for row, cells in enumerate(table.extract(), 1)
            if any(_cell(cell) for cell in cells)
        ]
        if rows:
            placed.append((table.bbox[1], Table(tuple(rows), Place(page=number, table=index))))
        outside = outside.outside_bbox(table.bbox)
    for line in outside.extract_text_lines(return_chars=False):
        text = line["text"]
        if text.strip():
            placed.append((line["top"], text_block(text, Place(page=number))))
    return sorted(placed, key=lambda item: item[0])


def read_pdf_layout(content: bytes, source: str) -> Layout:
    """The blocks of every page of a PDF, in reading order; places are page, table and row."""
    blocks: list[Block] = []
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            tables = 0
            for number, page in enumerate(pdf.pages, 1):
                placed = _page_blocks(page, number, tables)
                tables += sum(isinstance(block, Table) for _, block in placed)
                blocks.extend(block for _, block in placed)
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise PlanError(source, None, f"cannot read as a PDF: {exc}") from None
    if not blocks:
        raise PlanError(source, None, "no text in the PDF (a scanned image?): nothing to import")
    return Layout(tuple(blocks))
