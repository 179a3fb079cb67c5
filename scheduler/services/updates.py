"""Updates recorded from leads' replies: listing them, releasing one held for review (as it
is, or with the personal data edited out), and an update's history from the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from scheduler.domain.audit import AuditEntry
from scheduler.domain.display_text import for_display, without_controls
from scheduler.domain.errors import UserError
from scheduler.domain.replies.personal_data import find_personal_data
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.services.app import Services
from scheduler.services.unit_of_work import UnitOfWork


def recorded_updates(services: Services, *, held_only: bool = False) -> list[RecordedUpdate]:
    """Every recorded update, oldest first; only those held for personal data if asked."""
    with services.uow_factory() as uow:
        return uow.updates.held() if held_only else uow.updates.all()


def newest_updates(services: Services, limit: int) -> list[RecordedUpdate]:
    """The `limit` most recently recorded updates, newest first."""
    with services.uow_factory() as uow:
        return uow.updates.newest(limit)


def _held(uow: UnitOfWork, update_id: int) -> RecordedUpdate:
    update = uow.updates.get(update_id)
    if update is None:
        raise UserError(f"no update with id {update_id}")
    if not update.held:
        raise UserError(f"update {update_id} is not held for review")
    return update


def release_update(
    services: Services, update_id: int, now: datetime, *, by: str = "cli"
) -> RecordedUpdate:
    """Let an update held for personal data into packs, after the coordinator has checked it."""
    with services.uow_factory() as uow:
        update = _held(uow, update_id)
        uow.updates.mark_released(update_id, now)
        uow.audit.record(now, "update_released", str(update_id), ref=update.ref, by=by)
        uow.commit()
    return replace(update, released_at=now)


def release_edited(
    services: Services, update_id: int, text: str, now: datetime, *, by: str
) -> RecordedUpdate:
    """Release a held update with `text`, the personal data edited out, as its commentary.

    The original commentary is kept in the audit log only, never in a pack. Text that still
    looks like personal data is refused.
    """
    text = for_display(without_controls(text).strip())
    still = find_personal_data(text)
    if still:
        raise UserError(f"the commentary still looks like personal data ({', '.join(still)})")
    with services.uow_factory() as uow:
        update = _held(uow, update_id)
        uow.updates.release_edited(update_id, text, now)
        uow.audit.record(
            now, "update_edited", str(update_id), ref=update.ref, by=by, original=update.text
        )
        uow.commit()
    return replace(update, text=text, released_at=now)


def update_history(services: Services, update_id: int) -> tuple[RecordedUpdate, list[AuditEntry]]:
    """An update and what the audit log says was done to it (held, released, edited,
    corrected by a later update), oldest first."""
    with services.uow_factory() as uow:
        update = uow.updates.get(update_id)
        if update is None:
            raise UserError(f"no update with id {update_id}")
        return update, uow.audit.about([str(update_id)])
