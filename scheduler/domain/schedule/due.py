"""What is due: every email the policy wants, and which of them should go at a given moment.

`scheduled_notifications` lists every email the policy ever wants for a plan and its meetings;
`due_notifications` picks, at `now`, those whose time has come, have not been recorded, and
are still useful, and names those that are no longer useful so the caller records them as
skipped (logging why once) instead of sending them late. The daemon's tick and the
simulation both call it; nothing here reads a clock or a database.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from itertools import compress
from operator import attrgetter, not_
from zoneinfo import ZoneInfo

from scheduler.domain.plan.model import Plan
from scheduler.domain.schedule.meeting import Meeting, meeting_starts
from scheduler.domain.schedule.notification import (
    MilestoneRef,
    Notification,
    NotificationKind,
    ordered_milestones,
)
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.recipients import (
    Recipient,
    email_recipients,
    update_request_key,
)
from scheduler.domain.schedule.verdicts import Judge, unique
from scheduler.domain.schedule.working_days import WorkingCalendar

OVERDUE_CATCH_UP_DAYS = 14
"""An overdue notice later than this (daemon down, SMTP out) is skipped, not sent in a flood."""

_Kind = NotificationKind
_KIND_ORDER = {kind: index for index, kind in enumerate(NotificationKind)}


@dataclass(frozen=True)
class Recorded:
    """What the database says, as far as the rules need it.

    sent_keys: the outbox keys already written (sent, failed or skipped): all of them, or at
        least those of the notifications come due (`notifications_come_due`);
    replied: (meeting key, lead email in lower case) for leads who replied for that meeting;
    completed_milestones: (action ref, milestone label) reported complete;
    late_update_meetings: keys of meetings with updates recorded after their pack was sent.
    The last three may hold only what the verdicts on the unrecorded ones read (`recorded_needs`).
    """

    sent_keys: frozenset[str] = frozenset()
    replied: frozenset[tuple[str, str]] = frozenset()
    completed_milestones: frozenset[tuple[str, str]] = frozenset()
    late_update_meetings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SkippedNotification:
    """A notification whose time has passed but which is no longer worth sending, and why."""

    notification: Notification
    reason: str


@dataclass(frozen=True)
class DueResult:
    """To send now, and to record as skipped; both in send_at order."""

    due: tuple[Notification, ...]
    skipped: tuple[SkippedNotification, ...]


def scheduled_notifications(
    plan: Plan,
    meetings: Iterable[Meeting],
    policy: Policy,
    *,
    coordinator_email: str | None,
    tagged_keys: frozenset[str] = frozenset(),
) -> tuple[Notification, ...]:
    """Every email the policy ever wants for this plan and these meetings, in send_at order.

    Leads without an email address and, without a coordinator address, agenda packs and
    addenda are left out; `schedule_problems` names them. Keys in `tagged_keys` (shared with
    another plan's emails) carry the plan.
    """
    schedule = _schedule(plan, tuple(meetings), policy, _address(coordinator_email))
    if not tagged_keys:
        return schedule
    return tuple(replace(n, key=_tagged(n.key, plan, tagged_keys)) for n in schedule)


def notifications_come_due(
    plan: Plan,
    meetings: Iterable[Meeting],
    policy: Policy,
    now: datetime,
    *,
    coordinator_email: str | None,
    tagged_keys: frozenset[str] = frozenset(),
) -> tuple[Notification, ...]:
    """Every notification whose send_at is at or before `now`, recorded or not (a prefix of
    the schedule, which is in send_at order)."""
    schedule = scheduled_notifications(
        plan, meetings, policy, coordinator_email=coordinator_email, tagged_keys=tagged_keys
    )
    return schedule[: bisect_right(schedule, now, key=attrgetter("send_at"))]


def due_notifications(
    plan: Plan,
    meetings: Iterable[Meeting],
    policy: Policy,
    recorded: Recorded,
    now: datetime,
    *,
    coordinator_email: str | None,
    overdue_catch_up_days: int = OVERDUE_CATCH_UP_DAYS,
    tagged_keys: frozenset[str] = frozenset(),
) -> DueResult:
    """The emails to send at `now`, and those to record as skipped because they lost their use.

    A notification is considered once its send_at is at or before `now` and its key is not in
    recorded.sent_keys. Its milestones and refs are those still open at `now`. Notifications
    that are not yet useful (an addendum with no late update yet) are in neither list.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    meeting_list = tuple(meetings)
    come_due = notifications_come_due(
        plan,
        meeting_list,
        policy,
        now,
        coordinator_email=coordinator_email,
        tagged_keys=tagged_keys,
    )
    # Filtered in C, by the schedule's keys.
    keys = _schedule_keys(plan, meeting_list, policy, _address(coordinator_email), tagged_keys)
    candidates = list(compress(come_due, map(not_, map(recorded.sent_keys.__contains__, keys))))
    return judged_notifications(
        candidates,
        plan,
        meeting_list,
        policy,
        recorded,
        now,
        overdue_catch_up_days=overdue_catch_up_days,
    )


def judged_notifications(
    candidates: Iterable[Notification],
    plan: Plan,
    meetings: Iterable[Meeting],
    policy: Policy,
    recorded: Recorded,
    now: datetime,
    *,
    overdue_catch_up_days: int = OVERDUE_CATCH_UP_DAYS,
) -> DueResult:
    """`due_notifications` for its `candidates`: the notifications come due and not recorded,
    in schedule order (the simulation, which records each one, keeps them as it goes)."""
    judge = Judge(
        policy=policy,
        starts=meeting_starts(meetings),
        recorded=recorded,
        now=now,
        today=now.astimezone(ZoneInfo(policy.timezone)).date(),
        catch_up=timedelta(days=overdue_catch_up_days),
        priority_of=_priority_refs(plan),
    )
    due: list[Notification] = []
    skipped: list[SkippedNotification] = []
    for notification in candidates:
        verdict = judge.verdict(notification)
        if verdict.send is not None:
            due.append(verdict.send)
        elif verdict.skip_reason is not None:
            skipped.append(SkippedNotification(notification, verdict.skip_reason))
    due, superseded = _drop_superseded(due, judge)
    skipped.extend(superseded)
    return DueResult(tuple(due), tuple(sorted(skipped, key=lambda s: _order(s.notification))))


# The schedule: every email the policy wants.


def forget_schedules() -> None:
    """Drop the cached schedules: a re-read configuration replaces the plans they were worked
    out from, and a cache entry would keep its plan (an equal one, even, that the cache then
    answers for) and its schedule in memory beside the new ones."""
    _schedule_keys.cache_clear()
    _priority_refs.cache_clear()
    _schedule.cache_clear()


@lru_cache(maxsize=8)
def _schedule_keys(
    plan: Plan,
    meetings: tuple[Meeting, ...],
    policy: Policy,
    coordinator: str | None,
    tagged_keys: frozenset[str],
) -> tuple[str, ...]:
    schedule = _schedule(plan, meetings, policy, coordinator)
    return tuple(_tagged(n.key, plan, tagged_keys) for n in schedule)


def _tagged(key: str, plan: Plan, tagged_keys: frozenset[str]) -> str:
    """A key another plan's email shares carries its plan."""
    return f"{key}/plan-{plan.period_start.isoformat()}" if key in tagged_keys else key


@lru_cache(maxsize=8)
def _priority_refs(plan: Plan) -> dict[str, str]:
    return {action.ref: priority.ref for priority, action in plan.actions()}


@lru_cache(maxsize=8)
def _schedule(
    plan: Plan, meetings: tuple[Meeting, ...], policy: Policy, coordinator: str | None
) -> tuple[Notification, ...]:
    """Cached: the daemon asks every minute and the plan rarely changes between ticks."""
    calendar = WorkingCalendar(policy)
    zone = ZoneInfo(policy.timezone)

    def send_at(day: date) -> datetime:
        return datetime.combine(day, policy.send_time, tzinfo=zone)

    recipients = email_recipients(plan)
    notifications: list[Notification] = []
    for meeting in meetings:
        notifications.extend(
            _meeting_notifications(meeting, recipients, policy, calendar, send_at, coordinator)
        )
    for days in policy.deadline_reminder_days_before:
        notifications.extend(
            _digests(
                _Kind.DEADLINE_REMINDER, recipients, _reminder_day(calendar, days), send_at, cc=()
            )
        )
    overdue_day = _overdue_day(calendar, policy.overdue_days_after)
    cc = (coordinator,) if coordinator else ()
    notifications.extend(_digests(_Kind.OVERDUE_NOTICE, recipients, overdue_day, send_at, cc))
    return tuple(sorted(_merge_digests(notifications), key=_order))


def _reminder_day(calendar: WorkingCalendar, days_before: int) -> Callable[[date], date]:
    @cache  # a year has a few hundred due dates, and thousands of milestones
    def day_of(due: date) -> date:
        return calendar.previous_working_day(due - timedelta(days=days_before))

    return day_of


def _overdue_day(calendar: WorkingCalendar, days_after: int) -> Callable[[date], date]:
    @cache
    def day_of(due: date) -> date:
        return calendar.next_working_day(due + timedelta(days=days_after))

    return day_of


def _meeting_notifications(
    meeting: Meeting,
    recipients: Sequence[Recipient],
    policy: Policy,
    calendar: WorkingCalendar,
    send_at: Callable[[date], datetime],
    coordinator: str | None,
) -> list[Notification]:
    def days_before(days: int) -> datetime:
        return send_at(calendar.previous_working_day(meeting.date - timedelta(days=days)))

    notifications: list[Notification] = []
    for person in recipients:
        notifications.append(
            _meeting_notice(
                update_request_key(meeting.date, person.email),
                _Kind.UPDATE_REQUEST,
                days_before(policy.update_request_days_before),
                meeting,
                person,
            )
        )
        notifications.extend(
            _meeting_notice(
                f"update_chaser/{meeting.key}/{days}/{person.email}",
                _Kind.UPDATE_CHASER,
                days_before(days),
                meeting,
                person,
            )
            for days in policy.chaser_days_before
        )
    if coordinator:
        notifications.append(
            Notification(
                key=f"agenda_pack/{meeting.key}",
                kind=_Kind.AGENDA_PACK,
                send_at=days_before(policy.agenda_pack_days_before),
                to=(coordinator,),
                meeting=meeting.date,
            )
        )
        notifications.append(
            Notification(
                key=f"agenda_addendum/{meeting.key}",
                kind=_Kind.AGENDA_ADDENDUM,
                send_at=days_before(1),
                to=(coordinator,),
                meeting=meeting.date,
            )
        )
    return notifications


def _meeting_notice(
    key: str, kind: NotificationKind, send_at: datetime, meeting: Meeting, person: Recipient
) -> Notification:
    """An update request or chaser: all of one lead's actions, across their priorities."""
    return Notification(
        key=key,
        kind=kind,
        send_at=send_at,
        to=(person.address,),
        lead_name=person.name,
        meeting=meeting.date,
        refs=person.refs,
        milestones=person.milestones,
        priority_refs=person.priority_refs,
    )


def _digests(
    kind: NotificationKind,
    recipients: Sequence[Recipient],
    day_of: Callable[[date], date],
    send_at: Callable[[date], datetime],
    cc: tuple[str, ...],
) -> list[Notification]:
    """One notification per recipient per send day, listing every milestone sent that day."""
    by_day: dict[tuple[str, date], list[MilestoneRef]] = {}
    people = {person.email: person for person in recipients}
    for person in recipients:
        for milestone in person.milestones:
            by_day.setdefault((person.email, day_of(milestone.due)), []).append(milestone)
    return [
        _digest(kind, people[email], day, milestones, send_at(day), cc)
        for (email, day), milestones in by_day.items()
    ]


def _digest(
    kind: NotificationKind,
    person: Recipient,
    day: date,
    milestones: Iterable[MilestoneRef],
    send_at: datetime,
    cc: tuple[str, ...],
) -> Notification:
    ordered = ordered_milestones(milestones)
    priority_of = person.priority_of
    return Notification(
        key=f"{kind.value}/{day.isoformat()}/{person.email}",
        kind=kind,
        send_at=send_at,
        to=(person.address,),
        cc=cc,
        lead_name=person.name,
        refs=unique(m.action_ref for m in ordered),
        milestones=ordered,
        priority_refs=unique(priority_of[m.action_ref] for m in ordered),
    )


def _merge_digests(notifications: Iterable[Notification]) -> list[Notification]:
    """Digests of one kind for one person on one day (from two offsets) become one."""
    merged: dict[str, Notification] = {}
    for notification in notifications:
        earlier = merged.get(notification.key)
        if earlier is None:
            merged[notification.key] = notification
            continue
        milestones = ordered_milestones({*earlier.milestones, *notification.milestones})
        merged[notification.key] = replace(
            earlier,
            milestones=milestones,
            refs=unique([*earlier.refs, *notification.refs]),
            priority_refs=unique([*earlier.priority_refs, *notification.priority_refs]),
        )
    return list(merged.values())


def _drop_superseded(
    due: list[Notification], judge: Judge
) -> tuple[list[Notification], list[SkippedNotification]]:
    """After an outage, several emails about one thing may be due at once: send the newest.

    A late update request makes its chasers pointless; of several chasers, the last one
    stands; a milestone in two reminders goes in the later one only.
    """
    kept: list[Notification] = []
    skipped: list[SkippedNotification] = []
    requested = {(n.meeting, n.to[0]) for n in due if n.kind is _Kind.UPDATE_REQUEST}
    latest_chaser: dict[tuple[date | None, str], Notification] = {}
    for n in due:
        if n.kind is _Kind.UPDATE_CHASER:
            known = latest_chaser.get((n.meeting, n.to[0]))
            if known is None or n.send_at > known.send_at:
                latest_chaser[(n.meeting, n.to[0])] = n
    reminded: set[tuple[str, MilestoneRef]] = set()
    for n in sorted(due, key=_order, reverse=True):
        if n.kind is _Kind.UPDATE_CHASER and (n.meeting, n.to[0]) in requested:
            skipped.append(SkippedNotification(n, "superseded by the late update request"))
        elif n.kind is _Kind.UPDATE_CHASER and latest_chaser[(n.meeting, n.to[0])] is not n:
            skipped.append(SkippedNotification(n, "superseded by a later chaser"))
        elif n.kind is _Kind.DEADLINE_REMINDER:
            fresh = [m for m in n.milestones if (n.to[0], m) not in reminded]
            reminded.update((n.to[0], m) for m in fresh)
            if fresh:
                kept.append(judge.with_milestones(n, fresh))
            else:
                skipped.append(SkippedNotification(n, "superseded by a later reminder"))
        else:
            kept.append(n)
    return sorted(kept, key=_order), skipped


# Small shared pieces.


def _order(n: Notification) -> tuple[datetime, int, str]:
    return (n.send_at, _KIND_ORDER[n.kind], n.key)


def _address(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None
