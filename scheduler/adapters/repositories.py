"""Repositories: the only code that turns table rows into domain values and back."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from scheduler.adapters.orm import (
    ActionRow,
    AddressStatusRow,
    AttachmentRow,
    AuditRow,
    AwayNoticeRow,
    InboundRow,
    MeetingRow,
    MilestoneRow,
    OutboxRow,
    PersonRow,
    PlanRow,
    PriorityRow,
    ReplyRow,
    UpdateRow,
)
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.schedule.meeting import Meeting


@dataclass(frozen=True)
class PlanLoadSummary:
    plan_name: str
    created: bool
    actions_added: tuple[str, ...]
    actions_updated: tuple[str, ...]
    actions_archived: tuple[str, ...]


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, plan: Plan, source: str, now: datetime) -> PlanLoadSummary:
        """Insert or update a plan by name; actions match by ref, missing ones are archived."""
        row = self.session.scalar(select(PlanRow).where(PlanRow.name == plan.name))
        created = row is None
        if row is None:
            row = PlanRow(
                name=plan.name,
                source=source,
                loaded_at=now,
                period_start=plan.period_start,
                period_end=plan.period_end,
            )
            self.session.add(row)
            self.session.flush()
        row.source, row.loaded_at = source, now
        row.period_start, row.period_end = plan.period_start, plan.period_end
        priorities = {
            p.ref: p
            for p in self.session.scalars(select(PriorityRow).where(PriorityRow.plan_id == row.id))
        }
        actions = {
            a.ref: a
            for a in self.session.scalars(
                select(ActionRow)
                .where(ActionRow.plan_id == row.id)
                .options(selectinload(ActionRow.milestones))
            )
        }
        added: list[str] = []
        updated: list[str] = []
        seen_priorities: set[str] = set()
        seen_actions: set[str] = set()
        for p_pos, priority in enumerate(plan.priorities):
            seen_priorities.add(priority.ref)
            lead = self._person(priority.lead)
            p_row = priorities.get(priority.ref)
            if p_row is None:
                p_row = PriorityRow(
                    plan_id=row.id,
                    ref=priority.ref,
                    position=p_pos,
                    title=priority.title,
                    lead_id=lead.id,
                )
                self.session.add(p_row)
                self.session.flush()
            p_row.position, p_row.title, p_row.lead_id = p_pos, priority.title, lead.id
            p_row.outcomes, p_row.archived_at = list(priority.outcomes), None
            for a_pos, action in enumerate(priority.actions):
                seen_actions.add(action.ref)
                a_row = actions.get(action.ref)
                if a_row is None:
                    a_row = ActionRow(
                        plan_id=row.id,
                        ref=action.ref,
                        position=a_pos,
                        priority_id=p_row.id,
                        action=action.action,
                    )
                    self.session.add(a_row)
                    self.session.flush()
                    added.append(action.ref)
                elif _action_changed(a_row, action, p_row.id):
                    updated.append(action.ref)
                _copy_action(a_row, action, p_row.id, a_pos)
                self._sync_milestones(a_row, action.milestones, now)
        archived: list[str] = []
        for ref, a_row in actions.items():
            if ref not in seen_actions and a_row.archived_at is None:
                a_row.archived_at = now
                archived.append(ref)
        for ref, p_row in priorities.items():
            if ref not in seen_priorities and p_row.archived_at is None:
                p_row.archived_at = now
        self.session.flush()
        return PlanLoadSummary(plan.name, created, tuple(added), tuple(updated), tuple(archived))

    def _person(self, lead: Lead) -> PersonRow:
        person = self.session.scalar(select(PersonRow).where(PersonRow.name == lead.name))
        if person is None:
            person = PersonRow(name=lead.name)
            self.session.add(person)
        person.title, person.organisation, person.email = lead.title, lead.organisation, lead.email
        self.session.flush()
        return person

    def _sync_milestones(
        self, a_row: ActionRow, milestones: tuple[Milestone, ...], now: datetime
    ) -> None:
        existing = {m.label: m for m in a_row.milestones}
        wanted = {m.label for m in milestones}
        for milestone in milestones:
            m_row = existing.get(milestone.label)
            if m_row is None:
                m_row = MilestoneRow(action_id=a_row.id, label=milestone.label, due=milestone.due)
                self.session.add(m_row)
                a_row.milestones.append(m_row)
            m_row.due, m_row.archived_at = milestone.due, None
        for label, m_row in existing.items():
            if label not in wanted and m_row.archived_at is None:
                m_row.archived_at = now

    def get(self, name: str) -> Plan | None:
        row = self.session.scalar(select(PlanRow).where(PlanRow.name == name))
        return None if row is None else self._to_domain(row)

    def id_of(self, name: str) -> int | None:
        return self.session.scalar(select(PlanRow.id).where(PlanRow.name == name))

    def _to_domain(self, row: PlanRow) -> Plan:
        priorities = []
        for p_row in row.priorities:
            if p_row.archived_at is not None:
                continue
            actions = tuple(
                Action(
                    ref=a.ref,
                    action=a.action,
                    activity=a.activity,
                    resources=a.resources,
                    timescale=a.timescale,
                    lead_agency=a.lead_agency,
                    targets=a.targets,
                    group=a.group_name,
                    notes=tuple(a.notes or ()),
                    milestones=tuple(
                        Milestone(m.label, m.due) for m in a.milestones if m.archived_at is None
                    ),
                )
                for a in p_row.actions
                if a.archived_at is None
            )
            lead = Lead(
                p_row.lead.name, p_row.lead.title, p_row.lead.organisation, p_row.lead.email
            )
            priorities.append(
                Priority(p_row.ref, p_row.title, lead, tuple(p_row.outcomes or ()), actions)
            )
        return Plan(row.name, row.period_start, row.period_end, tuple(priorities))

    def completed_milestones(self, plan_name: str) -> frozenset[tuple[str, str]]:
        """(action ref, milestone label) of the plan's milestones reported complete."""
        rows = self.session.execute(
            select(ActionRow.ref, MilestoneRow.label)
            .join(MilestoneRow.action)
            .join(PlanRow, PlanRow.id == ActionRow.plan_id)
            .where(MilestoneRow.completed_at.is_not(None), PlanRow.name == plan_name)
        )
        return frozenset((ref, label) for ref, label in rows)

    def complete_milestones(self, plan_id: int | None, action_ref: str, now: datetime) -> list[str]:
        """Mark every open milestone of the plan's action complete; returns their labels."""
        rows = self.session.scalars(
            select(MilestoneRow)
            .join(MilestoneRow.action)
            .where(
                ActionRow.plan_id == plan_id,
                ActionRow.ref == action_ref,
                ActionRow.archived_at.is_(None),
                MilestoneRow.completed_at.is_(None),
            )
        ).all()
        for m_row in rows:
            m_row.completed_at = now
        return [m.label for m in rows]

    def save_meetings(self, meetings: tuple[Meeting, ...]) -> None:
        existing = {m.date: m for m in self.session.scalars(select(MeetingRow))}
        for meeting in meetings:
            row = existing.get(meeting.date)
            if row is None:
                row = MeetingRow(date=meeting.date, time=meeting.time)
                self.session.add(row)
            row.time, row.place, row.title = meeting.time, meeting.place, meeting.title
        self.session.flush()


def _action_changed(row: ActionRow, action: Action, priority_id: int) -> bool:
    return (
        row.action,
        row.activity,
        row.resources,
        row.timescale,
        row.lead_agency,
        row.targets,
        row.group_name,
        row.priority_id,
        row.archived_at,
    ) != (
        action.action,
        action.activity,
        action.resources,
        action.timescale,
        action.lead_agency,
        action.targets,
        action.group,
        priority_id,
        None,
    ) or sorted((m.label, m.due) for m in row.milestones if m.archived_at is None) != sorted(
        (m.label, m.due) for m in action.milestones
    )


def _copy_action(row: ActionRow, action: Action, priority_id: int, position: int) -> None:
    row.priority_id, row.position, row.action = priority_id, position, action.action
    row.activity, row.resources, row.timescale = action.activity, action.resources, action.timescale
    row.lead_agency, row.targets, row.group_name = action.lead_agency, action.targets, action.group
    row.notes, row.archived_at = list(action.notes), None


def insert_unless_exists(session: Session, row: object) -> bool:
    """Insert in a savepoint; False (and nothing changed) when a unique key already exists."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


class OutboxStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keys(self) -> frozenset[str]:
        return frozenset(self.session.scalars(select(OutboxRow.key)))

    def add(self, row: OutboxRow) -> bool:
        """Insert unless the key exists (another tick or daemon got there first)."""
        return insert_unless_exists(self.session, row)

    def add_new(self, row: OutboxRow) -> None:
        """Insert a row whose key cannot exist yet (a unique error is then a real bug)."""
        self.session.add(row)

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxRow]:
        """Claim sendable rows for `worker` with a lease; a dead claimer's lease expires."""
        sendable = or_(
            OutboxRow.status == OutboxStatus.PENDING,
            (OutboxRow.status == OutboxStatus.SENDING) & (OutboxRow.lease_until < now),
        )
        candidates = self.session.scalars(
            select(OutboxRow.id)
            .where(sendable, OutboxRow.send_after <= now, OutboxRow.raw.is_not(None))
            .order_by(OutboxRow.scheduled_for, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not candidates:
            return []
        # The conditional update is what makes a claim exclusive on every database.
        until = now + lease
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(candidates), sendable)
            .values(status=OutboxStatus.SENDING, claimed_by=worker, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return list(
            self.session.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.id.in_(candidates),
                    OutboxRow.claimed_by == worker,
                    OutboxRow.status == OutboxStatus.SENDING,
                    OutboxRow.lease_until == until,
                )
                .order_by(OutboxRow.scheduled_for, OutboxRow.id)
                .execution_options(populate_existing=True)
            )
        )

    def mark_sent(self, row_id: int, worker: str, now: datetime) -> bool:
        """Mark a claimed row sent, only if `worker` still holds the claim."""
        table = OutboxRow.__table__
        assert isinstance(table, Table)
        outbox = table.c
        result = self.session.connection().execute(  # Core: this runs once per message sent
            update(table)
            .where(
                outbox.id == row_id,
                outbox.claimed_by == worker,
                outbox.status == OutboxStatus.SENDING,
            )
            .values(
                status=OutboxStatus.SENT,
                sent_at=now,
                attempts=outbox.attempts + 1,
                lease_until=None,
            )
        )
        return bool(result.rowcount == 1)

    def awaiting_render(self) -> list[OutboxRow]:
        """Messages queued as intent only (acknowledgements), to be rendered before sending."""
        return list(
            self.session.scalars(
                select(OutboxRow)
                .where(OutboxRow.status == OutboxStatus.PENDING, OutboxRow.raw.is_(None))
                .order_by(OutboxRow.id)
            )
        )

    def renew_lease(self, row_ids: list[int], worker: str, until: datetime) -> set[int]:
        """Extend `worker`'s claims; returns the ids it still holds (others took the rest)."""
        mine = (
            OutboxRow.id.in_(row_ids),
            OutboxRow.claimed_by == worker,
            OutboxRow.status == OutboxStatus.SENDING,
        )
        self.session.execute(
            update(OutboxRow)
            .where(*mine)
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return set(self.session.scalars(select(OutboxRow.id).where(*mine)))

    def get(self, row_id: int) -> OutboxRow | None:
        return self.session.get(OutboxRow, row_id)

    def by_token(self, token: str) -> OutboxRow | None:
        return self.session.scalar(select(OutboxRow).where(OutboxRow.token == token))

    def by_message_ids(self, message_ids: list[str]) -> OutboxRow | None:
        if not message_ids:
            return None
        return self.session.scalar(
            select(OutboxRow)
            .where(OutboxRow.message_id.in_(message_ids))
            .order_by(OutboxRow.id.desc())
            .limit(1)
        )

    def with_status(self, *statuses: str) -> list[OutboxRow]:
        return list(
            self.session.scalars(
                select(OutboxRow)
                .where(OutboxRow.status.in_(statuses))
                .order_by(OutboxRow.scheduled_for, OutboxRow.id)
            )
        )

    def all(self) -> list[OutboxRow]:
        return list(
            self.session.scalars(select(OutboxRow).order_by(OutboxRow.scheduled_for, OutboxRow.id))
        )

    def for_meeting(self, kind: str, meeting: date) -> list[OutboxRow]:
        return list(
            self.session.scalars(
                select(OutboxRow).where(OutboxRow.kind == kind, OutboxRow.meeting == meeting)
            )
        )


class InboundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take_new(self, inbound_id: int) -> bool:
        """Move a stored message from `new` to `processing` in this transaction, if still new.

        As the transaction's first write it locks the row: a second poller waits, then finds
        it no longer new. Never committed as such: the same transaction sets the outcome.
        """
        result = self.session.execute(
            update(InboundRow)
            .where(InboundRow.id == inbound_id, InboundRow.status == "new")
            .values(status="processing")
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def get_by_id(self, inbound_id: int) -> InboundRow | None:
        return self.session.get(InboundRow, inbound_id)

    def get_by_dedupe_key(self, key: str) -> InboundRow | None:
        return self.session.scalar(select(InboundRow).where(InboundRow.dedupe_key == key))

    def add(self, row: InboundRow) -> bool:
        """Insert unless a message with the same key is stored already."""
        return insert_unless_exists(self.session, row)

    def with_status(self, *statuses: str) -> list[InboundRow]:
        return list(
            self.session.scalars(
                select(InboundRow).where(InboundRow.status.in_(statuses)).order_by(InboundRow.id)
            )
        )

    def purge_raw_before(self, cutoff: datetime, now: datetime) -> int:
        result = self.session.execute(
            update(InboundRow)
            .where(
                InboundRow.received_at < cutoff,
                InboundRow.raw.is_not(None),
                InboundRow.status != "new",
            )
            .values(raw=None, raw_purged_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def add_attachment(self, row: AttachmentRow) -> None:
        self.session.add(row)

    def attachments_for_meeting(self, meeting: date) -> list[AttachmentRow]:
        return list(
            self.session.scalars(
                select(AttachmentRow)
                .where(AttachmentRow.meeting == meeting)
                .order_by(AttachmentRow.id)
            )
        )

    def mark_address_failing(self, address: str, now: datetime, detail: str) -> None:
        row = self.session.scalar(
            select(AddressStatusRow).where(AddressStatusRow.address == address)
        )
        if row is None:
            self.session.add(AddressStatusRow(address=address, failing_since=now, detail=detail))
        else:
            row.detail = detail

    def failing_addresses(self) -> list[AddressStatusRow]:
        return list(self.session.scalars(select(AddressStatusRow).order_by(AddressStatusRow.id)))

    def record_away(
        self, address: str, meeting: date | None, now: datetime, away_until: date | None
    ) -> None:
        row = self.session.scalar(
            select(AwayNoticeRow).where(
                AwayNoticeRow.address == address, AwayNoticeRow.meeting == meeting
            )
        )
        if row is None:
            self.session.add(
                AwayNoticeRow(
                    address=address, meeting=meeting, received_at=now, away_until=away_until
                )
            )
        elif away_until is not None:
            row.away_until = away_until

    def away_for_meeting(self, meeting: date) -> list[AwayNoticeRow]:
        return list(
            self.session.scalars(select(AwayNoticeRow).where(AwayNoticeRow.meeting == meeting))
        )


class UpdateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: UpdateRow) -> None:
        self.session.add(row)

    def latest_by_ref(
        self, plan_name: str, refs: Collection[str] | None = None
    ) -> dict[str, UpdateRow]:
        """The newest update per ref (of `refs`, or all) in the plan, whatever its review state.

        Refs repeat from one year's plan to the next ("3.1.1"), so the plan is part of the key.
        """
        plan_id = select(PlanRow.id).where(PlanRow.name == plan_name).scalar_subquery()
        newest = (
            select(func.max(UpdateRow.id))
            .where(UpdateRow.plan_id == plan_id)
            .group_by(UpdateRow.ref)
        )
        if refs is not None:
            if not refs:
                return {}
            newest = newest.where(UpdateRow.ref.in_(list(refs)))
        rows = self.session.scalars(select(UpdateRow).where(UpdateRow.id.in_(newest)))
        return {row.ref: row for row in rows}

    def all(self) -> list[UpdateRow]:
        return list(self.session.scalars(select(UpdateRow).order_by(UpdateRow.id)))

    def for_inbound(self, inbound_id: int) -> list[UpdateRow]:
        return list(
            self.session.scalars(
                select(UpdateRow).where(UpdateRow.inbound_id == inbound_id).order_by(UpdateRow.id)
            )
        )

    def get(self, update_id: int) -> UpdateRow | None:
        return self.session.get(UpdateRow, update_id)

    def record_reply(self, meeting: date, address: str, now: datetime) -> None:
        exists = self.session.scalar(
            select(ReplyRow).where(ReplyRow.meeting == meeting, ReplyRow.address == address)
        )
        if exists is None:
            self.session.add(ReplyRow(meeting=meeting, address=address, first_received_at=now))

    def replied(self) -> frozenset[tuple[str, str]]:
        rows = self.session.execute(select(ReplyRow.meeting, ReplyRow.address))
        return frozenset((m.isoformat(), a) for m, a in rows)

    def received_after(self, when: datetime) -> list[UpdateRow]:
        return list(
            self.session.scalars(
                select(UpdateRow).where(UpdateRow.received_at > when).order_by(UpdateRow.id)
            )
        )


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, at: datetime, event: str, subject: str = "", **detail: Any) -> None:
        self.session.add(AuditRow(at=at, event=event, subject=subject, detail=detail))

    def recent(self, limit: int = 50) -> list[AuditRow]:
        return list(
            self.session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
        )
