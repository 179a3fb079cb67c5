"""Inbound messages and what came of them, behind `InboundStore`: records out, never rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from scheduler.adapters.orm import (
    AddressStatusRow,
    AttachmentRow,
    AwayNoticeRow,
    InboundRow,
)
from scheduler.adapters.rows import insert_new_rows
from scheduler.domain.replies.records import (
    ArrivedMessage,
    AwayNotice,
    FailingAddress,
    InboundStatus,
    Outcome,
    ReceivedAttachment,
    StoredMessage,
)


class InboundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _core(self) -> Connection:
        """The session's connection for a Core statement, with the session's changes flushed
        first, as an ORM statement would have them."""
        self.session.flush()
        return self.session.connection()

    def add(self, message: ArrivedMessage) -> int | None:
        return self.add_all([message])[0]

    def add_all(self, messages: Sequence[ArrivedMessage]) -> list[int | None]:
        ids = insert_new_rows(self._core(), _TABLE, [_values(m) for m in messages], "dedupe_key")
        added: list[int | None] = []
        for message in messages:  # a key repeated in `messages` is stored for its first only
            added.append(ids.pop(message.dedupe_key, None))
        return added

    def get(self, inbound_id: int) -> StoredMessage | None:
        row = self.session.get(InboundRow, inbound_id)
        return None if row is None else _to_record(row)

    def by_dedupe_key(self, key: str) -> StoredMessage | None:
        row = self.session.scalar(select(InboundRow).where(InboundRow.dedupe_key == key))
        return None if row is None else _to_record(row)

    def raw_of(self, inbound_id: int) -> bytes | None:
        return self.session.scalar(select(InboundRow.raw).where(InboundRow.id == inbound_id))

    def take_new(self, inbound_id: int) -> bool:
        return bool(self.take_new_all([inbound_id]))

    def take_new_all(self, inbound_ids: Collection[int]) -> list[StoredMessage]:
        """Move stored messages from `new` to `processing` in this transaction, those still new.

        As the transaction's first write it locks the rows: a second poller waits, then finds
        them no longer new. Never committed as such: the same transaction sets the outcome.
        """
        if not inbound_ids:
            return []
        table = _TABLE
        result = self._core().execute(
            update(InboundRow)
            .where(
                InboundRow.id.in_(list(inbound_ids)),
                InboundRow.status == InboundStatus.NEW.value,
            )
            .values(status=InboundStatus.PROCESSING.value)
            .returning(*(table.c[name] for name in _STORED_COLUMNS))
        )
        taken = [
            StoredMessage(**{**row._asdict(), "status": InboundStatus(row.status)})
            for row in result
        ]
        return sorted(taken, key=lambda m: m.id)

    def record_outcome(self, inbound_id: int, outcome: Outcome, now: datetime) -> None:
        self.record_outcomes([(inbound_id, outcome)], now)

    def record_outcomes(self, outcomes: Sequence[tuple[int, Outcome]], now: datetime) -> None:
        """One statement for each kind of outcome, rather than one for each message."""
        alike: dict[tuple[str, str | None, date | None], dict[int, int | None]] = {}
        for inbound_id, outcome in outcomes:
            kind = (outcome.status.value, outcome.classification, outcome.away_until)
            alike.setdefault(kind, {})[inbound_id] = outcome.outbox_id
        for (status, classification, away_until), members in alike.items():
            answered = {i: o for i, o in members.items() if o is not None}
            outbox_id = (
                case(answered, value=InboundRow.id, else_=InboundRow.outbox_id)
                if answered
                else InboundRow.outbox_id
            )
            self._core().execute(
                update(InboundRow)
                .where(InboundRow.id.in_(list(members)))
                .values(
                    status=status,
                    processed_at=now,
                    classification=classification,
                    away_until=away_until,
                    outbox_id=outbox_id,
                )
            )

    def send_to_review(self, inbound_id: int, reason: str, now: datetime) -> bool:
        result = self._core().execute(
            update(InboundRow)
            .where(InboundRow.id == inbound_id, InboundRow.status.in_(_UNFINISHED))
            .values(status=InboundStatus.REVIEW.value, review_reason=reason, processed_at=now)
        )
        return result.rowcount == 1

    def with_status(self, *statuses: InboundStatus) -> list[StoredMessage]:
        rows = self.session.scalars(
            select(InboundRow)
            .where(InboundRow.status.in_([s.value for s in statuses]))
            .order_by(InboundRow.id)
        )
        return [_to_record(row) for row in rows]

    def count_with_status(self, *statuses: InboundStatus) -> int:
        counted = self.session.scalar(
            select(func.count())
            .select_from(InboundRow)
            .where(InboundRow.status.in_([s.value for s in statuses]))
        )
        return int(counted or 0)

    def purge_raw_before(self, cutoff: datetime, now: datetime) -> int:
        result = self._core().execute(
            update(InboundRow)
            .where(
                InboundRow.received_at < cutoff,
                InboundRow.raw.is_not(None),
                InboundRow.status != InboundStatus.NEW.value,
            )
            .values(raw=None, raw_purged_at=now)
        )
        return result.rowcount

    def add_attachment(self, attachment: ReceivedAttachment) -> None:
        self.session.add(
            AttachmentRow(
                inbound_id=attachment.inbound_id,
                filename=attachment.filename,
                content_type=attachment.content_type,
                payload=attachment.payload,
                lead_name=attachment.lead_name,
                meeting=attachment.meeting,
                private=attachment.private,
            )
        )

    def attachments_for_meeting(self, meeting: date) -> list[ReceivedAttachment]:
        rows = self.session.execute(
            select(AttachmentRow, InboundRow.received_at)
            .join(InboundRow, InboundRow.id == AttachmentRow.inbound_id)
            .where(AttachmentRow.meeting == meeting)
            .order_by(AttachmentRow.id)
        )
        return [
            ReceivedAttachment(
                inbound_id=row.inbound_id,
                filename=row.filename,
                content_type=row.content_type,
                payload=row.payload,
                lead_name=row.lead_name,
                meeting=row.meeting,
                private=row.private,
                received_at=received_at,
            )
            for row, received_at in rows
        ]

    def mark_address_failing(self, address: str, now: datetime, detail: str) -> None:
        row = self.session.scalar(
            select(AddressStatusRow).where(AddressStatusRow.address == address)
        )
        if row is None:
            self.session.add(AddressStatusRow(address=address, failing_since=now, detail=detail))
        else:
            row.detail = detail

    def failing_addresses(self) -> list[FailingAddress]:
        rows = self.session.scalars(select(AddressStatusRow).order_by(AddressStatusRow.id))
        return [FailingAddress(r.address, r.failing_since, r.detail) for r in rows]

    def record_away(
        self, address: str, meeting: date | None, now: datetime, away_until: date | None
    ) -> None:
        row = self.session.scalar(
            select(AwayNoticeRow).where(
                AwayNoticeRow.address == address, AwayNoticeRow.meeting == meeting
            )
        )
        if row is None:
            self.session.add(
                AwayNoticeRow(
                    address=address, meeting=meeting, received_at=now, away_until=away_until
                )
            )
        elif away_until is not None:
            row.away_until = away_until

    def away_for_meeting(self, meeting: date) -> list[AwayNotice]:
        rows = self.session.scalars(select(AwayNoticeRow).where(AwayNoticeRow.meeting == meeting))
        return [AwayNotice(r.address, r.meeting, r.received_at, r.away_until) for r in rows]


_TABLE = cast(Table, InboundRow.__table__)  # a declarative class's table is a Table

# Processing is never committed: a message seen in it was taken by this very transaction.
_UNFINISHED = (InboundStatus.NEW.value, InboundStatus.PROCESSING.value)

_STORED_COLUMNS = (
    "id",
    "dedupe_key",
    "message_id",
    "received_at",
    "status",
    "classification",
    "from_address",
    "subject",
    "review_reason",
)


def _values(message: ArrivedMessage) -> dict[str, Any]:
    return {
        "dedupe_key": message.dedupe_key,
        "message_id": message.message_id,
        "raw": message.raw,
        "received_at": message.received_at,
        "source": message.source,
        "status": InboundStatus.NEW.value,
        "from_address": message.from_address,
        "subject": message.subject,
        "problems": list(message.problems),
        "authentication_results": message.authentication_results,
    }


def _to_record(row: InboundRow) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        dedupe_key=row.dedupe_key,
        message_id=row.message_id,
        received_at=row.received_at,
        status=InboundStatus(row.status),
        classification=row.classification,
        from_address=row.from_address,
        subject=row.subject,
        review_reason=row.review_reason,
    )
