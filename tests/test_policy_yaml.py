"""Reading config/policy.yaml: every key optional, bad values refused with their line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from scheduler.domain.errors import ConfigError
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.policy_yaml import parse_policy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCE = "config/policy.yaml"


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, SOURCE)
    return caught.value


def test_an_empty_policy_file_means_the_defaults() -> None:
    assert parse_policy("", SOURCE) == Policy()
    assert parse_policy("# nothing changed\n", SOURCE) == Policy()


def test_the_project_config_states_the_defaults() -> None:
    text = (PROJECT_ROOT / "config" / "policy.yaml").read_text(encoding="utf-8")

    assert parse_policy(text, SOURCE) == Policy()


def test_the_defaults_are_the_partnerships_agreed_ones() -> None:
    policy = Policy()

    assert policy.update_request_days_before == 28
    assert policy.chaser_days_before == (14, 10)
    assert policy.agenda_pack_days_before == 7
    assert policy.deadline_reminder_days_before == (14, 0)
    assert policy.overdue_days_after == 1
    assert (policy.send_time, policy.timezone) == (time(9, 0), "Europe/London")


def test_keys_given_change_only_themselves() -> None:
    policy = parse_policy('chaser_days_before: [7]\nsend_time: "08:30"\n', SOURCE)

    assert policy.chaser_days_before == (7,)
    assert policy.send_time == time(8, 30)
    assert policy.update_request_days_before == 28


def test_a_single_number_is_a_list_of_one() -> None:
    assert parse_policy(
        "deadline_reminder_days_before: 7\n", SOURCE
    ).deadline_reminder_days_before == (7,)


def test_extra_holidays_are_read_as_iso_dates() -> None:
    policy = parse_policy("extra_holidays:\n  - 2011-12-28\n  - '2011-12-29'\n", SOURCE)

    assert policy.extra_holidays == ("2011-12-28", "2011-12-29")


def test_negative_days_are_an_error_at_their_line() -> None:
    error = error_of("send_time: '09:00'\nagenda_pack_days_before: -7\n")

    assert (error.source, error.line) == (SOURCE, 2)
    assert "negative" in error.message


def test_a_negative_day_inside_a_list_is_an_error_at_its_item_line() -> None:
    error = error_of("chaser_days_before:\n  - 14\n  - -10\n")

    assert error.line == 3


def test_a_day_count_that_is_not_a_number_is_an_error() -> None:
    assert "whole number" in error_of("update_request_days_before: four weeks\n").message
    assert "whole number" in error_of("update_request_days_before: yes\n").message


def test_a_bad_send_time_is_an_error_at_its_line() -> None:
    error = error_of("timezone: Europe/London\nsend_time: '9am'\n")

    assert error.line == 2
    assert "send_time" in error.message


def test_an_unquoted_send_time_is_read_as_the_time_it_says() -> None:
    # YAML 1.1 reads 9:00 as the base-60 number 540 (but 09:00 as text): both mean 09:00.
    assert parse_policy("send_time: 9:00\n", SOURCE).send_time == time(9, 0)
    assert parse_policy("send_time: 09:00\n", SOURCE).send_time == time(9, 0)
    assert parse_policy("send_time: 10:30\n", SOURCE).send_time == time(10, 30)


def test_a_send_time_written_as_a_number_is_one_clear_error() -> None:
    assert 'is not a time like "10:00"' in error_of("send_time: 540\n").message


def test_an_unknown_key_is_an_error_at_its_line() -> None:
    error = error_of("send_time: '09:00'\nchasers: [14]\n")

    assert error.line == 2
    assert "'chasers'" in error.message


def test_a_chaser_before_the_update_request_is_refused() -> None:
    error = error_of("update_request_days_before: 21\nchaser_days_before: [28, 14]\n")

    assert error.line == 2
    assert "28 days" in error.message


def test_an_overdue_notice_on_the_due_date_is_refused() -> None:
    error = error_of("overdue_days_after: 0\n")

    assert error.line == 1
    assert "at least 1" in error.message


def test_a_day_listed_twice_is_refused() -> None:
    assert "twice" in error_of("chaser_days_before: [14, 14]\n").message


def test_an_extra_holiday_that_is_not_a_date_is_an_error_at_its_line() -> None:
    error = error_of("extra_holidays:\n  - 2011-12-28\n  - 28/12/2011\n")

    assert error.line == 3


def test_an_unknown_holiday_country_or_subdivision_is_refused() -> None:
    assert "holiday_country" in error_of("holiday_country: XX\n").message
    assert "ENG" in error_of("holiday_subdivision: LAN\n").message


def test_another_subdivision_is_accepted() -> None:
    assert parse_policy("holiday_subdivision: WLS\n", SOURCE).holiday_subdivision == "WLS"


def test_a_policy_that_is_not_a_mapping_is_refused() -> None:
    assert "mapping" in error_of("- 28\n- 14\n").message


def test_replies_are_recorded_until_the_next_meeting_unless_a_number_of_days_is_set() -> None:
    assert Policy().replies_close_days_after is None
    assert parse_policy("replies_close_days_after: next meeting\n", SOURCE) == Policy()
    assert parse_policy("replies_close_days_after: 14\n", SOURCE).replies_close_days_after == 14


def test_a_bad_replies_close_days_after_is_an_error_at_its_line() -> None:
    for value in ("soon", "-3", "yes", "2.5"):
        error = error_of(f"send_time: '09:00'\nreplies_close_days_after: {value}\n")

        assert (error.source, error.line) == (SOURCE, 2)
        assert "replies_close_days_after" in error.message
    assert "next meeting" in error_of("replies_close_days_after: soon\n").message
