"""Reading config/meetings.yaml: the partnership's meeting calendar, validated with line numbers.

The shape is a mapping with an optional `timezone` (default Europe/London) and a `meetings`
list of {date, time, place, title}. The small value readers here (`read_time`,
`read_timezone`, `check_keys`) are shared with the policy reader.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.domain.errors import ConfigError
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.yaml_lines import (
    LineDict,
    LineList,
    load_config_yaml,
    unknown_key_message,
    unknown_keys,
)

DEFAULT_TIMEZONE = "Europe/London"
_TOP_KEYS = ("timezone", "meetings")
_MEETING_KEYS = ("date", "time", "place", "title")
_CLOCK = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})")


def parse_meetings(text: str, source: str) -> tuple[Meeting, ...]:
    """The meetings in a meetings.yaml text, sorted by date; ConfigError(source, line, ...)."""
    root = load_config_yaml(text, source)
    if root is None:
        raise ConfigError(source, None, "no meetings: the file needs a 'meetings' list")
    if not isinstance(root, LineDict):
        raise ConfigError(source, _line(root), "expected 'timezone' and a 'meetings' list")
    check_keys(root, _TOP_KEYS, source, "meetings file")
    zone = DEFAULT_TIMEZONE
    if "timezone" in root:
        zone = read_timezone(root["timezone"], source, root.line_of("timezone"))
    if "meetings" not in root:
        raise ConfigError(source, root.line, "the file needs a 'meetings' list")
    entries = root["meetings"]
    if entries is None:
        return ()
    if not isinstance(entries, LineList):
        raise ConfigError(source, root.line_of("meetings"), "'meetings' must be a list")

    meetings: list[Meeting] = []
    first_line_of: dict[date, int] = {}
    for entry, line in zip(entries, entries.item_lines, strict=True):
        meeting = _meeting(entry, line, zone, source)
        if meeting.date in first_line_of:
            raise ConfigError(
                source,
                line,
                f"a second meeting on {meeting.date} (the first is at line "
                f"{first_line_of[meeting.date]}); one meeting per day",
            )
        first_line_of[meeting.date] = line
        meetings.append(meeting)
    return tuple(sorted(meetings, key=lambda meeting: meeting.starts_at()))


def _meeting(entry: Any, line: int, zone: str, source: str) -> Meeting:
    if not isinstance(entry, LineDict):
        raise ConfigError(source, line, "a meeting must be a mapping of date, time, place, title")
    check_keys(entry, _MEETING_KEYS, source, "meeting")
    for required in ("date", "time", "title"):
        if entry.get(required) in (None, ""):
            raise ConfigError(source, entry.line, f"meeting has no {required}")
    return Meeting(
        date=read_date(entry["date"], source, entry.line_of("date"), "date"),
        time=read_time(entry["time"], source, entry.line_of("time"), "time"),
        place=_text(entry.get("place", ""), source, entry.line_of("place"), "place"),
        title=_text(entry["title"], source, entry.line_of("title"), "title"),
        timezone=zone,
    )


def check_keys(mapping: LineDict, allowed: Collection[str], source: str, what: str) -> None:
    """Refuse keys the reader does not know: a misspelt key must not be silently ignored."""
    unknown = unknown_keys(mapping, allowed)
    if unknown:
        key = unknown[0]
        raise ConfigError(source, mapping.line_of(key), unknown_key_message(key, what, allowed))


def read_time(value: object, source: str, line: int, key: str) -> time:
    """A local clock time written "HH:MM", quoted or not (the YAML reader keeps a bare 10:00
    as text rather than YAML 1.1's base-60 number 600)."""
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(source, line, f'{key} {value!r} is not a time like "10:00"')
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ConfigError(source, line, f"{key} {value!r} is not a time of day (00:00 to 23:59)")
    return time(hour, minute)


def read_date(value: object, source: str, line: int, key: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value.strip())
    raise ConfigError(source, line, f"{key} {value!r} is not a date like 2011-06-21")


def read_timezone(value: object, source: str, line: int) -> str:
    """An IANA time zone name such as Europe/London."""
    if isinstance(value, str) and value.strip():
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            ZoneInfo(value.strip())
            return value.strip()
    raise ConfigError(source, line, f"timezone {value!r} is not a time zone like Europe/London")


def _text(value: object, source: str, line: int, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    raise ConfigError(source, line, f"{key} must be text")


def _line(value: object) -> int | None:
    line = getattr(value, "line", None)
    return line if isinstance(line, int) else None
