"""Reading config/meetings.yaml: the meetings, sorted, and precise errors with line numbers."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from domain_examples import lancaster_meetings

from scheduler.domain.errors import ConfigError, PlanError
from scheduler.domain.schedule.meetings_yaml import parse_meetings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE = "config/meetings.yaml"


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_meetings(text, SOURCE)
    return caught.value


def test_the_project_config_holds_the_four_lancaster_meetings() -> None:
    text = (PROJECT_ROOT / "config" / "meetings.yaml").read_text(encoding="utf-8")

    meetings = parse_meetings(text, SOURCE)

    assert meetings == lancaster_meetings()


def test_meetings_are_sorted_by_date_whatever_the_file_order() -> None:
    text = """
meetings:
  - {date: 2011-09-20, time: "10:00", title: CSP}
  - {date: 2011-06-21, time: "14:30", title: CSP}
"""
    meetings = parse_meetings(text, SOURCE)

    assert [m.date for m in meetings] == [date(2011, 6, 21), date(2011, 9, 20)]
    assert meetings[0].time == time(14, 30)


def test_timezone_defaults_to_europe_london_and_meetings_start_in_local_time() -> None:
    meetings = parse_meetings(
        'meetings:\n  - {date: 2011-06-21, time: "10:00", title: CSP}\n', SOURCE
    )

    assert meetings[0].timezone == "Europe/London"
    assert meetings[0].starts_at().utcoffset() == timedelta(hours=1)


def test_a_top_level_timezone_applies_to_every_meeting() -> None:
    text = 'timezone: Europe/Dublin\nmeetings:\n  - {date: 2011-06-21, time: "10:00", title: CSP}\n'

    assert parse_meetings(text, SOURCE)[0].timezone == "Europe/Dublin"


def test_place_is_optional() -> None:
    meetings = parse_meetings(
        'meetings:\n  - {date: 2011-06-21, time: "10:00", title: CSP}\n', SOURCE
    )

    assert meetings[0].place == ""


def test_an_empty_meetings_list_means_no_meetings() -> None:
    assert parse_meetings("meetings: []\n", SOURCE) == ()


def test_a_meeting_without_a_date_is_an_error_at_its_line() -> None:
    error = error_of(
        """meetings:
  - date: 2011-06-21
    time: "10:00"
    title: CSP
  - time: "10:00"
    title: CSP
"""
    )

    assert (error.source, error.line) == (SOURCE, 5)
    assert "no date" in error.message


def test_an_unquoted_time_is_read_as_the_time_it_says() -> None:
    # YAML 1.1 would read a bare 10:00 as the base-60 number 600.
    meetings = parse_meetings(
        "meetings:\n  - date: 2011-06-21\n    time: 10:00\n    title: CSP\n", SOURCE
    )

    assert meetings[0].time == time(10, 0)


def test_a_time_written_as_a_number_is_one_clear_error_at_its_line() -> None:
    error = error_of("meetings:\n  - date: 2011-06-21\n    time: 600\n    title: CSP\n")

    assert error.line == 3
    assert 'is not a time like "10:00"' in error.message


@pytest.mark.parametrize("bad", ['"25:00"', '"ten o\'clock"', '"10.00"', '"10:75"'])
def test_a_time_that_is_not_a_time_of_day_is_an_error_at_its_line(bad: str) -> None:
    error = error_of(f"meetings:\n  - date: 2011-06-21\n    time: {bad}\n    title: CSP\n")

    assert error.line == 3
    assert "time" in error.message


def test_a_date_that_is_not_a_date_is_an_error_at_its_line() -> None:
    error = error_of('meetings:\n  - date: 21 June\n    time: "10:00"\n    title: CSP\n')

    assert error.line == 2
    assert "'21 June' is not a date" in error.message


def test_two_meetings_on_one_day_is_an_error_naming_both_lines() -> None:
    error = error_of(
        """meetings:
  - {date: 2011-06-21, time: "10:00", title: CSP}
  - {date: 2011-06-21, time: "14:00", title: CSP}
"""
    )

    assert error.line == 3
    assert "line 2" in error.message


def test_an_unknown_key_is_an_error_at_its_line() -> None:
    error = error_of(
        'meetings:\n  - date: 2011-06-21\n    time: "10:00"\n    title: CSP\n    venue: Town Hall\n'
    )

    assert error.line == 5
    assert "'venue'" in error.message


def test_an_unknown_timezone_is_an_error() -> None:
    error = error_of("timezone: Europe/Lancaster\nmeetings: []\n")

    assert error.line == 1
    assert "Europe/Lancaster" in error.message


def test_a_file_without_a_meetings_list_is_an_error() -> None:
    assert "'meetings' list" in error_of("timezone: Europe/London\n").message
    assert "'meetings' list" in error_of("").message


def test_a_yaml_syntax_error_is_a_config_error_with_its_line() -> None:
    error = error_of('meetings:\n  - {date: 2011-06-21, time: "10:00"\n')

    assert isinstance(error, ConfigError) and not isinstance(error, PlanError)
    assert error.line is not None
    assert str(error).startswith(f"{SOURCE}:")
