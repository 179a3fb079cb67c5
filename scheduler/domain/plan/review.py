"""Reviewing a plan before it is loaded: what an import found, and what a new version changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scheduler.domain.plan.model import Action, Milestone, Plan

UNRESOLVED_TIMESCALE = "timescale_unresolved"


def is_unresolved(note: str) -> bool:
    """A note the importer left on an action whose timescale it could not read."""
    return note.startswith(UNRESOLVED_TIMESCALE)


@dataclass(frozen=True)
class ImportSummary:
    """The counts a coordinator checks against the document after an import."""

    priorities: int
    actions: int
    milestones: int
    leads: tuple[str, ...]
    unresolved: int

    def line(self) -> str:
        """ "5 priorities, 15 actions, 17 milestones, 5 leads, 0 unresolved"."""
        return (
            f"{self.priorities} priorities, {self.actions} actions, {self.milestones} milestones,"
            f" {len(self.leads)} leads, {self.unresolved} unresolved"
        )


def summarise_import(plan: Plan, problems: tuple[str, ...]) -> ImportSummary:
    """What the import holds; `problems` are the items it could not resolve."""
    actions = [action for _, action in plan.actions()]
    leads = tuple(dict.fromkeys(p.lead.name for p in plan.priorities if p.lead.name))
    return ImportSummary(
        priorities=len(plan.priorities),
        actions=len(actions),
        milestones=sum(len(a.milestones) for a in actions),
        leads=leads,
        unresolved=len(problems),
    )


@dataclass(frozen=True)
class ActionChange:
    """One action whose text, lead agency or milestones differ between two versions."""

    ref: str
    what: tuple[str, ...]


@dataclass(frozen=True)
class PlanChanges:
    """What loading `new` over `old` would do, action by action and lead by lead."""

    added: tuple[str, ...]
    archived: tuple[str, ...]
    changed: tuple[ActionChange, ...]
    leads: tuple[str, ...]
    other: tuple[str, ...]

    @property
    def any(self) -> bool:
        return bool(self.added or self.archived or self.changed or self.leads or self.other)

    def lines(self) -> list[str]:
        """One line per change, for the terminal."""
        lines = [*self.other, *self.leads]
        lines += [f"+ {ref} added" for ref in self.added]
        lines += [f"- {ref} archived (not in the new plan)" for ref in self.archived]
        for change in self.changed:
            lines += [f"~ {change.ref}: {what}" for what in change.what]
        return lines


def _dates(milestones: tuple[Milestone, ...]) -> str:
    return ", ".join(f"{m.label} {m.due}" for m in milestones) or "none"


def _action_differences(old: Action, new: Action) -> tuple[str, ...]:
    what: list[str] = []
    if old.milestones != new.milestones:
        what.append(f"dates {_dates(old.milestones)} -> {_dates(new.milestones)}")
    if old.lead_agency != new.lead_agency:
        what.append(f"lead agency {old.lead_agency!r} -> {new.lead_agency!r}")
    for name in ("action", "activity", "resources", "timescale", "targets", "group", "notes"):
        if getattr(old, name) != getattr(new, name):
            what.append(f"{name} changed")
    return tuple(what)


def _period(plan: Plan) -> tuple[date, date]:
    return plan.period_start, plan.period_end


def plan_changes(old: Plan, new: Plan) -> PlanChanges:
    """The differences a reload would make: actions added, archived and changed, leads
    changed, and the plan's name or period."""
    old_actions = {action.ref: action for _, action in old.actions()}
    new_actions = {action.ref: action for _, action in new.actions()}
    changed = tuple(
        ActionChange(ref, what)
        for ref, action in new_actions.items()
        if ref in old_actions and (what := _action_differences(old_actions[ref], action))
    )
    old_leads = {p.ref: p.lead for p in old.priorities}
    leads = tuple(
        f"~ priority {p.ref} lead {old_leads[p.ref].name!r} -> {p.lead.name!r}"
        for p in new.priorities
        if p.ref in old_leads and old_leads[p.ref].name != p.lead.name
    )
    other: list[str] = []
    if old.name != new.name:
        other.append(f"~ name {old.name!r} -> {new.name!r}")
    if _period(old) != _period(new):
        other.append(
            f"~ period {old.period_start} to {old.period_end} -> {new.period_start} to"
            f" {new.period_end}"
        )
    old_priorities = {p.ref for p in old.priorities}
    new_priorities = {p.ref for p in new.priorities}
    other += [f"+ priority {ref} added" for ref in sorted(new_priorities - old_priorities)]
    other += [f"- priority {ref} removed" for ref in sorted(old_priorities - new_priorities)]
    return PlanChanges(
        added=tuple(ref for ref in new_actions if ref not in old_actions),
        archived=tuple(ref for ref in old_actions if ref not in new_actions),
        changed=changed,
        leads=leads,
        other=tuple(other),
    )
