"""What a pack is made from: the plan, meetings, updates, replies and files the service gathered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from scheduler.domain.pack.settings import PackConfig
from scheduler.domain.pack.statistics import Indicator
from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.progress import ActionUpdate
from scheduler.domain.schedule.meeting import Meeting

PDF_TYPES = {"application/pdf", "application/x-pdf"}


@dataclass(frozen=True)
class PackAttachment:
    """A file a lead sent with a reply; PDFs become appendices, others are listed by name."""

    filename: str
    content_type: str
    payload: bytes
    from_lead: str
    action_ref: str | None = None
    private: bool = False
    received_at: datetime | None = None

    @property
    def is_pdf(self) -> bool:
        return self.content_type.lower() in PDF_TYPES or self.filename.lower().endswith(".pdf")


@dataclass(frozen=True)
class PackInput:
    """Everything a pack is made from, as the service gathered it for one meeting.

    `updates` holds the latest update per ref; `completed_milestones` holds (action ref,
    label) pairs; `addendum_since` makes an addendum of updates received after it; `private`
    builds the private pack, which alone may hold private items and updates.
    """

    plan: Plan
    meeting: Meeting
    previous_meeting: Meeting | None
    next_meeting: Meeting | None
    updates: tuple[ActionUpdate, ...]
    replied_leads: frozenset[str]
    away_leads: Mapping[str, date | None]
    completed_milestones: frozenset[tuple[str, str]]
    statistics: tuple[Indicator, ...]
    attachments: tuple[PackAttachment, ...]
    failed_emails: tuple[str, ...]
    config: PackConfig
    generated_at: datetime
    addendum_since: datetime | None = None
    private: bool = False
