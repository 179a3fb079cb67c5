"""The reminder tick: ask the rules what is due, record it in the outbox, then send it."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.schedule.due import (
    Recorded,
    SkippedNotification,
    due_notifications,
    notifications_come_due,
)
from scheduler.domain.schedule.meeting import meeting_starts
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus, queued_message
from scheduler.domain.schedule.recorded_needs import recorded_needs
from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration
from scheduler.services.coordinator_digest import queue_coordinator_digest
from scheduler.services.delivery import DeliveryReport, deliver_from
from scheduler.services.email_parts import Attachment
from scheduler.services.email_rendering import (
    context_for,
    latest_updates_for,
    new_outbox_message,
    render_queued,
    rendered,
    store_all_rendered,
)
from scheduler.services.pack_timeline import late_updates
from scheduler.services.plans import sync_configuration
from scheduler.services.unit_of_work import UnitOfWork
from scheduler.services.year_end import say_if_plan_year_over

_WITH_PACK = (NotificationKind.AGENDA_PACK, NotificationKind.AGENDA_ADDENDUM)
# Rendered emails written to the outbox in one statement: few round trips, and on SQLite the
# write lock held briefly, while a crash loses little rendering.
_STORE_BATCH = 100
_STORE_BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class TickReport:
    queued: int
    skipped: int
    delivery: DeliveryReport


def run_tick(services: Services, now: datetime) -> TickReport:
    """Queue every email due at `now` exactly once, then deliver whatever is sendable."""
    config = services.config.current()
    sync_configuration(services, config, now)
    local_today = now.astimezone(ZoneInfo(config.policy.timezone)).date()
    say_if_plan_year_over(services, config, local_today)
    coordinator = config.coordinator_email(services.settings.coordinator_email)
    due: list[tuple[Plan, Notification, Mapping[str, RecordedUpdate]]] = []
    skipped = 0
    for running in config.running_plans(local_today, coordinator):  # last year's follow-up too
        plan, tagged = running.plan, running.tagged_keys
        come_due = notifications_come_due(
            plan,
            running.meetings,
            config.policy,
            now,
            coordinator_email=coordinator,
            tagged_keys=tagged,
        )
        with services.uow_factory() as uow:
            recorded = recorded_state(uow, plan, come_due)
        result = due_notifications(
            plan,
            running.meetings,
            config.policy,
            recorded,
            now,
            coordinator_email=coordinator,
            tagged_keys=tagged,
        )
        skipped += _record_skipped(services, result.skipped, now)
        latest: Mapping[str, RecordedUpdate] = {}
        if result.due:
            with services.uow_factory() as uow:
                latest = latest_updates_for(uow, plan, result.due)
        due.extend((plan, notification, latest) for notification in result.due)
    queued = 0
    waiting: list[OutboxMessage] = []
    for plan, notification, latest in due:
        if services.sender.stopping.is_set():
            break
        try:
            waiting.append(_rendered(services, config, plan, notification, now, latest))
        except Exception as exc:  # one bad email must not hold up the others
            log_event(
                "render_failed",
                logging.ERROR,
                kind=notification.kind.value,
                key=notification.key,
                error=repr(exc),
                retry="next tick",
            )
        if _enough_to_store(waiting):
            queued += _store(services, waiting)
            waiting = []
    queued += _store(services, waiting)
    queue_coordinator_digest(services, config, now)
    render_queued(services, config, now)
    delivery = deliver_queued(services, config, now)
    return TickReport(queued, skipped, delivery)


def deliver_queued(services: Services, config: Configuration, now: datetime) -> DeliveryReport:
    """Send whatever the outbox holds that is due, from `now`."""
    return deliver_from(
        services.uow_factory,
        services.open_transport,
        now,
        services.worker,
        meeting_starts=meeting_starts(config.meetings),
        policy=config.policy,
        state=services.sender,
    )


def _record_skipped(
    services: Services, passed: tuple[SkippedNotification, ...], now: datetime
) -> int:
    """Record what is no longer worth sending, so it is decided (and logged) once: in one
    statement, as a tick after days away may find thousands."""
    skipped = [
        queued_message(item.notification, now, status=OutboxStatus.SKIPPED, reason=item.reason)
        for item in passed
    ]
    if not skipped:
        return 0
    with services.uow_factory() as uow:
        added = uow.outbox.add_all(skipped)
        uow.commit()
    unlogged = set(added)
    for item in passed:
        if item.notification.key in unlogged:
            unlogged.discard(item.notification.key)
            log_event(
                "not_sent",
                kind=item.notification.kind.value,
                key=item.notification.key,
                reason=item.reason,
            )
    return len(added)


def _rendered(
    services: Services,
    config: Configuration,
    plan: Plan,
    notification: Notification,
    now: datetime,
    latest_updates: Mapping[str, RecordedUpdate],
) -> OutboxMessage:
    """One email rendered, outside any transaction but its own short reads; the newest update
    of each action it lists is in `latest_updates`, read once for the tick."""
    attachments: tuple[Attachment, ...] = ()
    if notification.kind in _WITH_PACK:  # built first: it reads the database itself
        attachments = _pack_attachments(services, config, notification, now)
    message = new_outbox_message(services, notification, now)
    with services.uow_factory() as uow:
        ctx = context_for(config, plan, uow, message, latest_updates=latest_updates)
    return rendered(services, message, ctx, now, attachments=attachments)


def _enough_to_store(waiting: Sequence[OutboxMessage]) -> bool:
    """Whether the emails rendered so far make a batch to write: a hundred, or a few packs."""
    size = sum(len(m.rendering.raw) for m in waiting if m.rendering is not None)
    return len(waiting) >= _STORE_BATCH or size >= _STORE_BATCH_BYTES


def _store(services: Services, waiting: Sequence[OutboxMessage]) -> int:
    """Write rendered emails to the outbox together, each once under its key; a batch the
    database refused is rendered again at the next tick."""
    try:
        return store_all_rendered(services, waiting)
    except Exception as exc:
        log_event(
            "queue_failed",
            logging.ERROR,
            keys=[m.key for m in waiting],
            error=repr(exc),
            retry="next tick",
        )
        return 0


def recorded_state(uow: UnitOfWork, plan: Plan, come_due: Sequence[Notification]) -> Recorded:
    """What the database says about the notifications whose time has come, in the terms the
    rules use: which are recorded, and for the others only what their verdicts read. Each
    question names the keys or meetings it is about, so none grows with the history."""
    recorded = uow.outbox.recorded_keys([n.key for n in come_due])
    needs = recorded_needs(n for n in come_due if n.key not in recorded)
    return Recorded(
        sent_keys=recorded,
        replied=uow.updates.replied(needs.replies_for) if needs.replies_for else frozenset(),
        completed_milestones=uow.plans.completed_milestones(plan.name)
        if needs.completed_milestones
        else frozenset(),
        late_update_meetings=late_update_meetings(uow, needs.late_updates_for),
    )


def everything_recorded(uow: UnitOfWork, plan: Plan) -> Recorded:
    """All the database holds about the plan, for a look ahead (`csp status`) rather than a
    tick: it reads the whole history, once per command."""
    return Recorded(
        sent_keys=uow.outbox.keys(),
        replied=uow.updates.replied(),
        completed_milestones=uow.plans.completed_milestones(plan.name),
        late_update_meetings=late_update_meetings(
            uow, uow.outbox.meetings_sent(NotificationKind.AGENDA_PACK)
        ),
    )


def late_update_meetings(uow: UnitOfWork, meetings: Collection[date]) -> frozenset[str]:
    """Those of the meetings with publishable updates recorded after their agenda pack was
    compiled and sent."""
    if not meetings:
        return frozenset()
    sent = uow.outbox.meetings_sent(NotificationKind.AGENDA_PACK, among=meetings)
    return frozenset(m.isoformat() for m in sent if late_updates(uow, m))


def _pack_attachments(
    services: Services, config: Configuration, notification: Notification, now: datetime
) -> tuple[Attachment, ...]:
    """The pack PDF; with the private pack too when the meeting has exempt items."""
    from scheduler.services.packs import build_meeting_pack, meeting_has_private_items

    assert notification.meeting is not None
    addendum = notification.kind is NotificationKind.AGENDA_ADDENDUM
    packs = [build_meeting_pack(services, config, notification.meeting, now, addendum=addendum)]
    if meeting_has_private_items(services, config, notification.meeting):
        packs.append(
            build_meeting_pack(
                services, config, notification.meeting, now, addendum=addendum, private=True
            )
        )
    return tuple(
        Attachment(files.pdf_path.name, files.pdf_path.read_bytes(), "application/pdf")
        for files in packs
    )
