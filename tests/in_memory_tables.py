"""An in-memory database for the fake unit of work: tables of frozen rows, and transactions
that keep their writes aside until commit.

It keeps what the SQLAlchemy tables keep: unique keys and foreign keys (a clash fails the
commit with `WriteConflict`), column lengths as PostgreSQL enforces them, aware datetimes
given back in UTC, naive ones refused. Rows a transaction has written are locked until it
ends, so code that would wait for itself on a real database fails here at once.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Generic, TypeVar

from scheduler.domain.audit import AuditEntry
from scheduler.domain.errors import WriteConflict
from scheduler.domain.plan.model import Action, Lead
from scheduler.domain.replies.records import (
    AwayNotice,
    FailingAddress,
    ReceivedAttachment,
    RecordedUpdate,
    StoredMessage,
)
from scheduler.domain.schedule.outbox import OutboxMessage

R = TypeVar("R")


class RowLocked(RuntimeError):
    """Two open units of work wrote the same row: on a database the second would wait for the
    first to finish, and in one thread that is forever."""


class Table(Generic[R]):
    """One table: its committed rows by id, its id sequence, and the keys no two rows share
    (a key of None, a NULL column, clashes with nothing)."""

    def __init__(self, name: str, *unique: Callable[[R], Hashable | None]) -> None:
        self.name = name
        self.rows: dict[int, R] = {}
        self.unique = unique
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        """Like a database sequence: never handed out twice, even by a transaction rolled back."""
        return next(self._ids)


@dataclass(frozen=True)
class ForeignKey:
    child: Table[Any]
    parent_id: Callable[[Any], int | None]
    parent: Table[Any]


class Transaction:
    """Writes kept aside until commit; a read sees the committed rows with them on top."""

    def __init__(self, database: InMemoryDatabase, *, autocommit: bool = False) -> None:
        self.database = database
        self.autocommit = autocommit
        self._writes: dict[Table[Any], dict[int, Any]] = {}
        self._failed: str | None = None

    def rows(self, table: Table[R]) -> list[tuple[int, R]]:
        self._usable()
        return sorted({**table.rows, **self._writes.get(table, {})}.items())

    def get(self, table: Table[R], row_id: int | None) -> R | None:
        self._usable()
        if row_id is None:
            return None
        writes = self._writes.get(table, {})
        return writes[row_id] if row_id in writes else table.rows.get(row_id)

    def locked_by_another(self, table: Table[Any], row_id: int) -> bool:
        holder = self.database.locks.get((table, row_id))
        return holder is not None and holder is not self

    def put(self, table: Table[R], row_id: int, row: R) -> None:
        """Write a row (insert or update); writing what is there already changes nothing."""
        if self.get(table, row_id) == row:
            return
        if self.locked_by_another(table, row_id):
            raise RowLocked(f"{table.name} row {row_id} is being changed by another unit of work")
        self.database.locks[(table, row_id)] = self
        self._writes.setdefault(table, {})[row_id] = row
        if self.autocommit:
            self.commit()

    def insert(self, table: Table[R], row: R) -> int:
        row_id = table.next_id()
        self.put(table, row_id, row)
        return row_id

    def clashes(self, table: Table[R], row: R) -> bool:
        """Whether a new row would share a unique key with one this transaction can see."""
        for key_of in table.unique:
            key = key_of(row)
            if key is not None and any(key_of(other) == key for _, other in self.rows(table)):
                return True
        return False

    def commit(self) -> None:
        self._usable()
        try:
            for table, writes in self._writes.items():
                _check_unique(table, {**table.rows, **writes})
            for foreign_key in self.database.foreign_keys:
                self._check_references(foreign_key)
        except WriteConflict as conflict:
            self._release()
            if not self.autocommit:  # as SQLAlchemy's session after a failed flush
                self._failed = str(conflict)
            raise
        for table, writes in self._writes.items():
            table.rows.update(writes)
        self._release()

    def rollback(self) -> None:
        self._release()
        self._failed = None

    def _check_references(self, key: ForeignKey) -> None:
        parents = {**key.parent.rows, **self._writes.get(key.parent, {})}
        for row in self._writes.get(key.child, {}).values():
            parent_id = key.parent_id(row)
            if parent_id is not None and parent_id not in parents:
                raise WriteConflict(f"{key.child.name} refers to missing {key.parent.name} row")

    def _release(self) -> None:
        for table, writes in self._writes.items():
            for row_id in writes:
                self.database.locks.pop((table, row_id), None)
        self._writes.clear()

    def _usable(self) -> None:
        if self._failed is not None:
            raise RuntimeError(f"the transaction failed ({self._failed}); roll it back first")


def _check_unique(table: Table[R], rows: dict[int, R]) -> None:
    for key_of in table.unique:
        keys = Counter(key for key in map(key_of, rows.values()) if key is not None)
        clash = next((key for key, count in keys.items() if count > 1), None)
        if clash is not None:
            raise WriteConflict(f"duplicate key {clash!r} in {table.name}")


def utc(moment: datetime) -> datetime:
    """As a UtcDateTime column gives it back; naive datetimes are refused the same way."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return moment.astimezone(UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def check_length(value: str | None, length: int, column: str) -> None:
    """PostgreSQL refuses a string longer than its column (SQLite would keep it)."""
    if value is not None and len(value) > length:
        raise ValueError(f"value too long for {column}: {len(value)} > {length} characters")


@dataclass(frozen=True)
class PlanRow:
    name: str
    source: str
    period_start: date
    period_end: date
    loaded_at: datetime


@dataclass(frozen=True)
class PriorityRow:
    plan_id: int
    ref: str
    position: int
    title: str
    lead_id: int
    outcomes: tuple[str, ...] = ()
    archived_at: datetime | None = None


@dataclass(frozen=True)
class ActionRow:
    plan_id: int
    priority_id: int
    position: int
    action: Action  # its milestones are rows of their own
    archived_at: datetime | None = None


@dataclass(frozen=True)
class MilestoneRow:
    action_id: int
    label: str
    due: date
    completed_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True)
class MeetingRow:
    date: date
    time: time
    place: str = ""
    title: str = ""


@dataclass(frozen=True)
class OutboxRow:
    message: OutboxMessage
    claimed_by: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True)
class InboundRow:
    message: StoredMessage
    raw: bytes | None
    source: str
    problems: tuple[str, ...]
    authentication_results: str | None
    raw_purged_at: datetime | None = None
    outbox_id: int | None = None
    away_until: date | None = None
    processed_at: datetime | None = None


@dataclass(frozen=True)
class ReplyRow:
    meeting: date
    address: str
    first_received_at: datetime


class InMemoryDatabase:
    """Every table of the service, committed state only; units of work on it share it."""

    def __init__(self) -> None:
        self.plans = Table[PlanRow]("plans", lambda r: r.name)
        self.people = Table[Lead]("people", lambda r: r.name)
        self.priorities = Table[PriorityRow]("priorities", lambda r: (r.plan_id, r.ref))
        self.actions = Table[ActionRow]("actions", lambda r: (r.plan_id, r.action.ref))
        self.milestones = Table[MilestoneRow]("milestones", lambda r: (r.action_id, r.label))
        self.meetings = Table[MeetingRow]("meetings", lambda r: r.date)
        self.outbox = Table[OutboxRow](
            "outbox",
            lambda r: r.message.key,
            lambda r: r.message.token,
            lambda r: r.message.message_id,
        )
        self.inbound = Table[InboundRow]("inbound_messages", lambda r: r.message.dedupe_key)
        self.attachments = Table[ReceivedAttachment]("attachments")
        self.address_status = Table[FailingAddress]("address_status", lambda r: r.address)
        self.away_notices = Table[AwayNotice](
            "away_notices", lambda r: None if r.meeting is None else (r.address, r.meeting)
        )
        self.updates = Table[RecordedUpdate](
            "updates", lambda r: None if r.inbound_id is None else (r.inbound_id, r.ref)
        )
        self.replies = Table[ReplyRow]("replies", lambda r: (r.meeting, r.address))
        self.audit = Table[AuditEntry]("audit_log")
        self.foreign_keys = (
            ForeignKey(self.updates, lambda u: u.inbound_id, self.inbound),
            ForeignKey(self.updates, lambda u: u.plan_id, self.plans),
            ForeignKey(self.attachments, lambda a: a.inbound_id, self.inbound),
            ForeignKey(self.inbound, lambda m: m.outbox_id, self.outbox),
        )
        self.locks: dict[tuple[Table[Any], int], Transaction] = {}

    def audit_log(self) -> list[AuditEntry]:
        """The committed audit entries, oldest first (the protocol only writes them)."""
        return [entry for _, entry in sorted(self.audit.rows.items())]
