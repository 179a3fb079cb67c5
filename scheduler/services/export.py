"""Updates as CSV for a spreadsheet: every recorded update, with cells a spreadsheet would
take for a formula (=, +, -, @, and tab or carriage return first) made plain text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from scheduler.domain.display_text import without_controls
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.services.app import Services

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_PIECE = 1000

HEADER = (
    "id", "meeting", "ref", "status", "commentary", "lead", "sender", "received_at",
    "private", "held", "entered_by", "entry_reason", "supersedes",
)  # fmt: skip


def neutralised(value: str) -> str:
    """A cell value a spreadsheet shows as text, never runs: a leading apostrophe where the
    value would start a formula (OWASP's advice for CSV injection)."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def update_cells(u: RecordedUpdate) -> tuple[str, ...]:
    """One update as a row of text cells, each neutralised, in the order of `HEADER`."""
    row: Sequence[object] = (
        u.id,
        u.meeting.isoformat() if u.meeting else "",
        u.ref,
        u.status.value if u.status else "",
        u.text,
        u.lead_name or "",
        u.sender,
        u.received_at.isoformat(),
        "yes" if u.private else "",
        "yes" if u.held else "",
        u.entered_by or "",
        u.entry_reason or "",
        u.supersedes_id or "",
    )
    return tuple(neutralised(without_controls(str(cell))) for cell in row)


def updates_csv(services: Services) -> Iterator[str]:
    """Every recorded update, oldest first, one row each: the CSV's text in pieces, each
    sent as soon as it is written, so a download of years of updates starts at once."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    with services.uow_factory() as uow:
        for count, update in enumerate(uow.updates.each(), start=1):
            writer.writerow(update_cells(update))
            if count % ROWS_PER_PIECE == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()
