"""Recorded updates and replies behind `UpdateStore`, and the audit log behind `AuditLog`."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, func, inspect, select, update
from sqlalchemy.orm import Session

from scheduler.adapters.orm import AuditRow, PlanRow, ReplyRow, UpdateRow
from scheduler.adapters.rows import insert_all, text_values
from scheduler.domain.audit import AuditEntry
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import RecordedUpdate

# Updates are read as rows of their columns, not as ORM objects that would only be copied
# into records: an export of the whole history reads faster so.
_COLUMNS = tuple(getattr(UpdateRow, column.key) for column in inspect(UpdateRow).column_attrs)
_STATUSES = {status.value: status for status in Status}
_EXPORT_BATCH = 1000
_HELD = (UpdateRow.held_for_review.is_(True), UpdateRow.released_at.is_(None))


class UpdateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_all(self, updates: Sequence[RecordedUpdate]) -> None:
        insert_all(self.session, UpdateRow, [_to_row(u) for u in updates])

    def add(self, update: RecordedUpdate) -> int:
        row = UpdateRow(**_to_row(update))
        self.session.add(row)
        self.session.flush()
        return row.id

    def for_refs(self, plan_name: str, refs: Collection[str]) -> list[RecordedUpdate]:
        if not refs:
            return []
        plan_id = select(PlanRow.id).where(PlanRow.name == plan_name).scalar_subquery()
        return self._where(UpdateRow.plan_id == plan_id, UpdateRow.ref.in_(list(refs)))

    def latest_by_ref(
        self, plan_name: str, refs: Collection[str] | None = None
    ) -> dict[str, RecordedUpdate]:
        newest = _newest_ids(plan_name)
        if refs is not None:
            if not refs:
                return {}
            # The refs bound as one parameter: a busy tick asks about every action of a plan.
            given = text_values(self.session.get_bind().dialect.name, sorted(set(refs)))
            newest = newest.where(UpdateRow.ref.in_(select(given.c.value)))
        rows = self.session.execute(select(*_COLUMNS).where(UpdateRow.id.in_(newest)))
        return {row.ref: _to_record(row) for row in rows}

    def latest_statuses(self, plan_name: str) -> dict[str, Status | None]:
        rows = self.session.execute(
            select(UpdateRow.ref, UpdateRow.status).where(UpdateRow.id.in_(_newest_ids(plan_name)))
        )
        return {ref: _STATUSES[status] if status else None for ref, status in rows}

    def all(self) -> list[RecordedUpdate]:
        return self._where()

    def each(self) -> Iterator[RecordedUpdate]:
        rows = self.session.execute(
            select(*_COLUMNS).order_by(UpdateRow.id).execution_options(yield_per=_EXPORT_BATCH)
        )
        for row in rows:
            yield _to_record(row)

    def newest(self, limit: int) -> list[RecordedUpdate]:
        rows = self.session.execute(select(*_COLUMNS).order_by(UpdateRow.id.desc()).limit(limit))
        return [_to_record(row) for row in rows]

    def held(self) -> list[RecordedUpdate]:
        return self._where(*_HELD)

    def count_held(self) -> int:
        return int(
            self.session.scalar(select(func.count()).select_from(UpdateRow).where(*_HELD)) or 0
        )

    def get(self, update_id: int) -> RecordedUpdate | None:
        row = self.session.get(UpdateRow, update_id)
        return None if row is None else _to_record(row)

    def for_inbound(self, inbound_id: int) -> list[RecordedUpdate]:
        return self._where(UpdateRow.inbound_id == inbound_id)

    def for_meeting_after(self, meeting: date, when: datetime) -> list[RecordedUpdate]:
        return self._where(UpdateRow.meeting == meeting, UpdateRow.received_at > when)

    def any_private_for(self, meeting: date) -> bool:
        found = self.session.scalar(
            select(UpdateRow.id)
            .where(UpdateRow.meeting == meeting, UpdateRow.private.is_(True))
            .limit(1)
        )
        return found is not None

    def _where(self, *conditions: Any) -> list[RecordedUpdate]:
        rows = self.session.execute(select(*_COLUMNS).where(*conditions).order_by(UpdateRow.id))
        return [_to_record(row) for row in rows]

    def mark_released(self, update_id: int, now: datetime) -> None:
        self._set(update_id, released_at=now)

    def release_edited(self, update_id: int, text: str, now: datetime) -> None:
        self._set(update_id, released_at=now, text=text)

    def _set(self, update_id: int, **values: Any) -> None:
        self.session.execute(
            update(UpdateRow)
            .where(UpdateRow.id == update_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def record_reply(self, meeting: date, address: str, now: datetime) -> None:
        self.record_replies([(meeting, address)], now)

    def record_replies(self, replies: Collection[tuple[date, str]], now: datetime) -> None:
        wanted = set(replies)
        if not wanted:
            return
        known = self.session.execute(
            select(ReplyRow.meeting, ReplyRow.address).where(
                ReplyRow.meeting.in_({m for m, _ in wanted}),
                ReplyRow.address.in_({a for _, a in wanted}),
            )
        )
        wanted -= {(m, a) for m, a in known}
        self.session.add_all(
            ReplyRow(meeting=m, address=a, first_received_at=now) for m, a in sorted(wanted)
        )

    def replied(self, meetings: Collection[date] | None = None) -> frozenset[tuple[str, str]]:
        query = select(ReplyRow.meeting, ReplyRow.address)
        if meetings is not None:
            query = query.where(ReplyRow.meeting.in_(list(meetings)))
        rows = self.session.execute(query)
        return frozenset((m.isoformat(), a) for m, a in rows)


def _newest_ids(plan_name: str) -> Select[int]:
    """The id of the newest update on each ref of the plan."""
    plan_id = select(PlanRow.id).where(PlanRow.name == plan_name).scalar_subquery()
    return (
        select(func.max(UpdateRow.id)).where(UpdateRow.plan_id == plan_id).group_by(UpdateRow.ref)
    )


def _to_row(u: RecordedUpdate) -> dict[str, Any]:
    return {
        "inbound_id": u.inbound_id,
        "plan_id": u.plan_id,
        "ref": u.ref,
        "status": u.status.value if u.status else None,
        "text": u.text,
        "received_at": u.received_at,
        "sender": u.sender,
        "lead_name": u.lead_name,
        "meeting": u.meeting,
        "unstructured": u.unstructured,
        "private": u.private,
        "held_for_review": u.held_for_review,
        "personal_data_kinds": list(u.personal_data_kinds),
        "released_at": u.released_at,
        "entered_by": u.entered_by,
        "entry_reason": u.entry_reason,
        "supersedes_id": u.supersedes_id,
    }


def _to_record(row: UpdateRow | Row[Any]) -> RecordedUpdate:
    return RecordedUpdate(
        ref=row.ref,
        status=_STATUSES[row.status] if row.status else None,
        text=row.text,
        received_at=row.received_at,
        sender=row.sender,
        lead_name=row.lead_name,
        meeting=row.meeting,
        inbound_id=row.inbound_id,
        plan_id=row.plan_id,
        unstructured=row.unstructured,
        private=row.private,
        held_for_review=row.held_for_review,
        personal_data_kinds=tuple(row.personal_data_kinds or ()),
        released_at=row.released_at,
        id=row.id,
        entered_by=row.entered_by,
        entry_reason=row.entry_reason,
        supersedes_id=row.supersedes_id,
    )


class AuditRepository:
    """What happened, one row per event, for the coordinator and IT; never message bodies."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, at: datetime, event: str, subject: str = "", **detail: Any) -> None:
        self.session.add(AuditRow(at=at, event=event, subject=subject, detail=detail))

    def about(self, subjects: Collection[str]) -> list[AuditEntry]:
        if not subjects:
            return []
        rows = self.session.scalars(
            select(AuditRow).where(AuditRow.subject.in_(list(subjects))).order_by(AuditRow.id)
        )
        return [AuditEntry(row.at, row.event, row.subject, dict(row.detail)) for row in rows]
