"""iCalendar output: structure, time zones, folding and escaping as RFC 5545 lays them down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import MilestoneRef
from scheduler.services.ics import (
    MilestoneEvent,
    escape_text,
    fold,
    meeting_calendar,
    meeting_uid,
    milestone_uid,
    milestones_calendar,
)

STAMP = datetime(2011, 5, 24, 8, 0, tzinfo=UTC)
MEETING = Meeting(date(2011, 6, 21), time(10, 0), "Town Hall, Dalton Square", "CSP meeting")


@dataclass
class Component:
    name: str
    properties: list[tuple[str, str]] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> str:
        found = [line for line in self.properties if line[0].split(";")[0] == name]
        assert len(found) == 1, f"{name}: {found}"
        return f"{found[0][0]}:{found[0][1]}"

    def value(self, name: str) -> str:
        return self.get(name).split(":", 1)[1]

    def all(self, name: str) -> list[Component]:
        return [child for child in self.children if child.name == name]


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n"), "every content line ends with CRLF"
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode()) <= 75 for line in physical), "lines fold at 75 octets"
    return text[:-2].replace("\r\n ", "").split("\r\n")


def parse(text: str) -> Component:
    """A strict little reader: nesting must balance and every line be NAME[;PARAMS]:VALUE."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(text):
        name, sep, value = line.partition(":")
        assert sep, f"not a content line: {line!r}"
        if name == "BEGIN":
            component = Component(value)
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "one VCALENDAR only"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack and stack[-1].name == value, f"END:{value} does not match"
            stack.pop()
        else:
            assert stack, f"property outside a component: {line!r}"
            stack[-1].properties.append((name, value))
    assert not stack and root is not None
    return root


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            assert char not in ",;", f"unescaped {char!r} in {value!r}"
            out.append(char)
    return "".join(out)


def test_meeting_in_london_carries_tzid_and_a_vtimezone() -> None:
    # Given a meeting at 10:00 London time in summer
    # When it is written as a calendar
    calendar = parse(meeting_calendar(MEETING, domain="example.org", stamp=STAMP))
    # Then the start is local time with TZID, defined by a VTIMEZONE with BST and GMT rules
    assert calendar.name == "VCALENDAR"
    assert calendar.value("VERSION") == "2.0"
    assert calendar.value("METHOD") == "PUBLISH"
    (timezone,) = calendar.all("VTIMEZONE")
    assert timezone.value("TZID") == "Europe/London"
    assert {child.name for child in timezone.children} == {"DAYLIGHT", "STANDARD"}
    (daylight,) = timezone.all("DAYLIGHT")
    assert daylight.value("TZOFFSETTO") == "+0100"
    assert daylight.value("RRULE") == "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
    (event,) = calendar.all("VEVENT")
    assert event.get("DTSTART") == "DTSTART;TZID=Europe/London:20110621T100000"
    assert event.get("DTEND") == "DTEND;TZID=Europe/London:20110621T120000"
    assert event.value("DTSTAMP") == "20110524T080000Z"
    assert event.value("UID") == "csp-meeting-2011-06-21@example.org"
    assert unescape(event.value("LOCATION")) == "Town Hall, Dalton Square"
    assert unescape(event.value("SUMMARY")) == "CSP meeting"


def test_meeting_elsewhere_is_written_in_utc() -> None:
    # Given a meeting at 10:00 in New York (UTC-4 in June)
    meeting = Meeting(date(2011, 6, 21), time(10, 0), "", "Visit", timezone="America/New_York")
    # When it is written as a calendar
    calendar = parse(meeting_calendar(meeting, domain="example.org", stamp=STAMP))
    # Then times are UTC and there is no VTIMEZONE
    (event,) = calendar.all("VEVENT")
    assert event.get("DTSTART") == "DTSTART:20110621T140000Z"
    assert calendar.all("VTIMEZONE") == []
    assert not [p for p in event.properties if p[0] == "LOCATION"]


def test_winter_meeting_keeps_its_local_time() -> None:
    # Given the December meeting, after the clocks went back on 30 October 2011
    meeting = Meeting(date(2011, 12, 13), time(10, 0), "Town Hall", "CSP meeting")
    # When it is written
    (event,) = parse(meeting_calendar(meeting, domain="x.org", stamp=STAMP)).all("VEVENT")
    # Then the local time is still 10:00: the VTIMEZONE says what offset applies
    assert event.get("DTSTART") == "DTSTART;TZID=Europe/London:20111213T100000"


def test_milestones_are_all_day_events_one_each_with_stable_uids() -> None:
    # Given two milestones of one action
    first = MilestoneRef("3.1.4", "MARAC Review", date(2011, 9, 30))
    second = MilestoneRef("3.1.4", "Report to board; final", date(2012, 3, 31))
    events = [MilestoneEvent(first, "Develop a MARAC"), MilestoneEvent(second, "Develop a MARAC")]
    # When they are written as a calendar
    calendar = parse(milestones_calendar(events, domain="example.org", stamp=STAMP))
    # Then each is an all-day event on its due date, with its own stable UID
    one, two = calendar.all("VEVENT")
    assert one.get("DTSTART") == "DTSTART;VALUE=DATE:20110930"
    assert one.get("DTEND") == "DTEND;VALUE=DATE:20111001"
    assert two.get("DTEND") == "DTEND;VALUE=DATE:20120401"
    assert unescape(two.value("SUMMARY")) == "Due: Report to board; final (3.1.4)"
    assert one.value("UID") == milestone_uid(first, "example.org")
    assert one.value("UID") != two.value("UID")
    assert milestone_uid(first, "example.org") == milestone_uid(
        MilestoneRef("3.1.4", "MARAC Review", date(2011, 10, 7)), "example.org"
    ), "moving the date keeps the UID, so calendars update the event"


def test_escaping_covers_backslash_semicolon_comma_and_newlines() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_description_is_folded_and_reads_back_whole() -> None:
    # Given a description longer than a line, with commas and accented letters
    description = "Partners, including Lancashire Constabulary; café owners " * 6
    # When written into a meeting
    text = meeting_calendar(MEETING, domain="example.org", stamp=STAMP, description=description)
    # Then it is folded (unfold checks the 75-octet limit) and unfolds to the original
    (event,) = parse(text).all("VEVENT")
    assert unescape(event.value("DESCRIPTION")) == description
    assert "\r\n " in text


@given(st.text(min_size=0, max_size=400).filter(lambda s: "\r" not in s and "\n" not in s))
def test_folding_never_exceeds_75_octets_nor_splits_a_character(line: str) -> None:
    folded = fold(line)
    physical = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line


def test_uids_name_the_meeting_date() -> None:
    assert meeting_uid(MEETING, "csp.example.org") == "csp-meeting-2011-06-21@csp.example.org"


def test_a_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        meeting_calendar(MEETING, domain="example.org", stamp=datetime(2011, 5, 24, 8, 0))
