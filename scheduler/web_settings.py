"""The web app's settings from the environment: its address, its secret, how long a lead's
link lasts, and the reverse proxy's sign-in header (off unless set)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.domain.errors import ConfigError

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class WebSettings:
    # The address people reach the app at (no trailing slash); None: emails carry no link.
    base_url: str | None = None
    # Signs leads' links, sign-in links and session cookies; None: the app will not start.
    secret: str | None = field(default=None, repr=False)
    # A lead's link works until the end of this many days after its meeting.
    link_days_after_meeting: int = 7
    # A header a trusted reverse proxy sets to the signed-in coordinator's address (None: off).
    proxy_user_header: str | None = None
    # The service is on GOV.UK, so its pages may use the GDS Transport typeface.
    gds_transport: bool = False

    @property
    def links_in_emails(self) -> bool:
        return self.base_url is not None and self.secret is not None

    @property
    def secure_cookies(self) -> bool:
        """Cookies go over HTTPS only, unless the app is plainly reached over HTTP."""
        return not (self.base_url or "").startswith("http://")


def web_settings_from_env(env: dict[str, str]) -> WebSettings:
    base_url = env.get("CSP_BASE_URL", "").strip().rstrip("/") or None
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise ConfigError(
            "environment", None, f"CSP_BASE_URL must start with https://, not {base_url!r}"
        )
    secret = env.get("CSP_WEB_SECRET", "").strip() or None
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            "environment",
            None,
            f"CSP_WEB_SECRET must be at least {MIN_SECRET_LENGTH} characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')",
        )
    raw_days = env.get("CSP_WEB_LINK_DAYS", "").strip() or "7"
    if not raw_days.isdigit():
        raise ConfigError(
            "environment", None, f"CSP_WEB_LINK_DAYS must be a whole number, not {raw_days!r}"
        )
    header = env.get("CSP_WEB_PROXY_USER_HEADER", "").strip() or None
    raw_typeface = env.get("CSP_WEB_GDS_TRANSPORT", "").strip().lower() or "no"
    if raw_typeface not in ("yes", "no"):
        raise ConfigError(
            "environment", None, f"CSP_WEB_GDS_TRANSPORT must be yes or no, not {raw_typeface!r}"
        )
    return WebSettings(
        base_url=base_url,
        secret=secret,
        link_days_after_meeting=int(raw_days),
        proxy_user_header=header,
        gds_transport=raw_typeface == "yes",
    )
