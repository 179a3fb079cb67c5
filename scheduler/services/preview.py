"""`csp simulate` and `csp status`: what the service would send, and where things stand."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain.replies.records import InboundStatus
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import MilestoneRef, Notification
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.domain.schedule.recipients import lead_email_key
from scheduler.domain.schedule.simulation import (
    SimulatedReply,
    notification_to_json,
    simulate_plans,
)
from scheduler.services.compose import EmailContext, MilestoneLine, subject_line
from scheduler.services.configuration import Configuration
from scheduler.services.unit_of_work import UnitOfWork


def subject_for(config: Configuration, templates_dir: Path) -> Callable[[Notification], str]:
    """The real template's subject line for a notification, without touching a database.

    Its lookups are built once, for every notification it is asked about."""
    meetings = {m.date: m for m in reversed(config.meetings)}  # the first of a date wins
    coordinator = config.people.coordinator
    actions = {a.ref: a for _, plan in config.plans for _, a in plan.actions()}
    # A lead's update request and chasers list the same milestones, meeting after meeting.
    milestone_lines: dict[tuple[MilestoneRef, ...], tuple[MilestoneLine, ...]] = {}

    def lines_of(milestones: tuple[MilestoneRef, ...]) -> tuple[MilestoneLine, ...]:
        lines = milestone_lines.get(milestones)
        if lines is None:
            lines = milestone_lines[milestones] = tuple(
                MilestoneLine(m, actions[m.action_ref].action)
                for m in milestones
                if m.action_ref in actions
            )
        return lines

    def subject(n: Notification) -> str:
        meeting = meetings.get(n.meeting) if n.meeting is not None else None
        ctx = EmailContext(
            notification=n,
            lead_name=n.lead_name or (coordinator.name if coordinator else ""),
            partnership=config.partnership,
            timezone=config.policy.timezone,
            meeting=meeting,
            milestones=lines_of(n.milestones),
        )
        return subject_line(ctx, templates_dir)

    return subject


def simulate_emails(
    config: Configuration,
    templates_dir: Path,
    start: datetime,
    end: datetime,
    coordinator_email: str | None,
    *,
    replies: Iterable[SimulatedReply] = (),
) -> list[dict[str, Any]]:
    """Every email the daemon's rules would send between start and end, over every plan while
    it runs, assuming no replies but `replies`."""
    subject = subject_for(config, templates_dir)
    emails = [
        notification_to_json(n, subject)
        for n in simulate_plans(
            config.plan_schedules(coordinator_email),
            config.policy,
            start=start,
            end=end,
            coordinator_email=coordinator_email,
            replies=replies,
        )
    ]
    emails.sort(key=lambda e: str(e["at"]))
    return emails


@dataclass(frozen=True)
class DueItem:
    """An email or a milestone due soon; `at` is ISO (a moment for emails, a day otherwise)."""

    at: str
    kind: str
    to: tuple[str, ...]
    refs: tuple[str, ...]
    label: str | None = None  # a milestone's label

    def as_json(self) -> dict[str, object]:
        shown: dict[str, object] = {
            "at": self.at,
            "kind": self.kind,
            "to": list(self.to),
            "refs": list(self.refs),
        }
        if self.label is not None:
            shown["label"] = self.label
        return shown


@dataclass(frozen=True)
class FailedEmail:
    key: str
    kind: str
    to: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class ReviewItem:
    """A received message a person must look at, and why."""

    id: int
    from_address: str | None
    subject: str
    received_at: datetime
    reason: str | None


@dataclass(frozen=True)
class HeldUpdate:
    """An update held out of packs for personal data until the coordinator releases it."""

    id: int
    ref: str
    lead_name: str | None
    meeting: date | None
    received_at: datetime
    personal_data_kinds: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ref": self.ref,
            "lead": self.lead_name,
            "meeting": self.meeting.isoformat() if self.meeting else None,
            "received_at": self.received_at.isoformat(),
            "personal_data": list(self.personal_data_kinds),
        }


@dataclass(frozen=True)
class StatusReport:
    next_meeting: Meeting | None
    replied: list[str]
    not_replied: list[str]
    due_soon: list[DueItem]
    failed: list[FailedEmail]
    failing_addresses: list[str]
    pending: int
    needs_review: list[ReviewItem]
    held: list[HeldUpdate]
    # Why messages wait for a retry (a sign-in failure, a server away): each reason once.
    held_up: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        meeting = self.next_meeting
        return {
            "next_meeting": None
            if meeting is None
            else {
                "date": meeting.date.isoformat(),
                "time": meeting.time.strftime("%H:%M"),
                "place": meeting.place,
                "title": meeting.title,
            },
            "replied": self.replied,
            "not_replied": self.not_replied,
            "due_next_14_days": [item.as_json() for item in self.due_soon],
            "failed": [
                {"key": f.key, "kind": f.kind, "to": list(f.to), "error": f.error}
                for f in self.failed
            ],
            "failing_addresses": self.failing_addresses,
            "pending": self.pending,
            "waiting_because": self.held_up,
            "needs_review": [
                {
                    "id": item.id,
                    "from": item.from_address,
                    "subject": item.subject,
                    "received_at": item.received_at.isoformat(),
                    "reason": item.reason,
                }
                for item in self.needs_review
            ],
            "held_updates": [item.as_json() for item in self.held],
        }


@dataclass(frozen=True)
class ReplyProgress:
    """The next meeting and which of its leads have replied for it."""

    next_meeting: Meeting | None
    replied: list[str]
    not_replied: list[str]


@dataclass(frozen=True)
class WaitingCounts:
    """How many failed emails, messages to review and held updates wait for the coordinator."""

    failed: int
    needs_review: int
    held: int


def status_report(
    config: Configuration, uow: UnitOfWork, now: datetime, coordinator_email: str | None
) -> StatusReport:
    """The next meeting and who has replied for it, what is due in 14 days, what failed, and
    what waits for the coordinator: messages to review and updates held for personal data."""
    progress = reply_progress(config, uow, now)
    return StatusReport(
        next_meeting=progress.next_meeting,
        replied=progress.replied,
        not_replied=progress.not_replied,
        due_soon=due_in_14_days(config, uow, now, coordinator_email),
        failed=[
            FailedEmail(m.key, m.kind.value, m.to, m.last_error)
            for m in uow.outbox.with_status(OutboxStatus.FAILED)
        ],
        failing_addresses=[failing.address for failing in uow.inbound.failing_addresses()],
        pending=uow.outbox.count_with_status(OutboxStatus.PENDING, OutboxStatus.SENDING),
        held_up=sorted(
            {m.last_error for m in uow.outbox.with_status(OutboxStatus.PENDING) if m.last_error}
        ),
        needs_review=[
            ReviewItem(m.id, m.from_address, m.subject, m.received_at, m.review_reason)
            for m in uow.inbound.with_status(InboundStatus.REVIEW)
        ],
        held=held_updates(uow),
    )


def reply_progress(config: Configuration, uow: UnitOfWork, now: datetime) -> ReplyProgress:
    """The next meeting to start after `now`, and its plan's leads who have and have not
    replied for it, by name."""
    upcoming = [m for m in config.meetings if m.starts_at() >= now]
    meeting = upcoming[0] if upcoming else None
    replied: list[str] = []
    not_replied: list[str] = []
    if meeting is not None:
        replied_pairs = uow.updates.replied([meeting.date])
        leads = config.plan_for(meeting.date).priorities
        for lead in {p.lead.name: p.lead for p in leads}.values():
            key = (meeting.key, lead_email_key(lead.email or ""))
            (replied if key in replied_pairs else not_replied).append(lead.name)
    return ReplyProgress(meeting, sorted(replied), sorted(not_replied))


def waiting_counts(uow: UnitOfWork) -> WaitingCounts:
    """How many emails failed, messages wait for review and updates are held: what the desk
    shows with a link to each list, counted rather than read."""
    return WaitingCounts(
        failed=uow.outbox.count_with_status(OutboxStatus.FAILED),
        needs_review=uow.inbound.count_with_status(InboundStatus.REVIEW),
        held=uow.updates.count_held(),
    )


def due_in_14_days(
    config: Configuration, uow: UnitOfWork, now: datetime, coordinator_email: str | None
) -> list[DueItem]:
    """The emails the daemon will send in the next 14 days and the milestones due in them."""
    from scheduler.services.reminders import everything_recorded  # the daemon's wiring: on demand

    tz = ZoneInfo(config.policy.timezone)
    today = now.astimezone(tz).date()
    plan = config.plan_for(today)
    horizon = now + timedelta(days=14)
    last_day = horizon.astimezone(tz).date()
    # What the daemon will send: its rules over what is recorded (no chaser to a lead who
    # has replied, no reminder for a completed milestone).
    due_soon = [
        DueItem(n.send_at.isoformat(), n.kind.value, n.to, n.refs)
        for n in simulate_plans(
            config.plan_schedules(coordinator_email),
            config.policy,
            start=now,
            end=horizon,
            coordinator_email=coordinator_email,
            recorded=lambda each: everything_recorded(uow, each),
        )
    ]
    milestones_soon = [
        DueItem(
            m.due.isoformat(), "milestone_due", (p.lead.email or p.lead.name,), (a.ref,), m.label
        )
        for p in plan.priorities
        for a in p.actions
        for m in a.milestones
        if today <= m.due <= last_day
    ]
    return sorted(due_soon + milestones_soon, key=lambda item: item.at)


def held_updates(uow: UnitOfWork) -> list[HeldUpdate]:
    """Every update held for personal data and not yet released, oldest first."""
    return [
        HeldUpdate(u.id, u.ref, u.lead_name, u.meeting, u.received_at, u.personal_data_kinds)
        for u in uow.updates.held()
        if u.id is not None
    ]
