"""A small OAuth 2.0 authorization server on loopback for tests, with a test CA of its own.

`token_url` is an HTTPS client-credentials token endpoint in Microsoft Entra's shape
(`/<tenant>/oauth2/v2.0/token`, errors as `{"error", "error_description": "AADSTS...",
"error_codes"}`); msal reaches it through its real token request. `introspection_url` is
an RFC 7662 introspection endpoint (plain HTTP on loopback) that dovecot's oauth2 passdb and
the SMTP test server ask whether a token is good, and for which mailbox.

The test drives it: `revoke(token)`, `expire(token)`, `refuse_next(...)` (answer token
requests with an Entra error), `stop()` and `start()` again on the same port (the endpoint
down for a while), and `issued` counts the tokens handed out.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

HOST = "127.0.0.1"
TENANT = "0b7c7a54-6a52-4a4b-9f0e-2f4c0c1d5e11"
CLIENT_ID = "5f1d9b8e-1c2a-4c1e-8a0e-7d3e2b6a9c44"
CLIENT_SECRET = "test-secret-value"
EXCHANGE_ROLES = ("IMAP.AccessAsApp", "SMTP.SendAsApp")


@dataclass(frozen=True)
class TestCa:
    """A private CA and a server certificate it signed for 127.0.0.1 and localhost."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


def make_test_ca(folder: Path) -> TestCa:
    """A CA and one server certificate, made with the openssl command."""
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, request, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    extensions = folder / "server.ext"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "authorityKeyIdentifier=keyid,issuer\nkeyUsage=digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", *ec, "-days", "2", "-subj", "/CN=CSP test CA",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", str(ca_key), "-out", str(ca_cert))  # fmt: skip
    run("req", "-new", *ec, "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(request))
    run("x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "2", "-extfile", str(extensions),
        "-out", str(cert))  # fmt: skip
    return TestCa(ca_cert, cert, key)


def make_client_certificate(folder: Path) -> tuple[Path, str, bytes]:
    """An application certificate: (PEM with key and certificate, SHA-1 thumbprint, cert PEM)."""
    key, cert = folder / "app.key", folder / "app.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=csp-scheduler", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    fingerprint = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha1"],
        check=True, capture_output=True, text=True,
    ).stdout.split("=", 1)[1].strip().replace(":", "")  # fmt: skip
    both = folder / "app-with-key.pem"
    both.write_text(key.read_text() + cert.read_text())
    return both, fingerprint, cert.read_bytes()


@dataclass
class Grant:
    mailbox: str
    roles: tuple[str, ...]
    active: bool = True


@dataclass
class _State:
    tenant: str
    secrets: dict[str, str]
    certificates: dict[str, bytes]  # client id -> certificate PEM (public part)
    mailbox: str
    roles: tuple[str, ...]
    expires_in: int = 3600
    grants: dict[str, Grant] = field(default_factory=dict)
    refusals: list[tuple[int, str, str]] = field(default_factory=list)
    issued: int = 0
    introspections: int = 0
    token_requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class OAuthTestServer:
    """Start with `with`; see the module's docstring for what a test can do with it."""

    def __init__(
        self,
        folder: Path,
        *,
        mailbox: str,
        roles: tuple[str, ...] = EXCHANGE_ROLES,
        tenant: str = TENANT,
        client_secrets: dict[str, str] | None = None,
        client_certificates: dict[str, bytes] | None = None,
    ) -> None:
        self.ca = make_test_ca(folder)
        self.state = _State(
            tenant=tenant,
            secrets={CLIENT_ID: CLIENT_SECRET} if client_secrets is None else client_secrets,
            certificates=client_certificates or {},
            mailbox=mailbox,
            roles=roles,
        )
        self.default_mailbox, self.default_roles = mailbox, roles
        self._token_port = 0
        self._servers: list[ThreadingHTTPServer] = []
        self._introspection = _serve(self.state, 0, None)

    @property
    def token_url(self) -> str:
        return f"https://localhost:{self._token_port}/{self.state.tenant}/oauth2/v2.0/token"

    @property
    def introspection_url(self) -> str:
        return f"http://{HOST}:{self._introspection.server_address[1]}/introspect"

    def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca.server_cert, self.ca.server_key)
        server = _serve(self.state, self._token_port, context)
        self._token_port = int(server.server_address[1])
        self._servers = [server]

    def stop(self) -> None:
        """Stop the token endpoint (introspection keeps answering)."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> OAuthTestServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._introspection.shutdown()
        self._introspection.server_close()

    @property
    def issued(self) -> int:
        return self.state.issued

    @property
    def tokens(self) -> list[str]:
        with self.state.lock:
            return list(self.state.grants)

    def revoke(self, token: str) -> None:
        with self.state.lock:
            self.state.grants[token].active = False

    expire = revoke  # the server's view of an expired token: no longer active

    def refuse_next(self, status: int, error: str, description: str, times: int = 1) -> None:
        """Answer the next `times` token requests with this error."""
        with self.state.lock:
            self.state.refusals.extend([(status, error, description)] * times)

    def reset(self) -> None:
        """Forget every token and planned refusal; issue for the usual mailbox and roles."""
        with self.state.lock:
            self.state.grants.clear()
            self.state.refusals.clear()
            self.state.issued = 0
            self.state.expires_in = 3600
            self.state.mailbox = self.default_mailbox
            self.state.roles = self.default_roles
            self.state.token_requests.clear()

    def grant_to(self, mailbox: str, roles: tuple[str, ...] | None = None) -> None:
        """Tokens issued from now on are good for `mailbox` only (and carry `roles`)."""
        with self.state.lock:
            self.state.mailbox = mailbox
            if roles is not None:
                self.state.roles = roles

    def is_good(self, token: str, mailbox: str) -> bool:
        """What the introspection endpoint would say for this token and mailbox."""
        with self.state.lock:
            grant = self.state.grants.get(token)
        return grant is not None and grant.active and grant.mailbox == mailbox


def introspect(introspection_url: str, token: str) -> dict[str, Any]:
    """Ask the introspection endpoint about a token (RFC 7662), as dovecot does."""
    request = urllib.request.Request(
        introspection_url, data=urlencode({"token": token}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        body: dict[str, Any] = json.loads(answer.read())
    return body


def bearer_check(introspection_url: str) -> Callable[[str, str], bool]:
    """A check of (user, token) for the SMTP test server: active, and for that mailbox."""

    def check(user: str, token: str) -> bool:
        said = introspect(introspection_url, token)
        return said.get("active") is True and said.get("username") == user

    return check


def _serve(state: _State, port: int, context: ssl.SSLContext | None) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def entra_error(error: str, description: str) -> dict[str, Any]:
    """An error body shaped as Microsoft Entra's token endpoint returns one."""
    code = description.split(":", 1)[0].removeprefix("AADSTS")
    return {
        "error": error,
        "error_description": f"{description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000",
        "error_codes": [int(code)] if code.isdigit() else [],
        "timestamp": "2026-01-01 00:00:00Z",
    }


class _Handler(BaseHTTPRequestHandler):
    state: _State

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/introspect":
            self._introspect(form)
        elif self.path == f"/{self.state.tenant}/oauth2/v2.0/token":
            self._token(form)
        elif self.path.endswith("/oauth2/v2.0/token"):
            tenant = self.path.split("/")[1]
            self._answer(400, entra_error(
                "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found."))  # fmt: skip
        else:
            self._answer(404, {"error": "not_found"})

    def _token(self, form: dict[str, str]) -> None:
        state = self.state
        with state.lock:
            state.token_requests.append({k: v for k, v in form.items() if "secret" not in k})
            refusal = state.refusals.pop(0) if state.refusals else None
        if refusal is not None:
            self._answer(refusal[0], entra_error(refusal[1], refusal[2]))
            return
        client = form.get("client_id", "")
        if client not in state.secrets and client not in state.certificates:
            self._answer(400, entra_error(
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client}' was not found in the "
                f"directory '{state.tenant}'."))  # fmt: skip
            return
        if not self._client_proved(client, form):
            self._answer(401, entra_error(
                "invalid_client", "AADSTS7000215: Invalid client secret provided."))  # fmt: skip
            return
        token = _jwt_shaped({"aud": form.get("scope", ""), "appid": client, "roles": state.roles})
        with state.lock:
            state.grants[token] = Grant(state.mailbox, state.roles)
            state.issued += 1
        self._answer(200, {"token_type": "Bearer", "expires_in": state.expires_in,
                           "ext_expires_in": state.expires_in, "access_token": token})  # fmt: skip

    def _client_proved(self, client: str, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return self.state.secrets.get(client) == form["client_secret"]
        assertion = form.get("client_assertion")
        certificate = self.state.certificates.get(client)
        if assertion is None or certificate is None:
            return False
        import jwt
        from cryptography.x509 import load_pem_x509_certificate

        public_key = load_pem_x509_certificate(certificate).public_key()
        try:
            jwt.decode(assertion, public_key, algorithms=["RS256", "PS256"],  # type: ignore[arg-type]
                       options={"verify_aud": False})  # fmt: skip
        except jwt.PyJWTError:
            return False
        return True

    def _introspect(self, form: dict[str, str]) -> None:
        with self.state.lock:
            self.state.introspections += 1
            grant = self.state.grants.get(form.get("token", ""))
        if grant is None or not grant.active:
            self._answer(200, {"active": False})
            return
        self._answer(200, {"active": True, "username": grant.mailbox,
                           "scope": " ".join(grant.roles)})  # fmt: skip

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        encoded = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)


def _jwt_shaped(claims: dict[str, Any]) -> str:
    """A token shaped like Entra's (header.claims.signature), unique each time."""
    claims = {**claims, "jti": secrets.token_hex(8)}
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{encode({'typ': 'JWT', 'alg': 'RS256'})}.{encode(claims)}.{secrets.token_urlsafe(32)}"
