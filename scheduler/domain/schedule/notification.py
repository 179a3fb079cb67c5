"""An email the rules say is due: what kind, to whom, when, and about what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache


class NotificationKind(StrEnum):
    UPDATE_REQUEST = "update_request"
    UPDATE_CHASER = "update_chaser"
    AGENDA_PACK = "agenda_pack"
    AGENDA_ADDENDUM = "agenda_addendum"
    DEADLINE_REMINDER = "deadline_reminder"
    OVERDUE_NOTICE = "overdue_notice"
    ACKNOWLEDGEMENT = "acknowledgement"
    SIGN_IN_LINK = "sign_in_link"  # the coordinator's one-time link to the web app
    COORDINATOR_DIGEST = "coordinator_digest"  # what needs a person, once a working day

    @property
    def about_a_meeting(self) -> bool:
        """Whether the email is about a coming meeting (and so useless once it has started)."""
        return self in _ABOUT_A_MEETING


_ABOUT_A_MEETING = frozenset(
    {
        NotificationKind.UPDATE_REQUEST,
        NotificationKind.UPDATE_CHASER,
        NotificationKind.AGENDA_PACK,
        NotificationKind.AGENDA_ADDENDUM,
    }
)


@dataclass(frozen=True)
class MilestoneRef:
    """A milestone named by its action ref and label (labels are unique within an action)."""

    action_ref: str
    label: str
    due: date


@dataclass(frozen=True)
class Notification:
    """One email the rules want sent.

    `key` is unique per email ever meant: the outbox refuses a second row with the same key,
    which is what makes every reminder go exactly once.
    """

    key: str
    kind: NotificationKind
    send_at: datetime  # aware, local time of the partnership
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    lead_name: str | None = None
    meeting: date | None = None
    refs: tuple[str, ...] = ()  # action refs concerned
    milestones: tuple[MilestoneRef, ...] = ()
    priority_refs: tuple[str, ...] = ()


def ordered_milestones(milestones: Iterable[MilestoneRef]) -> tuple[MilestoneRef, ...]:
    """By due date, then action ref (3.1.10 after 3.1.9), then label."""
    return tuple(sorted(milestones, key=lambda m: (m.due, _ref_sort_key(m.action_ref), m.label)))


@lru_cache(maxsize=65536)  # a plan's refs, each sorted many times over
def _ref_sort_key(ref: str) -> tuple[tuple[int, int, str], ...]:
    """3.1.10 after 3.1.9; a non-numeric part after the numeric ones."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in ref.split("."))
