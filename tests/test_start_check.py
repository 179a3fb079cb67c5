"""`csp run`'s check before it starts: the report `csp check` gives, worked out in a child
process that hands back the bank holidays the rules will ask for."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from scheduler.domain.schedule import holiday_data
from scheduler.services import start_check
from scheduler.services.config_check import check_configuration
from scheduler.settings import Settings, settings_from_env
from tests.service_harness import copy_example_config

DAY = date(2011, 4, 4)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = copy_example_config(tmp_path)
    return settings_from_env({"CSP_CONFIG_DIR": str(config), "CSP_DATA_DIR": str(tmp_path)})


def test_the_report_is_the_one_csp_check_gives(settings: Settings) -> None:
    assert start_check.check_before_start(settings, DAY) == check_configuration(settings, DAY)


def test_an_error_is_reported_as_csp_check_reports_it(settings: Settings) -> None:
    (settings.config_dir / "policy.yaml").write_text("holiday_country: XX\n", encoding="utf-8")
    report = start_check.check_before_start(settings, DAY)
    assert report == check_configuration(settings, DAY)
    assert any("holiday_country 'XX'" in str(error) for error in report.errors)


def test_the_childs_holidays_are_remembered_for_the_plans_years(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    remembered: list[holiday_data.HolidayFacts] = []
    monkeypatch.setattr(start_check, "remember", remembered.append)
    start_check.check_before_start(settings, DAY)
    [facts] = remembered
    assert (facts.country, facts.subdivision) == ("GB", "ENG")
    assert {2010, 2011, 2012, 2013} <= set(facts.holidays)
    assert facts.holidays[2012] == holiday_data.public_holidays("GB", "ENG", 2012)


def test_a_child_that_fails_leaves_the_check_to_this_process(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*_args: object) -> object:
        raise RuntimeError("the child could not check")

    monkeypatch.setattr(start_check, "checked_configuration", fails)  # the child's only
    assert start_check.check_before_start(settings, DAY) == check_configuration(settings, DAY)


def test_without_fork_the_check_runs_here(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fork")
    assert start_check.check_before_start(settings, DAY) == check_configuration(settings, DAY)
