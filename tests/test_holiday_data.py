"""One country's calendar, loaded alone, says what the holidays package says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import holidays
import pytest

from scheduler.domain.schedule.holiday_data import HolidayFacts, country_calendar, holiday_facts

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("country", "subdivision"),
    [("GB", "ENG"), ("GB", "WLS"), ("GB", "SCT"), ("UK", None), ("IE", None), ("FR", None)],
)
def test_a_country_loaded_alone_has_the_packages_holidays(
    country: str, subdivision: str | None
) -> None:
    for year in (2011, 2012, 2022, 2023, 2027):
        ours = country_calendar(country, subdivision, year)
        theirs = holidays.country_holidays(country, subdiv=subdivision, years=year)
        assert ours is not None and dict(ours) == dict(theirs)
    calendar = country_calendar(country)
    assert calendar is not None and calendar.subdivisions == theirs.subdivisions


def test_an_unknown_country_is_none() -> None:
    assert country_calendar("XX") is None


def test_england_and_wales_are_looked_up_without_loading_every_country() -> None:
    probe = (
        "from scheduler.domain.schedule.holiday_data import country_calendar\n"
        "import sys\n"
        "assert country_calendar('GB', 'ENG', 2012) is not None\n"
        "print(sum(1 for m in sys.modules if m.startswith('holidays.countries.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(result.stdout) == 1


def test_facts_worked_out_with_the_package_are_its_answers() -> None:
    facts = holiday_facts("GB", "ENG", range(2011, 2013))
    calendar = country_calendar("GB")
    assert calendar is not None and facts.subdivisions == tuple(calendar.subdivisions)
    assert facts.holidays[2012] == frozenset(
        holidays.country_holidays("GB", subdiv="ENG", years=2012)
    )
    assert sorted(facts.holidays) == [2011, 2012]


def test_no_facts_about_years_of_an_unknown_country_or_subdivision() -> None:
    assert holiday_facts("XX", None, [2012]) == HolidayFacts("XX", None, None, {})
    assert holiday_facts("GB", "XXX", [2012]).holidays == {}


def test_remembered_facts_are_answered_without_loading_the_package() -> None:
    probe = (
        "import sys\n"
        "from datetime import date\n"
        "from scheduler.domain.schedule import holiday_data as h\n"
        "days = {2012: frozenset({date(2012, 1, 2)})}\n"
        "h.remember(h.HolidayFacts('GB', 'ENG', ('ENG', 'WLS'), days))\n"
        "assert h.country_subdivisions('GB') == ('ENG', 'WLS')\n"
        "assert h.public_holidays('GB', 'ENG', 2012) == {date(2012, 1, 2)}\n"
        "assert 'holidays' not in sys.modules\n"
        "assert date(2013, 12, 25) in h.public_holidays('GB', 'ENG', 2013)  # not remembered\n"
        "print('holidays' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True"]
