"""The Community Safety Plan as plain values: priorities, leads, actions, milestones.

Nothing here knows where a plan came from (document, YAML, database); loaders build these.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property


@dataclass(frozen=True)
class Milestone:
    """A dated deadline inside an action's Timescale cell ("MARAC Review 30 Sept 11")."""

    label: str
    due: date


@dataclass(frozen=True)
class Lead:
    """The named person responsible for a priority."""

    name: str
    title: str = ""
    organisation: str = ""
    email: str | None = None


@dataclass(frozen=True)
class Action:
    """One row of a priority's action table."""

    ref: str
    action: str
    activity: str = ""
    resources: str = ""
    timescale: str = ""
    lead_agency: str = ""
    targets: str = ""
    group: str | None = None
    milestones: tuple[Milestone, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Priority:
    """A key priority: a heading of the action plan with its lead, outcomes and actions."""

    ref: str
    title: str
    lead: Lead
    outcomes: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A partnership's plan for one period (normally an April to March financial year)."""

    name: str
    period_start: date
    period_end: date
    priorities: tuple[Priority, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def actions(self) -> Iterator[tuple[Priority, Action]]:
        """Every action with the priority it belongs to, in plan order."""
        for priority in self.priorities:
            for action in priority.actions:
                yield priority, action

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        """Hashed once: the rules' schedule is cached by plan, and a tick asks for it twice."""
        return hash((self.name, self.period_start, self.period_end, self.priorities, self.notes))

    def action(self, ref: str) -> Action | None:
        """The action with this ref, or None."""
        return self._actions_by_ref.get(ref)

    @cached_property
    def _actions_by_ref(self) -> dict[str, Action]:
        """Built once per plan: emails and the simulation look actions up by ref thousands
        of times. The first action with a ref wins, as a search in plan order would find."""
        by_ref: dict[str, Action] = {}
        for _, action in self.actions():
            by_ref.setdefault(action.ref, action)
        return by_ref

    def priority_of(self, action_ref: str) -> Priority | None:
        """The priority holding the action with this ref, or None."""
        for priority, action in self.actions():
            if action.ref == action_ref:
                return priority
        return None
