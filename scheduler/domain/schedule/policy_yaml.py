"""Reading config/policy.yaml: when reminders go, validated with line numbers.

Every key is optional; an absent key keeps the partnership's default from `Policy`. The keys
are the Policy field names, so the file and the code speak one vocabulary.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from typing import Any

from scheduler.domain.errors import ConfigError
from scheduler.domain.schedule.holiday_data import country_subdivisions
from scheduler.domain.schedule.meetings_yaml import (
    check_keys,
    read_date,
    read_time,
    read_timezone,
)
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.yaml_lines import LineDict, LineList, load_config_yaml

_KEYS = tuple(field.name for field in fields(Policy))
_DAY_LISTS = ("chaser_days_before", "deadline_reminder_days_before")
_DAY_COUNTS = ("update_request_days_before", "agenda_pack_days_before", "overdue_days_after")


def parse_policy(text: str, source: str) -> Policy:
    """The policy in a policy.yaml text (empty text: the defaults); ConfigError on bad values."""
    root = load_config_yaml(text, source)
    if root is None:
        return Policy()
    if not isinstance(root, LineDict):
        raise ConfigError(source, getattr(root, "line", None), "expected a mapping of settings")
    check_keys(root, _KEYS, source, "policy")

    changes: dict[str, Any] = {}
    for key in _DAY_COUNTS:
        if key in root:
            changes[key] = _days(root[key], source, root.line_of(key), key)
    for key in _DAY_LISTS:
        if key in root:
            changes[key] = _day_list(root[key], source, root.line_of(key), key)
    if "replies_close_days_after" in root:
        changes["replies_close_days_after"] = _replies_close(
            root["replies_close_days_after"], source, root.line_of("replies_close_days_after")
        )
    if "send_time" in root:
        changes["send_time"] = read_time(
            root["send_time"], source, root.line_of("send_time"), "send_time"
        )
    if "timezone" in root:
        changes["timezone"] = read_timezone(root["timezone"], source, root.line_of("timezone"))
    if "extra_holidays" in root:
        changes["extra_holidays"] = _holiday_list(
            root["extra_holidays"], source, root.line_of("extra_holidays")
        )
    changes.update(_holiday_region(root, source))

    policy = replace(Policy(), **changes)
    _check_consistent(policy, root, source)
    return policy


def _days(value: object, source: str, line: int, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(source, line, f"{key} must be a whole number of days, not {value!r}")
    if value < 0:
        raise ConfigError(source, line, f"{key} must not be negative (got {value})")
    return value


NEXT_MEETING = "next meeting"


def _replies_close(value: object, source: str, line: int) -> int | None:
    """A number of days after the meeting, or "next meeting" (the default)."""
    if isinstance(value, str) and " ".join(value.split()).lower() == NEXT_MEETING:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            source,
            line,
            f"replies_close_days_after must be a whole number of days after the meeting, or "
            f"{NEXT_MEETING!r}, not {value!r}",
        )
    return value


def _day_list(value: object, source: str, line: int, key: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, LineList):
        return (_days(value, source, line, key),)
    days: list[int] = []
    for item, item_line in zip(value, value.item_lines, strict=True):
        day = _days(item, source, item_line, key)
        if day in days:
            raise ConfigError(source, item_line, f"{key} lists {day} twice")
        days.append(day)
    return tuple(days)


def _holiday_list(value: object, source: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, LineList):
        raise ConfigError(source, line, "extra_holidays must be a list of dates like 2011-12-28")
    days: list[date] = [
        read_date(item, source, item_line, "extra holiday")
        for item, item_line in zip(value, value.item_lines, strict=True)
    ]
    return tuple(day.isoformat() for day in days)


def _holiday_region(root: LineDict, source: str) -> dict[str, str]:
    """Country and subdivision, checked against what the holidays package knows."""
    defaults = Policy()
    country = root.get("holiday_country", defaults.holiday_country)
    subdivision = root.get("holiday_subdivision", defaults.holiday_subdivision)
    known = country_subdivisions(country) if isinstance(country, str) and country else None
    if known is None:
        raise ConfigError(
            source,
            root.line_of("holiday_country"),
            f"holiday_country {country!r} is not a country code the holidays calendar knows "
            "(e.g. GB)",
        )
    subdivision = "" if subdivision is None else subdivision
    if not isinstance(subdivision, str) or (subdivision and subdivision not in known):
        raise ConfigError(
            source,
            root.line_of("holiday_subdivision"),
            f"holiday_subdivision {subdivision!r} is not one of {country}'s: {', '.join(known)}",
        )
    return {"holiday_country": country, "holiday_subdivision": subdivision}


def _check_consistent(policy: Policy, root: LineDict, source: str) -> None:
    if policy.overdue_days_after < 1:
        raise ConfigError(
            source,
            root.line_of("overdue_days_after"),
            "overdue_days_after must be at least 1: a milestone is not overdue on its due date",
        )
    for days in policy.chaser_days_before:
        if days >= policy.update_request_days_before:
            raise ConfigError(
                source,
                root.line_of("chaser_days_before"),
                f"a chaser {days} days before a meeting would not follow the update request "
                f"({policy.update_request_days_before} days before)",
            )
