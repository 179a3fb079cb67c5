"""Agenda packs: gather what the database knows about a meeting and render it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.adapters.pack_render import PackFiles, render_pack
from scheduler.domain.errors import ConfigError
from scheduler.domain.human_dates import full_month_date
from scheduler.domain.pack.content import PackAttachment, PackInput
from scheduler.domain.pack.settings import PackConfig
from scheduler.domain.plan.model import Plan
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.domain.schedule.recipients import lead_email_key
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration, read_statistics
from scheduler.services.pack_timeline import pack_compiled_at
from scheduler.services.unit_of_work import UnitOfWork


def pack_folder(services: Services, meeting: date, *, addendum: bool, private: bool) -> Path:
    """Where a meeting's pack files are kept: data/packs/<meeting>/[addendum/][private/]."""
    folder = services.settings.data_dir / "packs" / meeting.isoformat()
    if addendum:
        folder /= "addendum"
    if private:
        folder /= "private"
    return folder


def build_meeting_pack(
    services: Services,
    config: Configuration,
    meeting_date: date,
    now: datetime,
    *,
    addendum: bool = False,
    private: bool = False,
    out_dir: Path | None = None,
) -> PackFiles:
    """Render pack.html and pack.pdf for a meeting from the database as it is now."""
    meetings = sorted(config.meetings, key=lambda m: m.date)
    index = next((i for i, m in enumerate(meetings) if m.date == meeting_date), None)
    if index is None:
        known = ", ".join(m.key for m in meetings) or "none"
        raise ConfigError(
            str(services.settings.config_dir / "meetings.yaml"),
            None,
            f"no meeting on {meeting_date.isoformat()} (meetings: {known})",
        )
    plan = config.plan_for(meeting_date)
    tz = ZoneInfo(config.policy.timezone)
    with services.uow_factory() as uow:
        pack_input = PackInput(
            plan=plan,
            meeting=meetings[index],
            previous_meeting=meetings[index - 1] if index > 0 else None,
            next_meeting=meetings[index + 1] if index + 1 < len(meetings) else None,
            updates=tuple(
                update.as_action_update()
                for update in uow.updates.latest_by_ref(plan.name).values()
                if plan.action(update.ref) or _is_priority(plan, update.ref)
            ),
            replied_leads=_replied_leads(uow, plan, meeting_date),
            away_leads=_away_leads(uow, plan, meeting_date),
            completed_milestones=uow.plans.completed_milestones(plan.name),
            statistics=read_statistics(services.settings.config_dir),
            attachments=_attachments(uow, meeting_date),
            failed_emails=_failures(uow, tz),
            config=config.pack or PackConfig(partnership=config.partnership),
            generated_at=now.astimezone(tz),
            addendum_since=pack_compiled_at(uow, meeting_date) if addendum else None,
            private=private,
        )
    folder = out_dir or pack_folder(services, meeting_date, addendum=addendum, private=private)
    return render_pack(pack_input, folder, services.settings.templates_dir)


def meeting_has_private_items(services: Services, config: Configuration, meeting: date) -> bool:
    """Whether a private pack is needed: exempt updates, attachments or agenda items."""
    if config.pack is not None and any(item.private for item in config.pack.agenda):
        return True
    with services.uow_factory() as uow:
        return uow.updates.any_private_for(meeting) or any(
            a.private for a in uow.inbound.attachments_for_meeting(meeting)
        )


def _is_priority(plan: Plan, ref: str) -> bool:
    return any(p.ref == ref for p in plan.priorities)


def _lead_names_by_address(plan: Plan) -> dict[str, str]:
    return {lead_email_key(p.lead.email): p.lead.name for p in plan.priorities if p.lead.email}


def _replied_leads(uow: UnitOfWork, plan: Plan, meeting: date) -> frozenset[str]:
    names = _lead_names_by_address(plan)
    return frozenset(
        names[address]
        for key, address in uow.updates.replied([meeting])
        if key == meeting.isoformat() and address in names
    )


def _away_leads(uow: UnitOfWork, plan: Plan, meeting: date) -> dict[str, date | None]:
    names = _lead_names_by_address(plan)
    return {
        names[notice.address]: notice.away_until
        for notice in uow.inbound.away_for_meeting(meeting)
        if notice.address in names
    }


def _attachments(uow: UnitOfWork, meeting: date) -> tuple[PackAttachment, ...]:
    return tuple(
        PackAttachment(
            filename=attachment.filename,
            content_type=attachment.content_type,
            payload=attachment.payload,
            from_lead=attachment.lead_name or "",
            private=attachment.private,
            received_at=attachment.received_at,
        )
        for attachment in uow.inbound.attachments_for_meeting(meeting)
    )


def _failures(uow: UnitOfWork, tz: ZoneInfo) -> tuple[str, ...]:
    """Emails that could not be delivered, in words for the partnership (no error codes)."""
    failed = []
    for message in uow.outbox.with_status(OutboxStatus.FAILED):
        who = message.lead_name or ", ".join(message.to)
        when = message.scheduled_for.astimezone(tz)
        kind = message.kind.value.replace("_", " ").capitalize()
        failed.append(f"{kind} to {who}, {full_month_date(when.date())}")
    bounced = [
        f"Email to {f.address} bounced (since {full_month_date(f.failing_since.date())})"
        for f in uow.inbound.failing_addresses()
    ]
    return tuple(failed + bounced)
