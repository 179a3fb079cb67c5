"""The plan tables behind `PlanStore`, in memory: plans in, `Plan` values out, as the
SQLAlchemy repository stores and archives them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from scheduler.domain.plan.loading import PlanLoadSummary
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.schedule.meeting import Meeting
from tests.in_memory_tables import (
    ActionRow,
    MeetingRow,
    MilestoneRow,
    PlanRow,
    PriorityRow,
    Transaction,
    utc,
)


class InMemoryPlanStore:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._db = tx.database

    def save(self, plan: Plan, source: str, now: datetime) -> PlanLoadSummary:
        now = utc(now)
        plan_id = self.id_of(plan.name)
        created = plan_id is None
        row = PlanRow(plan.name, source, plan.period_start, plan.period_end, now)
        if plan_id is None:
            plan_id = self._tx.insert(self._db.plans, row)
        else:
            self._tx.put(self._db.plans, plan_id, row)
        priorities = {
            p.ref: i for i, p in self._tx.rows(self._db.priorities) if p.plan_id == plan_id
        }
        actions = {
            a.action.ref: i for i, a in self._tx.rows(self._db.actions) if a.plan_id == plan_id
        }
        added: list[str] = []
        updated: list[str] = []
        for p_pos, priority in enumerate(plan.priorities):
            p_row = PriorityRow(
                plan_id,
                priority.ref,
                p_pos,
                priority.title,
                self._person(priority.lead),
                tuple(priority.outcomes),
            )
            p_id = priorities.get(priority.ref)
            if p_id is None:
                p_id = self._tx.insert(self._db.priorities, p_row)
            else:
                self._tx.put(self._db.priorities, p_id, p_row)
            for a_pos, action in enumerate(priority.actions):
                a_row = ActionRow(plan_id, p_id, a_pos, replace(action, milestones=()))
                a_id = actions.get(action.ref)
                if a_id is None:
                    a_id = self._tx.insert(self._db.actions, a_row)
                    added.append(action.ref)
                elif self._action_changed(a_id, action, p_id):
                    updated.append(action.ref)
                self._tx.put(self._db.actions, a_id, a_row)
                self._sync_milestones(a_id, action.milestones, now)
        archived = self._archive_missing(plan, plan_id, actions, priorities, now)
        return PlanLoadSummary(plan.name, created, tuple(added), tuple(updated), archived)

    def _archive_missing(
        self,
        plan: Plan,
        plan_id: int,
        actions: dict[str, int],
        priorities: dict[str, int],
        now: datetime,
    ) -> tuple[str, ...]:
        seen_actions = {action.ref for _, action in plan.actions()}
        seen_priorities = {priority.ref for priority in plan.priorities}
        archived: list[str] = []
        for ref, a_id in actions.items():
            a_row = self._tx.get(self._db.actions, a_id)
            if ref not in seen_actions and a_row is not None and a_row.archived_at is None:
                self._tx.put(self._db.actions, a_id, replace(a_row, archived_at=now))
                archived.append(ref)
        for ref, p_id in priorities.items():
            p_row = self._tx.get(self._db.priorities, p_id)
            if ref not in seen_priorities and p_row is not None and p_row.archived_at is None:
                self._tx.put(self._db.priorities, p_id, replace(p_row, archived_at=now))
        return tuple(archived)

    def _person(self, lead: Lead) -> int:
        """The lead's id in the people every plan shares, with their details as given now."""
        found = next((i for i, p in self._tx.rows(self._db.people) if p.name == lead.name), None)
        if found is None:
            return self._tx.insert(self._db.people, lead)
        self._tx.put(self._db.people, found, lead)
        return found

    def _milestones_of(self, action_id: int) -> list[tuple[int, MilestoneRow]]:
        return [(i, m) for i, m in self._tx.rows(self._db.milestones) if m.action_id == action_id]

    def _action_changed(self, action_id: int, action: Action, priority_id: int) -> bool:
        """As the real one decides: notes apart, any field, the priority, or the milestones."""
        row = self._tx.get(self._db.actions, action_id)
        assert row is not None
        kept = sorted(
            (m.label, m.due) for _, m in self._milestones_of(action_id) if not m.archived_at
        )
        return (
            replace(row.action, notes=()) != replace(action, notes=(), milestones=())
            or row.priority_id != priority_id
            or row.archived_at is not None
            or kept != sorted((m.label, m.due) for m in action.milestones)
        )

    def _sync_milestones(
        self, action_id: int, milestones: tuple[Milestone, ...], now: datetime
    ) -> None:
        existing = {m.label: (i, m) for i, m in self._milestones_of(action_id)}
        for milestone in milestones:
            if milestone.label not in existing:
                row = MilestoneRow(action_id, milestone.label, milestone.due)
                self._tx.insert(self._db.milestones, row)
            else:
                m_id, row = existing[milestone.label]
                self._tx.put(
                    self._db.milestones, m_id, replace(row, due=milestone.due, archived_at=None)
                )
        wanted = {m.label for m in milestones}
        for label, (m_id, row) in existing.items():
            if label not in wanted and row.archived_at is None:
                self._tx.put(self._db.milestones, m_id, replace(row, archived_at=now))

    def get(self, name: str) -> Plan | None:
        plan_id = self.id_of(name)
        row = self._tx.get(self._db.plans, plan_id)
        if plan_id is None or row is None:
            return None
        priorities = sorted(
            (p.position, i, p)
            for i, p in self._tx.rows(self._db.priorities)
            if p.plan_id == plan_id and p.archived_at is None
        )
        return Plan(
            row.name,
            row.period_start,
            row.period_end,
            tuple(self._priority(p_id, p) for _, p_id, p in priorities),
        )

    def _priority(self, priority_id: int, row: PriorityRow) -> Priority:
        actions = sorted(
            (a.position, i, a)
            for i, a in self._tx.rows(self._db.actions)
            if a.priority_id == priority_id and a.archived_at is None
        )
        lead = self._tx.get(self._db.people, row.lead_id)
        assert lead is not None
        return Priority(
            row.ref,
            row.title,
            lead,
            row.outcomes,
            tuple(
                replace(a.action, milestones=self._open_milestones(a_id)) for _, a_id, a in actions
            ),
        )

    def _open_milestones(self, action_id: int) -> tuple[Milestone, ...]:
        rows = sorted(
            (m.due, i, m.label) for i, m in self._milestones_of(action_id) if m.archived_at is None
        )
        return tuple(Milestone(label, due) for due, _, label in rows)

    def id_of(self, name: str) -> int | None:
        return next((i for i, p in self._tx.rows(self._db.plans) if p.name == name), None)

    def completed_milestones(self, plan_name: str) -> frozenset[tuple[str, str]]:
        plan_id = self.id_of(plan_name)
        refs = {i: a.action.ref for i, a in self._tx.rows(self._db.actions) if a.plan_id == plan_id}
        return frozenset(
            (refs[m.action_id], m.label)
            for _, m in self._tx.rows(self._db.milestones)
            if m.completed_at is not None and m.action_id in refs
        )

    def complete_milestones(
        self, plan_id: int | None, action_refs: Collection[str], now: datetime
    ) -> list[tuple[str, str]]:
        actions = {
            i: a.action.ref
            for i, a in self._tx.rows(self._db.actions)
            if a.plan_id == plan_id and a.action.ref in action_refs and a.archived_at is None
        }
        completed = []
        for m_id, row in self._tx.rows(self._db.milestones):
            if row.action_id in actions and row.completed_at is None:
                self._tx.put(self._db.milestones, m_id, replace(row, completed_at=utc(now)))
                completed.append((actions[row.action_id], row.label))
        return completed

    def save_meetings(self, meetings: Sequence[Meeting]) -> None:
        existing = {m.date: i for i, m in self._tx.rows(self._db.meetings)}
        for meeting in meetings:
            row = MeetingRow(meeting.date, meeting.time, meeting.place, meeting.title)
            if meeting.date in existing:
                self._tx.put(self._db.meetings, existing[meeting.date], row)
            else:
                existing[meeting.date] = self._tx.insert(self._db.meetings, row)
