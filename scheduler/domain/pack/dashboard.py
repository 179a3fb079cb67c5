"""The dashboard: per priority, its actions counted by status and whether its lead replied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.domain.pack.input import PackInput
from scheduler.domain.pack.priorities import PrioritySection, StatusCounts


@dataclass(frozen=True)
class DashboardRow:
    priority_ref: str
    title: str
    anchor: str
    lead_name: str
    counts: StatusCounts
    lead_replied: bool


def dashboard_row(pack: PackInput, section: PrioritySection) -> DashboardRow:
    """The dashboard's line for one priority's section."""
    return DashboardRow(
        priority_ref=section.ref,
        title=section.title,
        anchor=section.anchor,
        lead_name=section.lead_name,
        counts=section.counts,
        lead_replied=section.lead_name in pack.replied_leads,
    )


def total_counts(counts: Iterable[StatusCounts]) -> StatusCounts:
    """The dashboard's totals line."""
    total = StatusCounts()
    for c in counts:
        total = StatusCounts(
            total.green + c.green,
            total.amber + c.amber,
            total.red + c.red,
            total.complete + c.complete,
            total.no_update + c.no_update,
        )
    return total
