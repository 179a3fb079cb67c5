"""Updates and RAG by quarter as an Excel workbook: a sheet of every update (the CSV's rows)
and a sheet of each priority's RAG at each meeting. Text cells a spreadsheet would take for a
formula are neutralised as in the CSV."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from scheduler.domain.display_text import without_controls
from scheduler.domain.replies.quarters import STATUS_ORDER, rag_by_meeting
from scheduler.services.app import Services
from scheduler.services.export import HEADER, neutralised, update_cells
from scheduler.services.priorities import current_plan, plan_meetings

RAG_HEADER = ("meeting", "priority", "title", "lead", *STATUS_ORDER)


def updates_workbook(services: Services, now: datetime) -> bytes:
    """The workbook's bytes (.xlsx): every update, and the plan in force's RAG by quarter."""
    config, plan = current_plan(services, now)
    with services.uow_factory() as uow:
        updates = uow.updates.all()
        plan_id = uow.plans.id_of(plan.name)
    book = Workbook(write_only=True)
    sheet: Worksheet = book.create_sheet("Updates")
    sheet.append(HEADER)
    for update in updates:
        # An empty cell is left out rather than written empty: it reads the same, and most
        # rows have several, each costing the writer as much as a full one.
        sheet.append([cell or None for cell in update_cells(update)])
    rag = book.create_sheet("RAG by quarter")
    rag.append(RAG_HEADER)
    in_plan = [u for u in updates if u.plan_id == plan_id]
    for quarter in rag_by_meeting(plan, in_plan, plan_meetings(config, plan)):
        for p in quarter.priorities:
            text = (quarter.meeting.isoformat(), p.ref, p.title, p.lead_name)
            rag.append([_text(t) for t in text] + [count for _, count in p.counts])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: str) -> str:
    return neutralised(without_controls(value))
