"""The outbox as the service sees it: every email meant to be sent, written before it is sent.

A message is recorded under a `key` that says what it is for, so a second attempt to queue
the same email is refused; its status moves pending -> sending (claimed) -> sent, or to
failed or skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from scheduler.domain.schedule.notification import MilestoneRef, Notification, NotificationKind


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker, under a lease
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # decided not worth sending; `reason` says why


@dataclass(frozen=True)
class Rendering:
    """The composed email: what is sent, and what replies are matched and parsed against."""

    subject: str
    body_text: str
    raw: bytes


@dataclass(frozen=True)
class AcknowledgementContext:
    """What an acknowledgement queued as intent needs to be rendered just before sending."""

    inbound_id: int
    problems: tuple[str, ...] = ()
    thread: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboxMessage:
    """One email in the outbox; `id` is None until it is stored."""

    key: str
    kind: NotificationKind
    status: OutboxStatus
    to: tuple[str, ...]
    cc: tuple[str, ...]
    lead_name: str | None
    meeting: date | None
    refs: tuple[str, ...]
    milestones: tuple[MilestoneRef, ...]
    created_at: datetime
    scheduled_for: datetime
    send_after: datetime
    token: str | None = None
    message_id: str | None = None
    reason: str | None = None
    acknowledgement: AcknowledgementContext | None = None
    rendering: Rendering | None = None
    id: int | None = None
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    acceptance_unknown_at: datetime | None = None  # its one resend after a lost reply is used

    @property
    def recipients(self) -> tuple[str, ...]:
        return (*self.to, *self.cc)

    @property
    def subject(self) -> str:
        return self.rendering.subject if self.rendering else ""

    @property
    def body_text(self) -> str:
        return self.rendering.body_text if self.rendering else ""

    def notification(self) -> Notification:
        """The notification this message was queued for, as the templates need it."""
        return Notification(
            key=self.key,
            kind=self.kind,
            send_at=self.scheduled_for,
            to=self.to,
            cc=self.cc,
            lead_name=self.lead_name,
            meeting=self.meeting,
            refs=self.refs,
            milestones=self.milestones,
        )


def queued_message(
    notification: Notification,
    now: datetime,
    *,
    token: str | None = None,
    message_id: str | None = None,
    status: OutboxStatus = OutboxStatus.PENDING,
    reason: str | None = None,
    acknowledgement: AcknowledgementContext | None = None,
    rendering: Rendering | None = None,
) -> OutboxMessage:
    """The outbox entry for a due notification, to be sent from `now`."""
    return OutboxMessage(
        key=notification.key,
        kind=notification.kind,
        status=status,
        to=notification.to,
        cc=notification.cc,
        lead_name=notification.lead_name,
        meeting=notification.meeting,
        refs=notification.refs,
        milestones=notification.milestones,
        created_at=now,
        scheduled_for=notification.send_at,
        send_after=now,
        token=token,
        message_id=message_id,
        reason=reason,
        acknowledgement=acknowledgement,
        rendering=rendering,
    )
