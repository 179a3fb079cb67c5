"""The outbox table behind `OutboxStore`: rows in, `OutboxMessage` records out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from scheduler.adapters.orm import OutboxRow
from scheduler.adapters.rows import insert_all, insert_new_rows, insert_unless_taken, text_values
from scheduler.domain.schedule.notification import MilestoneRef, NotificationKind
from scheduler.domain.schedule.outbox import (
    AcknowledgementContext,
    OutboxMessage,
    OutboxStatus,
    Rendering,
)

# Keys per statement (bound as one parameter), so no statement grows without bound.
_KEYS_PER_QUESTION = 10_000
_TABLE = cast(Table, OutboxRow.__table__)  # a declarative class's table is a Table
_C = _TABLE.c
# Built once: a batch marks thousands of messages sent, one statement each, and building and
# checking the statement anew cost about as much as running it.
_MARK_SENT = (
    update(_TABLE)
    .where(
        _C.id == bindparam("mark_id"),
        _C.claimed_by == bindparam("mark_worker"),
        _C.status == OutboxStatus.SENDING.value,
    )
    .values(
        attempts=_C.attempts + 1,
        lease_until=None,
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("mark_at", type_=_C.sent_at.type),
    )
)


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _core(self) -> Connection:
        """The session's connection for a Core statement, with the session's changes flushed
        first, as an ORM statement would have them."""
        self.session.flush()
        return self.session.connection()

    def keys(self) -> frozenset[str]:
        return frozenset(self.session.scalars(select(OutboxRow.key)))

    def has_key(self, key: str) -> bool:
        return self.session.scalar(select(OutboxRow.id).where(OutboxRow.key == key)) is not None

    def recorded_keys(self, keys: Collection[str]) -> frozenset[str]:
        wanted = sorted(set(keys))
        missing: set[str] = set()
        for start in range(0, len(wanted), _KEYS_PER_QUESTION):
            given = text_values(
                self.session.get_bind().dialect.name, wanted[start : start + _KEYS_PER_QUESTION]
            )
            # The keys not held come back, not those held: a quiet tick reads no rows.
            held = select(OutboxRow.id).where(OutboxRow.key == given.c.value).exists()
            missing.update(self.session.scalars(select(given.c.value).where(~held)))
        return frozenset(wanted).difference(missing)

    def add(self, message: OutboxMessage) -> bool:
        return insert_unless_taken(self._core(), _TABLE, _values(message))

    def add_all(self, messages: Sequence[OutboxMessage]) -> frozenset[str]:
        rows = [_values(m) for m in messages]
        return frozenset(insert_new_rows(self._core(), _TABLE, rows, "key", any_unique=True))

    def add_new(self, *messages: OutboxMessage) -> None:
        insert_all(self.session, OutboxRow, [_values(m) for m in messages])

    def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxMessage]:
        sendable = or_(
            OutboxRow.status == OutboxStatus.PENDING.value,
            (OutboxRow.status == OutboxStatus.SENDING.value)
            & or_(OutboxRow.lease_until < now, OutboxRow.claimed_by == worker),
        )
        candidates = self.session.scalars(
            select(OutboxRow.id)
            .where(sendable, OutboxRow.send_after <= now, OutboxRow.raw.is_not(None))
            .order_by(OutboxRow.scheduled_for, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not candidates:
            return []
        # The conditional update is what makes a claim exclusive on every database.
        until = now + lease
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(candidates), sendable)
            .values(status=OutboxStatus.SENDING.value, claimed_by=worker, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        rows = self.session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.id.in_(candidates),
                OutboxRow.claimed_by == worker,
                OutboxRow.status == OutboxStatus.SENDING.value,
                OutboxRow.lease_until == until,
            )
            .order_by(OutboxRow.scheduled_for, OutboxRow.id)
            .execution_options(populate_existing=True)
        )
        return [_to_record(row) for row in rows]

    def renew_lease(self, ids: Sequence[int], worker: str, until: datetime) -> set[int]:
        mine = (
            OutboxRow.id.in_(list(ids)),
            OutboxRow.claimed_by == worker,
            OutboxRow.status == OutboxStatus.SENDING.value,
        )
        self.session.execute(
            update(OutboxRow)
            .where(*mine)
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return set(self.session.scalars(select(OutboxRow.id).where(*mine)))

    def mark_sent(self, message_id: int, worker: str, now: datetime) -> bool:
        # Core, not the ORM, and one statement built once: this runs once per message sent.
        result = self._core().execute(
            _MARK_SENT, {"mark_id": message_id, "mark_worker": worker, "mark_at": now}
        )
        return bool(result.rowcount == 1)

    def mark_for_retry(
        self, message_id: int, worker: str, reason: str, send_after: datetime
    ) -> bool:
        return self._change_claimed(message_id, worker, **_pending_again(reason, send_after))

    def mark_acceptance_unknown(
        self, message_id: int, worker: str, reason: str, now: datetime, send_after: datetime
    ) -> bool:
        return self._change_claimed(
            message_id, worker, **_pending_again(reason, send_after), acceptance_unknown_at=now
        )

    def mark_assumed_sent(self, message_id: int, worker: str, now: datetime, reason: str) -> bool:
        return self._change_claimed(
            message_id, worker, status=OutboxStatus.SENT.value, sent_at=now, last_error=reason
        )

    def release(self, ids: Sequence[int], worker: str) -> int:
        result = self._core().execute(
            update(_TABLE)
            .where(
                _C.id.in_(list(ids)),
                _C.claimed_by == worker,
                _C.status == OutboxStatus.SENDING.value,
            )
            .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None)
        )
        return result.rowcount

    def mark_failed(self, message_id: int, worker: str, reason: str) -> bool:
        return self._change_claimed(
            message_id, worker, status=OutboxStatus.FAILED.value, last_error=reason
        )

    def mark_skipped(self, message_id: int, worker: str, reason: str) -> bool:
        return self._change_claimed(
            message_id, worker, status=OutboxStatus.SKIPPED.value, reason=reason
        )

    def retry_failed(self, message_id: int, now: datetime) -> bool:
        result = self._core().execute(
            update(_TABLE)
            .where(_C.id == message_id, _C.status == OutboxStatus.FAILED.value)
            .values(status=OutboxStatus.PENDING.value, send_after=now, attempts=0)
        )
        return bool(result.rowcount == 1)

    def _change_claimed(self, message_id: int, worker: str, **values: Any) -> bool:
        """Apply a change, count the attempt and end the lease, only if `worker` holds it."""
        result = self._core().execute(
            update(_TABLE)
            .where(
                _C.id == message_id,
                _C.claimed_by == worker,
                _C.status == OutboxStatus.SENDING.value,
            )
            .values(attempts=_C.attempts + 1, lease_until=None, **values)
        )
        return bool(result.rowcount == 1)

    def awaiting_render(self) -> list[int]:
        return list(
            self.session.scalars(
                select(OutboxRow.id)
                .where(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.raw.is_(None))
                .order_by(OutboxRow.id)
            )
        )

    def store_rendering(self, message_id: int, rendering: Rendering) -> bool:
        result = self._core().execute(
            update(_TABLE)
            .where(_C.id == message_id, _C.raw.is_(None))
            .values(subject=rendering.subject, body_text=rendering.body_text, raw=rendering.raw)
        )
        return bool(result.rowcount == 1)

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self.session.get(OutboxRow, message_id)
        return None if row is None else _to_record(row)

    def message_id_of(self, key: str) -> str | None:
        return self.session.scalar(select(OutboxRow.message_id).where(OutboxRow.key == key))

    def by_token(self, token: str) -> OutboxMessage | None:
        return self.with_tokens([token]).get(token)

    def with_tokens(self, tokens: Collection[str]) -> dict[str, OutboxMessage]:
        if not tokens:
            return {}
        rows = self.session.scalars(
            select(OutboxRow).where(OutboxRow.token.in_(list(tokens))).order_by(OutboxRow.id)
        )
        return {row.token: _to_record(row) for row in rows if row.token}  # newest last: kept

    def by_message_ids(self, message_ids: Sequence[str]) -> OutboxMessage | None:
        found = self.with_message_ids(message_ids).values()
        return max(found, key=lambda m: m.id or 0, default=None)

    def with_message_ids(self, message_ids: Collection[str]) -> dict[str, OutboxMessage]:
        if not message_ids:
            return {}
        rows = self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.message_id.in_(list(message_ids)))
            .order_by(OutboxRow.id)
        )
        return {row.message_id: _to_record(row) for row in rows if row.message_id}

    def with_status(self, *statuses: OutboxStatus) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status.in_([s.value for s in statuses]))
            .order_by(OutboxRow.scheduled_for, OutboxRow.id)
        )
        return [_to_record(row) for row in rows]

    def latest_sent(self, limit: int) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == OutboxStatus.SENT.value)
            .order_by(
                func.coalesce(OutboxRow.sent_at, OutboxRow.scheduled_for).desc(),
                OutboxRow.id.desc(),
            )
            .limit(limit)
        )
        return [_to_record(row) for row in rows]

    def all(self) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxRow).order_by(OutboxRow.scheduled_for, OutboxRow.id)
        )
        return [_to_record(row) for row in rows]

    def count_with_status(self, *statuses: OutboxStatus) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.status.in_([s.value for s in statuses]))
            )
            or 0
        )

    def for_meeting(self, kind: NotificationKind, meeting: date) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxRow)
            .where(OutboxRow.kind == kind.value, OutboxRow.meeting == meeting)
            .order_by(OutboxRow.id)
        )
        return [_to_record(row) for row in rows]

    def meetings_sent(
        self, kind: NotificationKind, among: Collection[date] | None = None
    ) -> frozenset[date]:
        query = (
            select(OutboxRow.meeting)
            .where(
                OutboxRow.kind == kind.value,
                OutboxRow.status == OutboxStatus.SENT.value,
                OutboxRow.meeting.is_not(None),
            )
            .distinct()
        )
        if among is not None:
            query = query.where(OutboxRow.meeting.in_(list(among)))
        return frozenset(self.session.scalars(query))

    def first_rendered_at(self, kind: NotificationKind, meeting: date) -> datetime | None:
        return self.session.scalar(
            select(OutboxRow.created_at)
            .where(
                OutboxRow.kind == kind.value,
                OutboxRow.meeting == meeting,
                OutboxRow.raw.is_not(None),
            )
            .order_by(OutboxRow.id)
            .limit(1)
        )


def _pending_again(reason: str, send_after: datetime) -> dict[str, Any]:
    """The claim given up, to be tried again from `send_after`, with why."""
    return {
        "status": OutboxStatus.PENDING.value,
        "claimed_by": None,
        "last_error": reason,
        "send_after": send_after,
    }


def _values(message: OutboxMessage) -> dict[str, Any]:
    rendering = message.rendering
    ack = message.acknowledgement
    return dict(
        key=message.key,
        kind=message.kind.value,
        status=message.status.value,
        to_addresses=list(message.to),
        cc_addresses=list(message.cc),
        subject=rendering.subject if rendering else "",
        lead_name=message.lead_name,
        meeting=message.meeting,
        refs=list(message.refs),
        milestones=[
            {"ref": m.action_ref, "label": m.label, "due": m.due.isoformat()}
            for m in message.milestones
        ],
        token=message.token,
        message_id=message.message_id,
        body_text=rendering.body_text if rendering else "",
        raw=rendering.raw if rendering else None,
        created_at=message.created_at,
        scheduled_for=message.scheduled_for,
        send_after=message.send_after,
        attempts=message.attempts,
        reason=message.reason,
        context=None
        if ack is None
        else {
            "inbound_id": ack.inbound_id,
            "problems": list(ack.problems),
            "thread": list(ack.thread),
        },
    )


def _to_record(row: OutboxRow) -> OutboxMessage:
    context = row.context or {}
    inbound_id = context.get("inbound_id")
    return OutboxMessage(
        key=row.key,
        kind=NotificationKind(row.kind),
        status=OutboxStatus(row.status),
        to=tuple(row.to_addresses),
        cc=tuple(row.cc_addresses),
        lead_name=row.lead_name,
        meeting=row.meeting,
        refs=tuple(row.refs),
        milestones=tuple(
            MilestoneRef(m["ref"], m["label"], date.fromisoformat(m["due"]))
            for m in row.milestones or ()
        ),
        created_at=row.created_at,
        scheduled_for=row.scheduled_for,
        send_after=row.send_after,
        token=row.token,
        message_id=row.message_id,
        reason=row.reason,
        acknowledgement=None
        if inbound_id is None
        else AcknowledgementContext(
            int(inbound_id),
            tuple(context.get("problems", ())),
            tuple(context.get("thread", ())),
        ),
        rendering=None
        if row.raw is None
        else Rendering(subject=row.subject, body_text=row.body_text, raw=row.raw),
        id=row.id,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        acceptance_unknown_at=row.acceptance_unknown_at,
    )
