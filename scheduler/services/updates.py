"""Updates recorded from leads' replies: listing them, and releasing one held for review."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from scheduler.domain.errors import UserError
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.services.app import Services


def recorded_updates(services: Services, *, held_only: bool = False) -> list[RecordedUpdate]:
    """Every recorded update, oldest first; only those held for personal data if asked."""
    with services.uow_factory() as uow:
        updates = uow.updates.all()
    return [u for u in updates if u.held] if held_only else updates


def release_update(
    services: Services, update_id: int, now: datetime, *, by: str = "cli"
) -> RecordedUpdate:
    """Let an update held for personal data into packs, after the coordinator has checked it."""
    with services.uow_factory() as uow:
        update = uow.updates.get(update_id)
        if update is None:
            raise UserError(f"no update with id {update_id}")
        if not update.held:
            raise UserError(f"update {update_id} is not held for review")
        uow.updates.mark_released(update_id, now)
        uow.audit.record(now, "update_released", str(update_id), ref=update.ref, by=by)
        uow.commit()
    return replace(update, released_at=now)
