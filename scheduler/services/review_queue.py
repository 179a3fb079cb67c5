"""Messages waiting for a person: attach one to a lead's request (it is then recorded as a
reply to it), or set it aside with a reason. Each change is audited with who made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from scheduler.domain.errors import UserError
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.records import InboundStatus, Outcome, StoredMessage
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.services.app import Services
from scheduler.services.form_replies import request_for
from scheduler.services.plans import sync_configuration
from scheduler.services.reply_recording import Recording, record_attached
from scheduler.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RequestChoice:
    """A lead and meeting a message may be attached to: an update request we sent."""

    lead_name: str
    meeting: date


def review_queue(services: Services) -> list[StoredMessage]:
    """Every message waiting for a person, oldest first, with its reason."""
    with services.uow_factory() as uow:
        waiting = uow.inbound.with_status(InboundStatus.REVIEW)
    return sorted(waiting, key=lambda m: (m.received_at, m.id))


def request_choices(services: Services) -> list[RequestChoice]:
    """The leads and meetings update requests went to, newest meeting first."""
    config = services.config.current()
    with services.uow_factory() as uow:
        meetings = sorted({m.date for m in config.meetings}, reverse=True)
        choices = {
            RequestChoice(m.lead_name, meeting)
            for meeting in meetings
            for m in uow.outbox.for_meeting(NotificationKind.UPDATE_REQUEST, meeting)
            if m.lead_name
        }
    return sorted(choices, key=lambda c: (-c.meeting.toordinal(), c.lead_name))


def _waiting(uow: UnitOfWork, inbound_id: int) -> StoredMessage:
    stored = uow.inbound.get(inbound_id)
    if stored is None or stored.status is not InboundStatus.REVIEW:
        raise UserError(f"message {inbound_id} is not waiting for review")
    return stored


def attach_message(
    services: Services, inbound_id: int, lead_name: str, meeting: date, by: str, now: datetime
) -> int:
    """Record a message in review as `lead_name`'s reply for `meeting`; the updates recorded.

    The coordinator vouches for its sender and time; the rest is the reply path's own.
    """
    config = services.config.current()
    sync_configuration(services, config, now)
    with services.uow_factory() as uow:
        stored = _waiting(uow, inbound_id)
        request = request_for(uow, lead_name, meeting)
        if request is None:
            raise UserError(f"no update request went to {lead_name} for {meeting:%d %B %Y}")
        raw = uow.inbound.raw_of(inbound_id)
        if raw is None:
            raise UserError(f"message {inbound_id} was purged: its text is no longer kept")
        recording = Recording()
        done = record_attached(
            services, config, uow, request, stored, read_message(raw), recording, now
        )
        recording.write(uow, now)
        uow.audit.record(
            now,
            "inbound_attached",
            stored.dedupe_key,
            by=by,
            lead=lead_name,
            meeting=meeting.isoformat(),
            updates=done.updates,
        )
        uow.commit()
    return done.updates


def set_aside(services: Services, inbound_id: int, reason: str, by: str, now: datetime) -> None:
    """Take a message out of review without recording anything from it, saying why."""
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise UserError("give a reason for setting the message aside")
    with services.uow_factory() as uow:
        stored = _waiting(uow, inbound_id)
        uow.inbound.record_outcome(inbound_id, Outcome(InboundStatus.PROCESSED, "set_aside"), now)
        uow.audit.record(now, "inbound_set_aside", stored.dedupe_key, by=by, reason=reason)
        uow.commit()
