"""The configuration folder: plans, people, meetings and policy, read and validated together.

The daemon keeps the last good configuration and re-reads the folder when a file changes (or on
SIGHUP); a broken edit is logged and ignored until it is fixed, never half-applied.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from scheduler.domain.errors import ConfigError, LocatedError, PlanError, UserError
from scheduler.domain.pack.settings import PackConfig, load_pack_config
from scheduler.domain.pack.statistics import Indicator, parse_statistics_csv
from scheduler.domain.plan.model import Plan
from scheduler.domain.plan.people import People, check_people, load_people
from scheduler.domain.plan.yaml_file import check_plan_yaml
from scheduler.domain.schedule.due import forget_schedules
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.meetings_yaml import parse_meetings
from scheduler.domain.schedule.plan_years import (
    PlanSchedule,
    plan_for_day,
    plan_schedules,
    running_plans,
)
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.policy_yaml import parse_policy
from scheduler.domain.yaml_lines import load_yaml
from scheduler.events import log_event
from scheduler.services.config_files import plan_files as plan_files
from scheduler.services.config_files import read_text as read_text


@dataclass(frozen=True)
class Finding:
    """One problem in the configuration: an error (the daemon cannot do its job) or a warning
    (it can, with something missing), at a place (file and line) or in the environment."""

    level: str  # "error" | "warning"
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "file": self.source,
            "line": self.line,
            "message": self.message,
        }


def error_finding(error: LocatedError) -> Finding:
    return Finding("error", error.source, error.line, error.message)


def warning_finding(text: str, source: str) -> Finding:
    """A reader's warning ("source:line: message") as a Finding."""
    rest = text.removeprefix(f"{source}:")
    line, colon, message = rest.partition(": ")
    if rest != text and colon and line.isdigit():
        return Finding("warning", source, int(line), message)
    return Finding("warning", source, None, rest.removeprefix(" ") if rest != text else text)


@dataclass(frozen=True)
class Configuration:
    plans: tuple[tuple[str, Plan], ...]  # (source file, plan), in period order
    people: People
    meetings: tuple[Meeting, ...]
    policy: Policy
    warnings: tuple[str, ...]
    pack: PackConfig | None = None

    @property
    def partnership(self) -> str:
        return self.pack.partnership if self.pack else "Community Safety Partnership"

    def coordinator_email(self, from_environment: str | None) -> str | None:
        """The coordinator in people.yaml; CSP_COORDINATOR_EMAIL only where it names none
        (`csp check` refuses an environment value that disagrees with people.yaml)."""
        coordinator = self.people.coordinator
        if coordinator is not None and coordinator.email:
            return coordinator.email
        return from_environment or None

    def plan_for(self, day: date) -> Plan:
        """The plan whose period holds `day`; else the latest that started, else the first."""
        return plan_for_day([plan for _, plan in self.plans], day)

    def plan_schedules(self, coordinator_email: str | None) -> tuple[PlanSchedule, ...]:
        """Each plan with its own meetings and when it runs (see plan_years)."""
        return plan_schedules(
            [plan for _, plan in self.plans],
            self.meetings,
            self.policy,
            coordinator_email=coordinator_email,
        )

    def running_plans(self, day: date, coordinator_email: str | None) -> tuple[PlanSchedule, ...]:
        """The plans whose period or follow-up runs on `day`: those the daemon schedules."""
        return running_plans(self.plan_schedules(coordinator_email), day)


def read_people(config_dir: Path) -> People:
    path = config_dir / "people.yaml"
    if not path.exists():
        return load_people("", str(path))
    return load_people(read_text(path), str(path))


class Graded:
    """Findings told apart by level: what stops the daemon, and what it can work with."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")


@dataclass(frozen=True)
class Inspection(Graded):
    """The configuration as far as it could be read, and every problem found on the way."""

    configuration: Configuration | None
    findings: tuple[Finding, ...]
    first_error: LocatedError | None = None  # as the reader raised it (a PlanError, ...)


class _Findings:
    def __init__(self) -> None:
        self.found: list[Finding] = []
        self.first_error: LocatedError | None = None

    def error(self, error: LocatedError) -> None:
        self.first_error = self.first_error or error
        self.found.append(error_finding(error))

    def warn(self, source: str, line: int | None, message: str) -> None:
        self.found.append(Finding("warning", source, line, message))


def inspect_plans(
    files: list[Path], people: People | None
) -> tuple[list[tuple[str, Plan]], tuple[Finding, ...], LocatedError | None]:
    """Every plan file read with `people` (None: emails unchecked): the plans that load, in
    period order, and every problem; plans of the same year are an error."""
    found = _Findings()
    plans: list[tuple[str, Plan]] = []
    for path in files:
        source = str(path)
        try:
            loaded, problems = check_plan_yaml(read_text(path), source, people)
            for problem in problems:
                found.error(problem)
            if loaded is not None:
                plans.append((source, loaded.plan))
                found.found.extend(warning_finding(w, source) for w in loaded.warnings)
        except LocatedError as exc:
            found.error(exc)
    plans.sort(key=lambda item: item[1].period_start)
    for (first_source, first), (source, later) in itertools.combinations(plans, 2):
        if later.period_start <= first.period_end and first.period_start <= later.period_end:
            found.error(
                ConfigError(
                    source,
                    None,
                    f"its period {later.period_start} to {later.period_end} overlaps that of "
                    f"{first_source} ({first.period_start} to {first.period_end}): keep one plan "
                    "per year in the plans folder (move the other out of it)",
                )
            )
    return plans, tuple(found.found), found.first_error


def missing_configuration_folder(config_dir: Path) -> ConfigError | None:
    """The one-line refusal for a command run where there is no configuration folder."""
    if config_dir.is_dir():
        return None
    return ConfigError(
        str(config_dir),
        None,
        "no configuration folder here: run csp in the folder that holds config/"
        " (or set CSP_CONFIG_DIR)",
    )


def inspect_configuration(
    config_dir: Path, plan_file: Path | None = None, *, default_timezone: str = "Europe/London"
) -> Inspection:
    """Read and validate the whole folder, listing every problem rather than stopping at one.

    The policy's time zone is `default_timezone` (CSP_TIMEZONE) unless policy.yaml names one.
    """
    missing = missing_configuration_folder(config_dir)
    if missing is not None:
        return Inspection(None, (error_finding(missing),), missing)
    found = _Findings()
    people_path = config_dir / "people.yaml"
    people: People | None = People()
    try:
        text = read_text(people_path) if people_path.exists() else ""
        listed, errors = check_people(text, str(people_path))
        for error in errors:
            found.error(error)
        people = None if errors else listed
    except LocatedError as exc:
        found.error(exc)
        people = None
    files = [plan_file] if plan_file is not None else plan_files(config_dir)
    if not files:
        found.error(
            ConfigError(
                str(config_dir / "plans"),
                None,
                "no plan (*.yaml); import one with `csp plan import`",
            )
        )
    plans, plan_findings, plan_error = inspect_plans(files, people)
    found.found.extend(plan_findings)
    found.first_error = found.first_error or plan_error
    meetings_path = config_dir / "meetings.yaml"
    meetings: tuple[Meeting, ...] = ()
    try:
        if meetings_path.exists():
            meetings = parse_meetings(read_text(meetings_path), str(meetings_path))
        if not meetings:
            found.warn(str(meetings_path), None, "no meetings; no update requests will be sent")
    except LocatedError as exc:
        found.error(exc)
    policy = Policy(timezone=default_timezone)
    policy_path = config_dir / "policy.yaml"
    pack_path = config_dir / "pack.yaml"
    pack = None
    try:
        if policy_path.exists():
            policy_text = read_text(policy_path)
            policy = parse_policy(policy_text, str(policy_path))
            if not _names_timezone(policy_text, str(policy_path)):
                policy = replace(policy, timezone=default_timezone)
    except LocatedError as exc:
        found.error(exc)
    try:
        pack = (
            load_pack_config(read_text(pack_path), str(pack_path)) if pack_path.exists() else None
        )
    except LocatedError as exc:
        found.error(exc)
    findings = tuple(found.found)
    if any(f.level == "error" for f in findings) or people is None:
        return Inspection(None, findings, found.first_error)
    warnings = tuple(str(f) for f in findings if f.level == "warning")
    configuration = Configuration(tuple(plans), people, meetings, policy, warnings, pack)
    return Inspection(configuration, findings)


def read_configuration(
    config_dir: Path, plan_file: Path | None = None, *, default_timezone: str = "Europe/London"
) -> Configuration:
    """Read and validate the whole folder; raises the first problem as a UserError
    (inspect_configuration lists them all)."""
    inspection = inspect_configuration(config_dir, plan_file, default_timezone=default_timezone)
    if inspection.configuration is None:
        assert inspection.first_error is not None
        raise inspection.first_error
    return inspection.configuration


def read_statistics(config_dir: Path) -> tuple[Indicator, ...]:
    """Every indicator in config/statistics/*.csv, in file order."""
    indicators: list[Indicator] = []
    for path in sorted((config_dir / "statistics").glob("*.csv")):
        indicators.extend(parse_statistics_csv(read_text(path), str(path)))
    return tuple(indicators)


def _names_timezone(text: str, source: str) -> bool:
    root = load_yaml(text, source)
    return isinstance(root, dict) and "timezone" in root


def _fingerprint(config_dir: Path) -> tuple[tuple[str, float, int], ...]:
    paths = [
        config_dir / "people.yaml",
        config_dir / "meetings.yaml",
        config_dir / "policy.yaml",
        config_dir / "pack.yaml",
        *plan_files(config_dir),
    ]
    prints = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        prints.append((str(path), stat.st_mtime, stat.st_size))
    return tuple(prints)


LOOK_EVERY_SECONDS = 1.0  # how often file changes are looked for (SIGHUP: at once)


class ConfigurationSource:
    """The current configuration, re-read when a file changes or a reload is requested."""

    def __init__(self, config_dir: Path, *, default_timezone: str = "Europe/London") -> None:
        self.config_dir = config_dir
        self.default_timezone = default_timezone
        self._lock = threading.Lock()
        self._reload_requested = False
        self._next_look = 0.0
        self._fingerprint = _fingerprint(config_dir)
        # Invalid at start: raise, so the daemon refuses to run.
        self._current = read_configuration(config_dir, default_timezone=default_timezone)
        self.version = 1

    def request_reload(self) -> None:
        self._reload_requested = True

    def current(self) -> Configuration:
        with self._lock:
            if not self._reload_requested and time.monotonic() < self._next_look:
                return self._current
            self._next_look = time.monotonic() + LOOK_EVERY_SECONDS
            fingerprint = _fingerprint(self.config_dir)
            if fingerprint != self._fingerprint or self._reload_requested:
                self._reload_requested = False
                self._fingerprint = fingerprint
                try:
                    self._current = read_configuration(
                        self.config_dir, default_timezone=self.default_timezone
                    )
                except (UserError, PlanError) as exc:
                    log_event(
                        "config_invalid",
                        logging.ERROR,
                        error=str(exc),
                        action="keeping the last good configuration",
                    )
                else:
                    self.version += 1
                    forget_schedules()
                    log_event("config_reloaded", version=self.version)
            return self._current
