"""Updates the coordinator enters (given by phone or at a meeting) or corrects (a status read
wrongly). Each is a new update, marked with who entered it and why; a correction names the
update it supersedes, which is kept as it was. The reply path's recording rules apply:
commentary that looks like personal data is held, Complete meets the action's milestones, and
an entry for a meeting counts as the lead's reply (the chasers stop).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from scheduler.domain.display_text import for_display, without_controls
from scheduler.domain.errors import UserError
from scheduler.domain.plan.model import Lead, Plan
from scheduler.domain.replies.personal_data import find_personal_data
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.schedule.recipients import lead_email_key
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration
from scheduler.services.form_replies import request_for
from scheduler.services.plans import sync_configuration
from scheduler.services.unit_of_work import UnitOfWork

MAX_REASON = 300


@dataclass(frozen=True)
class UpdateEntry:
    """What the coordinator gives: an action, the meeting it is for, a status, commentary,
    whether it is private, and why they are entering it."""

    ref: str
    meeting: date
    status: Status
    commentary: str
    reason: str
    private: bool = False


def enter_update(services: Services, entry: UpdateEntry, by: str, now: datetime) -> RecordedUpdate:
    """Record an update the lead gave the coordinator; the update as recorded."""
    config = services.config.current()
    if entry.meeting not in {m.date for m in config.meetings}:
        raise UserError(f"no meeting on {entry.meeting.isoformat()}")
    sync_configuration(services, config, now)
    with services.uow_factory() as uow:
        recorded = _record(services, config, uow, entry, by, now, supersedes=None)
        uow.commit()
    return recorded


def correct_update(
    services: Services,
    update_id: int,
    status: Status,
    commentary: str,
    reason: str,
    by: str,
    now: datetime,
    *,
    private: bool = False,
) -> RecordedUpdate:
    """Supersede update `update_id` with a corrected one for the same action and meeting; the
    original is kept. The correction as recorded."""
    config = services.config.current()
    sync_configuration(services, config, now)
    with services.uow_factory() as uow:
        original = uow.updates.get(update_id)
        if original is None or original.meeting is None:
            raise UserError(f"no update with id {update_id} to correct")
        entry = UpdateEntry(original.ref, original.meeting, status, commentary, reason, private)
        recorded = _record(services, config, uow, entry, by, now, supersedes=original)
        uow.commit()
    return recorded


def _record(
    services: Services,
    config: Configuration,
    uow: UnitOfWork,
    entry: UpdateEntry,
    by: str,
    now: datetime,
    *,
    supersedes: RecordedUpdate | None,
) -> RecordedUpdate:
    reason = " ".join(entry.reason.split())[:MAX_REASON]
    if not reason:
        raise UserError("say why you are entering this update (given by phone, at a meeting…)")
    plan = config.plan_for(entry.meeting)
    lead = _lead_of(plan, entry.ref)
    text = for_display(without_controls(entry.commentary).strip())
    kinds = find_personal_data(text)
    update = RecordedUpdate(
        ref=entry.ref,
        status=entry.status,
        text=text,
        received_at=now,
        sender=by,
        lead_name=lead.name,
        meeting=entry.meeting,
        plan_id=uow.plans.id_of(plan.name),
        private=entry.private,
        held_for_review=bool(kinds),
        personal_data_kinds=kinds,
        entered_by=by,
        entry_reason=reason,
        supersedes_id=supersedes.id if supersedes else None,
    )
    update_id = uow.updates.add(update)
    if entry.status is Status.COMPLETE:
        uow.plans.complete_milestones(update.plan_id, [entry.ref], now)
    request = request_for(uow, lead.name, entry.meeting)
    if supersedes is None and request is not None and request.to:
        uow.updates.record_reply(entry.meeting, lead_email_key(request.to[0]), now)
    detail: dict[str, object] = {
        "by": by, "reason": reason, "ref": entry.ref, "meeting": entry.meeting.isoformat(),
    }  # fmt: skip
    if supersedes is not None:
        uow.audit.record(now, "update_corrected", str(supersedes.id), **detail, by_update=update_id)
        detail["supersedes"] = supersedes.id
    uow.audit.record(now, "update_entered", str(update_id), **detail)
    if kinds:
        uow.audit.record(now, "update_held", str(update_id), ref=entry.ref, kinds=list(kinds))
    return replace(update, id=update_id)


def _lead_of(plan: Plan, ref: str) -> Lead:
    priority = plan.priority_of(ref)
    if priority is None or plan.action(ref) is None:
        raise UserError(f"no action {ref} in the plan {plan.name}")
    return priority.lead
