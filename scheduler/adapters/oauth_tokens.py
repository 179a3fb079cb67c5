"""App-only OAuth 2.0 tokens (client credentials) through msal, Microsoft's own library.

One `TokenSource` per process serves SMTP, IMAP and Graph alike. It keeps the token in
memory only, asks for a new one a while before the old one expires (by the injected clock,
so a long batch or poll never presents a stale token), and drops it at once when a server
refuses it. A token is never logged, stored or put into an error message.

`CSP_OAUTH_TOKEN_URL` points msal at any OAuth 2.0 token endpoint: the authority beside it is
marked known (no instance discovery, no authority validation) and its tenant discovery is
answered here with that endpoint, so the token request itself goes through msal unchanged.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msal  # type: ignore[import-untyped]
import requests

from scheduler.adapters.sign_in_problems import token_refusal
from scheduler.adapters.tokens import TokenUnavailable
from scheduler.clock import Clock, SystemClock
from scheduler.events import log_event
from scheduler.mail_settings import OAuthSettings

# Entra's tokens live 60 to 90 minutes; a new one is fetched this long before expiry.
REFRESH_BEFORE = timedelta(minutes=5)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.DOTALL
)


@dataclass(frozen=True)
class _Held:
    token: str
    refresh_at: datetime
    roles: tuple[str, ...] | None  # None: not a JWT, so nothing can be read from it


class MsalTokenSource:
    """Client-credentials tokens from Entra ID (or the endpoint CSP_OAUTH_TOKEN_URL names)."""

    def __init__(self, settings: OAuthSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._held: _Held | None = None
        self._app: Any = None
        self._problem: str | None = None  # the last failure, logged once per change
        self.fetched = 0  # tokens fetched in this process, for logs and tests

    def token(self) -> str:
        with self._lock:
            now = self._clock.now()
            if self._held is None or now >= self._held.refresh_at:
                self._held = self._fetch(now)
            return self._held.token

    def refused(self, token: str) -> None:
        with self._lock:
            if self._held is not None and self._held.token == token:
                self._held = None

    def roles(self) -> tuple[str, ...] | None:
        """The permissions (app roles) the current token carries; None if it cannot be read."""
        self.token()
        held = self._held
        return held.roles if held is not None else None

    def _fetch(self, now: datetime) -> _Held:
        try:
            result = self._acquire()
        except TokenUnavailable as failure:
            self._note_problem(failure.reason)
            raise
        self.fetched += 1
        lifetime = timedelta(seconds=int(result.get("expires_in") or 0))
        margin = min(REFRESH_BEFORE, lifetime / 2)
        token = str(result["access_token"])
        self._note_problem(None)
        return _Held(token, now + lifetime - margin, _roles_of(token))

    def _acquire(self) -> dict[str, Any]:
        settings = self.settings
        where = settings.endpoint
        try:
            app = self._client()
            # msal's own cache runs on the wall clock; this source decides when to renew.
            app.token_cache = msal.TokenCache()
            result: dict[str, Any] = app.acquire_token_for_client(scopes=[settings.scope])
        except requests.exceptions.SSLError:
            raise TokenUnavailable(
                f"token endpoint {where}: TLS certificate not trusted; "
                "set CSP_OAUTH_CA_FILE if it uses an in-house CA"
            ) from None
        except requests.exceptions.RequestException as error:
            self._app = None
            raise TokenUnavailable(
                f"token endpoint {where} unreachable ({type(error).__name__}): check the "
                "network, proxy and CSP_OAUTH_TOKEN_URL"
            ) from None
        except ValueError as error:  # tenant discovery refused, or a key msal cannot read
            self._app = None
            raise TokenUnavailable(self._refusal_of(str(error))) from None
        if "access_token" in result:
            return result
        error_name = str(result.get("error") or "error")
        raise TokenUnavailable(
            f"token endpoint {where} refused: "
            f"{token_refusal(error_name, str(result.get('error_description') or ''))}"
        )

    def _refusal_of(self, text: str) -> str:
        if "AADSTS" in text:
            return f"token endpoint {self.settings.endpoint} refused: {token_refusal('', text)}"
        if self.settings.certificate_file is not None and "key" in text.lower():
            return (
                f"CSP_OAUTH_CERTIFICATE_FILE {self.settings.certificate_file}: no private key "
                f"could be read from it ({_first_line(text)})"
            )
        return (
            f"tenant {self.settings.tenant_id!r} not found at {self.settings.authority}: "
            "check CSP_OAUTH_TENANT_ID"
        )

    def _client(self) -> Any:
        if self._app is None:
            settings = self.settings
            known = settings.token_url is not None
            self._app = msal.ConfidentialClientApplication(
                settings.client_id,
                client_credential=_credential(settings),
                authority=settings.authority,
                validate_authority=not known,
                instance_discovery=not known,
                http_client=_HttpClient(settings),
                token_cache=msal.TokenCache(),
            )
        return self._app

    def _note_problem(self, problem: str | None) -> None:
        """Log a sign-in failure once per change, and its end once."""
        if problem == self._problem:
            return
        if problem is None:
            log_event("mail_sign_in_recovered", endpoint=self.settings.endpoint)
        else:
            log_event("mail_sign_in_failed", logging.WARNING, reason=problem)
        self._problem = problem

    @property
    def problem(self) -> str | None:
        """The last sign-in failure that has not been followed by a success."""
        return self._problem


def _credential(settings: OAuthSettings) -> str | dict[str, str]:
    if settings.certificate_file is None:
        return settings.client_secret or ""
    path = settings.certificate_file
    try:
        pem = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        detail = error.strerror if isinstance(error, OSError) else "not a PEM text file"
        raise TokenUnavailable(f"cannot read CSP_OAUTH_CERTIFICATE_FILE {path}: {detail}") from None
    key = _PRIVATE_KEY.search(pem)
    if key is None:
        raise TokenUnavailable(
            f"CSP_OAUTH_CERTIFICATE_FILE {path} holds no PEM private key "
            "(it needs the key as well as the certificate)"
        )
    return {"private_key": key.group(0), "thumbprint": settings.certificate_thumbprint or ""}


class _HttpClient:
    """What msal sends its requests through: requests, with our CA file and timeout.

    With CSP_OAUTH_TOKEN_URL it answers msal's tenant discovery itself, naming that endpoint;
    every other request goes out as msal made it.
    """

    def __init__(self, settings: OAuthSettings) -> None:
        self._session = requests.Session()
        self._token_url = settings.token_url
        # Given with each request: requests lets REQUESTS_CA_BUNDLE override a session's own.
        self._options: dict[str, Any] = {
            "timeout": settings.timeout,
            "verify": settings.ca_file or True,
        }

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        if self._token_url is not None and url.endswith("/.well-known/openid-configuration"):
            return self._discovery(url)
        return self._session.get(url, **kwargs, **self._options)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.post(url, **kwargs, **self._options)

    def close(self) -> None:
        self._session.close()

    def _discovery(self, url: str) -> requests.Response:
        answer = requests.Response()
        answer.status_code = 200
        answer.url = url
        endpoints = {"token_endpoint": self._token_url, "authorization_endpoint": self._token_url}
        answer._content = json.dumps(endpoints).encode()
        return answer


def _roles_of(token: str) -> tuple[str, ...] | None:
    """The `roles` claim of a JWT access token, read without checking it (it is ours)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    roles = payload.get("roles") if isinstance(payload, dict) else None
    return tuple(str(role) for role in roles) if isinstance(roles, list) else ()


def _first_line(error: object) -> str:
    return " ".join(str(error).split())[:200]
