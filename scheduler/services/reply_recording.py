"""What one stored reply records: matched to our email, checked, read, and written down.

Processing a poll's messages shares one transaction, so the lookups are made once for all of
them (`Requests`) and the common writes are gathered (`Recording`) and made together at the
end. Every check comes before a message's first write: a message found to need a person
(`Review`) leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.authentication import authentication_failure
from scheduler.domain.replies.classification import MessageClass
from scheduler.domain.replies.inbound import InboundMessage
from scheduler.domain.replies.personal_data import find_personal_data
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.reading import MessageReading, understand_read
from scheduler.domain.replies.records import (
    InboundStatus,
    Outcome,
    ReceivedAttachment,
    RecordedUpdate,
    StoredMessage,
)
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import AcknowledgementContext, OutboxMessage
from scheduler.domain.schedule.recipients import lead_email_key
from scheduler.domain.schedule.reply_window import late_reason, replies_close_at
from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration
from scheduler.services.email_rendering import new_outbox_message
from scheduler.services.unit_of_work import UnitOfWork


class Review(Exception):
    """This message needs a person: the reason goes to the coordinator."""


@dataclass(frozen=True)
class Processed:
    """What came of one message: its outcome and how many updates it recorded."""

    classification: str
    updates: int = 0


@dataclass
class Recording:
    """The writes of many messages, made in one go: a few statements for a whole poll."""

    updates: list[RecordedUpdate] = field(default_factory=list)
    completed: dict[int | None, set[str]] = field(default_factory=dict)
    replies: set[tuple[date, str]] = field(default_factory=set)
    acknowledgements: list[OutboxMessage] = field(default_factory=list)
    outcomes: list[tuple[int, Outcome]] = field(default_factory=list)

    def take(self, other: Recording) -> None:
        self.updates += other.updates
        for plan_id, refs in other.completed.items():
            self.completed.setdefault(plan_id, set()).update(refs)
        self.replies |= other.replies
        self.acknowledgements += other.acknowledgements
        self.outcomes += other.outcomes

    def write(self, uow: UnitOfWork, now: datetime) -> None:
        uow.updates.add_all(self.updates)
        for plan_id, refs in self.completed.items():  # the actions are done: deadlines met
            uow.plans.complete_milestones(plan_id, sorted(refs), now)
        uow.updates.record_replies(self.replies, now)
        uow.outbox.add_new(*self.acknowledgements)
        uow.inbound.record_outcomes(self.outcomes, now)


class Requests:
    """Our emails the messages of a batch may answer, looked up once for all of them."""

    def __init__(self, uow: UnitOfWork, messages: Sequence[InboundMessage]) -> None:
        tokens = {token for m in messages for _, token in m.tokens}
        thread = {i for m in messages for i in (m.in_reply_to, *m.references) if i}
        self._by_token = uow.outbox.with_tokens(tokens)
        self._by_message_id = uow.outbox.with_message_ids(thread)

    def answered_by(self, message: InboundMessage) -> OutboxMessage | None:
        """Plus-address token, then In-Reply-To/References, then the subject tag."""
        for source, token in message.tokens:
            if source != "subject" and token in self._by_token:
                return self._by_token[token]
        thread = [message.in_reply_to, *message.references]
        found = [self._by_message_id[i] for i in thread if i and i in self._by_message_id]
        if found:
            return max(found, key=lambda m: m.id or 0)
        subject_token = dict(message.tokens).get("subject")
        return self._by_token.get(subject_token) if subject_token else None


def record_message(
    services: Services,
    config: Configuration,
    uow: UnitOfWork,
    requests: Requests,
    stored: StoredMessage,
    message: InboundMessage,
    recording: Recording,
    now: datetime,
) -> Processed:
    """Record what one message says; `Review` (before any write) when a person must look."""
    request = requests.answered_by(message)
    if message.classification is MessageClass.BOUNCE:
        if not message.bounced_recipients:
            raise Review("a delivery failure report naming no recipient")
        for address in message.bounced_recipients:
            uow.inbound.mark_address_failing(address.lower(), now, message.classification_reason)
            log_event("address_failing", address=address, inbound_id=stored.id)
        return _done(recording, stored, message)
    if message.classification is MessageClass.AUTO_REPLY:
        if message.from_address:
            uow.inbound.record_away(
                message.from_address.lower(),
                request.meeting if request else None,
                now,
                message.away_until,
            )
        return _done(recording, stored, message)  # automatic messages get no reply
    if request is None:
        raise Review("matches no email we sent (no token, In-Reply-To or subject tag)")
    assert request.id is not None
    _check_authenticated(services, message)
    plan = config.plan_for(request.meeting or local_date(now, config.policy.timezone))
    lead_name = _check_sender(config, request, message)
    reading = understand_read(
        message, sent_text=request.body_text, known_refs=refs_of_lead(plan, request)
    )
    if request.kind is NotificationKind.ACKNOWLEDGEMENT and not reading.content.updates:
        # "thanks" to our acknowledgement: nothing to record
        return _done(recording, stored, message, outbox_id=request.id)
    check_in_time(config, request, stored)
    return record_reading(services, uow, plan, request, stored, reading, lead_name, recording, now)


def record_attached(
    services: Services,
    config: Configuration,
    uow: UnitOfWork,
    request: OutboxMessage,
    stored: StoredMessage,
    message: InboundMessage,
    recording: Recording,
    now: datetime,
) -> Processed:
    """Record a message the coordinator has attached to a request, as a reply to it.

    The coordinator vouches for the sender and the time, so only the reading is the usual one.
    """
    assert request.id is not None
    plan = config.plan_for(request.meeting or local_date(now, config.policy.timezone))
    reading = understand_read(
        message, sent_text=request.body_text, known_refs=refs_of_lead(plan, request)
    )
    lead_name = request.lead_name or ""
    return record_reading(services, uow, plan, request, stored, reading, lead_name, recording, now)


def record_reading(
    services: Services,
    uow: UnitOfWork,
    plan: Plan,
    request: OutboxMessage,
    stored: StoredMessage,
    reading: MessageReading,
    lead_name: str,
    recording: Recording,
    now: datetime,
) -> Processed:
    """Record what a reply to `request` says, checked already: its updates (held where they
    look like personal data), the lead's reply for the meeting, the acknowledgement."""
    message = reading.message
    classification = message.classification.value
    recorded = _record_updates(services, uow, plan, request, stored, reading, lead_name, now)
    recording.updates += recorded
    for update in recorded:
        if update.status is Status.COMPLETE:
            recording.completed.setdefault(update.plan_id, set()).add(update.ref)
    _store_attachments(uow, stored, message, request, lead_name)
    if request.meeting is not None and request.to:
        recording.replies.add((request.meeting, lead_email_key(request.to[0])))
    problems = tuple(reading.content.problems)
    recording.acknowledgements.append(
        _acknowledgement(services, stored, message, request, recorded, problems, now)
    )
    _done(recording, stored, message, outbox_id=request.id)
    return Processed(classification, updates=len(recorded))


def refs_of_lead(plan: Plan, request: OutboxMessage) -> tuple[str, ...]:
    """The refs a reply may report on: those asked about, and every action the lead leads."""
    refs = list(request.refs)
    for priority in plan.priorities:
        if priority.lead.name == request.lead_name:
            refs += [a.ref for a in priority.actions if a.ref not in refs]
    return tuple(refs)


def _done(
    recording: Recording,
    stored: StoredMessage,
    message: InboundMessage,
    *,
    outbox_id: int | None = None,
) -> Processed:
    """Processed: its outcome is written with everything recorded from it, at commit."""
    classification = message.classification.value
    outcome = Outcome(InboundStatus.PROCESSED, classification, outbox_id, message.away_until)
    recording.outcomes.append((stored.id, outcome))
    return Processed(classification)


def _check_authenticated(services: Services, message: InboundMessage) -> None:
    """Refuse a reply whose sender the trusted mail server could not authenticate.

    Without a trusted server nothing is refused here: any other server's verdict, or one the
    sender wrote, says nothing about who sent the message.
    """
    trusted = services.settings.trusted_authserv_id
    if trusted is None:
        return
    failure = authentication_failure(message.authentication_results, trusted)
    if failure is not None:
        raise Review(failure)


def _check_sender(config: Configuration, request: OutboxMessage, message: InboundMessage) -> str:
    """The lead's name if the sender is the lead the request went to or their delegate."""
    sender = (message.from_address or "").lower()
    lead = request.lead_name or ""
    allowed = {a.lower() for a in request.to}
    allowed.update(a.lower() for a in config.people.delegates_for(lead))
    if not sender or sender not in allowed:
        auth = (
            f"; Authentication-Results: {message.authentication_results[0]}"
            if (message.authentication_results)
            else ""
        )
        raise Review(
            f"sender {sender or '(none)'} is not {lead or 'the lead'} or a delegate "
            f"for the email it answers{auth}"
        )
    return lead


def check_in_time(config: Configuration, request: OutboxMessage, stored: StoredMessage) -> None:
    """Refuse a reply that came after replies to its request's meeting closed.

    It is judged by when it reached us, not by its Date header, which the sender writes.
    """
    if request.meeting is None:
        return
    closes = replies_close_at(request.meeting, config.meetings, config.policy)
    if closes is not None and stored.received_at >= closes:
        raise Review(late_reason(request.meeting))


def _record_updates(
    services: Services,
    uow: UnitOfWork,
    plan: Plan,
    request: OutboxMessage,
    stored: StoredMessage,
    reading: MessageReading,
    lead_name: str,
    now: datetime,
) -> list[RecordedUpdate]:
    """One update per action ref named, else the whole text on the lead's priorities.

    An update whose own commentary looks like personal data is held for the coordinator; the
    others of the same reply go into packs as usual.
    """
    sender = (reading.message.from_address or "").lower()
    plan_id = services.plan_ids.get(plan.name) or uow.plans.id_of(plan.name)
    if plan_id is not None:
        services.plan_ids[plan.name] = plan_id  # plans are never deleted: the id stays

    def recorded(
        ref: str,
        status: Status | None,
        text: str,
        *,
        private: bool = False,
        unstructured: bool = False,
    ) -> RecordedUpdate:
        kinds = find_personal_data(text)
        return RecordedUpdate(
            ref=ref,
            status=status,
            text=text,
            received_at=now,
            sender=sender,
            lead_name=lead_name,
            meeting=request.meeting,
            inbound_id=stored.id,
            plan_id=plan_id,
            held_for_review=bool(kinds),
            personal_data_kinds=kinds,
            private=private,
            unstructured=unstructured,
        )

    updates = [
        recorded(parsed.ref, parsed.status, parsed.text, private=parsed.private)
        for parsed in reading.content.updates
    ]
    text = reading.content.unstructured_text
    if text:
        updates += [
            recorded(ref, None, text, unstructured=True) for ref in _priorities_of(plan, request)
        ]
    for update in updates:
        if update.held_for_review:
            uow.audit.record(
                now,
                "update_held",
                stored.dedupe_key,
                ref=update.ref,
                kinds=list(update.personal_data_kinds),
            )
    return updates


def _priorities_of(plan: Plan, request: OutboxMessage) -> list[str]:
    refs = set(request.refs)
    found = [p.ref for p in plan.priorities if any(a.ref in refs for a in p.actions)]
    if found:
        return found
    lead = request.lead_name
    return [p.ref for p in plan.priorities if p.lead.name == lead]


def _store_attachments(
    uow: UnitOfWork,
    stored: StoredMessage,
    message: InboundMessage,
    request: OutboxMessage,
    lead: str,
) -> None:
    for attachment in message.attachments:
        if attachment.content_type in ("text/calendar",):
            continue
        uow.inbound.add_attachment(
            ReceivedAttachment(
                inbound_id=stored.id,
                filename=attachment.filename or "attachment",
                content_type=attachment.content_type,
                payload=attachment.payload,
                lead_name=lead,
                meeting=request.meeting,
            )
        )


def _acknowledgement(
    services: Services,
    stored: StoredMessage,
    message: InboundMessage,
    request: OutboxMessage,
    recorded: Sequence[RecordedUpdate],
    problems: tuple[str, ...],
    now: datetime,
) -> OutboxMessage:
    """The acknowledgement, queued in the transaction that records the reply: exactly once.

    It is rendered just before it is sent (`render_queued`), which keeps ingestion quick; its
    key is this message's own, and the message is ours alone (taken), so it is a plain insert.
    """
    assert message.from_address is not None
    notification = Notification(
        key=f"acknowledgement/{stored.dedupe_key}",
        kind=NotificationKind.ACKNOWLEDGEMENT,
        send_at=now,
        to=(message.from_address,),
        lead_name=request.lead_name,
        meeting=request.meeting,
        refs=tuple(u.ref for u in recorded),
    )
    thread = tuple(m for m in (request.message_id, message.message_id) if m)
    context = AcknowledgementContext(stored.id, problems, thread)
    return new_outbox_message(services, notification, now, context)


def local_date(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()
