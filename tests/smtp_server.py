"""A real SMTP server on loopback for tests (aiosmtpd in a thread), recording what it gets.

    with SmtpTestServer() as server:
        ...send to ("127.0.0.1", server.port)...
        assert server.messages[0].message["Subject"] == ...

Options: require STARTTLS or serve implicit TLS with a throwaway self-signed certificate
(`make_certificate`, made with the openssl command), require a login, refuse chosen
recipients with a given reply ("550 ..." or "451 ..."; `accept` lifts one), refuse DATA,
and drop every open connection on demand (`drop_connections`) to play a server that times
idle clients out.
With `bearer_check`, it takes AUTH XOAUTH2 as Exchange Online does, asking that function
whether the user's bearer token is good (tests pass one that asks the OAuth test server's
introspection endpoint), and answers a refusal with Exchange's 535 5.7.3.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def make_certificate(folder: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


@dataclass(frozen=True)
class Received:
    """One message as the server took it: envelope, parsed message and the connection."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    peer: Any
    connection: int
    authenticated_as: str | None
    tls: bool


@dataclass
class _Handler:
    refuse: Mapping[str, str]
    refuse_data: str | None
    drop_after_data: int = 0  # how many more messages to take, then drop before replying
    bearer_check: Callable[[str, str], bool] | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    bearer_refusals: int = 0

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2: `user=<address>^Aauth=Bearer <token>^A^A`, base64, as Exchange takes it."""
        if self.bearer_check is None:
            return AuthResult(success=False, handled=False)
        try:
            fields = base64.b64decode(args[1], validate=True).decode().split("\x01")
        except (IndexError, binascii.Error, UnicodeDecodeError):
            await server.push("501 5.5.2 Cannot decode response")
            return AuthResult(success=False, handled=True)
        values = dict(part.split("=", 1) for part in fields if "=" in part)
        user, token = values.get("user", ""), values.get("auth", "").removeprefix("Bearer ")
        checked = await asyncio.get_running_loop().run_in_executor(
            None, self.bearer_check, user, token
        )
        if checked:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        with self.lock:
            self.bearer_refusals += 1
        return AuthResult(
            success=False, handled=False, message="535 5.7.3 Authentication unsuccessful"
        )

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.refuse.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data is not None:
            return self.refuse_data
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if session.auth_data else None
        with self.lock:
            self.received.append(
                Received(
                    mail_from=envelope.mail_from or "",
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    raw=raw,
                    message=message,
                    peer=session.peer,
                    connection=getattr(server, "connection_number", -1),
                    authenticated_as=login,
                    tls=session.ssl is not None,
                )
            )
            dropping = self.drop_after_data > 0
            self.drop_after_data -= dropping
        if dropping:  # taken, but the reply never reaches the client
            assert server.transport is not None
            server.transport.abort()
        return "250 2.0.0 Message accepted"


class _CountingSMTP(SMTP):
    connection_number: int


class _Controller(Controller):
    """Binds to a free port chosen by the kernel and numbers each connection."""

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, hostname=HOST, port=0, server_hostname="localhost", **kwargs)
        self.sessions: list[_CountingSMTP] = []

    def _trigger_server(self) -> None:
        server = self.server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]

    def factory(self) -> SMTP:
        smtp = _CountingSMTP(self.handler, **self.SMTP_kwargs)
        smtp.connection_number = len(self.sessions)
        self.sessions.append(smtp)
        return smtp


class SmtpTestServer:
    """Start with `with`; `port`, `messages` and `connections` tell what happened."""

    def __init__(
        self,
        *,
        starttls: Certificate | None = None,
        implicit_tls: Certificate | None = None,
        logins: Mapping[str, str] | None = None,
        refuse: Mapping[str, str] | None = None,
        refuse_data: str | None = None,
        drop_after_data: int = 0,
        bearer_check: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._handler = _Handler(
            refuse={k.lower(): v for k, v in (refuse or {}).items()},
            refuse_data=refuse_data,
            drop_after_data=drop_after_data,
            bearer_check=bearer_check,
        )
        kwargs: dict[str, Any] = {}
        if starttls is not None:
            kwargs.update(tls_context=_server_context(starttls), require_starttls=True)
        if implicit_tls is not None:
            kwargs["ssl_context"] = _server_context(implicit_tls)
        if logins is not None or bearer_check is not None:
            kwargs.update(
                authenticator=_Authenticator(dict(logins or {})),
                auth_required=True,
                auth_require_tls=starttls is not None or implicit_tls is not None,
            )
        self._controller = _Controller(self._handler, **kwargs)

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    @property
    def bearer_refusals(self) -> int:
        """XOAUTH2 sign-ins refused so far."""
        with self._handler.lock:
            return self._handler.bearer_refusals

    @property
    def connections(self) -> int:
        """Connections clients opened (the controller's own start-up probe not counted)."""
        return len(self._controller.sessions)

    def start(self) -> None:
        self._controller.start()
        self._controller.sessions.clear()  # forget the controller's start-up probe

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def accept(self, address: str) -> None:
        """Take mail for an address refused so far, as a mailbox put right would."""
        with self._handler.lock:
            self._handler.refuse = {
                k: v for k, v in self._handler.refuse.items() if k != address.lower()
            }

    def drop_connections(self) -> None:
        """Close every open connection from the server side, as an idle timeout would."""
        loop = self._controller.loop

        async def drop() -> None:
            for session in self._controller.sessions:
                if session.transport is not None:
                    session.transport.close()
            for _ in range(3):
                await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(drop(), loop).result(timeout=5)


class _Authenticator:
    def __init__(self, logins: dict[str, str]) -> None:
        self._logins = logins

    def __call__(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self._logins.get(user) == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


def _server_context(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


def closed_port() -> int:
    """A loopback port nobody listens on, so connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections but never says a word, as a hung server would."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen(4)
        yield int(sock.getsockname()[1])
