"""Updates by quarter: each action's update for each meeting, and each priority's RAG as it
stood at each meeting (an action's status carried forward from its last update)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scheduler.domain.plan.model import Plan, Priority
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import RecordedUpdate

NO_UPDATE = "No update"
STATUS_ORDER = (*(s.value for s in Status), NO_UPDATE)


@dataclass(frozen=True)
class PriorityRag:
    """A priority's actions counted by status ("No update" where none)."""

    ref: str
    title: str
    lead_name: str
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class QuarterRag:
    """The RAG of every priority as it stood at one meeting."""

    meeting: date
    priorities: tuple[PriorityRag, ...]


def count_statuses(priority: Priority, statuses: Mapping[str, Status | None]) -> PriorityRag:
    """The priority's actions counted by their status in `statuses` (by ref; None or no
    entry: "No update")."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for action in priority.actions:
        counts[statuses.get(action.ref) or NO_UPDATE] += 1  # a Status is its value, a str
    return PriorityRag(priority.ref, priority.title, priority.lead.name, tuple(counts.items()))


def by_meeting(updates: Iterable[RecordedUpdate]) -> dict[tuple[str, date], RecordedUpdate]:
    """The newest update on each ref for each meeting (a later one supersedes)."""
    found: dict[tuple[str, date], RecordedUpdate] = {}
    for update in sorted(updates, key=lambda u: u.id or 0):
        if update.meeting is not None:
            found[(update.ref, update.meeting)] = update
    return found


def rag_by_meeting(
    plan: Plan, updates: Iterable[RecordedUpdate], meetings: Sequence[date]
) -> list[QuarterRag]:
    """Each meeting's RAG per priority, from each action's newest update for that meeting or
    an earlier one."""
    ordered = sorted(
        (u for u in updates if u.meeting is not None and u.status is not None),
        key=lambda u: (u.meeting, u.id or 0),
    )
    current: dict[str, Status | None] = {}
    quarters = []
    taken = 0
    for meeting in sorted(meetings):
        while taken < len(ordered) and (ordered[taken].meeting or meeting) <= meeting:
            current[ordered[taken].ref] = ordered[taken].status
            taken += 1
        rags = tuple(count_statuses(p, current) for p in plan.priorities)
        quarters.append(QuarterRag(meeting, rags))
    return quarters
