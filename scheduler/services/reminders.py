"""The reminder tick: ask the rules what is due, record it in the outbox, then send it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from scheduler.adapters.orm import OutboxRow, UpdateRow
from scheduler.adapters.repositories import OutboxStatus
from scheduler.adapters.unit_of_work import UnitOfWork
from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.schedule.due import Recorded, SkippedNotification, due_notifications
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.working_days import WorkingCalendar
from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.compose import (
    ActionLine,
    Attachment,
    EmailContext,
    MilestoneLine,
    compose_message,
    new_message_id,
    new_token,
)
from scheduler.services.configuration import Configuration
from scheduler.services.delivery import DeliveryReport, deliver_pending
from scheduler.services.pack_timeline import as_action_update, is_publishable, late_updates
from scheduler.services.plans import sync_configuration

# Kinds whose email lists the lead's actions with their last recorded status.
_LISTS_ACTIONS = (
    NotificationKind.UPDATE_REQUEST,
    NotificationKind.UPDATE_CHASER,
    NotificationKind.AGENDA_PACK,
)
_WITH_PACK = (NotificationKind.AGENDA_PACK, NotificationKind.AGENDA_ADDENDUM)


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
    plan = config.plan_for(local_today)
    coordinator = config.coordinator_email(services.settings.coordinator_email)
    with services.uow_factory() as uow:
        result = due_notifications(
            plan,
            config.meetings,
            config.policy,
            recorded_state(uow, plan),
            now,
            coordinator_email=coordinator,
        )
    skipped = _record_skipped(services, result.skipped, now)
    queued = 0
    for notification in result.due:
        try:
            queued += _queue(services, config, plan, notification, now)
        except Exception as exc:  # one bad email must not hold up the others
            log_event(
                "render_failed",
                logging.ERROR,
                kind=notification.kind.value,
                key=notification.key,
                error=repr(exc),
                retry="next tick",
            )
    render_queued(services, config, now)
    delivery = deliver_pending(
        services.uow_factory,
        services.open_transport,
        now,
        services.worker,
    )
    return TickReport(queued, skipped, delivery)


def _record_skipped(
    services: Services, passed: tuple[SkippedNotification, ...], now: datetime
) -> int:
    """Record what is no longer worth sending, so it is decided (and logged) once."""
    recorded = 0
    with services.uow_factory() as uow:
        for item in passed:
            if uow.outbox.add(_skipped_row(item.notification, item.reason, now)):
                recorded += 1
                log_event(
                    "not_sent",
                    kind=item.notification.kind.value,
                    key=item.notification.key,
                    reason=item.reason,
                )
        uow.commit()
    return recorded


def _queue(
    services: Services,
    config: Configuration,
    plan: Plan,
    notification: Notification,
    now: datetime,
) -> int:
    """Render one email and write it to the outbox in its own short transaction."""
    attachments: tuple[Attachment, ...] = ()
    if notification.kind in _WITH_PACK:  # built first: it reads the database itself
        attachments = _pack_attachments(services, config, notification, now)
    with services.uow_factory() as uow:
        row = new_outbox_row(services, notification, now)
        _render_into(services, config, plan, uow, row, notification, now, attachments=attachments)
        added = uow.outbox.add(row)
        uow.commit()
    if added:
        log_event(
            "queued",
            kind=notification.kind.value,
            key=notification.key,
            to=list(notification.to),
            message_id=row.message_id,
        )
    return int(added)


def recorded_state(uow: UnitOfWork, plan: Plan) -> Recorded:
    """What the database says has happened, in the terms the rules use."""
    return Recorded(
        sent_keys=uow.outbox.keys(),
        replied=uow.updates.replied(),
        completed_milestones=uow.plans.completed_milestones(plan.name),
        late_update_meetings=late_update_meetings(uow),
    )


def late_update_meetings(uow: UnitOfWork) -> frozenset[str]:
    """Meetings with publishable updates recorded after their agenda pack was compiled."""
    meetings = {
        row.meeting
        for row in uow.outbox.with_status(OutboxStatus.SENT)
        if row.kind == NotificationKind.AGENDA_PACK.value and row.meeting
    }
    return frozenset(m.isoformat() for m in meetings if late_updates(uow, m))


def _skipped_row(notification: Notification, reason: str, now: datetime) -> OutboxRow:
    row = _base_row(notification, now)
    row.status, row.reason = OutboxStatus.SKIPPED, reason
    return row


def _base_row(notification: Notification, now: datetime) -> OutboxRow:
    return OutboxRow(
        key=notification.key,
        kind=notification.kind.value,
        status=OutboxStatus.PENDING,
        to_addresses=list(notification.to),
        cc_addresses=list(notification.cc),
        lead_name=notification.lead_name,
        meeting=notification.meeting,
        refs=list(notification.refs),
        milestones=[
            {"ref": m.action_ref, "label": m.label, "due": m.due.isoformat()}
            for m in notification.milestones
        ],
        created_at=now,
        scheduled_for=notification.send_at,
        send_after=now,
        attempts=0,
    )


def _render_into(
    services: Services,
    config: Configuration,
    plan: Plan,
    uow: UnitOfWork,
    row: OutboxRow,
    notification: Notification,
    now: datetime,
    *,
    recorded: tuple[ActionUpdate, ...] = (),
    problems: tuple[str, ...] = (),
    thread: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> None:
    """Compose the row's email under its token and Message-ID and store the bytes."""
    settings = services.settings
    assert row.token is not None and row.message_id is not None
    ctx = email_context(
        config,
        plan,
        uow,
        notification,
        recorded=recorded,
        problems=problems,
        thread=thread or _thread_for(uow, notification),
    )
    message = compose_message(
        ctx,
        token=row.token,
        message_id=row.message_id,
        from_address=settings.from_address,
        reply_to=settings.reply_to,
        templates_dir=settings.templates_dir,
        now=now,
        attachments=attachments,
    )
    row.subject = str(message["Subject"])
    body = message.get_body(preferencelist=("plain",))
    row.body_text = body.get_content() if isinstance(body, EmailMessage) else ""
    row.raw = message.as_bytes()


def new_outbox_row(
    services: Services,
    notification: Notification,
    now: datetime,
    context: dict[str, object] | None = None,
) -> OutboxRow:
    """An outbox row with its token and Message-ID fixed, so it is the same email whenever
    it is rendered: at once, or (with a `context`) just before it is sent."""
    row = _base_row(notification, now)
    row.token = new_token()
    row.message_id = new_message_id(services.settings.mail_domain)
    row.context = context
    return row


def render_queued(services: Services, config: Configuration, now: datetime) -> int:
    """Render every message queued as intent only; each in its own transaction."""
    rendered = 0
    with services.uow_factory() as uow:
        waiting = [row.id for row in uow.outbox.awaiting_render()]
    for row_id in waiting:
        try:
            with services.uow_factory() as uow:
                row = uow.outbox.get(row_id)
                if row is None or row.raw is not None:
                    continue
                notification = _notification_of(row)
                plan = config.plan_for(
                    row.meeting or now.astimezone(ZoneInfo(config.policy.timezone)).date()
                )
                context = row.context or {}
                inbound_id = context.get("inbound_id")
                recorded = tuple(
                    as_action_update(u)
                    for u in (uow.updates.for_inbound(inbound_id) if inbound_id else [])
                )
                _render_into(
                    services,
                    config,
                    plan,
                    uow,
                    row,
                    notification,
                    now,
                    recorded=recorded,
                    problems=tuple(context.get("problems", ())),
                    thread=tuple(context.get("thread", ())),
                )
                uow.commit()
                rendered += 1
        except Exception as exc:  # one bad email must not hold up the others
            log_event(
                "render_failed", logging.ERROR, outbox_id=row_id, error=repr(exc), retry="next tick"
            )
    return rendered


def _notification_of(row: OutboxRow) -> Notification:
    return Notification(
        key=row.key,
        kind=NotificationKind(row.kind),
        send_at=row.scheduled_for,
        to=tuple(row.to_addresses),
        cc=tuple(row.cc_addresses),
        lead_name=row.lead_name,
        meeting=row.meeting,
        refs=tuple(row.refs),
    )


def email_context(
    config: Configuration,
    plan: Plan,
    uow: UnitOfWork,
    notification: Notification,
    *,
    recorded: tuple[ActionUpdate, ...] = (),
    problems: tuple[str, ...] = (),
    thread: tuple[str, ...] = (),
) -> EmailContext:
    """Everything a template needs for this notification, as of now."""
    lists_actions = notification.kind in _LISTS_ACTIONS
    latest = uow.updates.latest_by_ref(plan.name, notification.refs) if lists_actions else {}
    actions = tuple(
        _action_line(plan, ref, latest.get(ref), ZoneInfo(config.policy.timezone))
        for ref in notification.refs
        if lists_actions and plan.action(ref) is not None
    )
    action_texts = {action.ref: action.action for _, action in plan.actions()}
    milestones = tuple(
        MilestoneLine(m, action_texts[m.action_ref])
        for m in notification.milestones
        if m.action_ref in action_texts
    )
    meeting = next((m for m in config.meetings if m.date == notification.meeting), None)
    coordinator = config.people.coordinator
    if notification.kind is NotificationKind.AGENDA_ADDENDUM and not recorded:
        recorded = _late_updates(uow, notification)
    return EmailContext(
        notification=notification,
        lead_name=notification.lead_name or (coordinator.name if coordinator else ""),
        partnership=config.partnership,
        coordinator_name=coordinator.name if coordinator else "",
        coordinator_email=coordinator.email if coordinator else None,
        actions=actions,
        meeting=meeting,
        milestones=milestones,
        reply_by=_reply_by(config, notification),
        recorded=recorded,
        problems=problems,
        thread=thread,
    )


def _action_line(plan: Plan, ref: str, update: UpdateRow | None, tz: ZoneInfo) -> ActionLine:
    action = plan.action(ref)
    assert action is not None
    return ActionLine(
        ref=ref,
        action=action.action,
        timescale=action.timescale,
        milestones=action.milestones,
        last_status=Status(update.status) if update and update.status else None,
        last_commentary=update.text if update and is_publishable(update) else "",
        last_update=update.received_at.astimezone(tz).date() if update else None,
    )


def _reply_by(config: Configuration, notification: Notification) -> date | None:
    """Replies are wanted by the working day before the agenda pack is compiled."""
    if notification.meeting is None or notification.kind not in (
        NotificationKind.UPDATE_REQUEST,
        NotificationKind.UPDATE_CHASER,
    ):
        return None
    calendar = WorkingCalendar(config.policy)
    pack_day = notification.meeting - timedelta(days=config.policy.agenda_pack_days_before)
    return calendar.previous_working_day(pack_day - timedelta(days=1))


def _thread_for(uow: UnitOfWork, notification: Notification) -> tuple[str, ...]:
    """A chaser follows its update request in the lead's mailbox."""
    if notification.kind is not NotificationKind.UPDATE_CHASER or notification.meeting is None:
        return ()
    for row in uow.outbox.for_meeting(NotificationKind.UPDATE_REQUEST.value, notification.meeting):
        if row.message_id and set(row.to_addresses) == set(notification.to):
            return (row.message_id,)
    return ()


def _late_updates(uow: UnitOfWork, notification: Notification) -> tuple[ActionUpdate, ...]:
    assert notification.meeting is not None
    return tuple(as_action_update(u) for u in late_updates(uow, notification.meeting))


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
