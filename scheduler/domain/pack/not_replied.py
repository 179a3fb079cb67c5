"""Who has not replied: each lead with no update for this meeting, and when the away return."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.human_dates import full_month_date
from scheduler.domain.pack.input import PackInput


@dataclass(frozen=True)
class LeadNotReplied:
    name: str
    priority_refs: str
    away_text: str


def leads_not_replied(pack: PackInput) -> tuple[LeadNotReplied, ...]:
    """Leads who sent nothing, in plan order, with the priorities they lead."""
    refs: dict[str, list[str]] = {}
    for priority in pack.plan.priorities:
        if priority.lead.name not in pack.replied_leads:
            refs.setdefault(priority.lead.name, []).append(priority.ref)
    result = []
    for name, priority_refs in refs.items():
        away_text = ""
        if name in pack.away_leads:
            returns = pack.away_leads[name]
            away_text = f"Away until {full_month_date(returns)}" if returns else "Away"
        result.append(LeadNotReplied(name, ", ".join(priority_refs), away_text))
    return tuple(result)
