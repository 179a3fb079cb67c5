"""How the service signs in to the council's mail: OAuth 2.0 (app-only) and Microsoft Graph.

Password sign-in stays the default; these settings exist only when CSP_MAIL_AUTH=oauth2 or
CSP_MAIL_PROVIDER=graph asks for them. Secrets come from the environment alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from scheduler.domain.errors import ConfigError

MailProvider = Literal["smtp-imap", "graph"]
MailAuth = Literal["password", "oauth2"]

ENTRA_LOGIN = "https://login.microsoftonline.com"
# App-only tokens for Exchange Online's IMAP and SMTP, and for Microsoft Graph.
EXCHANGE_SCOPE = "https://outlook.office365.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GRAPH_URL = "https://graph.microsoft.com/v1.0"


@dataclass(frozen=True)
class OAuthSettings:
    """An application's client-credentials sign-in: a client secret, or a certificate.

    `token_url` replaces the Entra authority with any OAuth 2.0 token endpoint.
    """

    client_id: str
    tenant_id: str = ""
    client_secret: str | None = field(default=None, repr=False)
    certificate_file: Path | None = None
    certificate_thumbprint: str | None = None
    token_url: str | None = None
    scope: str = EXCHANGE_SCOPE
    ca_file: str | None = None  # trust this CA for the token endpoint (an in-house one)
    timeout: float = 30.0

    @property
    def authority(self) -> str:
        """The authority msal signs in at: the tenant's, or one beside the token endpoint."""
        if self.token_url is None:
            return f"{ENTRA_LOGIN}/{self.tenant_id}"
        parts = urlsplit(self.token_url)
        return f"{parts.scheme}://{parts.netloc}/{self.tenant_id or 'token-endpoint'}"

    @property
    def endpoint(self) -> str:
        """Where tokens come from, for messages (no secrets in it)."""
        return self.token_url or f"{ENTRA_LOGIN}/{self.tenant_id}"


@dataclass(frozen=True)
class GraphSettings:
    """The shared mailbox reached through Microsoft Graph instead of IMAP and SMTP."""

    mailbox: str
    base_url: str = GRAPH_URL
    folder: str = "inbox"  # a well-known folder name, or a top-level folder's display name
    processed_folder: str = "Processed"
    review_folder: str = "Needs review"
    ca_file: str | None = None
    timeout: float = 30.0
    # Longest wait for a throttled request's Retry-After before leaving it for later.
    max_retry_after: float = 120.0


@dataclass(frozen=True)
class MailSignIn:
    """The mail provider, and the OAuth and Graph settings when they are used."""

    provider: MailProvider = "smtp-imap"
    auth: MailAuth = "password"
    mailbox: str | None = None
    oauth: OAuthSettings | None = None
    graph: GraphSettings | None = None


def _value(env: dict[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _fail(message: str) -> ConfigError:
    return ConfigError("environment", None, message)


def mail_sign_in_from_env(env: dict[str, str]) -> MailSignIn:
    """Read CSP_MAIL_PROVIDER, CSP_MAIL_AUTH, CSP_MAILBOX and the CSP_OAUTH_* settings."""
    provider = (_value(env, "CSP_MAIL_PROVIDER") or "smtp-imap").lower()
    if provider not in ("smtp-imap", "graph"):
        raise _fail(f"CSP_MAIL_PROVIDER must be one of smtp-imap, graph, not {provider!r}")
    auth = _value(env, "CSP_MAIL_AUTH") or ("oauth2" if provider == "graph" else "password")
    auth = auth.lower()
    if auth not in ("password", "oauth2"):
        raise _fail(f"CSP_MAIL_AUTH must be one of password, oauth2, not {auth!r}")
    if provider == "graph" and auth != "oauth2":
        raise _fail("CSP_MAIL_PROVIDER=graph signs in with OAuth only: set CSP_MAIL_AUTH=oauth2")
    mailbox = _value(env, "CSP_MAILBOX")
    if auth == "password":
        return MailSignIn(mailbox=mailbox)
    default_scope = GRAPH_SCOPE if provider == "graph" else EXCHANGE_SCOPE
    scope = _value(env, "CSP_OAUTH_SCOPE") or default_scope
    oauth = _oauth_from_env(env, scope)
    if provider == "smtp-imap":
        return MailSignIn("smtp-imap", "oauth2", mailbox, oauth)
    if mailbox is None:
        raise _fail("CSP_MAILBOX must name the shared mailbox Graph reads and sends from")
    graph = GraphSettings(
        mailbox=mailbox,
        base_url=(_value(env, "CSP_GRAPH_URL") or GRAPH_URL).rstrip("/"),
        folder=_value(env, "CSP_GRAPH_FOLDER") or "inbox",
        ca_file=_value(env, "CSP_GRAPH_CA_FILE"),
    )
    return MailSignIn("graph", "oauth2", mailbox, oauth, graph)


def _oauth_from_env(env: dict[str, str], scope: str) -> OAuthSettings:
    tenant = _value(env, "CSP_OAUTH_TENANT_ID")
    client = _value(env, "CSP_OAUTH_CLIENT_ID")
    token_url = _value(env, "CSP_OAUTH_TOKEN_URL")
    secret = _value(env, "CSP_OAUTH_CLIENT_SECRET")
    certificate = _value(env, "CSP_OAUTH_CERTIFICATE_FILE")
    thumbprint = _value(env, "CSP_OAUTH_CERTIFICATE_THUMBPRINT")
    if client is None:
        raise _fail("CSP_MAIL_AUTH=oauth2 needs CSP_OAUTH_CLIENT_ID (the application's id)")
    if tenant is None and token_url is None:
        raise _fail("CSP_MAIL_AUTH=oauth2 needs CSP_OAUTH_TENANT_ID (the directory's id)")
    if token_url is not None and not token_url.startswith("https://"):
        raise _fail(f"CSP_OAUTH_TOKEN_URL must be an https:// address, not {token_url!r}")
    if (secret is None) == (certificate is None):
        raise _fail(
            "CSP_MAIL_AUTH=oauth2 needs either CSP_OAUTH_CLIENT_SECRET or "
            "CSP_OAUTH_CERTIFICATE_FILE with CSP_OAUTH_CERTIFICATE_THUMBPRINT (one, not both)"
        )
    if certificate is not None and thumbprint is None:
        raise _fail("CSP_OAUTH_CERTIFICATE_FILE needs CSP_OAUTH_CERTIFICATE_THUMBPRINT too")
    return OAuthSettings(
        client_id=client,
        tenant_id=tenant or "",
        client_secret=secret,
        certificate_file=Path(certificate) if certificate else None,
        certificate_thumbprint=thumbprint.replace(":", "").upper() if thumbprint else None,
        token_url=token_url,
        scope=scope,
        ca_file=_value(env, "CSP_OAUTH_CA_FILE"),
    )
