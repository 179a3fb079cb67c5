"""One country's calendar from the `holidays` data package, loading that country alone.

The package's own `country_holidays` imports all of its 250 or so countries to find one: about
17 MiB and 70 ms that a daemon keeps for its whole life. Its registry names the module that
holds each country, so only that module is loaded here; anything unexpected falls back to
`country_holidays`, so a newer release of the package can change its layout safely.

Even one country costs a process about 3.5 MiB (the package loads every calendar it has,
lunar ones included). So the answers the rules ask for, a country's subdivisions and a year's
holidays, can be worked out where the package is loaded (`holiday_facts`) and handed to a
process that then need not load it (`remember`): `csp run` checks its configuration in a child
process, which hands back the years its plans and meetings span. A question about anything
else loads the package as before.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class HolidayFacts:
    """One country's answers: its subdivisions (None: a code the package does not know) and
    the public holidays of some years, in one subdivision."""

    country: str
    subdivision: str | None
    subdivisions: tuple[str, ...] | None
    holidays: Mapping[int, frozenset[date]]


_SUBDIVISIONS: dict[str, tuple[str, ...] | None] = {}
_HOLIDAYS: dict[tuple[str, str | None, int], frozenset[date]] = {}


def country_subdivisions(country: str) -> tuple[str, ...] | None:
    """The country's subdivision codes; None for a code the package does not know."""
    if country in _SUBDIVISIONS:
        return _SUBDIVISIONS[country]
    calendar = country_calendar(country)
    return None if calendar is None else tuple(calendar.subdivisions)


def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date] | None:
    """The public holidays of one year; None for a country the package does not know."""
    remembered = _HOLIDAYS.get((country, subdivision or None, year))
    if remembered is not None:
        return remembered
    calendar = country_calendar(country, subdivision or None, year)
    if calendar is None:
        return None
    return frozenset(day for day in calendar if day.year == year)


def holiday_facts(country: str, subdivision: str | None, years: Iterable[int]) -> HolidayFacts:
    """The answers about `country` for `years`, worked out with the package loaded."""
    subdivisions = country_subdivisions(country)
    known = subdivisions is not None and (not subdivision or subdivision in subdivisions)
    found: dict[int, frozenset[date]] = {}
    for year in years if known else ():
        days = public_holidays(country, subdivision, year)
        if days is not None:
            found[year] = days
    return HolidayFacts(country, subdivision or None, subdivisions, found)


def remember(facts: HolidayFacts) -> None:
    """Answer the questions `facts` covers from now on without loading the package."""
    _SUBDIVISIONS[facts.country] = facts.subdivisions
    for year, days in facts.holidays.items():
        _HOLIDAYS[(facts.country, facts.subdivision, year)] = days


def country_calendar(
    country: str, subdivision: str | None = None, years: int | None = None
) -> Any | None:
    """The country's holiday calendar (a `holidays.HolidayBase`); None for an unknown code."""
    import holidays  # loaded by the first question, not by every command that reads config

    try:
        found = _country_class(country)
    except (ImportError, AttributeError, OSError, TypeError, ValueError):
        found = None
    if found is None:
        try:
            return holidays.country_holidays(country, subdiv=subdivision, years=years)
        except NotImplementedError:
            return None
    return found(subdiv=subdivision, years=years)


def _country_class(country: str) -> Any | None:
    from holidays.registry import COUNTRIES

    for module_name, (class_name, *codes) in COUNTRIES.items():
        if country.upper() in codes:
            return getattr(_module_alone(f"holidays.countries.{module_name}"), class_name)
    return None


def _module_alone(name: str) -> ModuleType:
    """Import `name` without running its package's `__init__` (which imports every country)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    import holidays

    path = Path(holidays.__file__).parent / "countries" / f"{name.rsplit('.', 1)[1]}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
