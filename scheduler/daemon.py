"""`csp run`: APScheduler as a metronome over the jobs; all state lives in the database.

Jobs are defined here, in code, in the memory job store: nothing is pickled, so a restart
(or a second daemon) starts from what the database says and nothing else.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import InterfaceError, OperationalError

from jobs import housekeeping, inbox, reminders
from scheduler.adapters.heartbeat import TickHeartbeat
from scheduler.adapters.service_manager import ServiceManager
from scheduler.clock import Clock
from scheduler.events import log_event
from scheduler.services.app import Services

MISFIRE_GRACE_SECONDS = 300
# How long a stop waits for the job in hand: it sends no further message once asked to stop,
# so this covers the one message (or pack) in hand. A service manager's stop timeout should
# be longer (systemd's default of 90 s is).
STOP_WAIT_SECONDS = 9.0
# A job failing for one of these is waiting on its surroundings (the database, the mail
# server, the network): one line each time says so, and the next run tries again. Anything
# else is a fault in the job and its traceback is logged too.
UNAVAILABLE = (OperationalError, InterfaceError, OSError)


class RunningJobs:
    """How many jobs are running, so a stop can wait for the one in hand to finish."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> int:
        """Wait until no job runs, or `timeout` seconds; returns how many still run."""
        with self._idle:
            self._idle.wait_for(lambda: self._count == 0, timeout)
            return self._count


class TickWitness:
    """What a finished tick tells the world: the heartbeat file `csp health` reads (a tick
    that completed) and systemd's watchdog (the daemon still turns over, even while a tick
    fails for want of its database, which `csp health` reports apart)."""

    def __init__(self, heartbeat: TickHeartbeat, manager: ServiceManager, clock: Clock) -> None:
        self.heartbeat = heartbeat
        self.manager = manager
        self.clock = clock

    def tick_finished(self, completed: bool) -> None:
        if completed:
            self.heartbeat.record(self.clock.now())
        self.manager.watchdog()


def build_scheduler(
    services: Services,
    clock: Clock,
    running: RunningJobs | None = None,
    witness: TickWitness | None = None,
) -> BlockingScheduler:
    """The scheduler with its few jobs; the first tick runs at once to catch up."""
    running = running or RunningJobs()
    witness = witness or TickWitness(
        TickHeartbeat(services.settings.data_dir), ServiceManager({}), clock
    )
    settings = services.settings
    scheduler = BlockingScheduler(
        timezone=settings.timezone,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    now = clock.now()
    scheduler.add_job(
        _logged("tick", reminders.tick, services, clock, running, witness.tick_finished),
        IntervalTrigger(seconds=settings.tick_seconds),
        id="tick",
        name="reminder tick",
        next_run_time=now,
    )
    if services.open_mailbox is not None:
        scheduler.add_job(
            _logged("inbox_poll", inbox.poll, services, clock, running),
            IntervalTrigger(seconds=settings.inbox_poll_seconds),
            id="inbox_poll",
            name="inbox poll",
            next_run_time=now,
        )
    scheduler.add_job(
        _logged("purge", housekeeping.purge, services, clock, running),
        CronTrigger(hour=3, minute=15),
        id="purge",
        name="raw message purge",
    )
    # The tick or the sender still at work when its next run comes is expected while a big
    # batch goes out; the next run simply starts once it is done.
    logging.getLogger("apscheduler.scheduler").addFilter(_not_still_running)
    return scheduler


def _logged(
    name: str,
    job: Callable[[Services, Clock], Any],
    services: Services,
    clock: Clock,
    running: RunningJobs,
    finished: Callable[[bool], None] | None = None,
) -> Callable[[], None]:
    def run() -> None:
        if services.sender.stopping.is_set():
            return
        completed = False
        try:
            with running:
                result = job(services, clock)
            completed = True
        except UNAVAILABLE as error:
            log_event("job_failed", logging.ERROR, job=name, error=repr(error))
            return
        except Exception as error:
            log_event("job_failed", logging.ERROR, exc_info=True, job=name, error=repr(error))
            return
        finally:
            if finished is not None:
                finished(completed)
        log_event("job_done", logging.DEBUG, job=name, result=result)

    run.__name__ = name
    return run


def _not_still_running(record: logging.LogRecord) -> bool:
    return "maximum number of running instances reached" not in record.getMessage()


def run_daemon(services: Services, clock: Clock, manager: ServiceManager | None = None) -> None:
    """Run until SIGTERM or SIGINT; SIGHUP re-reads the configuration folder. Under systemd
    (`Type=notify`) it says when it is ready and stopping, and feeds the watchdog each tick."""
    manager = manager or ServiceManager()
    running = RunningJobs()
    witness = TickWitness(TickHeartbeat(services.settings.data_dir), manager, clock)
    scheduler = build_scheduler(services, clock, running, witness)
    scheduler.add_listener(
        lambda _event: manager.ready(f"running as {services.worker}"), EVENT_SCHEDULER_STARTED
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        log_event("stopping", signal=signal.Signals(signum).name)
        manager.stopping("finishing the message in hand")
        services.sender.stopping.set()  # no job claims or sends anything more
        if not scheduler.running:  # a signal before the scheduler started: nothing to stop
            raise SystemExit(0)
        scheduler.shutdown(wait=False)

    def reload(_signum: int, _frame: FrameType | None) -> None:
        services.config.request_reload()
        log_event("reload_requested")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, reload)
    log_event(
        "started",
        worker=services.worker,
        database=services.database_label,
        transport=services.transport_label,
        watchdog_seconds=manager.watchdog_interval.total_seconds()
        if manager.watchdog_interval
        else None,
    )
    scheduler.start()
    unfinished = running.wait_idle(STOP_WAIT_SECONDS)
    if unfinished:
        log_event("stopped", logging.WARNING, jobs_still_running=unfinished)
    else:
        log_event("stopped")
