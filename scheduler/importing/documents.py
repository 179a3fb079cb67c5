"""A plan document file read into the domain's layout, whatever its format."""

from __future__ import annotations

from pathlib import Path

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.layout import Layout
from scheduler.domain.plan.sheet_layout import read_csv_layout
from scheduler.domain.plan.text_layout import read_text_layout
from scheduler.importing.formats import CSV, EXCEL, PDF, WORD, decode_text, detect_format


def read_document(path: Path) -> tuple[str, Layout]:
    """(format, layout) of the document at `path`; raises PlanError when it cannot be read."""
    source = str(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise PlanError(source, None, "file not found") from None
    except OSError as exc:
        raise PlanError(source, None, f"cannot read: {exc.strerror}") from None
    kind = detect_format(content, path)
    if kind == WORD:
        from scheduler.importing.word import read_word_layout

        return kind, read_word_layout(content, source)
    if kind == EXCEL:
        from scheduler.importing.workbook import read_workbook_layout

        return kind, read_workbook_layout(content, source)
    if kind == PDF:
        from scheduler.importing.pdf import read_pdf_layout

        return kind, read_pdf_layout(content, source)
    text = decode_text(content)
    if kind == CSV:
        return kind, read_csv_layout(text, source)
    return kind, read_text_layout(text, source)
