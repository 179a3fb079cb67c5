"""A private dovecot IMAP server on loopback for integration tests.

Each instance lives in its own temporary directory: a config file, a passwd-file with the test
users, a self-signed certificate made with the `openssl` CLI, the maildirs and the log. It
listens on 127.0.0.1 only, on two free ports: implicit TLS (`port`) and plain text with
STARTTLS (`plain_port`). Nothing of the system's dovecot (its config, services or state) is
used or touched.

Users: `tester` sees every capability dovecot has; `legacy` is offered IMAP4rev1 only (no MOVE,
no UIDPLUS) and `uidplus` only UIDPLUS (no MOVE), so tests can take the fallback paths a
client needs for older servers.

Fixtures (tests/conftest.py imports them): `dovecot`, the session's server with every
mailbox emptied before each test; `short_lived_dovecot`, a server of the test's own that it may
stop; `untrusted_certificate`, a CA file the servers' certificates do not chain to.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]

from scheduler.adapters.imap_mailbox import ImapSettings, Security

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVECOT_IMAP = "/usr/lib/dovecot/imap"  # Debian's dovecot-imapd; dovecot-core lacks it
OPENSSL = shutil.which("openssl")
HOST = "127.0.0.1"
USER = "tester"
PASSWORD = "correct horse battery staple"
LEGACY_USER = "legacy"
UIDPLUS_USER = "uidplus"
START_TIMEOUT = 10.0


class DovecotUnavailable(RuntimeError):
    """Dovecot or openssl is not installed here; the reason says what to install."""


class DovecotFailed(RuntimeError):
    """Dovecot is installed but would not start; the reason is the last line of its log."""


@dataclass
class DovecotServer:
    """A running private dovecot; `port` speaks implicit TLS, `plain_port` plain/STARTTLS."""

    host: str
    port: int
    plain_port: int
    user: str
    password: str
    cert_path: Path
    root: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    legacy_user: str = LEGACY_USER
    uidplus_user: str = UIDPLUS_USER

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def settings(self, security: Security = "ssl", **changes: object) -> ImapSettings:
        """ImapSettings that reach this server as `tester`, trusting its certificate."""
        port = self.port if security == "ssl" else self.plain_port
        base = ImapSettings(
            host=self.host,
            port=port,
            user=self.user,
            password=self.password,
            security=security,
            ca_file=str(self.cert_path),
            timeout=5.0,
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    def client(self, user: str | None = None) -> IMAPClient:
        """A logged-in IMAPClient over TLS, for delivering and inspecting in tests."""
        context = ssl.create_default_context(cafile=str(self.cert_path))
        client = IMAPClient(self.host, port=self.port, ssl=True, ssl_context=context, timeout=5)
        client.login(user or self.user, self.password)
        return client

    def append(self, folder: str, raw: bytes, user: str | None = None) -> int:
        """Deliver `raw` into `folder` with IMAP APPEND; returns the new message's UID."""
        with self.client(user) as client:
            response = client.append(folder, raw)
        # Dovecot answers "[APPENDUID <uidvalidity> <uid>] Append completed."
        code = response.decode().split("]", 1)[0].lstrip("[").split()
        return int(code[2])

    def uids(self, folder: str, user: str | None = None) -> list[int]:
        """UIDs in `folder` not flagged \\Deleted, ascending."""
        with self.client(user) as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["UNDELETED"]))

    def flags(self, folder: str, user: str | None = None) -> dict[int, tuple[bytes, ...]]:
        """Every message's flags in `folder`, by UID (including \\Deleted ones)."""
        with self.client(user) as client:
            client.select_folder(folder, readonly=True)
            return dict(client.get_flags(client.search(["ALL"])))

    def clear(self) -> None:
        """Empty every user's mailbox: expunge INBOX and delete all other folders."""
        for user in (self.user, LEGACY_USER, UIDPLUS_USER):
            with self.client(user) as client:
                client.select_folder("INBOX")
                client.delete_messages(client.search(["ALL"]))
                client.close_folder()
                for _flags, _delimiter, name in client.list_folders():
                    if name != "INBOX":
                        client.delete_folder(name)

    def stop(self) -> None:
        """Shut the server and all its processes down; open sessions see the connection drop.

        The master leaves its children to notice its exit in their own time, so the whole
        process group (the server runs in a session of its own) is signalled and awaited.
        """
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        deadline = time.monotonic() + 10
        while _live_members(group):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            time.sleep(0.01)


def _live_members(group: int) -> list[int]:
    """Processes of `group` that are still running (zombies count as gone)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(entry.name))
    return members


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def make_certificate(directory: Path, name: str = "server") -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) paths."""
    if OPENSSL is None:
        raise DovecotUnavailable("openssl CLI not found: apt-get install openssl")
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        [
            OPENSSL, "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _accounts() -> tuple[int, int, str]:
    """(mail uid, mail gid, settings) under which dovecot runs for this process.

    As root, dovecot refuses to give mail to uid 0, so mail belongs to `nobody` and the
    processes drop to the `dovecot`/`dovenull` accounts Debian's package creates. As any other
    user, every process runs as that user and nothing is chrooted or chowned.
    """
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        settings = "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
        return nobody.pw_uid, nobody.pw_gid, settings
    me = pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(me.pw_gid).gr_name
    settings = (
        f"default_internal_user = {me.pw_name}\n"
        f"default_internal_group = {group}\n"
        f"default_login_user = {me.pw_name}\n"
    )
    return me.pw_uid, me.pw_gid, settings


def _oauth2_config(root: Path, introspection_url: str | None) -> tuple[str, str, str]:
    """(extra mechanisms, passwd-file passdb line, oauth2 passdb) for bearer-token sign-in:
    dovecot's oauth2 passdb asks `introspection_url` (RFC 7662, POST) about each token."""
    if introspection_url is None:
        return "", "", ""
    args = root / "dovecot-oauth2.conf.ext"
    args.write_text(
        f"introspection_mode = post\nintrospection_url = {introspection_url}\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        "force_introspection = yes\n"
    )
    passdb = (
        f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {args}\n}}\n"
    )
    return " xoauth2 oauthbearer", "  mechanisms = plain login\n", passdb


def _write_config(
    root: Path,
    port: int,
    plain_port: int,
    cert: Path,
    key: Path,
    introspection_url: str | None = None,
) -> Path:
    uid, gid, accounts = _accounts()
    mail = root / "mail"
    mail.mkdir()
    os.chown(mail, uid, gid)
    users = root / "users"
    lines = [
        f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail / USER}",
        f"{LEGACY_USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail / LEGACY_USER}::"
        "userdb_imap_capability=IMAP4rev1",
        f"{UIDPLUS_USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail / UIDPLUS_USER}::"
        "userdb_imap_capability=UIDPLUS",
    ]
    users.write_text("\n".join(lines) + "\n")
    mechanisms, password_mechanisms, oauth2_passdb = _oauth2_config(root, introspection_url)
    unprivileged = os.geteuid() != 0
    chroot_off = "  chroot =\n" if unprivileged else ""
    config = root / "dovecot.conf"
    config.write_text(
        f"""\
protocols = imap
instance_name = csp-test-{port}
base_dir = {root / "run"}
state_dir = {root / "state"}
log_path = {root / "dovecot.log"}
info_log_path = {root / "dovecot.log"}
listen = {HOST}
shutdown_clients = yes
{accounts}first_valid_uid = 1
first_valid_gid = 1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
auth_failure_delay = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
{password_mechanisms}  args = {users}
}}
{oauth2_passdb}
userdb {{
  driver = passwd-file
  args = {users}
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {port}
    ssl = yes
  }}
{chroot_off}}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
    )
    return config


def _wait_until_ready(process: subprocess.Popen[bytes], ports: tuple[int, ...]) -> bool:
    """Poll until every port accepts and greets, or the master exits."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(ports)
    while waiting and time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((HOST, waiting[0]), timeout=1) as probe:
                if waiting[0] == ports[-1] and not probe.recv(64).startswith(b"* OK"):
                    raise OSError("no greeting")
                waiting.pop(0)
        except OSError:
            time.sleep(0.01)
    return not waiting and process.poll() is None


def start_dovecot(
    root: Path, *, attempts: int = 3, introspection_url: str | None = None
) -> DovecotServer:
    """Start a dovecot in `root` (an empty directory others may traverse) and wait for it."""
    if not (os.path.exists(DOVECOT) and os.path.exists(DOVECOT_IMAP)):
        raise DovecotUnavailable("dovecot-imapd not installed: apt-get install dovecot-imapd")
    cert, key = make_certificate(root)
    for _ in range(attempts):
        port, plain_port = _free_port(), _free_port()
        instance = root / f"instance-{port}"
        instance.mkdir(mode=0o755)
        config = _write_config(instance, port, plain_port, cert, key, introspection_url)
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(instance / "stderr.log").open("wb"),
            start_new_session=True,
        )
        server = DovecotServer(HOST, port, plain_port, USER, PASSWORD, cert, instance, process)
        if _wait_until_ready(process, (port, plain_port)):
            return server
        server.stop()
    log = (instance / "stderr.log").read_text() + (
        server.log_path.read_text() if server.log_path.exists() else ""
    )
    last = log.strip().splitlines()[-1:] or ["no log"]
    raise DovecotFailed(f"dovecot did not start: {last[0]}")


def _private_root() -> Path:
    # Not under pytest's tmp_path: that is mode 0700, and the mail processes run unprivileged.
    root = Path(tempfile.mkdtemp(prefix="csp-dovecot-"))
    root.chmod(0o755)
    return root


def running_dovecot(introspection_url: str | None = None) -> Iterator[DovecotServer]:
    """A started server for the duration of the generator; skips the test if impossible.

    With `introspection_url`, it also takes XOAUTH2 and OAUTHBEARER sign-ins, asking that
    RFC 7662 endpoint about each bearer token."""
    root = _private_root()
    try:
        server = start_dovecot(root, introspection_url=introspection_url)
    except DovecotUnavailable as missing:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_session() -> Iterator[DovecotServer]:
    """One dovecot for the whole test session."""
    yield from running_dovecot()


@pytest.fixture
def dovecot(dovecot_session: DovecotServer) -> DovecotServer:
    """The session's dovecot with every test user's mailbox emptied first."""
    dovecot_session.clear()
    return dovecot_session


@pytest.fixture
def short_lived_dovecot() -> Iterator[DovecotServer]:
    """A dovecot of the test's own, for tests that stop it."""
    yield from running_dovecot()


@pytest.fixture
def untrusted_certificate(tmp_path: Path) -> Path:
    """A self-signed certificate no dovecot here presents: a CA file that trusts nothing."""
    return make_certificate(tmp_path, "untrusted")[0]
