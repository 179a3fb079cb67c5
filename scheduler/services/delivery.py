"""Sending what the outbox holds: claim, send over one connection, mark, retry with backoff.

The exactly-once window: a message is marked sent in its own commit right after the SMTP
server accepts it (the 250 reply to DATA). If the process dies between that reply and the
commit, the claim's lease expires and the message is sent again, with the same Message-ID, so
the recipient's mail client can tell it is the same message. SMTP offers nothing narrower.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from scheduler.adapters.mail_transport import MailTransport, PermanentFailure, TemporaryFailure
from scheduler.adapters.orm import OutboxRow
from scheduler.adapters.repositories import OutboxStatus
from scheduler.adapters.unit_of_work import UnitOfWork
from scheduler.events import log_event

LEASE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: 1, 2, 4 ... minutes, capped at an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    key: str
    kind: str
    raw: bytes
    to: tuple[str, ...]
    message_id: str | None
    attempts: int


def deliver_pending(
    uow_factory: Callable[[], UnitOfWork],
    open_transport: Callable[[], MailTransport],
    now: datetime,
    worker: str,
    *,
    batch_size: int = 200,
) -> DeliveryReport:
    """Send every claimable outbox message that is due at `now`; returns what happened."""
    with uow_factory() as uow:
        claimed = [_snapshot(row) for row in uow.outbox.claim(worker, now, LEASE, batch_size)]
        uow.commit()
    if not claimed:
        return DeliveryReport()
    sent = retried = failed = 0
    remaining = list(claimed)
    try:
        with open_transport() as transport:
            while remaining:
                message = remaining[0]
                try:
                    transport.send(_parse(message.raw))
                except PermanentFailure as exc:
                    _mark_failed(uow_factory, message, worker, now, str(exc))
                    failed += 1
                except TemporaryFailure as exc:
                    _mark_retry(uow_factory, message, worker, now, str(exc))
                    retried += 1
                else:
                    _mark_sent(uow_factory, message, worker, now)
                    sent += 1
                remaining.pop(0)
    except TemporaryFailure as exc:
        # The server could not be reached (or dropped us): everything left waits for a retry.
        for message in remaining:
            _mark_retry(uow_factory, message, worker, now, str(exc))
            retried += 1
    return DeliveryReport(sent, retried, failed)


def _snapshot(row: OutboxRow) -> _Claimed:
    assert row.raw is not None, f"outbox row {row.key} has no rendered message"
    return _Claimed(
        row.id, row.key, row.kind, row.raw, tuple(row.to_addresses), row.message_id, row.attempts
    )


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    return message


def _owned(uow: UnitOfWork, message: _Claimed, worker: str) -> OutboxRow | None:
    row = uow.outbox.get(message.id)
    if row is None or row.claimed_by != worker or row.status != OutboxStatus.SENDING:
        return None
    return row


def _mark_sent(
    uow_factory: Callable[[], UnitOfWork], message: _Claimed, worker: str, now: datetime
) -> None:
    with uow_factory() as uow:
        row = _owned(uow, message, worker)
        if row is None:
            log_event("lease_lost", logging.WARNING, key=message.key, worker=worker)
            return
        row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, row.attempts + 1
        row.lease_until = None
        uow.audit.record(now, "sent", message.key, kind=message.kind, message_id=message.message_id)
        uow.commit()
    log_event(
        "sent",
        kind=message.kind,
        key=message.key,
        to=list(message.to),
        message_id=message.message_id,
    )


def _mark_retry(
    uow_factory: Callable[[], UnitOfWork],
    message: _Claimed,
    worker: str,
    now: datetime,
    reason: str,
) -> None:
    with uow_factory() as uow:
        row = _owned(uow, message, worker)
        if row is None:
            return
        row.attempts += 1
        row.status, row.claimed_by, row.lease_until = OutboxStatus.PENDING, None, None
        row.send_after = now + backoff(row.attempts)
        row.last_error = reason
        uow.commit()
        retry_at = row.send_after
    log_event(
        "send_deferred",
        logging.WARNING,
        kind=message.kind,
        key=message.key,
        reason=reason,
        retry_at=retry_at.isoformat(),
    )


def _mark_failed(
    uow_factory: Callable[[], UnitOfWork],
    message: _Claimed,
    worker: str,
    now: datetime,
    reason: str,
) -> None:
    with uow_factory() as uow:
        row = _owned(uow, message, worker)
        if row is None:
            return
        row.attempts += 1
        row.status, row.lease_until, row.last_error = OutboxStatus.FAILED, None, reason
        uow.audit.record(now, "send_failed", message.key, kind=message.kind, reason=reason)
        uow.commit()
    log_event(
        "send_failed",
        logging.ERROR,
        kind=message.kind,
        key=message.key,
        to=list(message.to),
        reason=reason,
    )
