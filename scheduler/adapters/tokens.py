"""What a mail connection needs of OAuth: a bearer token, and a way to say one was refused.

Kept apart from the msal source (`oauth_tokens`), so that password sign-in never loads msal.
"""

from __future__ import annotations

from typing import Protocol


class TokenUnavailable(Exception):
    """No token could be had; `reason` is one line that says what to fix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenSource(Protocol):
    """Bearer tokens for the mail servers; `refused` drops one a server would not take."""

    def token(self) -> str:
        """A token valid for a while yet; raises TokenUnavailable."""
        ...

    def refused(self, token: str) -> None:
        """A server refused `token`: the next `token()` asks for a new one."""
        ...
