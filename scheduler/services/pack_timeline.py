"""When a meeting's pack was compiled, and which updates came after it (for the addendum)."""

from __future__ import annotations

from datetime import date, datetime

from scheduler.adapters.orm import UpdateRow
from scheduler.adapters.unit_of_work import UnitOfWork
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.schedule.notification import NotificationKind


def pack_compiled_at(uow: UnitOfWork, meeting: date) -> datetime | None:
    """When the pack emailed for the meeting was rendered (what it shows is as of then)."""
    for row in uow.outbox.for_meeting(NotificationKind.AGENDA_PACK.value, meeting):
        if row.raw is not None:
            return row.created_at
    return None


def is_publishable(update: UpdateRow) -> bool:
    """Not private, and not held for personal data unless the coordinator released it."""
    return not update.private and not (update.held_for_review and update.released_at is None)


def late_updates(uow: UnitOfWork, meeting: date) -> list[UpdateRow]:
    """Publishable updates for the meeting recorded after its pack was compiled."""
    compiled = pack_compiled_at(uow, meeting)
    if compiled is None:
        return []
    return [
        update
        for update in uow.updates.received_after(compiled)
        if update.meeting == meeting and is_publishable(update)
    ]


def as_action_update(row: UpdateRow) -> ActionUpdate:
    return ActionUpdate(
        ref=row.ref,
        status=Status(row.status) if row.status else None,
        text=row.text,
        received_at=row.received_at,
        sender=row.sender,
        meeting=row.meeting.isoformat() if row.meeting else None,
        unstructured=row.unstructured,
        private=row.private,
        held_for_review=row.held_for_review and row.released_at is None,
    )
