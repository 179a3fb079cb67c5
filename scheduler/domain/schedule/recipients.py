"""Who the schedule can email: a lead's address as keys know it, and the leads (or the
coordinator) the schedule has to leave out for want of an address."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from scheduler.domain.plan.model import Action, Plan, Priority
from scheduler.domain.schedule.notification import MilestoneRef


def lead_email_key(address: str) -> str:
    """The form of a lead's address used in keys and in Recorded.replied."""
    return address.strip().lower()


@dataclass(frozen=True)
class Recipient:
    """A priority lead as an email recipient: one person may lead several priorities."""

    email: str  # lower case: the identity in keys and in Recorded.replied
    address: str  # as written in the plan: what the email is sent to
    name: str
    priorities: tuple[Priority, ...]

    # Worked out once per lead: the schedule lists them in every email to the lead.

    @cached_property
    def actions(self) -> tuple[Action, ...]:
        return tuple(action for priority in self.priorities for action in priority.actions)

    @cached_property
    def refs(self) -> tuple[str, ...]:
        return tuple(action.ref for action in self.actions)

    @cached_property
    def milestones(self) -> tuple[MilestoneRef, ...]:
        """Every milestone of the lead's actions, in plan order."""
        return tuple(
            MilestoneRef(action.ref, milestone.label, milestone.due)
            for action in self.actions
            for milestone in action.milestones
        )

    @cached_property
    def priority_refs(self) -> tuple[str, ...]:
        return tuple(priority.ref for priority in self.priorities)

    @cached_property
    def priority_of(self) -> dict[str, str]:
        """The priority of each of the lead's actions, by action ref."""
        return {a.ref: p.ref for p in self.priorities for a in p.actions}


def email_recipients(plan: Plan) -> list[Recipient]:
    """Priority leads with an email address, one per address, in plan order."""
    by_email: dict[str, Recipient] = {}
    for priority in plan.priorities:
        address = (priority.lead.email or "").strip()
        if not address:
            continue
        email = lead_email_key(address)
        known = by_email.get(email)
        if known is None:
            by_email[email] = Recipient(email, address, priority.lead.name, (priority,))
        else:
            by_email[email] = replace(known, priorities=(*known.priorities, priority))
    return list(by_email.values())


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
