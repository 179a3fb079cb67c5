"""An Excel workbook (.xlsx) as layout blocks, sheet by sheet, through openpyxl.

A date cell is written back as the sheet shows it: a cell typed "Mar-13" holds 1 March 2013
formatted without a day, and is read as "March 2013" (the month's end), never as 1 March.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from typing import Any

import openpyxl

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.layout import Block, Layout, Place
from scheduler.domain.plan.sheet_layout import rows_to_blocks


def _shows_day(number_format: str) -> bool:
    """Whether an Excel number format shows the day ("dd/mm/yyyy") or only month and year."""
    plain = "".join(part for part in number_format.split('"')[::2])
    plain = plain.split("]")[-1].lower()
    return "d" in plain


def cell_text(value: Any, number_format: str) -> str:
    """A cell's value as the text a coordinator sees in the sheet."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if not _shows_day(number_format or ""):
            return f"{day:%B %Y}"
        return day.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook_layout(content: bytes, source: str) -> Layout:
    """The blocks of every sheet of a .xlsx file, in order; places are sheet and row."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PlanError(source, None, f"cannot open as an Excel workbook: {exc}") from None
    blocks: list[Block] = []
    for sheet in workbook.worksheets:
        rows = [
            (
                tuple(cell_text(cell.value, cell.number_format) for cell in row),
                Place(sheet=sheet.title, row=row[0].row),
            )
            for row in sheet.iter_rows()
            if row
        ]
        blocks.extend(rows_to_blocks(rows))
    return Layout(tuple(blocks))
