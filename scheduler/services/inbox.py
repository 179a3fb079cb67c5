"""Replies: store each inbound message raw, then match, understand, record and acknowledge it.

Every message is committed to `inbound_messages` before anything else is done with it, keyed
by its Message-ID (or a content hash), so fetching it twice or crashing half-way records each
reply once. Whatever cannot be understood is kept for a person ("Needs review"), never dropped.

A poll's messages are stored in one transaction and processed in one more: a few statements
for the lot rather than a dozen for each. Should processing them together fail, each is
processed again on its own, so one bad message never holds up the others.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from scheduler.domain.replies.inbound import InboundMessage, read_message
from scheduler.domain.replies.records import ArrivedMessage, InboundStatus, StoredMessage
from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration
from scheduler.services.plans import sync_configuration
from scheduler.services.reply_recording import Recording, Requests, Review, record_message
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


def ingest_raw(
    services: Services, raw: bytes, now: datetime, *, source: str = "imap"
) -> IngestResult:
    """Store one raw message, then process it unless it was already processed."""
    return ingest_all(services, [raw], now, source=source)[0]


def ingest_all(
    services: Services, raws: Sequence[bytes], now: datetime, *, source: str = "imap"
) -> list[IngestResult]:
    """Store raw messages in one transaction, then process those not yet processed; a result
    for each, in order. A message repeated in `raws` is stored and processed once."""
    messages = [read_message(raw) for raw in raws]
    stored_as, finished = _store_all(services, messages, raws, now, source)
    waiting = {i: m for i, m in zip(stored_as, messages, strict=True) if i not in finished}
    results = {**finished, **process_all(services, list(waiting), now, waiting)}
    answered: set[int] = set()
    in_order = []
    for inbound_id in stored_as:
        result = results[inbound_id]
        in_order.append(replace(result, duplicate=True) if inbound_id in answered else result)
        answered.add(inbound_id)
    return in_order


def _store_all(
    services: Services,
    messages: Sequence[InboundMessage],
    raws: Sequence[bytes],
    now: datetime,
    source: str,
) -> tuple[list[int], dict[int, IngestResult]]:
    """The id each message is stored under, and the results of those finished before."""
    arrived = [
        arrived_message(message, dedupe_key(message), raw, now, source)
        for message, raw in zip(messages, raws, strict=True)
    ]
    with services.uow_factory() as uow:
        added = uow.inbound.add_all(arrived)  # the usual case, all new, in one statement
        stored_as: list[int] = []
        seen_before: list[tuple[int, str | None]] = []
        for message, raw, item, new_id in zip(messages, raws, arrived, added, strict=True):
            inbound_id = new_id or _stored_under(uow, message, item.dedupe_key, raw, now, source)
            assert inbound_id is not None
            if new_id is None:
                seen_before.append((inbound_id, message.message_id))
            stored_as.append(inbound_id)
        uow.commit()
        finished: dict[int, IngestResult] = {}
        for inbound_id, message_id in seen_before:
            stored = uow.inbound.get(inbound_id)
            assert stored is not None
            if stored.status is not InboundStatus.NEW:
                finished[inbound_id] = IngestResult.already(stored)
            elif inbound_id not in added:
                log_event("inbound_resumed", inbound_id=inbound_id, message_id=message_id)
    return stored_as, finished


def _stored_under(
    uow: UnitOfWork, message: InboundMessage, key: str, raw: bytes, now: datetime, source: str
) -> int | None:
    """The id a message already stored under `key` is kept under.

    Another message under a reused Message-ID is kept too, under a key of its own.
    """
    stored = uow.inbound.by_dedupe_key(key)
    if stored is None or not _content_differs(uow, stored.id, message):
        return stored.id if stored else None
    key = f"{key}#{message.content_hash[:16]}"
    stored = uow.inbound.by_dedupe_key(key)
    if stored is not None:
        return stored.id
    inbound_id = uow.inbound.add(arrived_message(message, key, raw, now, source))
    if inbound_id is None:  # stored meanwhile by another poller
        stored = uow.inbound.by_dedupe_key(key)
        inbound_id = stored.id if stored else None
    return inbound_id


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


def arrived_message(
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
    """Process one stored message (see `process_all`)."""
    known = {inbound_id: message} if message is not None else {}
    return process_all(services, [inbound_id], now, known)[inbound_id]


def process_all(
    services: Services,
    inbound_ids: Sequence[int],
    now: datetime,
    messages: Mapping[int, InboundMessage] | None = None,
) -> dict[int, IngestResult]:
    """Process stored messages in one transaction; one that cannot be goes to review.

    The transaction starts by taking the messages from `new`, so of two pollers processing
    them at once one does the work and the other finds it done.
    """
    if not inbound_ids:
        return {}
    config = services.config.current()
    sync_configuration(services, config, now)
    try:
        with services.uow_factory() as uow:
            taken = uow.inbound.take_new_all(inbound_ids)
            read = {m.id: messages.get(m.id) if messages else None for m in taken}
            for stored in taken:  # resumed after a crash: read it again from what was stored
                if read[stored.id] is None:
                    raw = uow.inbound.raw_of(stored.id)
                    assert raw is not None
                    read[stored.id] = read_message(raw)
            known = {i: m for i, m in read.items() if m is not None}
            requests = Requests(uow, list(known.values()))
            recording = Recording()
            results = {
                stored.id: _process(services, config, uow, requests, stored, known, recording, now)
                for stored in taken
            }
            recording.write(uow, now)
            uow.commit()
    except Exception as exc:  # never lose a message to a bug: keep it for a person
        if len(inbound_ids) > 1:  # find the one: each on its own
            log_event(
                "inbound_batch_split", logging.WARNING, count=len(inbound_ids), error=repr(exc)
            )
            return {
                i: process_inbound(services, i, now, (messages or {}).get(i)) for i in inbound_ids
            }
        (inbound_id,) = inbound_ids
        log_event("inbound_failed", logging.ERROR, inbound_id=inbound_id, error=repr(exc))
        return {
            inbound_id: _to_review(services, inbound_id, now, f"could not be processed: {exc!r}")
        }
    for result in results.values():
        _log_result(result)
    missing = [i for i in inbound_ids if i not in results]
    if missing:  # taken by another poller: report what it made of them
        with services.uow_factory() as uow:
            for inbound_id in missing:
                finished = uow.inbound.get(inbound_id)
                assert finished is not None
                results[inbound_id] = IngestResult.already(finished)
    return results


def _process(
    services: Services,
    config: Configuration,
    uow: UnitOfWork,
    requests: Requests,
    stored: StoredMessage,
    messages: Mapping[int, InboundMessage],
    recording: Recording,
    now: datetime,
) -> IngestResult:
    """One taken message: recorded with the others, or sent to review on its own."""
    own = Recording()
    try:
        done = record_message(
            services, config, uow, requests, stored, messages[stored.id], own, now
        )
    except Review as review:
        reason = str(review)
        uow.inbound.send_to_review(stored.id, reason, now)
        uow.audit.record(now, "inbound_review", stored.dedupe_key, reason=reason)
        return IngestResult(stored.id, InboundStatus.REVIEW, False, stored.classification, reason)
    recording.take(own)
    status = InboundStatus.PROCESSED
    return IngestResult(stored.id, status, False, done.classification, updates=done.updates)


def _log_result(result: IngestResult) -> None:
    if result.needs_review:
        log_event(
            "inbound_needs_review",
            logging.WARNING,
            inbound_id=result.inbound_id,
            reason=result.reason,
        )
    else:
        log_event(
            "inbound_processed",
            inbound_id=result.inbound_id,
            classification=result.classification,
            updates=result.updates,
            status=result.status.value,
        )


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
    _log_result(
        IngestResult(inbound_id, InboundStatus.REVIEW, False, stored.classification, reason)
    )
    return IngestResult(inbound_id, InboundStatus.REVIEW, False, stored.classification, reason)
