"""The mailbox replies arrive in, over IMAP: fetch what is waiting, move it out when stored.

Built on imapclient rather than bare imaplib: it encodes folder names to modified UTF-7 and
quotes them ("Needs review"), parses FETCH responses (literal bodies, INTERNALDATE as an aware
datetime), knows the server's capabilities, and takes separate connect/read timeouts and an
SSLContext for both implicit TLS and STARTTLS. With imaplib each of those is hand-written.

Nothing is ever deleted that has not first been copied: `move` uses MOVE when the server has
it, else COPY, then \\Deleted and UID EXPUNGE of that one message (never a plain EXPUNGE, which
would also remove whatever else a person had flagged). Without UIDPLUS the flagged original
stays behind and `fetch_new` skips it. Bodies are fetched with BODY.PEEK[] so nothing is
marked \\Seen.

Every network, TLS or login failure becomes `MailboxUnavailable` with a one-line reason;
a command the server refuses becomes `MailboxError`. Neither ever contains the password.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientError,
    LoginError,
)

from scheduler.adapters.sign_in_problems import imap_refusal
from scheduler.adapters.tokens import TokenSource, TokenUnavailable
from scheduler.settings import ImapSettings, Security

__all__ = ["ImapSettings", "Security"]

FETCH_BATCH = 50
_BODY = b"BODY[]"
_INTERNALDATE = b"INTERNALDATE"


@dataclass(frozen=True)
class FetchedMessage:
    """One message as it sits in the inbox folder; (uidvalidity, uid) names it on the server."""

    uid: int
    uidvalidity: int
    raw: bytes
    internal_date: datetime | None


class Mailbox(Protocol):
    """The replies mailbox as the poll uses it: one session, entered as a context manager."""

    @property
    def processed_folder(self) -> str: ...

    @property
    def review_folder(self) -> str: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def ensure_folders(self) -> None:
        """Create the processed and review folders if they are missing."""
        ...

    def folders(self) -> list[tuple[str, bool]]:
        """The folders the poll uses (inbox, processed, review), each with whether it exists."""
        ...

    def fetch_new(self, limit: int | None = None) -> list[FetchedMessage]:
        """Messages still waiting, oldest first, unchanged on the server."""
        ...

    def move(self, uid: int, folder: str, *, uidvalidity: int | None = None) -> None:
        """Move one fetched message out of the waiting folder (only after it was stored)."""
        ...


class MailboxError(Exception):
    """The IMAP server refused a command (missing folder, stale UID); `reason` is one line."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MailboxUnavailable(MailboxError):
    """The mailbox cannot be reached: network, timeout, TLS or login failure. Retry later."""


class ImapMailbox:
    """One IMAP session on the configured mailbox; use as a context manager."""

    def __init__(self, settings: ImapSettings, tokens: TokenSource | None = None) -> None:
        self.settings = settings
        self._tokens = tokens  # with settings.auth == "oauth2": SASL XOAUTH2 with its tokens
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._capabilities: frozenset[bytes] = frozenset()

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Open the connection, secure it as configured and log in."""
        if self._client is not None:
            return
        settings = self.settings
        with self._guard("connecting"):
            client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == "ssl",
                ssl_context=self._ssl_context() if settings.security == "ssl" else None,
                timeout=settings.timeout,
            )
        client.normalise_times = False
        try:
            with self._guard("securing the connection"):
                if settings.security == "starttls":
                    client.starttls(self._ssl_context())
            if settings.auth == "oauth2":
                self._sign_in_with_token(client)
            with self._guard("logging in"):
                if settings.auth != "oauth2":
                    client.login(settings.user, settings.password)
                self._capabilities = frozenset(c.upper() for c in client.capabilities())
        except MailboxError:
            _shut(client)
            raise
        self._client = client

    @property
    def processed_folder(self) -> str:
        return self.settings.processed_folder

    @property
    def review_folder(self) -> str:
        return self.settings.review_folder

    def _sign_in_with_token(self, client: IMAPClient) -> None:
        """SASL XOAUTH2 as the mailbox; a refused token is dropped and a fresh one tried once."""
        if self._tokens is None:
            raise MailboxUnavailable(
                self._reason("signing in", "CSP_MAIL_AUTH=oauth2 but no token source was given")
            )
        user = self.settings.user
        for last_try in (False, True):
            try:
                token = self._tokens.token()
            except TokenUnavailable as failure:
                raise MailboxUnavailable(self._reason("getting a token", failure.reason)) from None
            with self._guard("signing in"):
                try:
                    client.oauth2_login(user, token)
                    return
                except LoginError as refused:
                    self._tokens.refused(token)
                    if last_try:
                        raise MailboxUnavailable(
                            self._reason(f"signing in as {user!r}", imap_refusal(_text(refused)))
                        ) from None

    def close(self) -> None:
        """Log out; a connection that is already broken is simply dropped."""
        client, self._client, self._uidvalidity = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except (IMAPClientError, OSError):
            _shut(client)

    def ensure_folders(self) -> None:
        """Create (and subscribe to) the processed and review folders if they are missing."""
        client = self._connected()
        for folder in (self.settings.processed_folder, self.settings.review_folder):
            with self._guard(f"creating folder {folder!r}"):
                if client.folder_exists(folder):
                    continue
                client.create_folder(folder)
                client.subscribe_folder(folder)

    def folders(self) -> list[tuple[str, bool]]:
        """The folders the poll uses (inbox, processed, review), each with whether it exists."""
        client = self._connected()
        names = (self.settings.folder, self.settings.processed_folder, self.settings.review_folder)
        with self._guard("listing folders"):
            return [(name, bool(client.folder_exists(name))) for name in names]

    def fetch_new(self, limit: int | None = None) -> list[FetchedMessage]:
        """Messages still in the inbox folder, oldest UID first, without marking them seen."""
        client = self._connected()
        uidvalidity = self._select_inbox()
        with self._guard(f"searching {self.settings.folder!r}"):
            uids = sorted(int(uid) for uid in client.search(["UNDELETED"]))
        if limit is not None:
            uids = uids[: max(limit, 0)]
        messages: list[FetchedMessage] = []
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            with self._guard(f"fetching from {self.settings.folder!r}"):
                data = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                item = data.get(uid)
                if item is None or _BODY not in item:
                    continue  # expunged by someone else since the search
                arrived = item.get(_INTERNALDATE)
                when = arrived if isinstance(arrived, datetime) else None
                messages.append(FetchedMessage(uid, uidvalidity, bytes(item[_BODY]), when))
        return messages

    def move(self, uid: int, folder: str, *, uidvalidity: int | None = None) -> None:
        """Move one message from the inbox folder to `folder`.

        Pass the `uidvalidity` the message was fetched under: if the server has renumbered the
        folder since, the UID may name another message, so nothing is moved.
        """
        if folder == self.settings.folder:
            raise ValueError(f"cannot move a message from {folder!r} to itself")
        client = self._connected()
        current = self._uidvalidity if self._uidvalidity is not None else self._select_inbox()
        if uidvalidity is not None and uidvalidity != current:
            raise MailboxError(
                f"IMAP {self.settings.address}: {self.settings.folder!r} was renumbered "
                f"(UIDVALIDITY {uidvalidity} -> {current}); message {uid} not moved"
            )
        with self._guard(f"moving message {uid} to {folder!r}"):
            if b"MOVE" in self._capabilities:
                client.move([uid], folder)
                return
            client.copy([uid], folder)
            client.add_flags([uid], [b"\\Deleted"], silent=True)
            if b"UIDPLUS" in self._capabilities:
                client.uid_expunge([uid])

    def _connected(self) -> IMAPClient:
        if self._client is None:
            self.connect()
        assert self._client is not None
        return self._client

    def _select_inbox(self) -> int:
        client = self._connected()
        with self._guard(f"opening folder {self.settings.folder!r}"):
            status = client.select_folder(self.settings.folder)
        self._uidvalidity = int(status[b"UIDVALIDITY"])
        return self._uidvalidity

    def _ssl_context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.settings.ca_file)
        except (OSError, ssl.SSLError) as error:
            raise MailboxUnavailable(
                f"IMAP {self.settings.address}: cannot read CA file "
                f"{self.settings.ca_file!r}: {error.strerror or error}"
            ) from None

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Turn library and socket errors into MailboxError/MailboxUnavailable."""
        try:
            yield
        except MailboxError:
            raise
        except (OSError, imaplib.IMAP4.abort, CapabilityError, LoginError) as error:
            what = _unavailable(error, self.settings)
            raise MailboxUnavailable(self._reason(doing, what)) from None
        except IMAPClientError as error:
            raise MailboxError(self._reason(doing, f"refused: {_text(error)}")) from None

    def _reason(self, doing: str, what: str) -> str:
        reason = f"IMAP {self.settings.address}: {doing}: {what}"
        if self.settings.password:
            reason = reason.replace(self.settings.password, "***")
        return " ".join(reason.split())


def _unavailable(error: BaseException, settings: ImapSettings) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return f"no answer within {settings.timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve host {settings.host!r}"
    if isinstance(error, LoginError):
        return f"login refused for user {settings.user!r} ({_text(error)})"
    if isinstance(error, CapabilityError):
        return f"server does not offer what is needed ({_text(error)})"
    if isinstance(error, imaplib.IMAP4.abort):
        return f"connection lost ({_text(error)})"
    if isinstance(error, OSError):
        return f"network error ({error.strerror or error})"
    return _text(error)


def _text(error: BaseException) -> str:
    message = error.args[0] if error.args else error
    if isinstance(message, bytes):
        return message.decode("utf-8", "replace")
    return str(message)


def _shut(client: IMAPClient) -> None:
    with suppress(IMAPClientError, OSError):
        client.shutdown()
