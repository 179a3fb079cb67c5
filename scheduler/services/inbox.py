"""Replies: store each inbound message raw, then match, understand, record and acknowledge it.

Every message is committed to `inbound_messages` before anything else is done with it, keyed
by its Message-ID (or a content hash), so fetching it twice or crashing half-way records each
reply once. Whatever cannot be understood is kept for a person ("Needs review"), never dropped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.authentication import authentication_failure
from scheduler.domain.replies.classification import MessageClass
from scheduler.domain.replies.inbound import InboundMessage, read_message
from scheduler.domain.replies.personal_data import find_personal_data
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.reading import MessageReading, understand_read
from scheduler.domain.replies.records import (
    ArrivedMessage,
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
from scheduler.services.plans import sync_configuration
from scheduler.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class IngestResult:
    inbound_id: int
    status: InboundStatus
    duplicate: bool
    classification: str | None
    reason: str | None = None
    updates: int = 0

    @property
    def needs_review(self) -> bool:
        return self.status is InboundStatus.REVIEW

    @classmethod
    def already(cls, message: StoredMessage) -> IngestResult:
        """The result for a message some earlier call (or another poller) dealt with."""
        return cls(message.id, message.status, True, message.classification, message.review_reason)


class _Review(Exception):
    """This message needs a person: the reason goes to the coordinator."""


def ingest_raw(
    services: Services, raw: bytes, now: datetime, *, source: str = "imap"
) -> IngestResult:
    """Store one raw message, then process it unless it was already processed."""
    message = read_message(raw)
    key = dedupe_key(message)
    with services.uow_factory() as uow:
        inbound_id = uow.inbound.add(_arrived(message, key, raw, now, source))
        duplicate = inbound_id is None  # the usual case, a new message, in one statement
        if duplicate:
            key, inbound_id = _stored_under(uow, message, key, raw, now, source)
        uow.commit()
        assert inbound_id is not None
        if duplicate:
            stored = uow.inbound.get(inbound_id)
            assert stored is not None
            if stored.status is not InboundStatus.NEW:
                return IngestResult.already(stored)
    if duplicate:
        log_event("inbound_resumed", inbound_id=inbound_id, message_id=message.message_id)
    return process_inbound(services, inbound_id, now, message)


def _stored_under(
    uow: UnitOfWork, message: InboundMessage, key: str, raw: bytes, now: datetime, source: str
) -> tuple[str, int | None]:
    """The key and id a message already stored under `key` is kept under.

    Another message under a reused Message-ID is kept too, under a key of its own.
    """
    stored = uow.inbound.by_dedupe_key(key)
    if stored is None or not _content_differs(uow, stored.id, message):
        return key, stored.id if stored else None
    key = f"{key}#{message.content_hash[:16]}"
    stored = uow.inbound.by_dedupe_key(key)
    if stored is not None:
        return key, stored.id
    inbound_id = uow.inbound.add(_arrived(message, key, raw, now, source))
    if inbound_id is None:  # stored meanwhile by another poller
        stored = uow.inbound.by_dedupe_key(key)
        inbound_id = stored.id if stored else None
    return key, inbound_id


# Keys stay well inside the audit log's subject column (500), which a Message-ID (up to 998)
# would overflow: the audit log names a message by its key.
MAX_KEY_LENGTH = 300


def dedupe_key(message: InboundMessage) -> str:
    """The Message-ID (or content hash) that makes a message stored once; long ones hashed."""
    key = message.store_key
    if len(key) > MAX_KEY_LENGTH:
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


def _content_differs(uow: UnitOfWork, inbound_id: int, message: InboundMessage) -> bool:
    raw = uow.inbound.raw_of(inbound_id)
    if raw is None:  # purged: nothing to compare, so the same Message-ID is the same message
        return False
    return hashlib.sha256(raw).hexdigest() != message.content_hash


def _arrived(
    message: InboundMessage, key: str, raw: bytes, now: datetime, source: str
) -> ArrivedMessage:
    return ArrivedMessage(
        dedupe_key=key,
        message_id=(message.message_id or "")[:998] or None,
        raw=raw,
        received_at=now,
        source=source,
        from_address=(message.from_address or "")[:320] or None,
        subject=message.subject[:998],
        problems=tuple(message.problems),
        authentication_results="\n".join(message.authentication_results) or None,
    )


def process_inbound(
    services: Services, inbound_id: int, now: datetime, message: InboundMessage | None = None
) -> IngestResult:
    """Process a stored message in one transaction; any failure sends it to review.

    The transaction starts by taking the message from `new`, so of two pollers processing it at
    once one does the work and the other finds it done.
    """
    config = services.config.current()
    sync_configuration(services, config, now)
    try:
        with services.uow_factory() as uow:
            taken = uow.inbound.take_new(inbound_id)
            stored = uow.inbound.get(inbound_id)
            assert stored is not None
            if not taken:
                return IngestResult.already(stored)
            if message is None:  # resumed after a crash: read it again from what was stored
                raw = uow.inbound.raw_of(inbound_id)
                assert raw is not None
                message = read_message(raw)
            result = _process(services, config, uow, stored, now, message)
            uow.commit()
    except _Review as review:
        return _to_review(services, inbound_id, now, str(review))
    except Exception as exc:  # never lose a message to a bug: keep it for a person
        log_event("inbound_failed", logging.ERROR, inbound_id=inbound_id, error=repr(exc))
        return _to_review(services, inbound_id, now, f"could not be processed: {exc!r}")
    log_event(
        "inbound_processed",
        inbound_id=inbound_id,
        classification=result.classification,
        updates=result.updates,
        status=result.status.value,
    )
    return result


def _to_review(services: Services, inbound_id: int, now: datetime, reason: str) -> IngestResult:
    with services.uow_factory() as uow:
        if not uow.inbound.send_to_review(inbound_id, reason, now):
            stored = uow.inbound.get(inbound_id)  # another poller finished it meanwhile
            assert stored is not None
            return IngestResult.already(stored)
        stored = uow.inbound.get(inbound_id)
        assert stored is not None
        uow.audit.record(now, "inbound_review", stored.dedupe_key, reason=reason)
        uow.commit()
    log_event("inbound_needs_review", logging.WARNING, inbound_id=inbound_id, reason=reason)
    return IngestResult(inbound_id, InboundStatus.REVIEW, False, stored.classification, reason)


def _process(
    services: Services,
    config: Configuration,
    uow: UnitOfWork,
    stored: StoredMessage,
    now: datetime,
    message: InboundMessage,
) -> IngestResult:
    classification = message.classification.value
    request = _match(uow, message)
    if message.classification is MessageClass.BOUNCE:
        for address in message.bounced_recipients:
            uow.inbound.mark_address_failing(address.lower(), now, message.classification_reason)
            log_event("address_failing", address=address, inbound_id=stored.id)
        if not message.bounced_recipients:
            raise _Review("a delivery failure report naming no recipient")
        return _done(uow, stored, now, message)
    if message.classification is MessageClass.AUTO_REPLY:
        if message.from_address:
            uow.inbound.record_away(
                message.from_address.lower(),
                request.meeting if request else None,
                now,
                message.away_until,
            )
        return _done(uow, stored, now, message)  # automatic messages get no reply
    if request is None:
        raise _Review("matches no email we sent (no token, In-Reply-To or subject tag)")
    assert request.id is not None
    _check_authenticated(services, message)
    plan = config.plan_for(request.meeting or local_date(now, config.policy.timezone))
    lead_name = _check_sender(config, request, message)
    reading = understand_read(
        message, sent_text=request.body_text, known_refs=_refs_of_lead(plan, request)
    )
    if request.kind is NotificationKind.ACKNOWLEDGEMENT and not reading.content.updates:
        # "thanks" to our acknowledgement: nothing to record
        return _done(uow, stored, now, message, outbox_id=request.id)
    _check_in_time(config, request, stored)
    recorded = _record_updates(services, uow, plan, request, stored, reading, lead_name, now)
    _store_attachments(uow, stored, message, request, lead_name)
    if request.meeting is not None and request.to:
        uow.updates.record_reply(request.meeting, lead_email_key(request.to[0]), now)
    problems = tuple(reading.content.problems)
    _acknowledge(services, uow, stored, message, request, recorded, problems, now)
    done = _done(uow, stored, now, message, outbox_id=request.id)
    return IngestResult(done.inbound_id, done.status, False, classification, updates=len(recorded))


def _refs_of_lead(plan: Plan, request: OutboxMessage) -> tuple[str, ...]:
    """The refs a reply may report on: those asked about, and every action the lead leads."""
    refs = list(request.refs)
    for priority in plan.priorities:
        if priority.lead.name == request.lead_name:
            refs += [a.ref for a in priority.actions if a.ref not in refs]
    return tuple(refs)


def _done(
    uow: UnitOfWork,
    stored: StoredMessage,
    now: datetime,
    message: InboundMessage,
    *,
    outbox_id: int | None = None,
) -> IngestResult:
    """Processed: its outcome is written with everything recorded from it, at commit."""
    classification = message.classification.value
    outcome = Outcome(InboundStatus.PROCESSED, classification, outbox_id, message.away_until)
    uow.inbound.record_outcome(stored.id, outcome, now)
    return IngestResult(stored.id, InboundStatus.PROCESSED, False, classification)


def _match(uow: UnitOfWork, message: InboundMessage) -> OutboxMessage | None:
    """Plus-address token, then In-Reply-To/References, then the subject tag."""
    by_source = dict(message.tokens)
    for source, token in message.tokens:
        if source != "subject":
            found = uow.outbox.by_token(token)
            if found is not None:
                return found
    thread = [message.in_reply_to, *message.references]
    found = uow.outbox.by_message_ids([m for m in thread if m])
    if found is not None:
        return found
    subject_token = by_source.get("subject")
    return uow.outbox.by_token(subject_token) if subject_token else None


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
        raise _Review(failure)


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
        raise _Review(
            f"sender {sender or '(none)'} is not {lead or 'the lead'} or a delegate "
            f"for the email it answers{auth}"
        )
    return lead


def _check_in_time(config: Configuration, request: OutboxMessage, stored: StoredMessage) -> None:
    """Refuse a reply that came after replies to its request's meeting closed.

    It is judged by when it reached us, not by its Date header, which the sender writes.
    """
    if request.meeting is None:
        return
    closes = replies_close_at(request.meeting, config.meetings, config.policy)
    if closes is not None and stored.received_at >= closes:
        raise _Review(late_reason(request.meeting))


def _record_updates(
    services: Services,
    uow: UnitOfWork,
    plan: Plan,
    request: OutboxMessage,
    stored: StoredMessage,
    reading: MessageReading,
    lead_name: str,
    now: datetime,
) -> tuple[RecordedUpdate, ...]:
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
    uow.updates.add_all(updates)
    for update in updates:
        if update.status is Status.COMPLETE:  # the action is done: all its deadlines are met
            uow.plans.complete_milestones(plan_id, update.ref, now)
    for update in updates:
        if update.held_for_review:
            uow.audit.record(
                now,
                "update_held",
                stored.dedupe_key,
                ref=update.ref,
                kinds=list(update.personal_data_kinds),
            )
    return tuple(updates)


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


def _acknowledge(
    services: Services,
    uow: UnitOfWork,
    stored: StoredMessage,
    message: InboundMessage,
    request: OutboxMessage,
    recorded: tuple[RecordedUpdate, ...],
    problems: tuple[str, ...],
    now: datetime,
) -> None:
    """Queue the acknowledgement in the same transaction that records the reply: exactly once.

    It is rendered just before it is sent (`render_queued`), which keeps ingestion quick.
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
    # The key is this message's own, and the message is ours alone (take_new): a plain insert.
    uow.outbox.add_new(new_outbox_message(services, notification, now, context))


def local_date(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()
