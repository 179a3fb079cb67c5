"""Which format a plan document is in, from its content (its name is only a tie-breaker)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from scheduler.domain.errors import PlanError
from scheduler.domain.plan.columns import field_of
from scheduler.domain.text_encoding import has_utf16_mark

WORD = "docx"
EXCEL = "xlsx"
PDF = "pdf"
CSV = "csv"
MARKDOWN = "markdown"
TEXT = "text"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKDOWN = re.compile(r"(?m)^(?:#{1,6}\s+\S|\s*\|?\s*:?-{3,}:?\s*\|)")


def _zip_format(content: bytes, source: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    except zipfile.BadZipFile:
        raise PlanError(source, None, "looks like a zip file but cannot be opened") from None
    if "word/document.xml" in names:
        return WORD
    if "xl/workbook.xml" in names:
        return EXCEL
    raise PlanError(
        source, None, "a zip file that is neither a Word (.docx) nor an Excel (.xlsx) file"
    )


def _looks_like_csv(text: str) -> bool:
    """The first line with a separator splits into cells of which two name action fields."""
    for line in text.splitlines()[:30]:
        for separator in (",", ";"):
            cells = [cell.strip().strip('"') for cell in line.split(separator)]
            if len(cells) >= 3 and sum(field_of(cell) is not None for cell in cells) >= 2:
                return True
    return False


def detect_format(content: bytes, path: Path) -> str:
    """The document's format; raises PlanError for one that cannot be read (old .doc/.xls)."""
    source = str(path)
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        return _zip_format(content, source)
    if content.startswith(_OLE):
        raise PlanError(
            source,
            None,
            "an old Word or Excel file (.doc, .xls): save it as .docx or .xlsx and import that",
        )
    if b"\x00" in content[:4096] and not has_utf16_mark(content):
        raise PlanError(source, None, "not a document this importer reads (binary content)")
    text = decode_text(content)
    if "\t" not in text and (path.suffix.lower() == ".csv" or _looks_like_csv(text)):
        return CSV
    if path.suffix.lower() in (".md", ".markdown") or _MARKDOWN.search(text):
        return MARKDOWN
    return TEXT


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without a byte order mark) or UTF-16 with one, else Windows-1252 as
    Word saves text."""
    if has_utf16_mark(content):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")
