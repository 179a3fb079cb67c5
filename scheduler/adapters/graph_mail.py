"""The shared mailbox through Microsoft Graph, for councils that allow only Graph.

`GraphTransport` sends the exact bytes we stored (`POST /users/{mailbox}/sendMail` with the
MIME as base64 text), so our Message-ID, token and headers survive. `GraphMailbox` reads the
replies folder, fetches each message's raw MIME (`/messages/{id}/$value`) and moves it to
Processed or Needs review (created when missing) only when told, after our commit: the same
interface and order as the IMAP adapter. Graph ids are long strings; a session numbers the
messages it fetched 1, 2, ... and names itself with a `uidvalidity` of its own, so a number
from another session is refused rather than moving the wrong message.

Every request carries a fresh-enough token from the `TokenSource`; a 401 drops it and tries
once more. 429 and 503 are waited out for their Retry-After (through the injected `wait`),
up to `max_retry_after`; `@odata.nextLink` is followed, but only on the configured host.
"""

from __future__ import annotations

import http.client
import json
import secrets
import ssl
import time
from base64 import b64encode
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit

from scheduler.adapters.imap_mailbox import FetchedMessage, MailboxError, MailboxUnavailable
from scheduler.adapters.mail_transport import (
    AcceptanceUnknown,
    HeaderAddressed,
    PermanentFailure,
    TemporaryFailure,
)
from scheduler.adapters.sign_in_problems import MAILBOX_NOT_GRANTED
from scheduler.adapters.tokens import TokenSource, TokenUnavailable
from scheduler.mail_settings import GraphSettings

THROTTLE_RETRIES = 3
PAGE_SIZE = 50


@dataclass(frozen=True)
class GraphAnswer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, Any]:
        value = json.loads(self.body or b"{}")
        return value if isinstance(value, dict) else {}

    def error(self) -> str:
        """Graph's `{"error": {"code", "message"}}` as one line."""
        try:
            error = self.json().get("error") or {}
        except ValueError:
            error = {}
        code, message = error.get("code", ""), " ".join(str(error.get("message", "")).split())
        return f"{self.status} {code}: {message}".strip(": ")


class GraphRefused(Exception):
    """Graph answered with an error it will not get over by itself; `reason` is one line."""

    def __init__(self, reason: str, answer: GraphAnswer | None = None) -> None:
        super().__init__(reason)
        self.reason, self.answer = reason, answer


class GraphUnreachable(GraphRefused):
    """No answer (network, TLS, throttled for too long, no token): try again later."""


class _SentNoAnswer(GraphUnreachable):
    """The request went out whole and the connection failed before the answer."""


class GraphClient:
    """Requests to Graph for one mailbox, with the token, throttling and paging handled."""

    def __init__(
        self,
        settings: GraphSettings,
        tokens: TokenSource,
        *,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._tokens = tokens
        self._wait = wait
        base = urlsplit(settings.base_url)
        self._host, self._port, self._prefix = base.hostname or "", base.port, base.path
        self.user_path = f"{self._prefix}/users/{quote(settings.mailbox)}"

    def call(
        self, method: str, path: str, *, body: bytes | None = None, content_type: str = ""
    ) -> GraphAnswer:
        """One request (retried through a refused token and throttling); 2xx or GraphRefused."""
        refused_once = False
        throttled = 0
        while True:
            try:
                token = self._tokens.token()
            except TokenUnavailable as failure:
                raise GraphUnreachable(f"no token for Graph: {failure.reason}") from None
            answer = self._send(method, path, token, body, content_type)
            if answer.status == 401 and not refused_once:
                self._tokens.refused(token)
                refused_once = True
                continue
            if answer.status in (429, 503) and throttled < THROTTLE_RETRIES:
                delay = _retry_after(answer)
                if delay <= self.settings.max_retry_after:
                    throttled += 1
                    self._wait(delay)
                    continue
            if answer.status < 300:
                return answer
            raise self._refusal(answer)

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following `@odata.nextLink` page by page."""
        next_path: str | None = path
        while next_path is not None:
            page = self.call("GET", next_path).json()
            yield from page.get("value", [])
            link = page.get("@odata.nextLink")
            next_path = self._same_host_path(link) if isinstance(link, str) else None

    def _same_host_path(self, link: str) -> str:
        parts = urlsplit(link)
        if parts.hostname != self._host or parts.port != self._port:
            raise GraphRefused(f"Graph sent a next page on another host ({parts.hostname})")
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    def _send(
        self, method: str, path: str, token: str, body: bytes | None, content_type: str
    ) -> GraphAnswer:
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        connection = http.client.HTTPSConnection(
            self._host, self._port, timeout=self.settings.timeout, context=context
        )
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            try:
                connection.request(method, path, body=body, headers=headers)
            except (OSError, http.client.HTTPException) as error:
                raise GraphUnreachable(f"Graph {self._host}: {_network(error)}") from None
            try:
                response = connection.getresponse()
                return GraphAnswer(response.status, response.read(), dict(response.getheaders()))
            except (OSError, http.client.HTTPException) as error:
                raise _SentNoAnswer(f"Graph {self._host}: no answer ({_network(error)})") from None
        finally:
            connection.close()

    def _refusal(self, answer: GraphAnswer) -> GraphRefused:
        said = answer.error()
        mailbox = self.settings.mailbox
        if answer.status == 401:
            return GraphUnreachable(f"Graph refused the application's token ({said})", answer)
        if answer.status == 403:
            return GraphUnreachable(
                f"Graph denied access to {mailbox} ({said}): check the Mail.ReadWrite and "
                f"Mail.Send permissions have admin consent and {MAILBOX_NOT_GRANTED}",
                answer,
            )
        if answer.status in (429, 503) or answer.status >= 500:
            return GraphUnreachable(f"Graph is busy or failing ({said}); trying later", answer)
        return GraphRefused(f"Graph refused ({said})", answer)


def _retry_after(answer: GraphAnswer) -> float:
    raw = {k.lower(): v for k, v in answer.headers.items()}.get("retry-after", "")
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 10.0  # Graph gives seconds; without a number, a short pause


def _network(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({error.verify_message})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return f"{type(error).__name__}: {error}"


class GraphTransport(HeaderAddressed):
    """Sends stored messages unchanged through `sendMail`; one request per message."""

    def __init__(self, client: GraphClient) -> None:
        self._client = client

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        # Graph takes the recipients from the MIME headers, which name them all (no Bcc here).
        path = f"{self._client.user_path}/sendMail"
        try:
            self._client.call("POST", path, body=b64encode(raw), content_type="text/plain")
        except _SentNoAnswer as lost:
            raise AcceptanceUnknown(lost.reason) from None
        except GraphUnreachable as failure:
            raise TemporaryFailure(failure.reason) from None
        except GraphRefused as refused:
            raise PermanentFailure(refused.reason) from None


class GraphMailbox:
    """One session on the replies folder through Graph; use as a context manager."""

    def __init__(self, client: GraphClient) -> None:
        self._client = client
        self.settings = client.settings
        self._uidvalidity = secrets.randbelow(2**31 - 1) + 1
        self._fetched: dict[int, str] = {}  # this session's numbers -> Graph message ids
        self._folder_ids: dict[str, str] = {}

    @property
    def processed_folder(self) -> str:
        return self.settings.processed_folder

    @property
    def review_folder(self) -> str:
        return self.settings.review_folder

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def folders(self) -> list[tuple[str, bool]]:
        known = self._top_folders()
        names = (self.settings.folder, self.processed_folder, self.review_folder)
        return [(name, name.lower() == "inbox" or name.lower() in known) for name in names]

    def ensure_folders(self) -> None:
        known = self._top_folders()
        for name in (self.processed_folder, self.review_folder):
            if name.lower() in known:
                continue
            body = json.dumps({"displayName": name}).encode()
            with self._guard(f"creating folder {name!r}"):
                created = self._client.call(
                    "POST",
                    f"{self._client.user_path}/mailFolders",
                    body=body,
                    content_type="application/json",
                ).json()
            self._folder_ids[name.lower()] = str(created["id"])

    def fetch_new(self, limit: int | None = None) -> list[FetchedMessage]:
        folder = self._folder_path(self.settings.folder)
        listing = (
            f"{self._client.user_path}/mailFolders/{folder}/messages"
            f"?$select=id,receivedDateTime&$orderby=receivedDateTime%20asc&$top={PAGE_SIZE}"
        )
        messages: list[FetchedMessage] = []
        with self._guard(f"listing {self.settings.folder!r}"):
            items = list(self._client.pages(listing))
        for item in items[: limit if limit is not None else len(items)]:
            graph_id = str(item["id"])
            with self._guard(f"fetching message {graph_id[-12:]}"):
                raw = self._client.call(
                    "GET", f"{self._client.user_path}/messages/{quote(graph_id)}/$value"
                ).body
            number = len(self._fetched) + 1
            self._fetched[number] = graph_id
            arrived = _graph_time(item.get("receivedDateTime"))
            messages.append(FetchedMessage(number, self._uidvalidity, raw, arrived))
        return messages

    def move(self, uid: int, folder: str, *, uidvalidity: int | None = None) -> None:
        if uidvalidity is not None and uidvalidity != self._uidvalidity:
            raise MailboxError(f"Graph: message {uid} was fetched in another session; not moved")
        graph_id = self._fetched.get(uid)
        if graph_id is None:
            raise MailboxError(f"Graph: no message {uid} fetched in this session")
        destination = self._folder_path(folder)
        body = json.dumps({"destinationId": destination}).encode()
        with self._guard(f"moving message {uid} to {folder!r}"):
            self._client.call(
                "POST",
                f"{self._client.user_path}/messages/{quote(graph_id)}/move",
                body=body,
                content_type="application/json",
            )

    def _top_folders(self) -> dict[str, str]:
        with self._guard("listing folders"):
            for item in self._client.pages(f"{self._client.user_path}/mailFolders?$top=100"):
                self._folder_ids[str(item["displayName"]).lower()] = str(item["id"])
        return self._folder_ids

    def _folder_path(self, name: str) -> str:
        if name.lower() == "inbox":
            return "inbox"  # Graph's well-known folder name
        if name.lower() not in self._folder_ids:
            self._top_folders()
        folder_id = self._folder_ids.get(name.lower())
        if folder_id is None:
            raise MailboxError(f"Graph {self.settings.mailbox}: no folder {name!r}")
        return quote(folder_id)

    def _guard(self, doing: str) -> _Guard:
        return _Guard(f"Graph {self.settings.mailbox}: {doing}")


class _Guard:
    """Graph failures as the mailbox errors the poll knows: unavailable, or refused."""

    def __init__(self, doing: str) -> None:
        self._doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, GraphUnreachable):
            raise MailboxUnavailable(f"{self._doing}: {exc.reason}") from None
        if isinstance(exc, GraphRefused):
            raise MailboxError(f"{self._doing}: {exc.reason}") from None


def _graph_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
