"""Who has not replied: each lead with no update for this meeting, and why not where it is
known (away, and when they return; or never asked, having no email address)."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.human_dates import full_month_date
from scheduler.domain.pack.input import PackInput

NO_ADDRESS_NOTE = "Not asked: no email address in people.yaml"


@dataclass(frozen=True)
class LeadNotReplied:
    name: str
    priority_refs: str
    note: str


def leads_not_replied(pack: PackInput) -> tuple[LeadNotReplied, ...]:
    """Leads who sent nothing, in plan order, with the priorities they lead."""
    refs: dict[str, list[str]] = {}
    unreachable: set[str] = set()
    for priority in pack.plan.priorities:
        if priority.lead.name not in pack.replied_leads:
            refs.setdefault(priority.lead.name, []).append(priority.ref)
            if not (priority.lead.email or "").strip():
                unreachable.add(priority.lead.name)
    result = []
    for name, priority_refs in refs.items():
        note = ""
        if name in unreachable:
            note = NO_ADDRESS_NOTE
        elif name in pack.away_leads:
            returns = pack.away_leads[name]
            note = f"Away until {full_month_date(returns)}" if returns else "Away"
        result.append(LeadNotReplied(name, ", ".join(priority_refs), note))
    return tuple(result)
