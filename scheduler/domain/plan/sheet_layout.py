"""Rows of a spreadsheet (a CSV file, a sheet of a workbook) as layout blocks.

A row with one filled cell before any table, or after an empty row, is a line of text (a
title, "Priority 1: Reduce domestic abuse", "Lead: ..."); a run of rows with more is a table.
Inside a table a one-cell row stays a row (a group heading, or a priority heading the
interpreter recognises).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from scheduler.domain.plan.layout import Block, Layout, Paragraph, Place, Row, Table


def _trimmed(cells: Iterable[str]) -> tuple[str, ...]:
    values = [cell.strip() for cell in cells]
    while values and not values[-1]:
        values.pop()
    return tuple(values)


def rows_to_blocks(rows: Iterable[tuple[tuple[str, ...], Place]]) -> list[Block]:
    """Text lines and tables from a sheet's rows, in order."""
    blocks: list[Block] = []
    table: list[Row] = []

    def end_table() -> None:
        if table:
            width = max(len(row.cells) for row in table)
            padded = tuple(Row(r.cells + ("",) * (width - len(r.cells)), r.place) for r in table)
            blocks.append(Table(padded, table[0].place, may_continue=False))
            table.clear()

    for raw, place in rows:
        cells = _trimmed(raw)
        filled = [cell for cell in cells if cell]
        if not filled:
            end_table()
            continue
        if len(filled) == 1 and not table:
            blocks.append(Paragraph(filled[0], place))
            continue
        table.append(Row(cells, place))
    end_table()
    return blocks


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def read_csv_layout(text: str, source: str) -> Layout:
    """The blocks of a CSV file (comma, semicolon or tab separated); places are line numbers."""
    body = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(body, newline=""), _dialect(body))
    rows: list[tuple[tuple[str, ...], Place]] = []
    problems: list[str] = []
    line = 1
    try:
        for record in reader:
            rows.append((tuple(record), Place(line=line)))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(f"{source}:{reader.line_num}: not readable as CSV ({exc}): stopped here")
    return Layout(tuple(rows_to_blocks(rows)), tuple(problems))
