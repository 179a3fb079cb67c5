"""The coordinator's digest: once a working day, one email listing what needs a person.

What happened (an email failed, an address bounced, a message went to review, a lead is
away near a meeting) is told once: each working day's digest covers what happened since the
previous working day began, up to the start of today, so every day belongs to exactly one
digest and nothing recorded late in a day is missed by a digest composed early in it. What
still stands (updates held for personal data, configuration warnings, a mail sign-in that
fails) is listed in every digest until it is dealt with. A day with nothing sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from scheduler.domain.human_dates import full_month_date
from scheduler.domain.replies.records import AwayNotice, FailingAddress, RecordedUpdate
from scheduler.domain.replies.records import StoredMessage as ReviewMessage
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.purpose import reply_by
from scheduler.domain.schedule.working_days import WorkingCalendar

_ONE_DAY = timedelta(days=1)


class AttentionKind(StrEnum):
    """What a digest item is about, in the order the digest lists them."""

    MAIL_SIGN_IN = "mail_sign_in"
    FAILED_EMAIL = "failed_email"
    FAILING_ADDRESS = "failing_address"
    NEEDS_REVIEW = "needs_review"
    HELD_UPDATE = "held_update"
    AWAY_NEAR_MEETING = "away_near_meeting"
    CONFIG_WARNING = "config_warning"


@dataclass(frozen=True)
class DigestItem:
    """One thing that needs a person: what it is, and what to do about it."""

    kind: AttentionKind
    what: str
    to_do: str


@dataclass(frozen=True)
class NeedsAttention:
    """What the service has recorded that may need a person, as the digest rules read it.

    The services give every candidate; the rules here pick what the day's digest tells.
    `names` maps an address (lower case) to the person's name, for readable lines.
    """

    failed: Sequence[OutboxMessage] = ()
    failing_addresses: Sequence[FailingAddress] = ()
    for_review: Sequence[ReviewMessage] = ()
    held: Sequence[RecordedUpdate] = ()
    away: Sequence[AwayNotice] = ()
    config_warnings: Sequence[str] = ()
    sign_in_problem: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DigestDay:
    """A working day's digest: its local day, when it is due, and the days whose events it
    tells (`since` up to, not including, `day`)."""

    day: date
    send_at: datetime
    since: date

    @property
    def key(self) -> str:
        return digest_key(self.day)


@dataclass(frozen=True)
class DayRecords:
    """What a process read from the database for a day's digest, and whether the digest is
    queued: what happened before a day does not change during it, so it is read once a day
    and the ticks after cost no query."""

    day: date
    attention: NeedsAttention
    queued: bool = False


def digest_key(day: date) -> str:
    """The outbox key of a day's digest: the same in every daemon, so it is queued once."""
    return f"{NotificationKind.COORDINATOR_DIGEST.value}:{day.isoformat()}"


def digest_day(now: datetime, policy: Policy) -> DigestDay | None:
    """The digest due at `now`: on a working day from the policy's send time; else None."""
    tz = ZoneInfo(policy.timezone)
    local = now.astimezone(tz)
    today = local.date()
    calendar = WorkingCalendar(policy)
    if not calendar.is_working_day(today):
        return None
    send_at = datetime.combine(today, policy.send_time, tzinfo=tz)
    if now < send_at:
        return None
    since = calendar.previous_working_day(today - _ONE_DAY)
    return DigestDay(today, send_at, since)


def digest_items(
    attention: NeedsAttention, digest: DigestDay, policy: Policy
) -> tuple[DigestItem, ...]:
    """Every item the day's digest lists, grouped by kind in `AttentionKind` order."""
    tz = ZoneInfo(policy.timezone)

    def in_window(moment: datetime) -> bool:
        return digest.since <= moment.astimezone(tz).date() < digest.day

    names = attention.names
    items: list[DigestItem] = []
    if attention.sign_in_problem:
        items.append(_sign_in_item(attention.sign_in_problem))
    items += [
        _failed_item(m, names)
        for m in attention.failed
        if m.kind is not NotificationKind.COORDINATOR_DIGEST and in_window(m.send_after)
    ]
    items += [
        _failing_address_item(a, names, tz)
        for a in attention.failing_addresses
        if in_window(a.failing_since)
    ]
    items += [_review_item(m, tz) for m in attention.for_review if in_window(m.received_at)]
    items += [_held_item(u, tz) for u in attention.held if u.held]
    items += [
        _away_item(notice, names, reply_by(notice.meeting, policy))
        for notice in attention.away
        if notice.meeting is not None
        and notice.meeting >= digest.day
        and in_window(notice.received_at)
        and _away_past_reply_by(notice, policy)
    ]
    items += [_warning_item(w) for w in attention.config_warnings]
    return tuple(items)


def coordinator_digest(
    digest: DigestDay,
    items: Sequence[DigestItem],
    coordinator_email: str | None,
    coordinator_name: str | None = None,
) -> Notification | None:
    """The day's digest email, or None when nothing needs a person or there is no one to
    tell."""
    if not items or not (coordinator_email or "").strip():
        return None
    assert coordinator_email is not None
    return Notification(
        key=digest.key,
        kind=NotificationKind.COORDINATOR_DIGEST,
        send_at=digest.send_at,
        to=(coordinator_email.strip(),),
        lead_name=coordinator_name or None,
    )


def _away_past_reply_by(notice: AwayNotice, policy: Policy) -> bool:
    """Away with no return date given, or back only after the meeting's reply-by date."""
    assert notice.meeting is not None
    return notice.away_until is None or notice.away_until >= reply_by(notice.meeting, policy)


def _who(address: str, names: Mapping[str, str]) -> str:
    name = names.get(address.strip().lower())
    return f"{name} <{address}>" if name else address


def _sign_in_item(problem: str) -> DigestItem:
    return DigestItem(
        AttentionKind.MAIL_SIGN_IN,
        f"The service cannot sign in to the mail server: {problem}",
        "Ask IT to put it right (`csp mail check` says what is wrong). Emails wait in the "
        "outbox meanwhile and go once it works; this digest reaching you means sending "
        "works again.",
    )


def _failed_item(message: OutboxMessage, names: Mapping[str, str]) -> DigestItem:
    recipients = ", ".join(_who(a, names) for a in message.to)
    kind = message.kind.value.replace("_", " ")
    return DigestItem(
        AttentionKind.FAILED_EMAIL,
        f"The {kind} to {recipients} could not be sent: {message.last_error or 'no reason given'}",
        "Check the address in config/people.yaml, then send the email yourself; "
        "it will not be tried again.",
    )


def _failing_address_item(
    failing: FailingAddress, names: Mapping[str, str], tz: ZoneInfo
) -> DigestItem:
    since = full_month_date(failing.failing_since.astimezone(tz).date())
    detail = f" ({failing.detail})" if failing.detail else ""
    return DigestItem(
        AttentionKind.FAILING_ADDRESS,
        f"Mail to {_who(failing.address, names)} bounces since {since}{detail}",
        "Find the right address and correct it in config/people.yaml.",
    )


def _review_item(message: ReviewMessage, tz: ZoneInfo) -> DigestItem:
    received = full_month_date(message.received_at.astimezone(tz).date())
    sender = message.from_address or "an unknown sender"
    reason = f": {message.review_reason}" if message.review_reason else ""
    return DigestItem(
        AttentionKind.NEEDS_REVIEW,
        f"Message {message.id} from {sender} ({message.subject!r}, {received}) "
        f"needs review{reason}",
        "Read it in the mailbox's 'Needs review' folder and record anything it reports "
        "by hand; `csp status` lists it.",
    )


def _held_item(update: RecordedUpdate, tz: ZoneInfo) -> DigestItem:
    kinds = ", ".join(update.personal_data_kinds) or "personal data"
    lead = f" from {update.lead_name}" if update.lead_name else ""
    received = full_month_date(update.received_at.astimezone(tz).date())
    return DigestItem(
        AttentionKind.HELD_UPDATE,
        f"Update {update.id} on {update.ref}{lead} ({received}) is held out of packs: "
        f"it looks like it holds {kinds}",
        f"Check it with `csp updates list --held`; if it may be published, "
        f"`csp updates release {update.id}`.",
    )


def _away_item(notice: AwayNotice, names: Mapping[str, str], needed_by: date) -> DigestItem:
    assert notice.meeting is not None
    until = (
        f"until {full_month_date(notice.away_until)}" if notice.away_until else "(no return date)"
    )
    return DigestItem(
        AttentionKind.AWAY_NEAR_MEETING,
        f"{_who(notice.address, names)} is away {until}; updates for the "
        f"{full_month_date(notice.meeting)} meeting are needed by {full_month_date(needed_by)}",
        "Ask their deputy for the update, or expect none from them for this meeting.",
    )


def _warning_item(warning: str) -> DigestItem:
    return DigestItem(
        AttentionKind.CONFIG_WARNING,
        f"Configuration: {warning}",
        "Correct it in the configuration folder; the service carries on without what "
        "it names meanwhile.",
    )
