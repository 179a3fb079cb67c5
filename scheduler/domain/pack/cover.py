"""The pack's cover: which document this is, for which meeting, and how it is marked."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.human_dates import full_month_date, twelve_hour_time, weekday_name
from scheduler.domain.pack.input import PackInput


@dataclass(frozen=True)
class Cover:
    partnership: str
    document: str  # "Agenda pack", "Addendum to the agenda pack", ...
    meeting_title: str
    weekday: str
    day_text: str
    time_text: str
    place: str
    marking: str
    notice: str
    generated_text: str


def document_name(pack: PackInput) -> str:
    """'Agenda pack' or 'Addendum to the agenda pack', '(private)' after it when private."""
    name = "Addendum to the agenda pack" if pack.addendum_since else "Agenda pack"
    return f"{name} (private)" if pack.private else name


def cover(pack: PackInput, document: str, marking: str) -> Cover:
    """The cover of `document`, marked with `marking`; the private pack carries its notice."""
    meeting = pack.meeting
    return Cover(
        partnership=pack.config.partnership,
        document=document,
        meeting_title=meeting.title,
        weekday=weekday_name(meeting.date),
        day_text=full_month_date(meeting.date),
        time_text=twelve_hour_time(meeting.time),
        place=meeting.place,
        marking=marking,
        notice=pack.config.private_notice if pack.private else "",
        generated_text=f"Compiled {full_month_date(pack.generated_at.date())}",
    )
