"""When a meeting's pack was compiled, and which updates came after it (for the addendum)."""

from __future__ import annotations

from datetime import date, datetime

from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.services.unit_of_work import UnitOfWork


def pack_compiled_at(uow: UnitOfWork, meeting: date) -> datetime | None:
    """When the pack emailed for the meeting was rendered (what it shows is as of then)."""
    return uow.outbox.first_rendered_at(NotificationKind.AGENDA_PACK, meeting)


def late_updates(uow: UnitOfWork, meeting: date) -> list[RecordedUpdate]:
    """Publishable updates for the meeting recorded after its pack was compiled."""
    compiled = pack_compiled_at(uow, meeting)
    if compiled is None:
        return []
    return [u for u in uow.updates.for_meeting_after(meeting, compiled) if u.publishable]
