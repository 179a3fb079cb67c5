"""What the service keeps of the mail that comes back: each message, its outcome, the updates
recorded from it, its attachments, and what bounces and automatic replies said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from scheduler.domain.replies.progress import ActionUpdate, Status


class InboundStatus(StrEnum):
    NEW = "new"  # stored, not yet processed
    PROCESSING = "processing"  # taken by a poller, inside its transaction only
    PROCESSED = "processed"
    REVIEW = "review"  # a person must look


@dataclass(frozen=True)
class ArrivedMessage:
    """A message as it is first stored, raw, before anything is done with it."""

    dedupe_key: str
    message_id: str | None
    raw: bytes
    received_at: datetime
    source: str
    from_address: str | None
    subject: str
    problems: tuple[str, ...]
    authentication_results: str | None


@dataclass(frozen=True)
class StoredMessage:
    """A stored inbound message and where its processing stands (the raw bytes apart)."""

    id: int
    dedupe_key: str
    message_id: str | None
    received_at: datetime
    status: InboundStatus
    classification: str | None
    from_address: str | None
    subject: str
    review_reason: str | None


@dataclass(frozen=True)
class Outcome:
    """How processing a message ended, written in one go with everything it recorded."""

    status: InboundStatus
    classification: str | None
    outbox_id: int | None = None
    away_until: date | None = None


@dataclass(frozen=True)
class RecordedUpdate:
    """A lead's status and commentary for an action (or, unstructured, a priority), as kept."""

    ref: str
    status: Status | None
    text: str
    received_at: datetime
    sender: str
    lead_name: str | None
    meeting: date | None
    inbound_id: int | None = None
    plan_id: int | None = None
    unstructured: bool = False
    private: bool = False
    held_for_review: bool = False
    personal_data_kinds: tuple[str, ...] = ()
    released_at: datetime | None = None
    id: int | None = None
    # Given to the coordinator (by phone, at a meeting) or correcting an earlier update:
    # who entered it, why, and the update it corrects.
    entered_by: str | None = None
    entry_reason: str | None = None
    supersedes_id: int | None = None

    @property
    def held(self) -> bool:
        """Held for personal data and not yet released by the coordinator."""
        return self.held_for_review and self.released_at is None

    @property
    def publishable(self) -> bool:
        """Not private, and not held for personal data unless the coordinator released it."""
        return not self.private and not self.held

    def as_action_update(self) -> ActionUpdate:
        return ActionUpdate(
            ref=self.ref,
            status=self.status,
            text=self.text,
            received_at=self.received_at,
            sender=self.sender,
            meeting=self.meeting.isoformat() if self.meeting else None,
            unstructured=self.unstructured,
            private=self.private,
            held_for_review=self.held,
        )


@dataclass(frozen=True)
class ReceivedAttachment:
    """A file a lead sent with a reply; PDFs go into the pack's appendices."""

    inbound_id: int
    filename: str
    content_type: str
    payload: bytes
    lead_name: str | None
    meeting: date | None
    private: bool = False
    received_at: datetime | None = None


@dataclass(frozen=True)
class AwayNotice:
    """A lead's out-of-office reply, listed for the coordinator."""

    address: str
    meeting: date | None
    received_at: datetime
    away_until: date | None


@dataclass(frozen=True)
class FailingAddress:
    """An address we could not deliver to (from a bounce)."""

    address: str
    failing_since: datetime
    detail: str
