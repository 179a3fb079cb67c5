"""What the rules must be told about the past, for the notifications due at a moment.

A tick asks the database only about these, so its cost follows the plan, not the history:
which of the notifications whose time has come are recorded already, and, for those that
are not, only the parts of `Recorded` their verdicts read (see `due._Judge`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scheduler.domain.schedule.notification import Notification, NotificationKind

_Kind = NotificationKind
_READ_COMPLETED = (
    _Kind.UPDATE_REQUEST,
    _Kind.UPDATE_CHASER,
    _Kind.DEADLINE_REMINDER,
    _Kind.OVERDUE_NOTICE,
)


@dataclass(frozen=True)
class RecordedNeeds:
    """The parts of `Recorded` the verdicts on some unrecorded notifications read.

    replies_for: meetings whose chasers are judged (who replied for them);
    late_updates_for: meetings whose addenda are judged (late updates since their pack);
    completed_milestones: whether any verdict looks at completed milestones.
    """

    replies_for: frozenset[date] = frozenset()
    late_updates_for: frozenset[date] = frozenset()
    completed_milestones: bool = False


def recorded_needs(unrecorded: Iterable[Notification]) -> RecordedNeeds:
    """What must be read from the database to judge these notifications (none recorded)."""
    replies_for: set[date] = set()
    late_updates_for: set[date] = set()
    completed = False
    for n in unrecorded:
        if n.kind is _Kind.UPDATE_CHASER and n.meeting is not None:
            replies_for.add(n.meeting)
        if n.kind is _Kind.AGENDA_ADDENDUM and n.meeting is not None:
            late_updates_for.add(n.meeting)
        completed = completed or n.kind in _READ_COMPLETED
    return RecordedNeeds(frozenset(replies_for), frozenset(late_updates_for), completed)
