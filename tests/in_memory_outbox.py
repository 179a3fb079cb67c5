"""The outbox behind `OutboxStore`, in memory: claims under a lease, and every change to a
claimed message made only by the worker that holds it, as the conditional SQL updates do."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus, Rendering
from tests.in_memory_tables import OutboxRow, Transaction, check_length, utc


class InMemoryOutbox:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._table = tx.database.outbox

    def _messages(self) -> list[OutboxMessage]:
        return [row.message for _, row in self._tx.rows(self._table)]

    def keys(self) -> frozenset[str]:
        return frozenset(m.key for m in self._messages())

    def has_key(self, key: str) -> bool:
        return any(m.key == key for m in self._messages())

    def recorded_keys(self, keys: Collection[str]) -> frozenset[str]:
        return self.keys() & set(keys)

    def add(self, message: OutboxMessage) -> bool:
        row = OutboxRow(_stored(message))
        if self._tx.clashes(self._table, row):
            return False
        self._insert(row)
        return True

    def add_all(self, messages: Sequence[OutboxMessage]) -> frozenset[str]:
        return frozenset(m.key for m in messages if self.add(m))

    def add_new(self, *messages: OutboxMessage) -> None:
        for message in messages:
            self._insert(OutboxRow(_stored(message)))  # a duplicate key fails at commit

    def _insert(self, row: OutboxRow) -> None:
        row_id = self._table.next_id()
        self._tx.put(self._table, row_id, replace(row, message=replace(row.message, id=row_id)))

    def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxMessage]:
        now = utc(now)
        candidates = sorted(
            (
                (row.message.scheduled_for, row_id, row)
                for row_id, row in self._tx.rows(self._table)
                if _sendable(row, now, worker)
                and row.message.send_after <= now
                and row.message.rendering is not None
                and not self._tx.locked_by_another(self._table, row_id)  # SKIP LOCKED
            ),
            key=lambda item: item[:2],
        )[: max(limit, 0)]
        claimed = []
        for _, row_id, row in candidates:
            mine = replace(
                row,
                message=replace(row.message, status=OutboxStatus.SENDING),
                claimed_by=worker,
                lease_until=now + lease,
            )
            self._tx.put(self._table, row_id, mine)
            claimed.append(mine.message)
        return claimed

    def renew_lease(self, ids: Sequence[int], worker: str, until: datetime) -> set[int]:
        held = set()
        for row_id in ids:
            row = self._tx.get(self._table, row_id)
            if row is not None and _held_by(row, worker):
                self._tx.put(self._table, row_id, replace(row, lease_until=utc(until)))
                held.add(row_id)
        return held

    def mark_sent(self, message_id: int, worker: str, now: datetime) -> bool:
        return self._change_claimed(message_id, worker, status=OutboxStatus.SENT, sent_at=utc(now))

    def mark_for_retry(
        self, message_id: int, worker: str, reason: str, send_after: datetime
    ) -> bool:
        return self._change_claimed(
            message_id,
            worker,
            release=True,
            status=OutboxStatus.PENDING,
            last_error=reason,
            send_after=utc(send_after),
        )

    def mark_acceptance_unknown(
        self, message_id: int, worker: str, reason: str, now: datetime, send_after: datetime
    ) -> bool:
        return self._change_claimed(
            message_id,
            worker,
            release=True,
            status=OutboxStatus.PENDING,
            last_error=reason,
            send_after=utc(send_after),
            acceptance_unknown_at=utc(now),
        )

    def mark_assumed_sent(self, message_id: int, worker: str, now: datetime, reason: str) -> bool:
        return self._change_claimed(
            message_id, worker, status=OutboxStatus.SENT, sent_at=utc(now), last_error=reason
        )

    def release(self, ids: Sequence[int], worker: str) -> int:
        released = 0
        for row_id in ids:
            row = self._tx.get(self._table, row_id)
            if row is not None and _held_by(row, worker):
                pending = replace(row.message, status=OutboxStatus.PENDING)
                self._tx.put(self._table, row_id, OutboxRow(pending, None, None))
                released += 1
        return released

    def mark_failed(self, message_id: int, worker: str, reason: str) -> bool:
        return self._change_claimed(
            message_id, worker, status=OutboxStatus.FAILED, last_error=reason
        )

    def retry_failed(self, message_id: int, now: datetime) -> bool:
        row = self._tx.get(self._table, message_id)
        if row is None or row.message.status != OutboxStatus.FAILED:
            return False
        message = replace(row.message, status=OutboxStatus.PENDING, send_after=utc(now), attempts=0)
        self._tx.put(self._table, message_id, replace(row, message=message))
        return True

    def mark_skipped(self, message_id: int, worker: str, reason: str) -> bool:
        return self._change_claimed(message_id, worker, status=OutboxStatus.SKIPPED, reason=reason)

    def _change_claimed(
        self, message_id: int, worker: str, *, release: bool = False, **changes: Any
    ) -> bool:
        """Apply a change, count the attempt and end the lease, only if `worker` holds it.

        Only a retry forgets the claimer; the other ends keep it, as the SQL update does.
        """
        row = self._tx.get(self._table, message_id)
        if row is None or not _held_by(row, worker):
            return False
        message = replace(row.message, attempts=row.message.attempts + 1, **changes)
        claimed_by = None if release else row.claimed_by
        self._tx.put(self._table, message_id, OutboxRow(message, claimed_by, None))
        return True

    def awaiting_render(self) -> list[int]:
        return [
            row_id
            for row_id, row in self._tx.rows(self._table)
            if row.message.status == OutboxStatus.PENDING and row.message.rendering is None
        ]

    def store_rendering(self, message_id: int, rendering: Rendering) -> bool:
        row = self._tx.get(self._table, message_id)
        if row is None or row.message.rendering is not None:
            return False
        check_length(rendering.subject, 500, "outbox.subject")
        self._tx.put(
            self._table, message_id, replace(row, message=replace(row.message, rendering=rendering))
        )
        return True

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self._tx.get(self._table, message_id)
        return None if row is None else row.message

    def message_id_of(self, key: str) -> str | None:
        return next((m.message_id for m in self._messages() if m.key == key), None)

    def by_token(self, token: str) -> OutboxMessage | None:
        return self._newest(lambda m: m.token == token)

    def with_tokens(self, tokens: Collection[str]) -> dict[str, OutboxMessage]:
        found = {t: self.by_token(t) for t in set(tokens)}
        return {t: m for t, m in found.items() if m is not None}

    def by_message_ids(self, message_ids: Sequence[str]) -> OutboxMessage | None:
        wanted = set(message_ids)
        return self._newest(lambda m: m.message_id in wanted) if wanted else None

    def with_message_ids(self, message_ids: Collection[str]) -> dict[str, OutboxMessage]:
        found = {i: self.by_message_ids([i]) for i in set(message_ids)}
        return {i: m for i, m in found.items() if m is not None}

    def _newest(self, matches: Callable[[OutboxMessage], bool]) -> OutboxMessage | None:
        return next((m for m in reversed(self._messages()) if matches(m)), None)

    def with_status(self, *statuses: OutboxStatus) -> list[OutboxMessage]:
        return [m for m in self.all() if m.status in statuses]

    def latest_sent(self, limit: int) -> list[OutboxMessage]:
        sent = self.with_status(OutboxStatus.SENT)
        sent.sort(key=lambda m: (m.sent_at or m.scheduled_for, m.id or 0), reverse=True)
        return sent[:limit]

    def all(self) -> list[OutboxMessage]:
        return sorted(self._messages(), key=lambda m: (m.scheduled_for, m.id))

    def count_with_status(self, *statuses: OutboxStatus) -> int:
        return len(self.with_status(*statuses))

    def for_meeting(self, kind: NotificationKind, meeting: date) -> list[OutboxMessage]:
        return [m for m in self._messages() if m.kind == kind and m.meeting == meeting]

    def meetings_sent(
        self, kind: NotificationKind, among: Collection[date] | None = None
    ) -> frozenset[date]:
        return frozenset(
            m.meeting
            for m in self._messages()
            if m.kind == kind
            and m.status == OutboxStatus.SENT
            and m.meeting is not None
            and (among is None or m.meeting in among)
        )

    def first_rendered_at(self, kind: NotificationKind, meeting: date) -> datetime | None:
        return next(
            (
                m.created_at
                for m in self._messages()
                if m.kind == kind and m.meeting == meeting and m.rendering is not None
            ),
            None,
        )


def _sendable(row: OutboxRow, now: datetime, worker: str) -> bool:
    """Pending, claimed by a worker whose lease has run out, or claimed by this worker."""
    status = row.message.status
    if status == OutboxStatus.PENDING:
        return True
    if status != OutboxStatus.SENDING:
        return False
    expired = row.lease_until is not None and row.lease_until < now
    return expired or row.claimed_by == worker


def _held_by(row: OutboxRow, worker: str) -> bool:
    return row.claimed_by == worker and row.message.status == OutboxStatus.SENDING


def _stored(message: OutboxMessage) -> OutboxMessage:
    """The message as the outbox table keeps it: what it records, in UTC, no outcome yet."""
    check_length(message.key, 400, "outbox.key")
    check_length(message.token, 64, "outbox.token")
    check_length(message.message_id, 300, "outbox.message_id")
    check_length(message.lead_name, 200, "outbox.lead_name")
    check_length(message.subject, 500, "outbox.subject")
    ack = message.acknowledgement
    return replace(
        message,
        kind=NotificationKind(message.kind),
        status=OutboxStatus(message.status),
        to=tuple(message.to),
        cc=tuple(message.cc),
        refs=tuple(message.refs),
        milestones=tuple(message.milestones),
        created_at=utc(message.created_at),
        scheduled_for=utc(message.scheduled_for),
        send_after=utc(message.send_after),
        acknowledgement=None
        if ack is None
        else replace(ack, problems=tuple(ack.problems), thread=tuple(ack.thread)),
        id=None,
        last_error=None,  # the real outbox does not take these from a new message
        sent_at=None,
    )
