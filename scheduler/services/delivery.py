"""Sending what the outbox holds: claim, send over one connection, mark, retry with backoff.

The exactly-once window: a message is marked sent in its own commit right after the SMTP
server accepts it (the 250 reply to DATA). If the process dies between that reply and the
commit, the claim's lease expires and the message is sent again, with the same Message-ID, so
the recipient's mail client can tell it is the same message. SMTP offers nothing narrower.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from scheduler.adapters.mail_transport import MailTransport, PermanentFailure, TemporaryFailure
from scheduler.clock import Clock, ElapsedClock
from scheduler.domain.schedule.meeting import meeting_has_passed
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage
from scheduler.events import log_event
from scheduler.services.unit_of_work import OutboxStore, UnitOfWork

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
    """What sending a claimed message needs, read once when it is claimed."""

    id: int
    key: str
    kind: NotificationKind
    raw: bytes
    sender: str
    recipients: tuple[str, ...]
    message_id: str | None
    attempts: int
    meeting: date | None


# An error that is neither the server's nor the message's (a bug): retried, then given up.
MAX_UNEXPECTED_ATTEMPTS = 5


def deliver_pending(
    uow_factory: Callable[[], UnitOfWork],
    open_transport: Callable[[], MailTransport],
    clock: Clock,
    worker: str,
    *,
    meeting_starts: Mapping[date, datetime],
    batch_size: int = 1000,
) -> DeliveryReport:
    """Send every claimable outbox message that is due now; returns what happened.

    The clock is read for each message: the claim's lease is renewed from it, a message whose
    claim another worker took over is not sent, and nor is one whose meeting has started
    (`meeting_starts`, by meeting date) while it waited.
    """
    now = clock.now()
    with uow_factory() as uow:
        claimed = [_snapshot(m) for m in uow.outbox.claim(worker, now, LEASE, batch_size)]
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
                moment = clock.now()
                if moment >= lease_until - LEASE / 2:
                    held = _renew_lease(uow_factory, [message, *remaining], worker, moment)
                    lease_until = moment + LEASE
                    remaining = [m for m in remaining if m.id in held]
                    if message.id not in held:
                        continue
                if _too_late(message, meeting_starts, moment):
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
            _mark_retry(uow_factory, message, worker, clock.now(), str(exc))
            retried += 1
    return DeliveryReport(sent, retried, failed)


def deliver_from(
    uow_factory: Callable[[], UnitOfWork],
    open_transport: Callable[[], MailTransport],
    now: datetime,
    worker: str,
    *,
    meeting_starts: Mapping[date, datetime],
) -> DeliveryReport:
    """`deliver_pending` for a job that read the time once: the batch's clock starts at `now`."""
    return deliver_pending(
        uow_factory, open_transport, ElapsedClock(now), worker, meeting_starts=meeting_starts
    )


def _too_late(message: _Claimed, starts: Mapping[date, datetime], moment: datetime) -> bool:
    if not message.kind.about_a_meeting or message.meeting is None:
        return False
    return meeting_has_passed(starts.get(message.meeting), moment)


def _snapshot(message: OutboxMessage) -> _Claimed:
    assert message.rendering is not None and message.id is not None, (
        f"outbox message {message.key} has no rendered email"
    )
    raw = message.rendering.raw
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    return _Claimed(
        id=message.id,
        key=message.key,
        kind=message.kind,
        raw=raw,
        sender=parseaddr(str(headers.get("From", "")))[1],
        recipients=message.recipients,
        message_id=message.message_id,
        attempts=message.attempts,
        meeting=message.meeting,
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


def _lease_lost(message: _Claimed, worker: str) -> None:
    log_event("lease_lost", logging.WARNING, key=message.key, worker=worker)


def _mark_sent(marks: OutboxStore, message: _Claimed, worker: str, now: datetime) -> int:
    """Record the send in one committed conditional update; 0 if the claim was lost meanwhile."""
    if not marks.mark_sent(message.id, worker, now):
        _lease_lost(message, worker)
        return 0
    log_event(
        "sent",
        kind=message.kind.value,
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
    attempts = message.attempts + 1  # the claimer alone counts attempts while it holds a claim
    if give_up_after is not None and attempts >= give_up_after:
        _mark_failed(uow_factory, message, worker, now, reason)
        return
    retry_at = now + backoff(attempts)
    with uow_factory() as uow:
        owned = uow.outbox.mark_for_retry(message.id, worker, reason, retry_at)
        uow.commit()
    if not owned:
        _lease_lost(message, worker)
        return
    log_event(
        "send_deferred",
        logging.WARNING,
        kind=message.kind.value,
        key=message.key,
        reason=reason,
        retry_at=retry_at.isoformat(),
    )


def _mark_skipped(
    uow_factory: Callable[[], UnitOfWork], message: _Claimed, worker: str, reason: str
) -> None:
    with uow_factory() as uow:
        owned = uow.outbox.mark_skipped(message.id, worker, reason)
        uow.commit()
    if not owned:
        _lease_lost(message, worker)
        return
    log_event("not_sent", kind=message.kind.value, key=message.key, reason=reason)


def _mark_failed(
    uow_factory: Callable[[], UnitOfWork],
    message: _Claimed,
    worker: str,
    now: datetime,
    reason: str,
) -> None:
    with uow_factory() as uow:
        owned = uow.outbox.mark_failed(message.id, worker, reason)
        if owned:
            uow.audit.record(
                now, "send_failed", message.key, kind=message.kind.value, reason=reason
            )
        uow.commit()
    if not owned:
        _lease_lost(message, worker)
        return
    log_event(
        "send_failed",
        logging.ERROR,
        kind=message.kind.value,
        key=message.key,
        to=list(message.recipients),
        reason=reason,
    )
