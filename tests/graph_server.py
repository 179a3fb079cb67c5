"""A local HTTPS stand-in for the few Microsoft Graph v1.0 endpoints the service uses.

Graph is the one edge that cannot run here, so this serves the same paths with response
bodies shaped as Microsoft's Graph documentation shows them: `{"value": [...],
"@odata.nextLink": ...}` collections (mailFolders, messages), a mailFolder created with 201
and `{"id", "displayName", ...}`, a message's MIME from `/messages/{id}/$value`, `move` with
201 and the moved message, `sendMail` with 202 and no body, and errors as
`{"error": {"code", "message"}}` (401 InvalidAuthenticationToken, 403 ErrorAccessDenied,
429 TooManyRequests with Retry-After). Pages hold two items so paging is always exercised.

Bearer tokens are checked with the OAuth test server (active, and for this mailbox).
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.oauth_server import HOST, OAuthTestServer

PAGE = 2


@dataclass
class GraphState:
    mailbox: str
    folders: dict[str, str] = field(default_factory=lambda: {"inbox": "Inbox"})  # id -> name
    messages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> (folder, raw)
    sent: list[bytes] = field(default_factory=list)
    throttle: list[tuple[int, str]] = field(default_factory=list)  # (status, Retry-After)
    failing_moves: int = 0
    unauthorized: int = 0
    on_fetch: Callable[[str], None] | None = None  # called before a message's $value is served
    lock: threading.Lock = field(default_factory=threading.Lock)


class GraphTestServer:
    def __init__(self, oauth: OAuthTestServer, mailbox: str) -> None:
        self.oauth = oauth
        self.state = GraphState(mailbox)
        handler = type("Handler", (_Handler,), {"state": self.state, "oauth": oauth})
        self._server = ThreadingHTTPServer((HOST, 0), handler)
        self._server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(oauth.ca.server_cert, oauth.ca.server_key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self._server.server_address[1]}/v1.0"

    def __enter__(self) -> GraphTestServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def deliver(self, raw: bytes, folder: str = "inbox") -> str:
        message_id = "AAMkAG" + secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.messages[message_id] = (folder, raw)
        return message_id

    def folder_named(self, name: str) -> str | None:
        return next((i for i, n in self.state.folders.items() if n == name), None)

    def in_folder(self, name: str) -> list[bytes]:
        folder = "inbox" if name.lower() == "inbox" else self.folder_named(name)
        return [raw for f, raw in self.state.messages.values() if f == folder]


def graph_error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"request-id": "00000000-0000-0000-0000-000000000000"},
        }
    }


class _Handler(BaseHTTPRequestHandler):
    state: GraphState
    oauth: OAuthTestServer

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        segments = [unquote(s) for s in parts.path.split("/") if s]
        refusal = self._refusal(segments)
        if refusal is not None:
            self._answer(*refusal)
            return
        with self.state.lock:
            throttled = self.state.throttle.pop(0) if self.state.throttle else None
        if throttled is not None:
            status, wait = throttled
            self._answer(
                *graph_error(status, "TooManyRequests", "Please retry again later."),
                headers={"Retry-After": wait},
            )
            return
        route = segments[3:]  # after v1.0/users/{mailbox}
        if method == "POST" and route == ["sendMail"]:
            self._send_mail(body)
        elif method == "GET" and route == ["mailFolders"]:
            folders = [
                {
                    "id": i,
                    "displayName": n,
                    "parentFolderId": "root",
                    "childFolderCount": 0,
                    "unreadItemCount": 0,
                    "totalItemCount": 0,
                }
                for i, n in self.state.folders.items()
            ]
            self._page(folders, query, "mailFolders")
        elif method == "POST" and route == ["mailFolders"]:
            self._create_folder(json.loads(body))
        elif method == "GET" and len(route) == 3 and route[2] == "messages":
            self._list_messages(route[1], query)
        elif method == "GET" and len(route) == 3 and route[2] == "$value":
            self._raw(route[1])
        elif method == "POST" and len(route) == 3 and route[2] == "move":
            self._move(route[1], json.loads(body))
        else:
            self._answer(*graph_error(400, "BadRequest", f"Unsupported: {method} {parts.path}"))

    def _refusal(self, segments: list[str]) -> tuple[int, dict[str, Any]] | None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if segments[:2] != ["v1.0", "users"] or len(segments) < 4:
            return graph_error(400, "BadRequest", "Resource not found for the segment.")
        if not self.oauth.is_good(token, segments[2]):
            if token in self.oauth.tokens and self.oauth.is_good(token, self.oauth.state.mailbox):
                return graph_error(
                    403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                )
            with self.state.lock:
                self.state.unauthorized += 1
            return graph_error(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )
        return None

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], what: str) -> None:
        skip = int(query.get("$skip", "0"))
        page: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#{what}",
            "value": items[skip : skip + PAGE],
        }
        if skip + PAGE < len(items):
            base = self.path.split("?")[0]
            rest = urlencode({k: v for k, v in query.items() if k != "$skip"}, safe="$,")
            host, port = self.server.server_address[:2]
            page["@odata.nextLink"] = f"https://localhost:{port}{base}?{rest}&$skip={skip + PAGE}"
        self._answer(200, page)

    def _send_mail(self, body: bytes) -> None:
        if self.headers.get("Content-Type") != "text/plain":
            self._answer(*graph_error(415, "UnsupportedMediaType", "Content-Type"))
            return
        with self.state.lock:
            self.state.sent.append(base64.b64decode(body))
        self._answer(202, None)

    def _create_folder(self, request: dict[str, Any]) -> None:
        folder_id = "AAMkAGF" + secrets.token_urlsafe(16)
        with self.state.lock:
            self.state.folders[folder_id] = request["displayName"]
        self._answer(
            201,
            {
                "id": folder_id,
                "displayName": request["displayName"],
                "parentFolderId": "root",
                "childFolderCount": 0,
                "unreadItemCount": 0,
                "totalItemCount": 0,
            },
        )

    def _list_messages(self, folder: str, query: dict[str, str]) -> None:
        folder_id = "inbox" if folder.lower() == "inbox" else folder
        with self.state.lock:
            items = [
                {"@odata.etag": 'W/"x"', "id": i, "receivedDateTime": f"2026-03-02T09:{n:02d}:00Z"}
                for n, (i, (f, _raw)) in enumerate(self.state.messages.items())
                if f == folder_id
            ]
        self._page(items, query, "messages")

    def _raw(self, message_id: str) -> None:
        if self.state.on_fetch is not None:
            self.state.on_fetch(message_id)
        found = self.state.messages.get(message_id)
        if found is None:
            self._answer(
                *graph_error(404, "ErrorItemNotFound", "The specified object was not found.")
            )
            return
        self._answer(200, None, raw=found[1])

    def _move(self, message_id: str, request: dict[str, Any]) -> None:
        with self.state.lock:
            failing = self.state.failing_moves > 0
            self.state.failing_moves -= failing
        if failing:
            self._answer(
                *graph_error(500, "generalException", "An internal server error occurred.")
            )
            return
        destination = request["destinationId"]
        with self.state.lock:
            _folder, raw = self.state.messages.pop(message_id)
            new_id = "AAMkAGM" + secrets.token_urlsafe(24)
            self.state.messages[new_id] = (destination, raw)
        self._answer(201, {"id": new_id, "parentFolderId": destination})

    def _answer(
        self,
        status: int,
        body: dict[str, Any] | None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        encoded = (
            raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        )
        self.send_response(status)
        content_type = "message/rfc822" if raw is not None else "application/json"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(encoded)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(encoded)
