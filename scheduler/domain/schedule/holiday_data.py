"""One country's calendar from the `holidays` data package, loading that country alone.

The package's own `country_holidays` imports all of its 250 or so countries to find one: about
17 MiB and 70 ms that a daemon keeps for its whole life. Its registry names the module that
holds each country, so only that module is loaded here; anything unexpected falls back to
`country_holidays`, so a newer release of the package can change its layout safely.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


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
