"""Progress against each key priority: every action with its latest update, as the pack shows it.

Private updates stay out of the public pack and commentary held for review is replaced by a
note; an addendum keeps only the updates received after the pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scheduler.domain.human_dates import short_month_date
from scheduler.domain.pack.appendices import Appendix
from scheduler.domain.pack.formatting import anchor, paragraphs
from scheduler.domain.pack.input import PackInput
from scheduler.domain.pack.local_time import is_after
from scheduler.domain.plan.model import Action, Priority
from scheduler.domain.replies.progress import ActionUpdate, Status

NO_UPDATE = "No update"
HELD_NOTE = "Commentary held for review."
PRIVATE_NOTE = "Update reported in the private pack (exempt information)."


@dataclass(frozen=True)
class UpdateView:
    """An update as shown: status written and coloured, commentary or the note replacing it."""

    status_label: str
    status_css: str
    paragraphs: tuple[str, ...] = ()
    note: str = ""
    received_text: str = ""
    sender: str = ""
    earlier_quarter: bool = False
    private: bool = False


@dataclass(frozen=True)
class ActionView:
    """An action of the plan as the pack shows it, with its latest update."""

    ref: str
    anchor: str
    action: str
    timescale: str
    lead_agency: str
    targets: str
    update: UpdateView
    appendix_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusCounts:
    green: int = 0
    amber: int = 0
    red: int = 0
    complete: int = 0
    no_update: int = 0

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.complete + self.no_update


@dataclass(frozen=True)
class PrioritySection:
    ref: str
    title: str
    anchor: str
    lead_name: str
    lead_role: str
    outcomes: tuple[str, ...]
    actions: tuple[ActionView, ...]
    commentary: tuple[UpdateView, ...]
    counts: StatusCounts


def visible_updates(pack: PackInput) -> dict[str, ActionUpdate]:
    """Updates by ref that this pack may show; an addendum keeps only the newer ones.

    A priority's commentary (an unstructured update) is kept under 'priority:<ref>'.
    """
    shown: dict[str, ActionUpdate] = {}
    for update in pack.updates:
        if pack.addendum_since is not None and not is_after(
            update.received_at, pack.addendum_since, pack.meeting
        ):
            continue
        key = f"priority:{update.ref}" if update.unstructured else update.ref
        shown[key] = update
    return shown


def priority_section(
    pack: PackInput,
    priority: Priority,
    updates: Mapping[str, ActionUpdate],
    appendices: tuple[Appendix, ...],
) -> PrioritySection:
    """One priority's section; an addendum's holds only the actions with a newer update."""
    rows = tuple(
        _action_view(pack, action, updates.get(action.ref), appendices)
        for action in priority.actions
        if not pack.addendum_since or action.ref in updates
    )
    commentary = updates.get(f"priority:{priority.ref}")
    views = () if commentary is None else (_update_view(pack, commentary),)
    if pack.addendum_since is None:
        counts = _counts(row.update.status_label for row in rows)
    else:
        counts = StatusCounts()
    lead = priority.lead
    return PrioritySection(
        ref=priority.ref,
        title=priority.title,
        anchor=anchor("priority", priority.ref),
        lead_name=lead.name,
        lead_role=", ".join(part for part in (lead.title, lead.organisation) if part),
        outcomes=priority.outcomes,
        actions=rows,
        commentary=tuple(v for v in views if v.paragraphs or v.note),
        counts=counts,
    )


def _update_view(pack: PackInput, update: ActionUpdate | None) -> UpdateView:
    if update is None:
        return UpdateView(NO_UPDATE, "none")
    if update.private and not pack.private:
        return UpdateView(NO_UPDATE, "none", note=PRIVATE_NOTE)
    status = update.status
    label = (
        status.value if status is not None else ("Commentary" if update.unstructured else NO_UPDATE)
    )
    return UpdateView(
        status_label=label,
        status_css=status.value.lower() if status is not None else "none",
        paragraphs=() if update.held_for_review else paragraphs(update.text),
        note=HELD_NOTE if update.held_for_review else "",
        received_text=short_month_date(update.received_at.date()),
        sender=update.sender,
        earlier_quarter=pack.previous_meeting is not None
        and not is_after(update.received_at, pack.previous_meeting.starts_at(), pack.meeting),
        private=update.private,
    )


def _action_view(
    pack: PackInput,
    action: Action,
    update: ActionUpdate | None,
    appendices: tuple[Appendix, ...],
) -> ActionView:
    return ActionView(
        ref=action.ref,
        anchor=anchor("action", action.ref),
        action=action.action,
        timescale=action.timescale,
        lead_agency=action.lead_agency,
        targets=action.targets,
        update=_update_view(pack, update),
        appendix_refs=tuple(
            f"Appendix {a.letter}" for a in appendices if a.action_ref == action.ref
        ),
    )


def _counts(labels: Iterable[str]) -> StatusCounts:
    tally = dict.fromkeys([s.value for s in Status] + [NO_UPDATE], 0)
    for label in labels:
        tally[label if label in tally else NO_UPDATE] += 1
    return StatusCounts(
        green=tally[Status.GREEN.value],
        amber=tally[Status.AMBER.value],
        red=tally[Status.RED.value],
        complete=tally[Status.COMPLETE.value],
        no_update=tally[NO_UPDATE],
    )
