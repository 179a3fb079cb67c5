"""One country's calendar, loaded alone, says what the holidays package says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import holidays
import pytest

from scheduler.domain.schedule.holiday_data import country_calendar

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
