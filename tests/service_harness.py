"""A whole service wired as in production (real database, real SMTP on loopback), for tests
that drive the daemon's jobs at times of their choosing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from scheduler.services.app import Services, build_services
from scheduler.settings import settings_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COORDINATOR = "community.safety@example.org"  # people.yaml's coordinator

# freezegun must not freeze the loopback servers' event loops or socket timeouts.
FREEZE_IGNORE = ["asyncio", "aiosmtpd", "smtplib", "socket", "ssl", "selectors", "threading"]


class SetClock:
    """A clock that tells the time the test last set: the daemon's jobs read it in place of
    the system clock."""

    def __init__(self, now: datetime) -> None:
        self.set(now)

    def set(self, now: datetime) -> None:
        if now.utcoffset() is None:
            raise ValueError("a clock tells timezone-aware times")
        self._now = now

    def now(self) -> datetime:
        return self._now


def copy_example_config(into: Path) -> Path:
    """The shipped Lancaster configuration, copied so a test may edit it."""
    target = into / "config"
    shutil.copytree(PROJECT_ROOT / "config", target)
    return target


def lancaster_env(config_dir: Path, data_dir: Path) -> dict[str, str]:
    """The settings every service under test shares: folders and addresses (the coordinator
    is people.yaml's)."""
    return {
        "CSP_CONFIG_DIR": str(config_dir),
        "CSP_DATA_DIR": str(data_dir),
        "CSP_FROM_ADDRESS": "csp-updates@lancaster.example.org",
        "CSP_REPLY_TO": "csp-updates@lancaster.example.org",
    }


def make_services(
    database_url: str,
    config_dir: Path,
    data_dir: Path,
    *,
    smtp_port: int | None = None,
    imap: dict[str, str] | None = None,
    worker: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Services:
    env = {"CSP_DATABASE_URL": database_url, **lancaster_env(config_dir, data_dir)}
    if smtp_port is not None:
        env.update(
            CSP_SMTP_HOST="127.0.0.1", CSP_SMTP_PORT=str(smtp_port), CSP_SMTP_SECURITY="none"
        )
    env.update(imap or {})
    env.update(extra_env or {})
    services = build_services(settings_from_env(env))
    if worker is not None:
        services.worker = worker
    return services


def switch_transport(services: Services, open_transport: Callable[[], object]) -> None:
    services.open_transport = open_transport  # type: ignore[assignment]
