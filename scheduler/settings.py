"""Settings from the environment and `.env` (python-dotenv); never from files in the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from scheduler.domain.errors import ConfigError
from scheduler.mail_settings import MailAuth, MailSignIn, mail_sign_in_from_env
from scheduler.web_settings import WebSettings, web_settings_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent


Security = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server; `ca_file` trusts a private CA (tests, in-house relays)."""

    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Security = "starttls"
    timeout: float = 30.0
    ca_file: Path | None = None
    local_hostname: str | None = None
    auth: MailAuth = "password"  # oauth2: AUTH XOAUTH2 as `user` with the application's token


@dataclass(frozen=True)
class ImapSettings:
    """Where the replies mailbox is and how to reach it; `ca_file` replaces the system CAs."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    security: Security = "ssl"
    processed_folder: str = "Processed"
    review_folder: str = "Needs review"
    ca_file: str | None = None  # trust this CA instead of the system's (an in-house CA)
    timeout: float = 30.0
    auth: MailAuth = "password"  # oauth2: SASL XOAUTH2 as `user` with the application's token

    def __post_init__(self) -> None:
        if self.security not in get_args(Security):
            allowed = "ssl, starttls, none"  # IMAP's usual order: implicit TLS first
            raise ValueError(f"IMAP security must be one of {allowed}, not {self.security!r}")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    config_dir: Path
    templates_dir: Path
    timezone: str
    coordinator_email: str | None
    from_address: str
    reply_to: str
    smtp: SmtpSettings | None
    outbox_dir: Path
    imap: ImapSettings | None
    raw_retention_days: int
    log_format: str  # "text" | "json"
    tick_seconds: int
    inbox_poll_seconds: int
    # The authserv-id of the mail server whose Authentication-Results are believed (None: none).
    trusted_authserv_id: str | None = None
    # Password sign-in over SMTP and IMAP unless CSP_MAIL_AUTH / CSP_MAIL_PROVIDER say otherwise.
    mail: MailSignIn = field(default_factory=MailSignIn)
    # The web app (`csp web`) and the links in leads' emails.
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def mail_domain(self) -> str:
        return self.from_address.rpartition("@")[2] or "localhost"


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        message = f"{name} must be a whole number, not {raw!r}"
        raise ConfigError("environment", None, message) from None


def _choice(env: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise ConfigError(
            "environment", None, f"{name} must be one of {', '.join(allowed)}, not {value!r}"
        )
    return value


def _security(env: dict[str, str], name: str, default: Security) -> Security:
    value = _choice(env, name, default, get_args(Security))
    return "ssl" if value == "ssl" else "none" if value == "none" else "starttls"


def _authserv_id(env: dict[str, str], name: str) -> str | None:
    """A server's name as it opens its Authentication-Results headers (one word), or None."""
    value = env.get(name, "").strip()
    if not value:
        return None
    if any(character.isspace() or character in ';"()' for character in value):
        raise ConfigError(
            "environment",
            None,
            f"{name} must be one mail server name such as mx.council.example.org "
            f"(or exchange-online), not {value!r}",
        )
    return value


def settings_from_env(env: dict[str, str]) -> Settings:
    """Build settings from a plain mapping (tests pass their own; the CLI passes os.environ)."""
    data_dir = Path(env.get("CSP_DATA_DIR") or "data")
    database_url = env.get("CSP_DATABASE_URL") or f"sqlite:///{data_dir / 'csp.sqlite3'}"
    mail = mail_sign_in_from_env(env)
    smtp = None
    if env.get("CSP_SMTP_HOST"):
        security = _security(env, "CSP_SMTP_SECURITY", "starttls")
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
        smtp = SmtpSettings(
            host=env["CSP_SMTP_HOST"],
            port=_int(env, "CSP_SMTP_PORT", default_port),
            user=env.get("CSP_SMTP_USER") or _oauth_user(mail),
            password=env.get("CSP_SMTP_PASSWORD") or None,
            security=security,
            ca_file=Path(env["CSP_SMTP_CA_FILE"]) if env.get("CSP_SMTP_CA_FILE") else None,
            auth=mail.auth,
        )
    imap = None
    if env.get("CSP_IMAP_HOST"):
        security = _security(env, "CSP_IMAP_SECURITY", "ssl")
        imap = ImapSettings(
            host=env["CSP_IMAP_HOST"],
            port=_int(env, "CSP_IMAP_PORT", 993 if security == "ssl" else 143),
            user=env.get("CSP_IMAP_USER") or _oauth_user(mail) or "",
            password=env.get("CSP_IMAP_PASSWORD", ""),
            folder=env.get("CSP_IMAP_FOLDER") or "INBOX",
            security=security,
            ca_file=env.get("CSP_IMAP_CA_FILE") or None,
            auth=mail.auth,
        )
    timezone = env.get("CSP_TIMEZONE") or "Europe/London"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "environment", None, f"CSP_TIMEZONE {timezone!r} is not a time zone name"
        ) from None
    from_address = env.get("CSP_FROM_ADDRESS") or "csp-updates@localhost"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        config_dir=Path(env.get("CSP_CONFIG_DIR") or "config"),
        templates_dir=Path(env.get("CSP_TEMPLATES_DIR") or PROJECT_ROOT / "templates"),
        timezone=timezone,
        coordinator_email=env.get("CSP_COORDINATOR_EMAIL") or None,
        from_address=from_address,
        reply_to=env.get("CSP_REPLY_TO") or from_address,
        smtp=smtp,
        outbox_dir=Path(env.get("CSP_OUTBOX_DIR") or data_dir / "outbox"),
        imap=imap,
        raw_retention_days=_int(env, "CSP_RAW_RETENTION_DAYS", 90),
        log_format=_choice(env, "CSP_LOG_FORMAT", "text", ("text", "json")),
        tick_seconds=_int(env, "CSP_TICK_SECONDS", 60),
        inbox_poll_seconds=_int(env, "CSP_INBOX_POLL_SECONDS", 300),
        trusted_authserv_id=_authserv_id(env, "CSP_TRUSTED_AUTHSERV_ID"),
        mail=mail,
        web=web_settings_from_env(env),
    )


def _oauth_user(mail: MailSignIn) -> str | None:
    """With OAuth the shared mailbox's address is the user IMAP and SMTP sign in as."""
    return mail.mailbox if mail.auth == "oauth2" else None


def load_settings() -> Settings:
    """Settings for this process: `.env` in the working directory first, then the environment."""
    load_dotenv(Path.cwd() / ".env", override=False)
    return settings_from_env(dict(os.environ))
