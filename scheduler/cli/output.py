"""Plain renderings of domain values for the terminal and for --json."""

from __future__ import annotations

import json
from typing import Any

import click

from scheduler.domain.plan.model import Plan


def plan_as_json(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "period": {"start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
        "priorities": [
            {
                "ref": p.ref,
                "title": p.title,
                "lead": {
                    "name": p.lead.name,
                    "title": p.lead.title,
                    "organisation": p.lead.organisation,
                    "email": p.lead.email,
                },
                "outcomes": list(p.outcomes),
                "actions": [
                    {
                        "ref": a.ref,
                        "action": a.action,
                        "activity": a.activity,
                        "resources": a.resources,
                        "timescale": a.timescale,
                        "lead_agency": a.lead_agency,
                        "targets": a.targets,
                        "group": a.group,
                        "milestones": [
                            {"label": m.label, "due": m.due.isoformat()} for m in a.milestones
                        ],
                        "notes": list(a.notes),
                    }
                    for a in p.actions
                ],
            }
            for p in plan.priorities
        ],
    }


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def plan_as_table(plan: Plan) -> str:
    lines = [f"{plan.name}  ({plan.period_start:%d %b %Y} to {plan.period_end:%d %b %Y})", ""]
    for priority in plan.priorities:
        lead = priority.lead
        who = ", ".join(x for x in (f"{lead.title} {lead.name}".strip(), lead.organisation) if x)
        lines.append(f"{priority.ref}  {priority.title}")
        lines.append(f"      lead: {who}  <{lead.email or 'no email'}>")
        group = None
        for action in priority.actions:
            if action.group and action.group != group:
                group = action.group
                lines.append(f"      [{group}]")
            due = "; ".join(f"{m.label} {m.due:%d %b %Y}" for m in action.milestones) or "-"
            lines.append(f"  {action.ref:<8} {shorten(action.action, 52):<52}  {due}")
        lines.append("")
    return "\n".join(lines)
