"""A re-read configuration replaces the old one in memory too: the rules' cached schedules do
not keep the replaced plans (nor an equal copy of each) for the daemon's life."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime
from pathlib import Path

from scheduler.domain.schedule.due import notifications_come_due
from scheduler.services.configuration import ConfigurationSource
from tests.service_harness import COORDINATOR, copy_example_config

NOW = datetime(2012, 2, 21, 9, 0, tzinfo=UTC)


def _schedule_of_current(source: ConfigurationSource) -> weakref.ref[object]:
    config = source.current()
    [(_, plan)] = config.plans
    assert notifications_come_due(
        plan, config.meetings, config.policy, NOW, coordinator_email=COORDINATOR
    )
    return weakref.ref(plan)


def test_a_reload_lets_the_replaced_plan_and_its_schedule_go(tmp_path: Path) -> None:
    source = ConfigurationSource(copy_example_config(tmp_path))
    replaced = _schedule_of_current(source)
    source.request_reload()  # the same files: an equal plan, which the cache would answer for
    current = _schedule_of_current(source)
    gc.collect()
    assert replaced() is None
    assert current() is not None
