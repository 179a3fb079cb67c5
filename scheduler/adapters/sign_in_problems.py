"""What a refused sign-in means and what to fix, as one line each.

Microsoft Entra answers a token request with `AADSTS<code>: <description>`; Exchange Online
answers IMAP and SMTP sign-ins with a few well-known refusals. Each maps to the setting or
the administrator's step that fixes it; anything else is passed on as the server said it.
"""

from __future__ import annotations

import re

_AADSTS = re.compile(r"AADSTS(\d+)")

# Entra error codes (AADSTS...) met when an application signs in with its own credentials.
_ENTRA_FIXES: dict[str, str] = {
    "90002": "tenant not found: check CSP_OAUTH_TENANT_ID (Directory (tenant) ID on the "
    "app registration's Overview page)",
    "900023": "tenant id is not valid: check CSP_OAUTH_TENANT_ID (a GUID or the "
    "tenant's .onmicrosoft.com name)",
    "90013": "tenant id is not valid: check CSP_OAUTH_TENANT_ID",
    "50059": "no tenant named: check CSP_OAUTH_TENANT_ID",
    "700016": "application not found in the tenant: check CSP_OAUTH_CLIENT_ID (Application "
    "(client) ID) and CSP_OAUTH_TENANT_ID",
    "7000215": "client secret is wrong: set CSP_OAUTH_CLIENT_SECRET to the secret's Value "
    "(not its Secret ID)",
    "7000222": "client secret has expired: add a new one under Certificates & secrets and "
    "set CSP_OAUTH_CLIENT_SECRET",
    "700027": "certificate not accepted: upload its public part under Certificates & secrets "
    "and check CSP_OAUTH_CERTIFICATE_THUMBPRINT",
    "700024": "certificate sign-in rejected for its time: check this machine's clock",
    "7000112": "the application is disabled in the tenant: an administrator must enable it",
    "65001": "permission not consented: an administrator must grant admin consent on the "
    "app registration's API permissions page",
    "500011": "the API is not known in the tenant: add the permission (Office 365 Exchange "
    "Online or Microsoft Graph) and grant admin consent, or check CSP_OAUTH_SCOPE",
    "70011": "the scope is not valid: CSP_OAUTH_SCOPE must end in /.default",
    "1002012": "the scope is not valid: CSP_OAUTH_SCOPE must end in /.default",
    "53003": "blocked by a Conditional Access policy: an administrator must exempt the "
    "application or this machine's address",
    "7000218": "the token request carried no secret or certificate: set "
    "CSP_OAUTH_CLIENT_SECRET or CSP_OAUTH_CERTIFICATE_FILE",
}

# OAuth 2.0 error names (RFC 6749 5.2), for token endpoints that are not Entra.
_OAUTH_FIXES: dict[str, str] = {
    "invalid_client": "the token endpoint does not know this client or its secret: check "
    "CSP_OAUTH_CLIENT_ID and CSP_OAUTH_CLIENT_SECRET (or the certificate)",
    "unauthorized_client": "the client may not use client credentials: allow that grant for it",
    "invalid_scope": "the scope is not valid: check CSP_OAUTH_SCOPE",
}

MAILBOX_NOT_GRANTED = (
    "grant the application this mailbox (Add-MailboxPermission, then an application access "
    "policy or RBAC for Applications scope) and check CSP_MAILBOX"
)


def token_refusal(error: str, description: str) -> str:
    """One line for a token endpoint's error answer: what it said and what to fix."""
    first_line = " ".join(description.split()).split(" Trace ID:")[0]
    match = _AADSTS.search(description)
    if match is not None and match.group(1) in _ENTRA_FIXES:
        return f"AADSTS{match.group(1)}: {_ENTRA_FIXES[match.group(1)]}"
    if error in _OAUTH_FIXES:
        return f"{error}: {_OAUTH_FIXES[error]}"
    return f"{error}: {first_line}" if first_line else error


def imap_refusal(server_text: str) -> str:
    """What to fix when IMAP refuses the application's token."""
    return (
        f"IMAP refused the application's token ({server_text.strip()}): check the "
        f"IMAP.AccessAsApp permission has admin consent and {MAILBOX_NOT_GRANTED}"
    )


def smtp_refusal(code: int, server_text: str) -> str:
    """What to fix when SMTP AUTH XOAUTH2 is refused."""
    said = f"{code} {server_text.strip()}"
    if "5.7.139" in server_text or "SmtpClientAuthentication" in server_text:
        return (
            f"SMTP AUTH is switched off for the tenant or mailbox ({said}): run "
            "Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false"
        )
    return (
        f"SMTP refused the application's token ({said}): check the SMTP.SendAsApp "
        f"permission has admin consent and {MAILBOX_NOT_GRANTED}"
    )
