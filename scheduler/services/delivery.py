"""Sending what the outbox holds: claim, send over one connection, mark, retry with backoff.

The exactly-once window: a message is marked sent in its own commit right after the SMTP
server accepts it (the 250 reply to DATA). If the process dies between that reply and the
commit, the claim's lease expires and the message is sent again, with the same Message-ID, so
the recipient's mail client can tell it is the same message. SMTP offers nothing narrower.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from scheduler.adapters.mail_transport import MailTransport, PermanentFailure, TemporaryFailure
from scheduler.adapters.orm import OutboxRow
from scheduler.adapters.repositories import OutboxRepository, OutboxStatus
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
    sender: str
    recipients: tuple[str, ...]
    message_id: str | None
    attempts: int
    meeting: date | None


# Emails about a meeting are no use once it is over: one stuck in retries is not sent late.
_MEETING_BOUND = {"update_request", "update_chaser", "agenda_pack", "agenda_addendum"}
# An error that is neither the server's nor the message's (a bug): retried, then given up.
MAX_UNEXPECTED_ATTEMPTS = 5


def deliver_pending(
    uow_factory: Callable[[], UnitOfWork],
    open_transport: Callable[[], MailTransport],
    now: datetime,
    worker: str,
    *,
    batch_size: int = 1000,
    clock: Callable[[], datetime] | None = None,
) -> DeliveryReport:
    """Send every claimable outbox message that is due at `now`; returns what happened.

    `clock` tells the time while the batch goes (default: `now` plus the time elapsed since the
    call); the claim's lease is renewed from it, and a message whose claim another worker took
    over is not sent.
    """
    started = time.monotonic()
    read_clock = clock or (lambda: now + timedelta(seconds=time.monotonic() - started))
    with uow_factory() as uow:
        claimed = [_snapshot(row) for row in uow.outbox.claim(worker, now, LEASE, batch_size)]
        uow.commit()
    if not claimed:
        return DeliveryReport()
    sent = retried = failed = 0
    remaining = list(claimed)
    lease_until = now + LEASE
    try:
        with (
            open_transport() as transport,
            uow_factory() as uow,
            uow.statements_that_commit() as marks,
        ):
            while remaining:
                message = remaining.pop(0)
                moment = read_clock()
                if moment >= lease_until - LEASE / 2:
                    held = _renew_lease(uow_factory, [message, *remaining], worker, moment)
                    lease_until = moment + LEASE
                    remaining = [m for m in remaining if m.id in held]
                    if message.id not in held:
                        continue
                if (
                    message.kind in _MEETING_BOUND
                    and message.meeting
                    and (moment.date() > message.meeting)
                ):
                    _mark_skipped(uow_factory, message, worker, "its meeting has passed")
                    continue
                try:
                    transport.send_raw(
                        message.sender, message.recipients, message.raw, message.message_id
                    )
                except PermanentFailure as exc:
                    _mark_failed(uow_factory, message, worker, moment, str(exc))
                    failed += 1
                except TemporaryFailure as exc:
                    _mark_retry(uow_factory, message, worker, moment, str(exc))
                    retried += 1
                except Exception as exc:  # a bug must not hold up the rest of the outbox
                    _mark_retry(
                        uow_factory,
                        message,
                        worker,
                        moment,
                        f"unexpected: {exc!r}",
                        give_up_after=MAX_UNEXPECTED_ATTEMPTS,
                    )
                    retried += 1
                else:
                    # Marked in its own commit at once: the only window for a repeat is here.
                    sent += _mark_sent(marks, message, worker, moment)
    except TemporaryFailure as exc:
        # The server is unreachable, dropped us or refused for now: the rest wait for a retry.
        for message in remaining:
            _mark_retry(uow_factory, message, worker, read_clock(), str(exc))
            retried += 1
    return DeliveryReport(sent, retried, failed)


def _snapshot(row: OutboxRow) -> _Claimed:
    assert row.raw is not None, f"outbox row {row.key} has no rendered message"
    headers = BytesHeaderParser(policy=compat32).parsebytes(row.raw)
    return _Claimed(
        id=row.id,
        key=row.key,
        kind=row.kind,
        raw=row.raw,
        sender=parseaddr(str(headers.get("From", "")))[1],
        recipients=(*row.to_addresses, *row.cc_addresses),
        message_id=row.message_id,
        attempts=row.attempts,
        meeting=row.meeting,
    )


def _renew_lease(
    uow_factory: Callable[[], UnitOfWork], messages: list[_Claimed], worker: str, now: datetime
) -> set[int]:
    """Extend this worker's claim on the messages; returns the ids it still holds."""
    with uow_factory() as uow:
        held = uow.outbox.renew_lease([m.id for m in messages], worker, now + LEASE)
        uow.commit()
    lost = [m.key for m in messages if m.id not in held]
    if lost:
        log_event("lease_lost", logging.WARNING, worker=worker, keys=lost)
    return held


def _update_owned(
    uow_factory: Callable[[], UnitOfWork],
    message: _Claimed,
    worker: str,
    change: Callable[[OutboxRow, UnitOfWork], None],
) -> OutboxRow | None:
    """Apply `change` to the row and commit, if this worker still holds its claim."""
    with uow_factory() as uow:
        row = uow.outbox.get(message.id)
        if row is None or row.claimed_by != worker or row.status != OutboxStatus.SENDING:
            log_event("lease_lost", logging.WARNING, key=message.key, worker=worker)
            return None
        row.attempts += 1
        row.lease_until = None
        change(row, uow)
        uow.commit()
        return row


def _mark_sent(marks: OutboxRepository, message: _Claimed, worker: str, now: datetime) -> int:
    """Record the send in one committed conditional update; 0 if the claim was lost meanwhile."""
    owned = marks.mark_sent(message.id, worker, now)
    if not owned:
        log_event("lease_lost", logging.WARNING, key=message.key, worker=worker)
        return 0
    log_event(
        "sent",
        kind=message.kind,
        key=message.key,
        to=list(message.recipients),
        message_id=message.message_id,
    )
    return 1


def _mark_retry(
    uow_factory: Callable[[], UnitOfWork],
    message: _Claimed,
    worker: str,
    now: datetime,
    reason: str,
    *,
    give_up_after: int | None = None,
) -> None:
    def deferred(row: OutboxRow, uow: UnitOfWork) -> None:
        if give_up_after is not None and row.attempts >= give_up_after:
            row.status, row.last_error = OutboxStatus.FAILED, reason
            uow.audit.record(now, "send_failed", message.key, kind=message.kind, reason=reason)
            return
        row.status, row.claimed_by, row.last_error = OutboxStatus.PENDING, None, reason
        row.send_after = now + backoff(row.attempts)

    row = _update_owned(uow_factory, message, worker, deferred)
    if row is not None:
        level = logging.ERROR if row.status == OutboxStatus.FAILED else logging.WARNING
        log_event(
            "send_deferred" if row.status == OutboxStatus.PENDING else "send_failed",
            level,
            kind=message.kind,
            key=message.key,
            reason=reason,
            retry_at=row.send_after.isoformat(),
        )


def _mark_skipped(
    uow_factory: Callable[[], UnitOfWork], message: _Claimed, worker: str, reason: str
) -> None:
    def skipped(row: OutboxRow, uow: UnitOfWork) -> None:
        row.status, row.reason = OutboxStatus.SKIPPED, reason

    if _update_owned(uow_factory, message, worker, skipped) is not None:
        log_event("not_sent", kind=message.kind, key=message.key, reason=reason)


def _mark_failed(
    uow_factory: Callable[[], UnitOfWork],
    message: _Claimed,
    worker: str,
    now: datetime,
    reason: str,
) -> None:
    def failed(row: OutboxRow, uow: UnitOfWork) -> None:
        row.status, row.last_error = OutboxStatus.FAILED, reason
        uow.audit.record(now, "send_failed", message.key, kind=message.kind, reason=reason)

    if _update_owned(uow_factory, message, worker, failed) is not None:
        log_event(
            "send_failed",
            logging.ERROR,
            kind=message.kind,
            key=message.key,
            to=list(message.recipients),
            reason=reason,
        )
