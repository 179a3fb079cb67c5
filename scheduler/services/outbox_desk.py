"""The outbox for the coordinator: what waits, what went, what failed and why; and sending a
failed email again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from scheduler.domain.audit import AuditEntry
from scheduler.domain.errors import UserError
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.services.app import Services

RECENT_SENT = 100


@dataclass(frozen=True)
class OutboxView:
    waiting: tuple[OutboxMessage, ...]
    failed: tuple[OutboxMessage, ...]
    sent: tuple[OutboxMessage, ...]  # the most recent, newest first
    # Who sent an email again and when, by the email's key (from the audit log).
    retries: dict[str, tuple[AuditEntry, ...]] = field(default_factory=dict)


def outbox_view(services: Services) -> OutboxView:
    with services.uow_factory() as uow:
        waiting = uow.outbox.with_status(OutboxStatus.PENDING, OutboxStatus.SENDING)
        failed = uow.outbox.with_status(OutboxStatus.FAILED)
        sent = uow.outbox.latest_sent(RECENT_SENT)
        shown = (*waiting, *failed, *sent)
        retried: dict[str, list[AuditEntry]] = {}
        for entry in uow.audit.about([m.key for m in shown]):
            if entry.event == "outbox_retry":
                retried.setdefault(entry.subject, []).append(entry)
    return OutboxView(
        tuple(waiting),
        tuple(failed),
        tuple(sent),
        {key: tuple(entries) for key, entries in retried.items()},
    )


def retry_failed(services: Services, message_id: int, by: str, now: datetime) -> OutboxMessage:
    """Send a failed email again, from now, with a fresh set of attempts."""
    with services.uow_factory() as uow:
        message = uow.outbox.get(message_id)
        if message is None or not uow.outbox.retry_failed(message_id, now):
            raise UserError(f"email {message_id} has not failed")
        uow.audit.record(now, "outbox_retry", message.key, by=by, error=message.last_error)
        uow.commit()
    return message
