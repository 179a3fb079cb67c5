"""What comes back, in memory: inbound messages behind `InboundStore`, recorded updates and
replies behind `UpdateStore`, and the audit log behind `AuditLog`."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import (
    ArrivedMessage,
    AwayNotice,
    FailingAddress,
    InboundStatus,
    Outcome,
    ReceivedAttachment,
    RecordedUpdate,
    StoredMessage,
)
from tests.in_memory_tables import (
    AuditEntry,
    InboundRow,
    ReplyRow,
    Transaction,
    check_length,
    utc,
    utc_or_none,
)


class InMemoryInbound:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._db = tx.database
        self._table = tx.database.inbound

    def add(self, message: ArrivedMessage) -> int | None:
        check_length(message.dedupe_key, 400, "inbound.dedupe_key")
        check_length(message.message_id, 998, "inbound.message_id")
        check_length(message.from_address, 320, "inbound.from_address")
        check_length(message.subject, 998, "inbound.subject")
        check_length(message.source, 100, "inbound.source")
        row = InboundRow(
            StoredMessage(
                id=0,
                dedupe_key=message.dedupe_key,
                message_id=message.message_id,
                received_at=utc(message.received_at),
                status=InboundStatus.NEW,
                classification=None,
                from_address=message.from_address,
                subject=message.subject,
                review_reason=None,
            ),
            raw=message.raw,
            source=message.source,
            problems=tuple(message.problems),
            authentication_results=message.authentication_results,
        )
        if self._tx.clashes(self._table, row):
            return None
        row_id = self._table.next_id()
        self._tx.put(self._table, row_id, replace(row, message=replace(row.message, id=row_id)))
        return row_id

    def add_all(self, messages: Sequence[ArrivedMessage]) -> list[int | None]:
        return [self.add(message) for message in messages]

    def get(self, inbound_id: int) -> StoredMessage | None:
        row = self._tx.get(self._table, inbound_id)
        return None if row is None else row.message

    def by_dedupe_key(self, key: str) -> StoredMessage | None:
        return next(
            (r.message for _, r in self._tx.rows(self._table) if r.message.dedupe_key == key), None
        )

    def raw_of(self, inbound_id: int) -> bytes | None:
        row = self._tx.get(self._table, inbound_id)
        return None if row is None else row.raw

    def take_new(self, inbound_id: int) -> bool:
        return self._move_new(inbound_id, status=InboundStatus.PROCESSING)

    def take_new_all(self, inbound_ids: Collection[int]) -> list[StoredMessage]:
        taken = [i for i in sorted(set(inbound_ids)) if self.take_new(i)]
        return [message for i in taken if (message := self.get(i)) is not None]

    def record_outcomes(self, outcomes: Sequence[tuple[int, Outcome]], now: datetime) -> None:
        for inbound_id, outcome in outcomes:
            self.record_outcome(inbound_id, outcome, now)

    def record_outcome(self, inbound_id: int, outcome: Outcome, now: datetime) -> None:
        row = self._tx.get(self._table, inbound_id)
        assert row is not None, f"inbound message {inbound_id} vanished"
        message = replace(row.message, status=outcome.status, classification=outcome.classification)
        self._tx.put(
            self._table,
            inbound_id,
            replace(
                row,
                message=message,
                processed_at=utc(now),
                away_until=outcome.away_until,
                outbox_id=row.outbox_id if outcome.outbox_id is None else outcome.outbox_id,
            ),
        )

    def send_to_review(self, inbound_id: int, reason: str, now: datetime) -> bool:
        return self._move_unfinished(
            inbound_id, status=InboundStatus.REVIEW, review_reason=reason, processed_at=utc(now)
        )

    def _move_new(self, inbound_id: int, *, status: InboundStatus) -> bool:
        """A change only a message still `new` takes (a conditional update)."""
        return self._move_unfinished(inbound_id, status=status, only_new=True)

    def _move_unfinished(
        self,
        inbound_id: int,
        *,
        status: InboundStatus,
        review_reason: str | None = None,
        processed_at: datetime | None = None,
        only_new: bool = False,
    ) -> bool:
        """A change only a message still `new` (or taken by this transaction) takes."""
        row = self._tx.get(self._table, inbound_id)
        unfinished = (
            (InboundStatus.NEW,) if only_new else (InboundStatus.NEW, InboundStatus.PROCESSING)
        )
        if row is None or row.message.status not in unfinished:
            return False
        message = replace(row.message, status=status)
        if review_reason is not None:
            message = replace(message, review_reason=review_reason)
        if processed_at is not None:
            row = replace(row, processed_at=processed_at)
        self._tx.put(self._table, inbound_id, replace(row, message=message))
        return True

    def with_status(self, *statuses: InboundStatus) -> list[StoredMessage]:
        return [r.message for _, r in self._tx.rows(self._table) if r.message.status in statuses]

    def count_with_status(self, *statuses: InboundStatus) -> int:
        return len(self.with_status(*statuses))

    def purge_raw_before(self, cutoff: datetime, now: datetime) -> int:
        purged = 0
        for row_id, row in self._tx.rows(self._table):
            if (
                row.message.received_at < cutoff
                and row.raw is not None
                and row.message.status != InboundStatus.NEW
            ):
                self._tx.put(self._table, row_id, replace(row, raw=None, raw_purged_at=utc(now)))
                purged += 1
        return purged

    def add_attachment(self, attachment: ReceivedAttachment) -> None:
        check_length(attachment.filename, 500, "attachments.filename")
        check_length(attachment.content_type, 200, "attachments.content_type")
        check_length(attachment.lead_name, 200, "attachments.lead_name")
        self._tx.insert(self._db.attachments, replace(attachment, received_at=None))

    def attachments_for_meeting(self, meeting: date) -> list[ReceivedAttachment]:
        found = []
        for _, attachment in self._tx.rows(self._db.attachments):
            inbound = self._tx.get(self._table, attachment.inbound_id)
            if attachment.meeting == meeting and inbound is not None:  # an inner join
                found.append(replace(attachment, received_at=inbound.message.received_at))
        return found

    def mark_address_failing(self, address: str, now: datetime, detail: str) -> None:
        table = self._db.address_status
        found = next(((i, r) for i, r in self._tx.rows(table) if r.address == address), None)
        if found is None:
            check_length(address, 320, "address_status.address")
            self._tx.insert(table, FailingAddress(address, utc(now), detail))
        else:
            self._tx.put(table, found[0], replace(found[1], detail=detail))

    def failing_addresses(self) -> list[FailingAddress]:
        return [row for _, row in self._tx.rows(self._db.address_status)]

    def record_away(
        self, address: str, meeting: date | None, now: datetime, away_until: date | None
    ) -> None:
        table = self._db.away_notices
        found = next(
            (
                (i, r)
                for i, r in self._tx.rows(table)
                if (r.address, r.meeting) == (address, meeting)
            ),
            None,
        )
        if found is None:
            check_length(address, 320, "away_notices.address")
            self._tx.insert(table, AwayNotice(address, meeting, utc(now), away_until))
        elif away_until is not None:
            self._tx.put(table, found[0], replace(found[1], away_until=away_until))

    def away_for_meeting(self, meeting: date) -> list[AwayNotice]:
        return [r for _, r in self._tx.rows(self._db.away_notices) if r.meeting == meeting]


class InMemoryUpdates:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._db = tx.database
        self._table = tx.database.updates

    def add_all(self, updates: Sequence[RecordedUpdate]) -> None:
        for update in updates:
            self.add(update)

    def add(self, update: RecordedUpdate) -> int:
        check_length(update.ref, 20, "updates.ref")
        check_length(update.sender, 320, "updates.sender")
        check_length(update.lead_name, 200, "updates.lead_name")
        check_length(update.entered_by, 320, "updates.entered_by")
        row_id = self._table.next_id()
        stored = replace(
            update,
            received_at=utc(update.received_at),
            released_at=utc_or_none(update.released_at),
            personal_data_kinds=tuple(update.personal_data_kinds),
            id=row_id,
        )
        self._tx.put(self._table, row_id, stored)
        return row_id

    def for_refs(self, plan_name: str, refs: Collection[str]) -> list[RecordedUpdate]:
        plan_id = next((i for i, p in self._tx.rows(self._db.plans) if p.name == plan_name), None)
        return [u for u in self._all() if u.plan_id == plan_id and u.ref in refs]

    def latest_by_ref(
        self, plan_name: str, refs: Collection[str] | None = None
    ) -> dict[str, RecordedUpdate]:
        plan_id = next((i for i, p in self._tx.rows(self._db.plans) if p.name == plan_name), None)
        latest: dict[str, RecordedUpdate] = {}
        for update in self._all():
            in_plan = plan_id is not None and update.plan_id == plan_id
            if in_plan and (refs is None or update.ref in refs):
                latest[update.ref] = update  # oldest first, so the newest stays
        return latest

    def latest_statuses(self, plan_name: str) -> dict[str, Status | None]:
        return {ref: u.status for ref, u in self.latest_by_ref(plan_name).items()}

    def _all(self) -> list[RecordedUpdate]:
        return [update for _, update in self._tx.rows(self._table)]

    def all(self) -> list[RecordedUpdate]:
        return self._all()

    def each(self) -> Iterator[RecordedUpdate]:
        return iter(self._all())

    def newest(self, limit: int) -> list[RecordedUpdate]:
        return list(reversed(self._all()))[:limit]

    def held(self) -> list[RecordedUpdate]:
        return [u for u in self._all() if u.held]

    def count_held(self) -> int:
        return len(self.held())

    def get(self, update_id: int) -> RecordedUpdate | None:
        return self._tx.get(self._table, update_id)

    def for_inbound(self, inbound_id: int) -> list[RecordedUpdate]:
        return [u for u in self._all() if u.inbound_id == inbound_id]

    def for_meeting_after(self, meeting: date, when: datetime) -> list[RecordedUpdate]:
        return [u for u in self._all() if u.meeting == meeting and u.received_at > when]

    def any_private_for(self, meeting: date) -> bool:
        return any(u.meeting == meeting and u.private for u in self._all())

    def mark_released(self, update_id: int, now: datetime) -> None:
        update = self._tx.get(self._table, update_id)
        if update is not None:
            self._tx.put(self._table, update_id, replace(update, released_at=utc(now)))

    def release_edited(self, update_id: int, text: str, now: datetime) -> None:
        update = self._tx.get(self._table, update_id)
        if update is not None:
            self._tx.put(self._table, update_id, replace(update, text=text, released_at=utc(now)))

    def record_reply(self, meeting: date, address: str, now: datetime) -> None:
        table = self._db.replies
        if not any((r.meeting, r.address) == (meeting, address) for _, r in self._tx.rows(table)):
            check_length(address, 320, "replies.address")
            self._tx.insert(table, ReplyRow(meeting, address, utc(now)))

    def record_replies(self, replies: Collection[tuple[date, str]], now: datetime) -> None:
        for meeting, address in sorted(set(replies)):
            self.record_reply(meeting, address, now)

    def replied(self, meetings: Collection[date] | None = None) -> frozenset[tuple[str, str]]:
        return frozenset(
            (r.meeting.isoformat(), r.address)
            for _, r in self._tx.rows(self._db.replies)
            if meetings is None or r.meeting in meetings
        )


class InMemoryAuditLog:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def record(self, at: datetime, event: str, subject: str = "", **detail: Any) -> None:
        check_length(event, 100, "audit_log.event")
        check_length(subject, 500, "audit_log.subject")
        # A JSON column: what it cannot store fails here, and what it gives back is JSON.
        entry = AuditEntry(utc(at), event, subject, json.loads(json.dumps(detail)))
        self._tx.insert(self._tx.database.audit, entry)

    def about(self, subjects: Collection[str]) -> list[AuditEntry]:
        wanted = set(subjects)
        return [e for _, e in self._tx.rows(self._tx.database.audit) if e.subject in wanted]
