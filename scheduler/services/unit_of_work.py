"""The doors to what the service has recorded: a unit of work and its repositories.

Services are written against these protocols and see only domain records; the SQLAlchemy
implementation is in `scheduler.adapters`, and the tests have an in-memory one. Every state
change is a named method, so what can happen to an email or a reply is listed here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from scheduler.domain.audit import AuditEntry
from scheduler.domain.plan.loading import PlanLoadSummary
from scheduler.domain.plan.model import Plan
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
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus, Rendering


class PlanStore(Protocol):
    def save(self, plan: Plan, source: str, now: datetime) -> PlanLoadSummary:
        """Insert or update a plan by name; actions match by ref, missing ones are archived."""
        ...

    def get(self, name: str) -> Plan | None: ...

    def id_of(self, name: str) -> int | None: ...

    def completed_milestones(self, plan_name: str) -> frozenset[tuple[str, str]]:
        """(action ref, milestone label) of the plan's milestones reported complete."""
        ...

    def complete_milestones(
        self, plan_id: int | None, action_refs: Collection[str], now: datetime
    ) -> list[tuple[str, str]]:
        """Mark every open milestone of the plan's actions complete; (ref, label) of each."""
        ...

    def save_meetings(self, meetings: Sequence[Meeting]) -> None: ...


class OutboxStore(Protocol):
    def keys(self) -> frozenset[str]:
        """The key of every email ever queued or skipped."""
        ...

    def has_key(self, key: str) -> bool:
        """Whether an email with this key was ever queued or skipped."""
        ...

    def recorded_keys(self, keys: Collection[str]) -> frozenset[str]:
        """Those of `keys` the outbox holds (queued, sent, failed or skipped). What it reads
        follows `keys`, not the outbox: a tick asks this, however long the history."""
        ...

    def add(self, message: OutboxMessage) -> bool:
        """Insert unless the key exists (another tick or daemon got there first)."""
        ...

    def add_all(self, messages: Sequence[OutboxMessage]) -> frozenset[str]:
        """Insert each message unless its key or token exists, or came earlier in `messages`
        (another tick or daemon got there first); the keys of those inserted. One statement
        for them all, however many."""
        ...

    def add_new(self, *messages: OutboxMessage) -> None:
        """Insert messages whose keys cannot exist yet (a duplicate is then a real bug, a
        `WriteConflict` here or at commit)."""
        ...

    def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxMessage]:
        """Claim rendered, sendable messages for `worker` with a lease a dead claimer loses.

        The worker's own unfinished claims are taken back at once: a worker runs one batch at
        a time, so they are not being sent.
        """
        ...

    def release(self, ids: Sequence[int], worker: str) -> int:
        """Give back `worker`'s claims on messages it did not send; how many it still held."""
        ...

    def renew_lease(self, ids: Sequence[int], worker: str, until: datetime) -> set[int]:
        """Extend `worker`'s claims; returns the ids it still holds."""
        ...

    def mark_sent(self, message_id: int, worker: str, now: datetime) -> bool:
        """Sent, if `worker` still holds the claim (False: another worker took it over)."""
        ...

    def mark_for_retry(
        self, message_id: int, worker: str, reason: str, send_after: datetime
    ) -> bool:
        """Back to pending until `send_after`, one attempt more, if `worker` holds the claim."""
        ...

    def mark_acceptance_unknown(
        self, message_id: int, worker: str, reason: str, now: datetime, send_after: datetime
    ) -> bool:
        """The server's reply to the message was lost: pending again for its one resend."""
        ...

    def mark_assumed_sent(self, message_id: int, worker: str, now: datetime, reason: str) -> bool:
        """Its resend's reply was lost too: taken as delivered rather than sent a third time."""
        ...

    def mark_failed(self, message_id: int, worker: str, reason: str) -> bool:
        """Given up, one attempt more, if `worker` holds the claim."""
        ...

    def mark_skipped(self, message_id: int, worker: str, reason: str) -> bool:
        """Not worth sending any more, if `worker` holds the claim."""
        ...

    def retry_failed(self, message_id: int, now: datetime) -> bool:
        """A failed message pending again from `now`, its attempts counted afresh (the
        coordinator asked); False if it is not failed."""
        ...

    def awaiting_render(self) -> list[int]:
        """Ids of messages queued as intent only (acknowledgements), oldest first."""
        ...

    def store_rendering(self, message_id: int, rendering: Rendering) -> bool:
        """Keep the composed email of a message queued as intent, unless it has one already."""
        ...

    def get(self, message_id: int) -> OutboxMessage | None: ...

    def message_id_of(self, key: str) -> str | None:
        """The Message-ID of the email with this key, if there is one (reading nothing else)."""
        ...

    def by_token(self, token: str) -> OutboxMessage | None: ...

    def with_tokens(self, tokens: Collection[str]) -> dict[str, OutboxMessage]:
        """The newest of our emails carrying each of these tokens, by token."""
        ...

    def by_message_ids(self, message_ids: Sequence[str]) -> OutboxMessage | None:
        """The newest of our emails with one of these Message-IDs."""
        ...

    def with_message_ids(self, message_ids: Collection[str]) -> dict[str, OutboxMessage]:
        """Our emails with these Message-IDs (the newest of each), by Message-ID."""
        ...

    def with_status(self, *statuses: OutboxStatus) -> list[OutboxMessage]: ...

    def latest_sent(self, limit: int) -> list[OutboxMessage]:
        """The `limit` emails sent last (by when sent, else when meant to go), newest first:
        the outbox page's, without reading the whole history of sent mail."""
        ...

    def all(self) -> list[OutboxMessage]:
        """Every message, in the order they were meant to go."""
        ...

    def count_with_status(self, *statuses: OutboxStatus) -> int: ...

    def for_meeting(self, kind: NotificationKind, meeting: date) -> list[OutboxMessage]: ...

    def meetings_sent(
        self, kind: NotificationKind, among: Collection[date] | None = None
    ) -> frozenset[date]:
        """Meetings (of `among`, or all) for which an email of `kind` has been sent."""
        ...

    def first_rendered_at(self, kind: NotificationKind, meeting: date) -> datetime | None:
        """When the first rendered email of `kind` for the meeting was queued (reading no
        bodies): what an agenda pack shows is as of then."""
        ...


class InboundStore(Protocol):
    def add(self, message: ArrivedMessage) -> int | None:
        """Store a message raw; its id, or None when one with its key is stored already."""
        ...

    def add_all(self, messages: Sequence[ArrivedMessage]) -> list[int | None]:
        """`add` for many in one go: an id or None for each, in order (a key repeated in
        `messages` is stored for its first)."""
        ...

    def get(self, inbound_id: int) -> StoredMessage | None: ...

    def by_dedupe_key(self, key: str) -> StoredMessage | None: ...

    def raw_of(self, inbound_id: int) -> bytes | None:
        """The stored bytes, or None once purged."""
        ...

    def take_new(self, inbound_id: int) -> bool:
        """Take a new message for processing in this transaction (False: someone else has)."""
        ...

    def take_new_all(self, inbound_ids: Collection[int]) -> list[StoredMessage]:
        """Take those of these messages still new for processing in this transaction; the
        ones taken, by id (the others someone else has taken)."""
        ...

    def record_outcome(self, inbound_id: int, outcome: Outcome, now: datetime) -> None: ...

    def record_outcomes(self, outcomes: Sequence[tuple[int, Outcome]], now: datetime) -> None: ...

    def send_to_review(self, inbound_id: int, reason: str, now: datetime) -> bool:
        """Keep a message for a person, with the reason, if it is new or taken by this
        transaction; False if it is finished already."""
        ...

    def with_status(self, *statuses: InboundStatus) -> list[StoredMessage]: ...

    def count_with_status(self, *statuses: InboundStatus) -> int: ...

    def purge_raw_before(self, cutoff: datetime, now: datetime) -> int:
        """Drop the raw bytes of processed messages received before `cutoff`."""
        ...

    def add_attachment(self, attachment: ReceivedAttachment) -> None: ...

    def attachments_for_meeting(self, meeting: date) -> list[ReceivedAttachment]: ...

    def mark_address_failing(self, address: str, now: datetime, detail: str) -> None: ...

    def failing_addresses(self) -> list[FailingAddress]: ...

    def record_away(
        self, address: str, meeting: date | None, now: datetime, away_until: date | None
    ) -> None: ...

    def away_for_meeting(self, meeting: date) -> list[AwayNotice]: ...


class UpdateStore(Protocol):
    def add_all(self, updates: Sequence[RecordedUpdate]) -> None:
        """Record updates; one repeating an (inbound message, ref) or naming a message never
        stored is a `WriteConflict`, here or at commit."""
        ...

    def latest_by_ref(
        self, plan_name: str, refs: Collection[str] | None = None
    ) -> dict[str, RecordedUpdate]:
        """The newest update per ref (of `refs`, or all) in the plan, whatever its review state.

        Refs repeat from one year's plan to the next ("3.1.1"), so the plan is part of the key.
        """
        ...

    def latest_statuses(self, plan_name: str) -> dict[str, Status | None]:
        """The status of the newest update per ref in the plan (None: text only), all that
        counting a priority's RAG needs, without reading the updates themselves."""
        ...

    def add(self, update: RecordedUpdate) -> int:
        """Record one update; its id."""
        ...

    def all(self) -> list[RecordedUpdate]: ...

    def each(self) -> Iterator[RecordedUpdate]:
        """Every update, oldest first, read a batch at a time (an export of the history)."""
        ...

    def newest(self, limit: int) -> list[RecordedUpdate]:
        """The `limit` most recently recorded updates, newest first."""
        ...

    def held(self) -> list[RecordedUpdate]:
        """Updates held for personal data and not released, oldest first."""
        ...

    def count_held(self) -> int:
        """How many updates `held` would list."""
        ...

    def for_refs(self, plan_name: str, refs: Collection[str]) -> list[RecordedUpdate]:
        """Every update on these refs in the plan, oldest first (an action's history)."""
        ...

    def get(self, update_id: int) -> RecordedUpdate | None: ...

    def for_inbound(self, inbound_id: int) -> list[RecordedUpdate]: ...

    def for_meeting_after(self, meeting: date, when: datetime) -> list[RecordedUpdate]:
        """Updates for the meeting recorded after `when`, oldest first."""
        ...

    def any_private_for(self, meeting: date) -> bool: ...

    def mark_released(self, update_id: int, now: datetime) -> None: ...

    def release_edited(self, update_id: int, text: str, now: datetime) -> None:
        """Released with `text` in place of its commentary (the personal data edited out)."""
        ...

    def record_reply(self, meeting: date, address: str, now: datetime) -> None:
        """That the lead at `address` has replied for the meeting: what stops the chasers."""
        ...

    def record_replies(self, replies: Collection[tuple[date, str]], now: datetime) -> None:
        """`record_reply` for each (meeting, address)."""
        ...

    def replied(self, meetings: Collection[date] | None = None) -> frozenset[tuple[str, str]]:
        """(meeting ISO date, address key) of every reply recorded (for `meetings`, or all)."""
        ...


class SignInLinkStore(Protocol):
    """The coordinator's one-time sign-in links, kept as hashes of their tokens."""

    def add(self, token_hash: str, address: str, now: datetime, expires_at: datetime) -> None: ...

    def issued_since(self, address: str, since: datetime) -> int:
        """How many links went to `address` from `since` (the rate limit)."""
        ...

    def use(self, token_hash: str, now: datetime) -> str | None:
        """The link's address, marking it used, if it is unused and unexpired; else None."""
        ...


class AuditLog(Protocol):
    def record(self, at: datetime, event: str, subject: str = "", **detail: Any) -> None: ...

    def about(self, subjects: Collection[str]) -> list[AuditEntry]:
        """The entries about any of these subjects, oldest first."""
        ...


class UnitOfWork(Protocol):
    """`with uow:` opens a transaction; leaving without `commit()` rolls it back."""

    @property
    def plans(self) -> PlanStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def inbound(self) -> InboundStore: ...

    @property
    def updates(self) -> UpdateStore: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def sign_in_links(self) -> SignInLinkStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make the transaction's writes permanent; `WriteConflict` if a unique key clashed
        (bulk writes may find the clash earlier, and say so the same way)."""
        ...

    def rollback(self) -> None: ...

    def statements_that_commit(self) -> AbstractContextManager[OutboxStore]:
        """An outbox on which each state change commits at once (marking messages sent)."""
        ...
