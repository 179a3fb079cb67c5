"""The pack's agenda: the standard items, one per key priority, and the date of the next meeting."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.human_dates import twelve_hour_time, weekday_date
from scheduler.domain.pack.formatting import anchor
from scheduler.domain.pack.input import PackInput
from scheduler.domain.pack.settings import AgendaSection
from scheduler.domain.schedule.meeting import Meeting


@dataclass(frozen=True)
class AgendaEntry:
    number: str
    title: str
    detail: str = ""
    anchor: str | None = None
    private: bool = False


def agenda(pack: PackInput) -> tuple[AgendaEntry, ...]:
    """The numbered agenda; an addendum's lists only the priorities."""
    if pack.addendum_since is not None:
        return tuple(
            AgendaEntry(
                str(n), f"{p.ref} {p.title}", f"Lead: {p.lead.name}", anchor("priority", p.ref)
            )
            for n, p in enumerate(pack.plan.priorities, start=1)
        )
    entries: list[AgendaEntry] = []
    for item in pack.config.agenda:
        if item.private and not pack.private:
            continue
        if item.section is AgendaSection.PRIORITIES:
            for priority in pack.plan.priorities:
                entries.append(
                    AgendaEntry(
                        number=str(len(entries) + 1),
                        title=f"{priority.ref} {priority.title}",
                        detail=f"Lead: {priority.lead.name}",
                        anchor=anchor("priority", priority.ref),
                        private=item.private,
                    )
                )
            continue
        detail = item.description
        if item.section is AgendaSection.NEXT_MEETING:
            detail = meeting_text(pack.next_meeting)
        section_anchor = (
            item.section.value
            if item.section is not None and item.section is not AgendaSection.NEXT_MEETING
            else None
        )
        entries.append(
            AgendaEntry(str(len(entries) + 1), item.title, detail, section_anchor, item.private)
        )
    return tuple(entries)


def agenda_sections(pack: PackInput) -> list[AgendaSection]:
    """The parts of the pack this pack's agenda introduces."""
    return [
        item.section
        for item in pack.config.agenda
        if item.section is not None and (pack.private or not item.private)
    ]


def meeting_text(meeting: Meeting | None) -> str:
    """'Tuesday 20 March 2012 at 10.00 am, Town Hall', or 'To be arranged'."""
    if meeting is None:
        return "To be arranged"
    return f"{weekday_date(meeting.date)} at {twelve_hour_time(meeting.time)}, {meeting.place}"
