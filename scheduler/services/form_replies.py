"""A lead's update given on the web form, recorded exactly as an emailed reply is.

The form's answers become a message stored like any other (source `web`, kept raw as the
email it amounts to, so the coordinator can read it), and are recorded by the reply path
itself (`reply_recording.record_reading`): the same held-personal-data rule, the same
acknowledgement email, the same "lead replied" that stops the chasers, the same closing time.
A later submission, by form or email, supersedes an earlier one for the same action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from scheduler.domain.display_text import for_display, without_controls
from scheduler.domain.errors import UserError
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.personal_data import find_personal_data
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.reading import MessageReading
from scheduler.domain.replies.records import InboundStatus, StoredMessage
from scheduler.domain.replies.updates import ParsedUpdate, ReplyContent
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.services.app import Services
from scheduler.services.compose import ActionLine, new_message_id, plus_address
from scheduler.services.email_rendering import email_context
from scheduler.services.inbox import arrived_message, dedupe_key
from scheduler.services.lead_links import LeadLink
from scheduler.services.plans import sync_configuration
from scheduler.services.reply_recording import (
    Recording,
    Review,
    check_in_time,
    record_reading,
)
from scheduler.services.unit_of_work import UnitOfWork


class FormRefused(UserError):
    """The form cannot be shown or taken: the reason is for the lead."""


class NothingChosen(FormRefused):
    """No action was given a status: the lead is asked again."""


@dataclass(frozen=True)
class LeadForm:
    """What the lead's form shows: their actions for the meeting, each with its last update."""

    lead_name: str
    meeting: date
    meeting_title: str
    reply_by: date | None
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True)
class FormAnswer:
    """One action's answer; no status means the lead left it for now."""

    ref: str
    status: Status | None
    commentary: str = ""
    private: bool = False


@dataclass(frozen=True)
class FormResult:
    """What came of a submission: the refs recorded, those held, or why it went to review."""

    recorded: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    review_reason: str | None = None


def request_for(uow: UnitOfWork, lead_name: str, meeting: date) -> OutboxMessage | None:
    """The update request that asked `lead_name` about `meeting`, the newest if several."""
    requests = [
        m
        for m in uow.outbox.for_meeting(NotificationKind.UPDATE_REQUEST, meeting)
        if m.lead_name == lead_name and m.status is not OutboxStatus.SKIPPED and m.rendering
    ]
    return max(requests, key=lambda m: m.id or 0) if requests else None


def lead_form(services: Services, link: LeadLink) -> LeadForm:
    """The form for the lead and meeting the link names, as the update request listed them."""
    config = services.config.current()
    with services.uow_factory() as uow:
        request = _request(uow, link)
        plan = config.plan_for(link.meeting)
        ctx = email_context(config, plan, uow, request.notification())
    return LeadForm(
        lead_name=link.lead_name,
        meeting=link.meeting,
        meeting_title=ctx.meeting.title if ctx.meeting else "",
        reply_by=ctx.reply_by,
        actions=ctx.actions,
    )


def submit_form(
    services: Services, link: LeadLink, answers: Sequence[FormAnswer], now: datetime
) -> FormResult:
    """Record the answers as the lead's reply to their update request, in one transaction.

    An answer for an action the request did not ask this lead about refuses the whole form,
    recording nothing. After replies to the meeting close, the form goes to review, as a late
    email would.
    """
    config = services.config.current()
    sync_configuration(services, config, now)
    with services.uow_factory() as uow:
        request = _request(uow, link)
        foreign = [a.ref for a in answers if a.ref not in request.refs]
        if foreign:
            raise FormRefused(f"action {foreign[0]} is not on this form: nothing was recorded")
        given = [_cleaned(a) for a in answers if a.status is not None]
        if not given:
            raise NothingChosen("Choose a status for at least one action")
        stored, raw = _store(services, uow, request, given, now)
        message = read_message(raw)
        parsed = [ParsedUpdate(a.ref, a.status, a.commentary, a.private) for a in given if a.status]
        content = ReplyContent(tuple(parsed), None, ())
        commentary = "\n".join(a.commentary for a in given)
        reading = MessageReading(message, commentary, (), content, find_personal_data(commentary))
        recording = Recording()
        try:
            check_in_time(config, request, stored)
            plan = config.plan_for(link.meeting)
            record_reading(
                services, uow, plan, request, stored, reading, link.lead_name, recording, now
            )
        except Review as review:
            reason = str(review)
            uow.inbound.send_to_review(stored.id, reason, now)
            uow.audit.record(now, "inbound_review", stored.dedupe_key, reason=reason)
            uow.commit()
            return FormResult(review_reason=reason)
        recording.write(uow, now)
        uow.audit.record(
            now,
            "update_form_submitted",
            stored.dedupe_key,
            lead=link.lead_name,
            meeting=link.meeting.isoformat(),
            refs=[a.ref for a in given],
        )
        uow.commit()
    return FormResult(
        recorded=tuple(u.ref for u in recording.updates),
        held=tuple(u.ref for u in recording.updates if u.held_for_review),
    )


def _request(uow: UnitOfWork, link: LeadLink) -> OutboxMessage:
    request = request_for(uow, link.lead_name, link.meeting)
    if request is None:
        raise FormRefused(
            f"no update request went to {link.lead_name} for the meeting of {link.meeting:%d %B %Y}"
        )
    return request


def _cleaned(answer: FormAnswer) -> FormAnswer:
    text = for_display(without_controls(answer.commentary).strip())
    return FormAnswer(answer.ref, answer.status, text, answer.private)


def _store(
    services: Services,
    uow: UnitOfWork,
    request: OutboxMessage,
    answers: Sequence[FormAnswer],
    now: datetime,
) -> tuple[StoredMessage, bytes]:
    """The submission stored and taken as an inbound message, as the email it amounts to."""
    settings = services.settings
    assert request.token is not None
    email = EmailMessage()
    email["From"] = Address(display_name=request.lead_name or "", addr_spec=request.to[0])
    email["To"] = plus_address(settings.reply_to, request.token)
    email["Subject"] = f"Update form: {request.subject}"
    email["Date"] = format_datetime(now)
    email["Message-ID"] = new_message_id(settings.mail_domain)
    if request.message_id:
        email["In-Reply-To"] = request.message_id
    lines = [
        f"{a.ref} {a.status.value if a.status else ''}{' Private' if a.private else ''}: "
        f"{a.commentary}"
        for a in answers
    ]
    email.set_content("Given on the update form.\n\n" + "\n\n".join(lines) + "\n")
    raw = email.as_bytes()
    message = read_message(raw)
    inbound_id = uow.inbound.add(arrived_message(message, dedupe_key(message), raw, now, "web"))
    assert inbound_id is not None  # a new Message-ID of our own
    uow.inbound.take_new(inbound_id)
    stored = uow.inbound.get(inbound_id)
    assert stored is not None and stored.status is not InboundStatus.NEW
    return stored, raw
