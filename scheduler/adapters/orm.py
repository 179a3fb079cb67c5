"""Database tables (SQLAlchemy 2 ORM). The domain never sees these; repositories convert."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC, so SQLite and PostgreSQL behave the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        from datetime import UTC

        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    source: Mapped[str] = mapped_column(String(500))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    priorities: Mapped[list[PriorityRow]] = relationship(
        back_populates="plan", order_by="PriorityRow.position"
    )


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)


class PriorityRow(Base):
    __tablename__ = "priorities"
    __table_args__ = (UniqueConstraint("plan_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    ref: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    lead_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    outcomes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    plan: Mapped[PlanRow] = relationship(back_populates="priorities")
    lead: Mapped[PersonRow] = relationship()
    actions: Mapped[list[ActionRow]] = relationship(
        back_populates="priority", order_by="ActionRow.position"
    )


class ActionRow(Base):
    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("plan_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"))
    ref: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    timescale: Mapped[str] = mapped_column(Text, default="")
    lead_agency: Mapped[str] = mapped_column(Text, default="")
    targets: Mapped[str] = mapped_column(Text, default="")
    group_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    priority: Mapped[PriorityRow] = relationship(back_populates="actions")
    milestones: Mapped[list[MilestoneRow]] = relationship(
        back_populates="action", order_by="MilestoneRow.due"
    )


class MilestoneRow(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("action_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    label: Mapped[str] = mapped_column(String(300))
    due: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    action: Mapped[ActionRow] = relationship(back_populates="milestones")


class MeetingRow(Base):
    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, unique=True)
    time: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(500), default="")


class AuditRow(Base):
    """What happened, for the coordinator and for IT: one row per event, never bodies."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    event: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500), default="", index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxRow(Base):
    """An email meant to be sent, written before it is sent; `key` makes it exactly once."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    to_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(500), default="")
    lead_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    meeting: Mapped[date | None] = mapped_column(Date, nullable=True)
    refs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    milestones: Mapped[list[Any]] = mapped_column(JSON, default=list)
    token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True, nullable=True)
    body_text: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    scheduled_for: Mapped[datetime] = mapped_column(UtcDateTime)
    send_after: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What a message queued unrendered needs to be rendered at send time (acknowledgements).
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Set when a send ended after the message went out but before the server's reply: the
    # one resend then allowed has been used once this is set.
    acceptance_unknown_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


Index("ix_outbox_claim", OutboxRow.status, OutboxRow.send_after)
Index("ix_outbox_kind_meeting", OutboxRow.kind, OutboxRow.meeting)  # a meeting's pack, request


class InboundRow(Base):
    """A message collected from the mailbox, stored raw before anything else is done with it."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), nullable=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    raw_purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(100), default="imap")
    status: Mapped[str] = mapped_column(String(20), index=True)  # new, processed, review
    classification: Mapped[str | None] = mapped_column(String(20), nullable=True)
    from_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    authentication_results: Mapped[str | None] = mapped_column(Text, nullable=True)
    away_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UpdateRow(Base):
    """A status and commentary a lead reported for an action (or, unstructured, a priority)."""

    __tablename__ = "updates"
    __table_args__ = (UniqueConstraint("inbound_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), nullable=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    ref: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sender: Mapped[str] = mapped_column(String(320))
    lead_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    meeting: Mapped[date | None] = mapped_column(Date, nullable=True)
    unstructured: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    held_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_data_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    entered_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    entry_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


Index("ix_updates_meeting_received", UpdateRow.meeting, UpdateRow.received_at)
Index("ix_updates_held", UpdateRow.held_for_review, UpdateRow.released_at)  # the few held


class AttachmentRow(Base):
    """A file a lead sent with a reply; PDFs go into the pack's appendices."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    filename: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(200))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    lead_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    meeting: Mapped[date | None] = mapped_column(Date, nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)


class AddressStatusRow(Base):
    """An address we could not deliver to (from a bounce), shown to the coordinator."""

    __tablename__ = "address_status"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    failing_since: Mapped[datetime] = mapped_column(UtcDateTime)
    detail: Mapped[str] = mapped_column(Text, default="")


class AwayNoticeRow(Base):
    """A lead's out-of-office reply, listed for the coordinator."""

    __tablename__ = "away_notices"
    __table_args__ = (UniqueConstraint("address", "meeting"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    meeting: Mapped[date | None] = mapped_column(Date, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    away_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class ReplyRow(Base):
    """That a lead has replied for a meeting: what stops the chasers."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("meeting", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(320))
    first_received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignInLinkRow(Base):
    """A one-time sign-in link emailed to the coordinator: only its hash is kept."""

    __tablename__ = "sign_in_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
