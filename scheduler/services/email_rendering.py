"""Composing an outbox message's email from the plan, the meetings and what was recorded.

An email is rendered when it is queued, or, for a message queued as intent only (an
acknowledgement, queued with the reply it answers), just before it is sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain.plan.model import Plan
from scheduler.domain.replies.progress import ActionUpdate
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import (
    AcknowledgementContext,
    OutboxMessage,
    queued_message,
)
from scheduler.domain.schedule.purpose import reply_by
from scheduler.domain.schedule.recipients import lead_email_key, update_request_key
from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.compose import (
    ActionLine,
    EmailContext,
    MilestoneLine,
    compose_rendering,
    new_message_id,
    new_token,
)
from scheduler.services.configuration import Configuration
from scheduler.services.email_parts import Attachment
from scheduler.services.lead_links import update_form_url
from scheduler.services.pack_timeline import late_updates
from scheduler.services.unit_of_work import UnitOfWork

# Kinds whose email lists the lead's actions with their last recorded status.
_LISTS_ACTIONS = (
    NotificationKind.UPDATE_REQUEST,
    NotificationKind.UPDATE_CHASER,
    NotificationKind.AGENDA_PACK,
)


def new_outbox_message(
    services: Services,
    notification: Notification,
    now: datetime,
    acknowledgement: AcknowledgementContext | None = None,
) -> OutboxMessage:
    """An outbox message with its token and Message-ID fixed, so it is the same email whenever
    it is rendered: at once, or (an acknowledgement) just before it is sent."""
    return queued_message(
        notification,
        now,
        token=new_token(),
        message_id=new_message_id(services.settings.mail_domain),
        acknowledgement=acknowledgement,
    )


def context_for(
    config: Configuration,
    plan: Plan,
    uow: UnitOfWork,
    message: OutboxMessage,
    *,
    recorded: tuple[ActionUpdate, ...] = (),
    latest_updates: Mapping[str, RecordedUpdate] | None = None,
) -> EmailContext:
    """What the message's email needs from the database, read in the caller's transaction
    (the newest update of each action from `latest_updates` when the caller read them)."""
    notification = message.notification()
    ack = message.acknowledgement
    ctx = email_context(
        config,
        plan,
        uow,
        notification,
        recorded=recorded,
        latest_updates=latest_updates,
        problems=ack.problems if ack else (),
        thread=(ack.thread if ack else ()) or _thread_for(uow, notification),
    )
    if ack is not None:
        ctx = replace(ctx, lead_name=_replier_name(config, uow, message, ack.inbound_id))
    return ctx


def store_rendered(services: Services, message: OutboxMessage, **detail: Any) -> bool:
    """Write a rendered email to the outbox in its own short transaction (on SQLite the write
    lock is held only for this), unless its key is there already, and log it as queued."""
    return store_all_rendered(services, [message], **detail) == 1


def store_all_rendered(services: Services, messages: Sequence[OutboxMessage], **detail: Any) -> int:
    """Write rendered emails to the outbox in one short transaction and one statement, each
    unless its key is there already, and log each one written as queued; how many were."""
    if not messages:
        return 0
    with services.uow_factory() as uow:
        added = uow.outbox.add_all(messages)
        uow.commit()
    unlogged = set(added)
    for message in messages:
        if message.key in unlogged:
            unlogged.discard(message.key)
            log_event(
                "queued",
                kind=message.kind.value,
                key=message.key,
                to=list(message.to),
                **detail,
                message_id=message.message_id,
            )
    return len(added)


def rendered(
    services: Services,
    message: OutboxMessage,
    ctx: EmailContext,
    now: datetime,
    *,
    attachments: tuple[Attachment, ...] = (),
) -> OutboxMessage:
    """The message with its email composed under its token and Message-ID.

    Composing touches no database, so it runs outside any transaction: on SQLite a
    transaction holds the write lock, which a sender needs to record each message it sent.
    """
    settings = services.settings
    assert message.token is not None and message.message_id is not None
    ctx = _with_update_link(services, message, ctx)
    rendering = compose_rendering(
        ctx,
        token=message.token,
        message_id=message.message_id,
        from_address=settings.from_address,
        reply_to=settings.reply_to,
        templates_dir=settings.templates_dir,
        now=now,
        attachments=attachments,
    )
    return replace(message, rendering=rendering)


def _with_update_link(
    services: Services, message: OutboxMessage, ctx: EmailContext
) -> EmailContext:
    """A lead's update request or chaser with their link to the form, where the web app has
    an address (CSP_BASE_URL); without one, the email is as it always was."""
    web = services.settings.web
    if (
        message.kind not in (NotificationKind.UPDATE_REQUEST, NotificationKind.UPDATE_CHASER)
        or not web.links_in_emails
        or message.lead_name is None
        or message.meeting is None
    ):
        return ctx
    assert web.base_url is not None and web.secret is not None
    link = update_form_url(
        web.base_url, web.secret, message.lead_name, message.meeting, web.link_days_after_meeting
    )
    return replace(ctx, web_link=link)


def render_queued(services: Services, config: Configuration, now: datetime) -> int:
    """Render every message queued as intent only; each read, composed and stored apart."""
    rendered_count = 0
    with services.uow_factory() as uow:
        waiting = uow.outbox.awaiting_render()
    for message_id in waiting:
        try:
            with services.uow_factory() as uow:
                message = uow.outbox.get(message_id)
                if message is None or message.rendering is not None:
                    continue
                local_today = now.astimezone(ZoneInfo(config.policy.timezone)).date()
                plan = config.plan_for(message.meeting or local_today)
                ack = message.acknowledgement
                recorded = tuple(
                    u.as_action_update()
                    for u in (uow.updates.for_inbound(ack.inbound_id) if ack else [])
                )
                ctx = context_for(config, plan, uow, message, recorded=recorded)
            message = rendered(services, message, ctx, now)
            assert message.rendering is not None
            with services.uow_factory() as uow:
                # Stored only if no other daemon rendered it meanwhile.
                rendered_count += uow.outbox.store_rendering(message_id, message.rendering)
                uow.commit()
        except Exception as exc:  # one bad email must not hold up the others
            log_event(
                "render_failed",
                logging.ERROR,
                outbox_id=message_id,
                error=repr(exc),
                retry="next tick",
            )
    return rendered_count


def email_context(
    config: Configuration,
    plan: Plan,
    uow: UnitOfWork,
    notification: Notification,
    *,
    recorded: tuple[ActionUpdate, ...] = (),
    problems: tuple[str, ...] = (),
    thread: tuple[str, ...] = (),
    latest_updates: Mapping[str, RecordedUpdate] | None = None,
) -> EmailContext:
    """Everything a template needs for this notification, as of now; the newest update of
    each action is read here unless `latest_updates` holds them (for every ref listed)."""
    lists_actions = notification.kind in _LISTS_ACTIONS
    latest: Mapping[str, RecordedUpdate] = {}
    if lists_actions:
        latest = (
            uow.updates.latest_by_ref(plan.name, notification.refs)
            if latest_updates is None
            else latest_updates
        )
    tz = ZoneInfo(config.policy.timezone)
    actions = tuple(
        _action_line(plan, ref, latest.get(ref), tz)
        for ref in notification.refs
        if lists_actions and plan.action(ref) is not None
    )
    milestones = tuple(
        MilestoneLine(m, action.action)
        for m in notification.milestones
        if (action := plan.action(m.action_ref)) is not None
    )
    meeting = next((m for m in config.meetings if m.date == notification.meeting), None)
    coordinator = config.people.coordinator
    if notification.kind is NotificationKind.AGENDA_ADDENDUM and not recorded:
        assert notification.meeting is not None
        recorded = tuple(u.as_action_update() for u in late_updates(uow, notification.meeting))
    held: tuple[RecordedUpdate, ...] = ()
    if notification.kind is NotificationKind.AGENDA_PACK:
        held = held_out_of_pack(uow, plan)
    return EmailContext(
        notification=notification,
        lead_name=notification.lead_name or (coordinator.name if coordinator else ""),
        partnership=config.partnership,
        timezone=config.policy.timezone,
        coordinator_name=coordinator.name if coordinator else "",
        coordinator_email=coordinator.email if coordinator else None,
        actions=actions,
        meeting=meeting,
        milestones=milestones,
        reply_by=_reply_by(config, notification),
        recorded=recorded,
        problems=problems,
        thread=thread,
        held=held,
    )


def latest_updates_for(
    uow: UnitOfWork, plan: Plan, notifications: Collection[Notification]
) -> dict[str, RecordedUpdate]:
    """The newest update of every action these notifications' emails list, read at once for
    a tick's emails rather than once for each."""
    refs = {ref for n in notifications if n.kind in _LISTS_ACTIONS for ref in n.refs}
    return uow.updates.latest_by_ref(plan.name, refs) if refs else {}


def held_out_of_pack(uow: UnitOfWork, plan: Plan) -> tuple[RecordedUpdate, ...]:
    """The updates a pack shows only as "held": each action's latest, while held for personal
    data (an older held update is superseded, so releasing it would change nothing)."""
    latest = uow.updates.latest_by_ref(plan.name).values()
    return tuple(sorted((u for u in latest if u.held), key=lambda u: u.id or 0))


def _replier_name(
    config: Configuration, uow: UnitOfWork, message: OutboxMessage, inbound_id: int
) -> str:
    """The name an acknowledgement is addressed by: whoever wrote the reply, lead or delegate.

    people.yaml's name for the address when it is someone's own (the lead's, usually), else the
    name the reply's From header gave (a delegate is listed by address only), else none.
    """
    address = message.to[0].casefold()
    for person in config.people.people:
        if person.email and person.email.casefold() == address:
            return person.name
    from scheduler.domain.replies.inbound import read_message  # the reply rules, when needed

    raw = uow.inbound.raw_of(inbound_id)
    return _name_as_written(read_message(raw).from_name) if raw is not None else ""


_SURNAME_FIRST = re.compile(r"^\s*([^,;:()<>\[\]@\"]+?),\s*([^,;:()<>\[\]@\"]+?)\s*$")


def _name_as_written(display_name: str | None) -> str:
    """A From header's display name as a greeting writes it: "Burton, Gemma" (as Outlook
    shows names from a directory) becomes "Gemma Burton"; an address or a long text, nothing."""
    name = " ".join((display_name or "").split())
    if not name or "@" in name or len(name) > 80:
        return ""
    surname_first = _SURNAME_FIRST.match(name)
    return f"{surname_first[2]} {surname_first[1]}" if surname_first else name


def _action_line(plan: Plan, ref: str, update: RecordedUpdate | None, tz: ZoneInfo) -> ActionLine:
    action = plan.action(ref)
    assert action is not None
    return ActionLine(
        ref=ref,
        action=action.action,
        timescale=action.timescale,
        milestones=action.milestones,
        last_status=update.status if update else None,
        last_commentary=update.text if update and update.publishable else "",
        last_update=update.received_at.astimezone(tz).date() if update else None,
    )


def _reply_by(config: Configuration, notification: Notification) -> date | None:
    """The date an update request or chaser asks for a reply by."""
    if notification.meeting is None or notification.kind not in (
        NotificationKind.UPDATE_REQUEST,
        NotificationKind.UPDATE_CHASER,
    ):
        return None
    return reply_by(notification.meeting, config.policy)


def _thread_for(uow: UnitOfWork, notification: Notification) -> tuple[str, ...]:
    """A chaser follows its update request in the lead's mailbox."""
    if notification.kind is not NotificationKind.UPDATE_CHASER or notification.meeting is None:
        return ()
    request = update_request_key(notification.meeting, lead_email_key(notification.to[0]))
    message_id = uow.outbox.message_id_of(request)
    return (message_id,) if message_id else ()
