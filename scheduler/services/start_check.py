"""The check `csp run` makes before it starts, in a short-lived child process.

The check loads what the daemon may not need for days: the template engine with every
template compiled (rendering loads it when an email is due), and the holidays package (the
child hands back the answers the rules will ask for: `holiday_data.remember`). Done in the
daemon's own process, all of it would stay for the daemon's whole life, about 6 MiB. The
report is the same `csp check` gives; where the system cannot fork, or the child fails for
any reason, the check runs in this process instead.
"""

from __future__ import annotations

import os
import pickle
import sys
from datetime import date

from scheduler.domain.schedule.holiday_data import HolidayFacts, holiday_facts, remember
from scheduler.services.config_check import CheckReport, check_configuration, checked_configuration
from scheduler.services.configuration import Configuration
from scheduler.settings import Settings


def check_before_start(settings: Settings, today: date) -> CheckReport:
    """`check_configuration`'s report, worked out in a child process where one can fork."""
    if not hasattr(os, "fork"):
        return check_configuration(settings, today)
    answer = _in_child(settings, today)
    if answer is None:
        return check_configuration(settings, today)
    report, facts = answer
    if facts is not None:
        remember(facts)
    return report


def _in_child(settings: Settings, today: date) -> tuple[CheckReport, HolidayFacts | None] | None:
    sys.stdout.flush()
    sys.stderr.flush()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child leaves by os._exit, unseen by coverage
        status = 1
        try:
            os.close(reading)
            report, configuration = checked_configuration(settings, today)
            facts = _facts(configuration, today) if configuration is not None else None
            with os.fdopen(writing, "wb") as pipe:
                pipe.write(pickle.dumps((report, facts)))
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(child, 0)
    if status != 0 or not answer:
        return None
    report, facts = pickle.loads(answer)
    if not isinstance(report, CheckReport):
        return None
    return report, facts if isinstance(facts, HolidayFacts) else None


def _facts(configuration: Configuration, today: date) -> HolidayFacts | None:
    """The policy's country, for every year a plan, a meeting or today touches, and the years
    either side (a weekend or bank holiday moves an email across New Year)."""
    policy = configuration.policy
    if not policy.holiday_country:
        return None
    days = [today, *(meeting.date for meeting in configuration.meetings)]
    for _, plan in configuration.plans:
        days += [plan.period_start, plan.period_end]
    years = range(min(days).year - 1, max(days).year + 2)
    return holiday_facts(policy.holiday_country, policy.holiday_subdivision or None, years)
