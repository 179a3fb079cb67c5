"""Who the schedule can email: a lead's address as keys know it, and the leads (or the
coordinator) the schedule has to leave out for want of an address."""

from __future__ import annotations

from datetime import date

from scheduler.domain.plan.model import Plan, Priority


def lead_email_key(address: str) -> str:
    """The form of a lead's address used in keys and in Recorded.replied."""
    return address.strip().lower()


def update_request_key(meeting: date, lead_email: str) -> str:
    """The key of the meeting's update request to a lead (by `lead_email_key`), by which the
    chasers that follow it find it."""
    return f"update_request/{meeting.isoformat()}/{lead_email}"


def leads_without_email(plan: Plan) -> tuple[Priority, ...]:
    """Priorities whose lead has no email address: nothing can be sent to them."""
    return tuple(p for p in plan.priorities if not (p.lead.email or "").strip())


def schedule_problems(plan: Plan, *, coordinator_email: str | None) -> tuple[str, ...]:
    """What the schedule has to leave out, one operator-readable sentence each."""
    problems = [
        f"priority {priority.ref}: lead {priority.lead.name} has no email address; "
        "no update requests or reminders go to them"
        for priority in leads_without_email(plan)
    ]
    if not (coordinator_email or "").strip():
        problems.append(
            "no coordinator email address (CSP_COORDINATOR_EMAIL): agenda packs and addenda "
            "are not sent and overdue notices copy no one"
        )
    return tuple(problems)
