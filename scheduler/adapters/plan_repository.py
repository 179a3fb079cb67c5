"""The plan and meeting tables behind `PlanStore`: plans in, `Plan` values out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from scheduler.adapters.orm import (
    ActionRow,
    MeetingRow,
    MilestoneRow,
    PersonRow,
    PlanRow,
    PriorityRow,
)
from scheduler.domain.errors import WriteConflict
from scheduler.domain.plan.loading import PlanLoadSummary
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.schedule.meeting import Meeting


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, plan: Plan, source: str, now: datetime) -> PlanLoadSummary:
        """Insert or update a plan by name; actions match by ref, missing ones are archived."""
        try:
            return self._save(plan, source, now)
        except IntegrityError as exc:  # another daemon loaded the same plan at the same moment
            raise WriteConflict(f"plan {plan.name!r} was loaded by another process") from exc

    def _save(self, plan: Plan, source: str, now: datetime) -> PlanLoadSummary:
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

    def complete_milestones(
        self, plan_id: int | None, action_refs: Collection[str], now: datetime
    ) -> list[tuple[str, str]]:
        """Mark every open milestone of the plan's actions complete; (ref, label) of each."""
        if not action_refs:
            return []
        rows = self.session.execute(
            select(MilestoneRow, ActionRow.ref)
            .join(MilestoneRow.action)
            .where(
                ActionRow.plan_id == plan_id,
                ActionRow.ref.in_(list(action_refs)),
                ActionRow.archived_at.is_(None),
                MilestoneRow.completed_at.is_(None),
            )
        ).all()
        for m_row, _ in rows:
            m_row.completed_at = now
        return [(ref, m.label) for m, ref in rows]

    def save_meetings(self, meetings: Sequence[Meeting]) -> None:
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
