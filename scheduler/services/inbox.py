"""Replies: store each inbound message raw, then match, understand, record and acknowledge it.

Every message is committed to `inbound_messages` before anything else is done with it, keyed
by its Message-ID (or a content hash), so fetching it twice or crashing half-way records each
reply once. Whatever cannot be understood is kept for a person ("Needs review"), never dropped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.adapters.imap_mailbox import ImapMailbox, ImapSettings, MailboxError
from scheduler.adapters.orm import AttachmentRow, InboundRow, OutboxRow, UpdateRow
from scheduler.adapters.unit_of_work import UnitOfWork
from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.classification import MessageClass
from scheduler.domain.replies.inbound import (
    InboundMessage,
    MessageReading,
    read_message,
    understand_read,
)
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.schedule.due import lead_email_key
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration
from scheduler.services.delivery import deliver_pending
from scheduler.services.plans import sync_configuration
from scheduler.services.reminders import new_outbox_row, render_queued


class InboundStatus:
    NEW = "new"  # stored, not yet processed
    PROCESSED = "processed"
    REVIEW = "review"  # a person must look


@dataclass(frozen=True)
class IngestResult:
    inbound_id: int
    status: str
    duplicate: bool
    classification: str | None
    reason: str | None = None
    updates: int = 0

    @property
    def needs_review(self) -> bool:
        return self.status == InboundStatus.REVIEW


class _Review(Exception):
    """This message needs a person: the reason goes to the coordinator."""


def ingest_raw(
    services: Services, raw: bytes, now: datetime, *, source: str = "imap"
) -> IngestResult:
    """Store one raw message, then process it unless it was already processed."""
    message = read_message(raw)
    key = dedupe_key(message)
    with services.uow_factory() as uow:
        new = _new_row(message, key, raw, now, source)
        duplicate = not uow.inbound.add(new)  # the usual case, a new message, in one statement
        row: InboundRow | None = new
        if duplicate:
            row = uow.inbound.get_by_dedupe_key(key)
            if row is not None and _content_differs(row, message):
                # Another message under a reused Message-ID: keep it too, under its own key.
                key = f"{key}#{message.content_hash[:16]}"
                row = uow.inbound.get_by_dedupe_key(key)
                if row is None:
                    row = _new_row(message, key, raw, now, source)
                    duplicate = not uow.inbound.add(row)
                    if duplicate:
                        row = uow.inbound.get_by_dedupe_key(key)
        uow.commit()
        assert row is not None
        inbound_id, status = row.id, row.status
        if status != InboundStatus.NEW:
            return IngestResult(inbound_id, status, True, row.classification, row.review_reason)
    if duplicate:
        log_event("inbound_resumed", inbound_id=inbound_id, message_id=message.message_id)
    return process_inbound(services, inbound_id, now, message)


MAX_KEY_LENGTH = 300


def dedupe_key(message: InboundMessage) -> str:
    """The Message-ID (or content hash) that makes a message stored once; long ones hashed."""
    key = message.store_key
    if len(key) > MAX_KEY_LENGTH:
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


def _content_differs(row: InboundRow, message: InboundMessage) -> bool:
    if row.raw is None:  # purged: nothing to compare, so the same Message-ID is the same message
        return False
    return hashlib.sha256(row.raw).hexdigest() != message.content_hash


def _new_row(
    message: InboundMessage, key: str, raw: bytes, now: datetime, source: str
) -> InboundRow:
    return InboundRow(
        dedupe_key=key,
        message_id=(message.message_id or "")[:998] or None,
        raw=raw,
        received_at=now,
        source=source,
        status=InboundStatus.NEW,
        from_address=(message.from_address or "")[:320] or None,
        subject=message.subject[:998],
        problems=list(message.problems),
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
            if not uow.inbound.take_new(inbound_id):
                row = uow.inbound.get_by_id(inbound_id)
                assert row is not None
                return IngestResult(
                    inbound_id, row.status, True, row.classification, row.review_reason
                )
            row = uow.inbound.get_by_id(inbound_id)
            assert row is not None
            if message is None:  # resumed after a crash: read it again from what was stored
                assert row.raw is not None
                message = read_message(row.raw)
            with uow.session.no_autoflush:  # type: ignore[union-attr]  # one write at commit
                result = _process(services, config, uow, row, now, message)
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
        status=result.status,
    )
    return result


def _to_review(services: Services, inbound_id: int, now: datetime, reason: str) -> IngestResult:
    with services.uow_factory() as uow:
        row = uow.inbound.get_by_id(inbound_id)
        assert row is not None
        if row.status != InboundStatus.NEW:  # another poller finished it meanwhile
            return IngestResult(inbound_id, row.status, True, row.classification, row.review_reason)
        row.status, row.review_reason, row.processed_at = InboundStatus.REVIEW, reason, now
        uow.audit.record(now, "inbound_review", row.message_id or row.dedupe_key, reason=reason)
        classification = row.classification
        uow.commit()
    log_event("inbound_needs_review", logging.WARNING, inbound_id=inbound_id, reason=reason)
    return IngestResult(inbound_id, InboundStatus.REVIEW, False, classification, reason)


def _process(
    services: Services,
    config: Configuration,
    uow: UnitOfWork,
    row: InboundRow,
    now: datetime,
    message: InboundMessage,
) -> IngestResult:
    row.classification = message.classification.value
    request = _match(uow, message)
    if message.classification is MessageClass.BOUNCE:
        for address in message.bounced_recipients:
            uow.inbound.mark_address_failing(address.lower(), now, message.classification_reason)
            log_event("address_failing", address=address, inbound_id=row.id)
        if not message.bounced_recipients:
            raise _Review("a delivery failure report naming no recipient")
        return _done(row, now, message)
    if message.classification is MessageClass.AUTO_REPLY:
        if message.from_address:
            uow.inbound.record_away(
                message.from_address.lower(),
                request.meeting if request else None,
                now,
                message.away_until,
            )
        return _done(row, now, message)  # never answered: automatic messages get no reply
    if request is None:
        raise _Review("matches no email we sent (no token, In-Reply-To or subject tag)")
    row.outbox_id = request.id
    plan = config.plan_for(request.meeting or local_date(now, config.policy.timezone))
    lead_name = _check_sender(config, plan, request, message)
    reading = understand_read(
        message, sent_text=request.body_text, known_refs=_refs_of_lead(plan, request)
    )
    if request.kind == NotificationKind.ACKNOWLEDGEMENT.value and not reading.content.updates:
        return _done(row, now, message)  # "thanks" to our acknowledgement: nothing to record
    recorded = _record_updates(services, uow, plan, request, row, reading, lead_name, now)
    _store_attachments(uow, row, message, request, lead_name)
    if request.meeting is not None and request.to_addresses:
        uow.updates.record_reply(request.meeting, lead_email_key(request.to_addresses[0]), now)
    problems = tuple(reading.content.problems)
    _acknowledge(services, uow, row, message, request, recorded, problems, now)
    result = _done(row, now, message)
    return IngestResult(
        result.inbound_id, result.status, False, result.classification, updates=len(recorded)
    )


def _refs_of_lead(plan: Plan, request: OutboxRow) -> tuple[str, ...]:
    """The refs a reply may report on: those asked about, and every action the lead leads."""
    refs = list(request.refs)
    for priority in plan.priorities:
        if priority.lead.name == request.lead_name:
            refs += [a.ref for a in priority.actions if a.ref not in refs]
    return tuple(refs)


def _done(row: InboundRow, now: datetime, message: InboundMessage) -> IngestResult:
    row.status, row.processed_at = InboundStatus.PROCESSED, now
    row.away_until = message.away_until
    return IngestResult(row.id, row.status, False, row.classification)


def _match(uow: UnitOfWork, message: InboundMessage) -> OutboxRow | None:
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


def _check_sender(
    config: Configuration, plan: Plan, request: OutboxRow, message: InboundMessage
) -> str:
    """The lead's name if the sender is the lead the request went to or their delegate."""
    sender = (message.from_address or "").lower()
    lead = request.lead_name or ""
    allowed = {a.lower() for a in request.to_addresses}
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


def _record_updates(
    services: Services,
    uow: UnitOfWork,
    plan: Plan,
    request: OutboxRow,
    row: InboundRow,
    reading: MessageReading,
    lead_name: str,
    now: datetime,
) -> tuple[ActionUpdate, ...]:
    """One update per action ref named, else the whole text on the lead's priorities."""
    sender = (reading.message.from_address or "").lower()
    held = bool(reading.personal_data)
    updates = [
        ActionUpdate(
            parsed.ref,
            parsed.status,
            parsed.text,
            now,
            sender,
            private=parsed.private,
            held_for_review=held,
        )
        for parsed in reading.content.updates
    ]
    text = reading.content.unstructured_text
    if text:
        updates += [
            ActionUpdate(ref, None, text, now, sender, unstructured=True, held_for_review=held)
            for ref in _priorities_of(plan, request)
        ]
    plan_id = services.plan_ids.get(plan.name) or uow.plans.id_of(plan.name)
    if plan_id is not None:
        services.plan_ids[plan.name] = plan_id  # plans are never deleted: the id stays
    for update in updates:
        uow.updates.add(
            UpdateRow(
                inbound_id=row.id,
                plan_id=plan_id,
                ref=update.ref,
                status=update.status.value if update.status else None,
                text=update.text,
                received_at=now,
                sender=sender,
                lead_name=lead_name,
                meeting=request.meeting,
                unstructured=update.unstructured,
                private=update.private,
                held_for_review=held,
                personal_data_kinds=list(reading.personal_data),
            )
        )
        if update.status is Status.COMPLETE:  # the action is done: all its deadlines are met
            uow.plans.complete_milestones(plan_id, update.ref, now)
    if held:
        uow.audit.record(
            now, "update_held", row.message_id or row.dedupe_key, kinds=list(reading.personal_data)
        )
    return tuple(updates)


def _priorities_of(plan: Plan, request: OutboxRow) -> list[str]:
    refs = set(request.refs)
    found = [p.ref for p in plan.priorities if any(a.ref in refs for a in p.actions)]
    if found:
        return found
    lead = request.lead_name
    return [p.ref for p in plan.priorities if p.lead.name == lead]


def _store_attachments(
    uow: UnitOfWork, row: InboundRow, message: InboundMessage, request: OutboxRow, lead: str
) -> None:
    for attachment in message.attachments:
        if attachment.content_type in ("text/calendar",):
            continue
        uow.inbound.add_attachment(
            AttachmentRow(
                inbound_id=row.id,
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
    row: InboundRow,
    message: InboundMessage,
    request: OutboxRow,
    recorded: tuple[ActionUpdate, ...],
    problems: tuple[str, ...],
    now: datetime,
) -> None:
    """Queue the acknowledgement in the same transaction that records the reply: exactly once.

    It is rendered just before it is sent (`render_queued`), which keeps ingestion quick.
    """
    assert message.from_address is not None
    notification = Notification(
        key=f"acknowledgement/{row.dedupe_key}",
        kind=NotificationKind.ACKNOWLEDGEMENT,
        send_at=now,
        to=(message.from_address,),
        lead_name=request.lead_name,
        meeting=request.meeting,
        refs=tuple(u.ref for u in recorded),
    )
    thread = [m for m in (request.message_id, message.message_id) if m]
    context = {"inbound_id": row.id, "problems": list(problems), "thread": thread}
    # The key is this message's own, and the message is ours alone (take_new): a plain insert.
    uow.outbox.add_new(new_outbox_row(services, notification, now, context))


@dataclass(frozen=True)
class PollReport:
    fetched: int = 0
    processed: int = 0
    review: int = 0
    error: str | None = None


def imap_settings(services: Services) -> ImapSettings | None:
    imap = services.settings.imap
    if imap is None:
        return None
    return ImapSettings(
        host=imap.host,
        port=imap.port,
        user=imap.user,
        password=imap.password,
        folder=imap.folder,
        security=imap.security,  # type: ignore[arg-type]
        processed_folder=imap.processed_folder,
        review_folder=imap.review_folder,
        ca_file=imap.ca_file,
    )


def poll_mailbox(services: Services, now: datetime) -> PollReport:
    """Fetch new messages; store and process each; then move it out of the inbox."""
    settings = imap_settings(services)
    if settings is None:
        return PollReport(error="no IMAP mailbox configured (CSP_IMAP_HOST)")
    fetched = processed = review = 0
    try:
        with ImapMailbox(settings) as mailbox:
            mailbox.ensure_folders()
            for message in mailbox.fetch_new():
                fetched += 1
                try:
                    result = ingest_raw(services, message.raw, now)
                except Exception as exc:  # e.g. the database is down: leave it in the inbox
                    log_event(
                        "inbound_not_stored",
                        logging.ERROR,
                        uid=message.uid,
                        error=repr(exc),
                        retry="next poll",
                    )
                    continue
                folder = (
                    settings.review_folder if result.needs_review else (settings.processed_folder)
                )
                # Stored and committed above: only now may it leave the inbox.
                mailbox.move(message.uid, folder, uidvalidity=message.uidvalidity)
                review += result.needs_review
                processed += not result.needs_review
    except MailboxError as exc:
        log_event("mailbox_unavailable", logging.WARNING, reason=exc.reason, retry="next poll")
        return PollReport(fetched, processed, review, exc.reason)
    if fetched:
        log_event("inbox_polled", fetched=fetched, processed=processed, review=review)
        render_queued(services, services.config.current(), now)
        deliver_pending(services.uow_factory, services.open_transport, now, services.worker)
    return PollReport(fetched, processed, review)


def purge_raw_messages(services: Services, now: datetime) -> int:
    """Drop raw messages older than CSP_RAW_RETENTION_DAYS; the extracted updates stay."""
    cutoff = now - timedelta(days=services.settings.raw_retention_days)
    with services.uow_factory() as uow:
        purged = uow.inbound.purge_raw_before(cutoff, now)
        uow.commit()
    if purged:
        log_event("raw_messages_purged", count=purged, before=cutoff.date().isoformat())
    return purged


def release_update(services: Services, update_id: int, now: datetime) -> UpdateRow:
    """Let an update held for personal data into packs, after the coordinator has checked it."""
    from scheduler.domain.errors import UserError

    with services.uow_factory() as uow:
        row = uow.updates.get(update_id)
        if row is None:
            raise UserError(f"no update with id {update_id}")
        if not row.held_for_review or row.released_at is not None:
            raise UserError(f"update {update_id} is not held for review")
        row.released_at = now
        uow.audit.record(now, "update_released", str(update_id), ref=row.ref)
        uow.commit()
        return row


def local_date(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()
