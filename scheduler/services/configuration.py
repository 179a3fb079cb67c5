"""The configuration folder: plans, people, meetings and policy, read and validated together.

The daemon keeps the last good configuration and re-reads the folder when a file changes (or on
SIGHUP); a broken edit is logged and ignored until it is fixed, never half-applied.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from scheduler.domain.errors import ConfigError, PlanError, UserError
from scheduler.domain.pack.settings import PackConfig, load_pack_config
from scheduler.domain.plan.model import Plan
from scheduler.domain.plan.people import People, load_people
from scheduler.domain.plan.yaml_file import load_plan_yaml
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.meetings_yaml import parse_meetings
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.policy_yaml import parse_policy
from scheduler.domain.text_encoding import decode_text_file
from scheduler.domain.yaml_lines import load_yaml
from scheduler.events import log_event


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
        """CSP_COORDINATOR_EMAIL wins; else the coordinator in people.yaml."""
        if from_environment:
            return from_environment
        coordinator = self.people.coordinator
        return coordinator.email if coordinator else None

    def plan_for(self, day: date) -> Plan:
        """The plan whose period holds `day`; else the latest that started, else the first."""
        plans = [plan for _, plan in self.plans]
        for plan in plans:
            if plan.period_start <= day <= plan.period_end:
                return plan
        started = [plan for plan in plans if plan.period_start <= day]
        return started[-1] if started else plans[0]


def read_text(path: Path) -> str:
    """A configuration file's text: UTF-8 (with or without a byte-order mark) or UTF-16."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), None, "file not found") from None
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc.strerror}") from None
    return decode_text_file(content, str(path))


def plan_files(config_dir: Path) -> list[Path]:
    return sorted((config_dir / "plans").glob("*.yaml")) + sorted(
        (config_dir / "plans").glob("*.yml")
    )


def read_people(config_dir: Path) -> People:
    path = config_dir / "people.yaml"
    if not path.exists():
        return load_people("", str(path))
    return load_people(read_text(path), str(path))


def read_configuration(
    config_dir: Path, plan_file: Path | None = None, *, default_timezone: str = "Europe/London"
) -> Configuration:
    """Read and validate the whole folder; raises the first problem as a UserError.

    The policy's time zone is `default_timezone` (CSP_TIMEZONE) unless policy.yaml names one.
    """
    people = read_people(config_dir)
    files = [plan_file] if plan_file is not None else plan_files(config_dir)
    if not files:
        raise ConfigError(
            str(config_dir / "plans"), None, "no plan (*.yaml); import one with `csp plan import`"
        )
    plans: list[tuple[str, Plan]] = []
    warnings: list[str] = []
    for path in files:
        loaded = load_plan_yaml(read_text(path), str(path), people)
        plans.append((str(path), loaded.plan))
        warnings.extend(loaded.warnings)
    plans.sort(key=lambda item: item[1].period_start)
    meetings_path = config_dir / "meetings.yaml"
    meetings = (
        parse_meetings(read_text(meetings_path), str(meetings_path))
        if meetings_path.exists()
        else ()
    )
    if not meetings:
        warnings.append(f"{meetings_path}: no meetings; no update requests will be sent")
    policy_path = config_dir / "policy.yaml"
    policy = Policy(timezone=default_timezone)
    if policy_path.exists():
        policy_text = read_text(policy_path)
        policy = parse_policy(policy_text, str(policy_path))
        if not _names_timezone(policy_text, str(policy_path)):
            policy = replace(policy, timezone=default_timezone)
    pack_path = config_dir / "pack.yaml"
    pack = load_pack_config(read_text(pack_path), str(pack_path)) if pack_path.exists() else None
    return Configuration(tuple(plans), people, meetings, policy, tuple(warnings), pack)


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
                    log_event("config_reloaded", version=self.version)
            return self._current
