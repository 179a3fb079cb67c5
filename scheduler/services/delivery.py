"""Sending what the outbox holds: claim, send over one connection, mark, retry with backoff.

The exactly-once window: a message is marked sent in its own commit right after the SMTP
server accepts it (the 250 reply to DATA). If the process dies between that reply and the
commit, the claim's lease (a minute, renewed while the batch goes) runs out and the message is
sent again, with the same Message-ID, so the recipient's mail client can tell it is the same
message. SMTP offers nothing narrower.

Two more faults are bounded here. When the server's reply to a message never comes
(`AcceptanceUnknown`), that is recorded first and the message is resent once; should that
resend end the same way, it is taken as delivered. When the database stops answering, the
sender stops sending (it could not record what it sends) and keeps in memory what the server
took meanwhile, recording it first once the database is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from scheduler.adapters.mail_transport import (
    AcceptanceUnknown,
    MailTransport,
    PermanentFailure,
    TemporaryFailure,
)
from scheduler.clock import Clock, ElapsedClock
from scheduler.domain.schedule.notification import MilestoneRef, NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.purpose import purpose_passed
from scheduler.events import log_event
from scheduler.services.unit_of_work import OutboxStore, UnitOfWork

# A dead claimer's messages move on within a minute; a live one renews long before that.
LEASE = timedelta(minutes=1)
RENEW_WHEN_LEFT = timedelta(seconds=40)
MAX_BACKOFF = timedelta(hours=1)
# An error that is neither the server's nor the message's (a bug): retried, then given up.
MAX_UNEXPECTED_ATTEMPTS = 5


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: 1, 2, 4 ... minutes, capped at an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class SenderState:
    """What one process's sender keeps between batches.

    One batch at a time per process (`lock`): a worker may then take back its own claims at
    once after a batch broke off, instead of waiting for their lease to run out.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    # Messages the server accepted while the database could not record it: id -> when.
    accepted_unrecorded: dict[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    acceptance_unknown: int = 0
    released: int = 0  # claims given back unsent because the sender was asked to stop


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
    milestones: tuple[MilestoneRef, ...]
    acceptance_unknown_before: bool


class _StoreLost(Exception):
    """The database did not answer while recording a send: stop sending."""


def deliver_pending(
    uow_factory: Callable[[], UnitOfWork],
    open_transport: Callable[[], MailTransport],
    clock: Clock,
    worker: str,
    *,
    meeting_starts: Mapping[date, datetime],
    policy: Policy,
    state: SenderState | None = None,
    batch_size: int = 1000,
) -> DeliveryReport:
    """Send every claimable outbox message that is due now; returns what happened.

    The clock is read for each message: the claim's lease is renewed from it, a message whose
    claim another worker took over is not sent, and nor is one whose purpose passed while it
    waited (`purpose_passed`: its meeting started, by `meeting_starts`, its reply-by date or
    its deadline went by, by `policy`). When `state.stopping` is set, the
    messages not yet sent are given back and the call returns.
    """
    state = state or SenderState()
    with state.lock:
        return _Batch(uow_factory, open_transport, clock, worker, state, policy).run(
            meeting_starts, batch_size
        )


def deliver_from(
    uow_factory: Callable[[], UnitOfWork],
    open_transport: Callable[[], MailTransport],
    now: datetime,
    worker: str,
    *,
    meeting_starts: Mapping[date, datetime],
    policy: Policy,
    state: SenderState | None = None,
) -> DeliveryReport:
    """`deliver_pending` for a job that read the time once: the batch's clock starts at `now`."""
    return deliver_pending(
        uow_factory,
        open_transport,
        ElapsedClock(now),
        worker,
        meeting_starts=meeting_starts,
        policy=policy,
        state=state,
    )


class _Batch:
    """One claim of messages and their sending, counted as it goes."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        open_transport: Callable[[], MailTransport],
        clock: Clock,
        worker: str,
        state: SenderState,
        policy: Policy,
    ) -> None:
        self.uow_factory = uow_factory
        self.policy = policy
        self.open_transport = open_transport
        self.clock = clock
        self.worker = worker
        self.state = state
        self.sent = self.retried = self.failed = self.unknown = self.released = 0

    def report(self) -> DeliveryReport:
        return DeliveryReport(self.sent, self.retried, self.failed, self.unknown, self.released)

    def run(self, meeting_starts: Mapping[date, datetime], batch_size: int) -> DeliveryReport:
        try:
            self._record_accepted_meanwhile()
            now = self.clock.now()
            with self.uow_factory() as uow:
                claimed = uow.outbox.claim(self.worker, now, LEASE, batch_size)
                uow.commit()
            if claimed:
                self._send([_snapshot(m) for m in claimed], now + LEASE, meeting_starts)
        except _StoreLost as lost:
            log_event(
                "sending_paused",
                logging.WARNING,
                worker=self.worker,
                reason=str(lost),
                retry="when the database answers",
            )
        return self.report()

    def _record_accepted_meanwhile(self) -> None:
        """What the server took while the database was away is recorded before anything else."""
        for message_id, accepted_at in sorted(self.state.accepted_unrecorded.items()):
            try:
                with self.uow_factory() as uow:
                    owned = uow.outbox.mark_sent(message_id, self.worker, accepted_at)
                    uow.commit()
            except Exception as exc:
                raise _StoreLost(f"cannot record a message sent earlier: {exc!r}") from None
            del self.state.accepted_unrecorded[message_id]
            log_event("sent_recorded_late", outbox_id=message_id, owned=owned)
            self.sent += owned

    def _send(
        self,
        claimed: list[_Claimed],
        lease_until: datetime,
        meeting_starts: Mapping[date, datetime],
    ) -> None:
        remaining = list(claimed)
        try:
            with (
                self.open_transport() as transport,
                self.uow_factory() as uow,
                uow.statements_that_commit() as marks,
            ):
                while remaining:
                    if self.state.stopping.is_set():
                        self._release(remaining)
                        return
                    message = remaining.pop(0)
                    moment = self.clock.now()
                    if lease_until - moment < RENEW_WHEN_LEFT:
                        held = self._renew([message, *remaining], moment)
                        lease_until = moment + LEASE
                        remaining = [m for m in remaining if m.id in held]
                        if message.id not in held:
                            continue
                    # A message held up by retries may have outlived its purpose meanwhile.
                    too_late = purpose_passed(
                        message.kind,
                        message.meeting,
                        message.milestones,
                        moment,
                        self.policy,
                        meeting_starts,
                    )
                    if too_late is not None:
                        self._mark_skipped(message, too_late)
                        continue
                    self._send_one(transport, marks, message, moment)
        except TemporaryFailure as exc:
            # The server is unreachable, dropped us or refused for now: the rest wait for a retry.
            for message in remaining:
                self._mark_retry(message, self.clock.now(), str(exc))

    def _send_one(
        self, transport: MailTransport, marks: OutboxStore, message: _Claimed, moment: datetime
    ) -> None:
        try:
            transport.send_raw(message.sender, message.recipients, message.raw, message.message_id)
        except PermanentFailure as exc:
            self._mark_failed(message, moment, str(exc))
        except AcceptanceUnknown as exc:
            self._acceptance_unknown(message, moment, exc.reason)
        except TemporaryFailure as exc:
            self._mark_retry(message, moment, str(exc))
        except Exception as exc:  # a bug must not hold up the rest of the outbox
            self._mark_retry(
                message, moment, f"unexpected: {exc!r}", give_up_after=MAX_UNEXPECTED_ATTEMPTS
            )
        else:
            # Marked in its own commit at once: the only window for a repeat is here.
            self._mark_sent(marks, message, moment)

    def _renew(self, messages: list[_Claimed], now: datetime) -> set[int]:
        """Extend this worker's claim on the messages; returns the ids it still holds."""
        try:
            with self.uow_factory() as uow:
                held = uow.outbox.renew_lease([m.id for m in messages], self.worker, now + LEASE)
                uow.commit()
        except Exception as exc:
            raise _StoreLost(f"cannot renew the claim: {exc!r}") from None
        lost = [m.key for m in messages if m.id not in held]
        if lost:
            log_event("lease_lost", logging.WARNING, worker=self.worker, keys=lost)
        return held

    def _change(self, message: _Claimed, change: Callable[[UnitOfWork], bool]) -> bool:
        """Apply a change to a claimed message in its own commit; False if the claim was lost."""
        try:
            with self.uow_factory() as uow:
                owned = change(uow)
                uow.commit()
        except Exception as exc:
            raise _StoreLost(f"cannot record what happened to {message.key}: {exc!r}") from None
        if not owned:
            log_event("lease_lost", logging.WARNING, key=message.key, worker=self.worker)
        return owned

    def _mark_sent(self, marks: OutboxStore, message: _Claimed, now: datetime) -> None:
        try:
            owned = marks.mark_sent(message.id, self.worker, now)
        except Exception as exc:
            self.state.accepted_unrecorded[message.id] = now
            raise _StoreLost(f"cannot record {message.key} as sent: {exc!r}") from None
        if not owned:
            log_event("lease_lost", logging.WARNING, key=message.key, worker=self.worker)
            return
        self.sent += 1
        log_event(
            "sent",
            kind=message.kind.value,
            key=message.key,
            to=list(message.recipients),
            message_id=message.message_id,
        )

    def _acceptance_unknown(self, message: _Claimed, now: datetime, reason: str) -> None:
        """Recorded before anything else; resent once, and then taken as delivered."""
        self.unknown += 1
        if message.acceptance_unknown_before:
            owned = self._change(
                message,
                lambda uow: uow.outbox.mark_assumed_sent(message.id, self.worker, now, reason),
            )
            if owned:
                self.sent += 1
                log_event(
                    "assumed_delivered",
                    logging.WARNING,
                    kind=message.kind.value,
                    key=message.key,
                    message_id=message.message_id,
                    reason=reason,
                )
            return
        retry_at = now + backoff(message.attempts + 1)
        owned = self._change(
            message,
            lambda uow: uow.outbox.mark_acceptance_unknown(
                message.id, self.worker, reason, now, retry_at
            ),
        )
        if owned:
            self.retried += 1
            log_event(
                "acceptance_unknown",
                logging.WARNING,
                kind=message.kind.value,
                key=message.key,
                message_id=message.message_id,
                reason=reason,
                resend_once_at=retry_at.isoformat(),
            )

    def _mark_retry(
        self,
        message: _Claimed,
        now: datetime,
        reason: str,
        *,
        give_up_after: int | None = None,
    ) -> None:
        attempts = message.attempts + 1  # the claimer alone counts attempts while it holds one
        if give_up_after is not None and attempts >= give_up_after:
            self._mark_failed(message, now, reason)
            return
        retry_at = now + backoff(attempts)
        if self._change(
            message,
            lambda uow: uow.outbox.mark_for_retry(message.id, self.worker, reason, retry_at),
        ):
            self.retried += 1
            log_event(
                "send_deferred",
                logging.WARNING,
                kind=message.kind.value,
                key=message.key,
                reason=reason,
                retry_at=retry_at.isoformat(),
            )

    def _mark_skipped(self, message: _Claimed, reason: str) -> None:
        if self._change(
            message, lambda uow: uow.outbox.mark_skipped(message.id, self.worker, reason)
        ):
            log_event("not_sent", kind=message.kind.value, key=message.key, reason=reason)

    def _mark_failed(self, message: _Claimed, now: datetime, reason: str) -> None:
        def failed(uow: UnitOfWork) -> bool:
            owned = uow.outbox.mark_failed(message.id, self.worker, reason)
            if owned:
                uow.audit.record(
                    now, "send_failed", message.key, kind=message.kind.value, reason=reason
                )
            return owned

        if self._change(message, failed):
            self.failed += 1
            log_event(
                "send_failed",
                logging.ERROR,
                kind=message.kind.value,
                key=message.key,
                to=list(message.recipients),
                reason=reason,
            )

    def _release(self, messages: list[_Claimed]) -> None:
        """Give back claims not yet sent, so another worker (or the next start) sends them."""
        try:
            with self.uow_factory() as uow:
                released = uow.outbox.release([m.id for m in messages], self.worker)
                uow.commit()
        except Exception as exc:  # their leases run out within a minute anyway
            log_event("release_failed", logging.WARNING, worker=self.worker, error=repr(exc))
            return
        self.released += released
        log_event("claims_released", worker=self.worker, count=released)


def _snapshot(message: OutboxMessage) -> _Claimed:
    assert message.rendering is not None and message.id is not None, (
        f"outbox message {message.key} has no rendered email"
    )
    raw = message.rendering.raw
    # The headers end at the first blank line, which is in this much (the rest may be a pack).
    blank_line = raw.find(b"\r\n\r\n")
    heading = raw if blank_line < 0 else raw[: blank_line + 4]
    headers = BytesHeaderParser(policy=compat32).parsebytes(heading)
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
        milestones=message.milestones,
        acceptance_unknown_before=message.acceptance_unknown_at is not None,
    )
