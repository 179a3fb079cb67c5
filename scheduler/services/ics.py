"""iCalendar (RFC 5545) text for a meeting or a set of milestone deadlines.

Written by hand because we need only VCALENDAR/VEVENT/VTIMEZONE: UIDs are stable (derived
from the meeting date or the milestone), so a calendar that receives the same event again
from a chaser or the agenda pack updates it instead of adding a copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import MilestoneRef

PRODID = "-//csp-scheduler//Community Safety Partnership reminders//EN"
LONDON = "Europe/London"
MAX_OCTETS = 75
CRLF = "\r\n"

# Europe/London since 1996: BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on
# the last Sunday of October. DTSTART values are local times, as RFC 5545 requires.
_LONDON_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{LONDON}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19700329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19701025T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class MilestoneEvent:
    """A milestone to put in a calendar, with the text of the action it belongs to."""

    milestone: MilestoneRef
    action: str


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line so no physical line exceeds 75 octets (RFC 5545 3.1).

    Continuation lines start with one space, which counts towards their 75 octets; a
    multi-octet UTF-8 character is never split.
    """
    if len(line.encode("utf-8")) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    used = 0
    limit = MAX_OCTETS
    for char in line:
        size = len(char.encode("utf-8"))
        if used + size > limit:
            parts.append("".join(current))
            current, used, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        used += size
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def meeting_uid(meeting: Meeting, domain: str) -> str:
    """The same meeting always has the same UID, whichever email carries it."""
    return f"csp-meeting-{meeting.date.isoformat()}@{domain}"


def milestone_uid(milestone: MilestoneRef, domain: str) -> str:
    """Stable per action and label; the label is hashed because it is free text."""
    digest = hashlib.sha256(f"{milestone.action_ref}\0{milestone.label}".encode()).hexdigest()
    return f"csp-milestone-{milestone.action_ref}-{digest[:12]}@{domain}"


def meeting_calendar(
    meeting: Meeting,
    *,
    domain: str,
    stamp: datetime,
    description: str = "",
    duration: timedelta = timedelta(hours=2),
) -> str:
    """A VCALENDAR holding the meeting; Europe/London times carry TZID, others are in UTC."""
    start = meeting.starts_at()
    end = start + duration
    if meeting.timezone == LONDON:
        when = [
            f"DTSTART;TZID={LONDON}:{_local(start)}",
            f"DTEND;TZID={LONDON}:{_local(end)}",
        ]
        timezones: Sequence[str] = _LONDON_VTIMEZONE
    else:
        when = [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
        timezones = ()
    event = [
        "BEGIN:VEVENT",
        f"UID:{meeting_uid(meeting, domain)}",
        f"DTSTAMP:{_utc(stamp)}",
        *when,
        f"SUMMARY:{escape_text(meeting.title)}",
        *([f"LOCATION:{escape_text(meeting.place)}"] if meeting.place else []),
        *([f"DESCRIPTION:{escape_text(description)}"] if description else []),
        "END:VEVENT",
    ]
    return _calendar([*timezones, *event])


def milestones_calendar(
    milestones: Iterable[MilestoneEvent], *, domain: str, stamp: datetime
) -> str:
    """A VCALENDAR with one all-day, free-time VEVENT per milestone, on its due date."""
    lines: list[str] = []
    for item in milestones:
        due = item.milestone.due
        lines += [
            "BEGIN:VEVENT",
            f"UID:{milestone_uid(item.milestone, domain)}",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART;VALUE=DATE:{_day(due)}",
            f"DTEND;VALUE=DATE:{_day(due + timedelta(days=1))}",
            f"SUMMARY:{escape_text(f'Due: {item.milestone.label} ({item.milestone.action_ref})')}",
            f"DESCRIPTION:{escape_text(item.action)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    return _calendar(lines)


def _calendar(body: Sequence[str]) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *body,
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"an iCalendar timestamp needs a time zone, got {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")
