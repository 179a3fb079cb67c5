"""Sending finished emails: over SMTP, or into a folder of .eml files when none is configured.

A transport is used as a context manager around a batch, so one SMTP connection carries
every message of the batch. Failures come out as two kinds only, because the outbox needs
to know just one thing: try this message again later (TemporaryFailure), or give up on it
and tell the coordinator (PermanentFailure). Bodies and passwords are never logged.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, Protocol, Self

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

from scheduler.adapters.sign_in_problems import smtp_refusal
from scheduler.adapters.tokens import TokenSource, TokenUnavailable
from scheduler.clock import Clock, SystemClock
from scheduler.settings import Security, SmtpSettings

__all__ = ["Security", "SmtpSettings"]

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The message could not be sent now but may go later: keep it and retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying would not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AcceptanceUnknown(Exception):
    """The message went out whole but the server's reply never came: it may have been taken.

    Never resent by the transport: the outbox records this first, and allows one resend.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MailTransport(Protocol):
    """Sends messages; enter it once per batch so the batch shares one connection."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, msg: EmailMessage) -> None:
        """Hand one message on; raises TemporaryFailure, PermanentFailure or AcceptanceUnknown."""
        ...

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        """Hand on a message already rendered to bytes (as stored in the outbox), unchanged."""
        ...


# RFC 4954: authentication required, too weak, credentials invalid, encryption required.
_NEEDS_LOGIN_OR_TLS = {530, 534, 535, 538}


def _reply_text(message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return " ".join(text.split())


def _by_code(code: int, what: str, message: bytes | str) -> Exception:
    reason = f"{what}: {code} {_reply_text(message)}"
    return PermanentFailure(reason) if 500 <= code < 600 else TemporaryFailure(reason)


class SmtpTransport:
    """SMTP over one connection per batch (STARTTLS, implicit TLS or plain).

    If the server drops the connection before the message went out (idle timeout, 421), it
    is sent again once on a fresh connection. A drop after the whole message went out and
    before the server's reply is `AcceptanceUnknown`: the server may have taken it (RFC 1047),
    so the transport never resends it itself.
    """

    def __init__(self, settings: SmtpSettings, tokens: TokenSource | None = None) -> None:
        self._settings = settings
        self._tokens = tokens  # with settings.auth == "oauth2": AUTH XOAUTH2 with its tokens
        self._smtp: _BodyTracking | None = None
        self._unreachable: str | None = None
        self.connections = 0  # opened in this transport's life, for logs and tests

    def __enter__(self) -> Self:
        self._unreachable = None
        self._connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT if the server still listens, and drop the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, msg: EmailMessage) -> None:
        self._deliver(lambda smtp: smtp.send_message(msg), msg.get("Message-ID"))

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        # The stored bytes go as they are: no re-parsing, no re-flattening.
        self._deliver(lambda smtp: smtp.sendmail(sender, list(recipients), raw), message_id)

    def _deliver(self, transmit: _Transmit, message_id: str | None) -> None:
        if self._unreachable is not None:
            raise TemporaryFailure(self._unreachable)
        if self._smtp is None:
            self._connect()
        try:
            self._send_once(transmit, message_id)
        except AcceptanceUnknown:
            self.close()
            raise
        except _Dropped as dropped:
            log.info("smtp connection dropped (%s); reconnecting once", dropped.reason)
            self.close()
            self._connect()
            try:
                self._send_once(transmit, message_id)
            except AcceptanceUnknown:
                self.close()
                raise
            except _Dropped as again:
                self.close()
                raise TemporaryFailure(f"connection dropped twice: {again.reason}") from None

    def _send_once(self, transmit: _Transmit, message_id: str | None) -> None:
        smtp = self._smtp
        assert smtp is not None
        smtp.body_sent = False
        try:
            refused = transmit(smtp)
        except smtplib.SMTPServerDisconnected as exc:
            raise _lost(smtp, str(exc) or "server disconnected") from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if smtp.sock is None and 421 in codes:
                raise _Dropped("421 while naming recipients") from None
            raise self._all_refused(exc.recipients) from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421 or smtp.sock is None:
                raise _Dropped(f"{exc.smtp_code} {_reply_text(exc.smtp_error)}") from None
            if exc.smtp_code in _NEEDS_LOGIN_OR_TLS:
                # The server wants a login or TLS first: our configuration, not the message.
                raise TemporaryFailure(
                    f"server requires login or TLS ({exc.smtp_code} {_reply_text(exc.smtp_error)});"
                    " check CSP_SMTP_USER and CSP_SMTP_SECURITY"
                ) from None
            what = "sender refused" if isinstance(exc, smtplib.SMTPSenderRefused) else "refused"
            raise _by_code(exc.smtp_code, what, exc.smtp_error) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(f"server cannot take this message: {exc}") from None
        except ValueError as exc:  # no recipients, duplicate headers: the message is at fault
            raise PermanentFailure(f"message cannot be sent: {exc}") from None
        except smtplib.SMTPException as exc:
            self.close()
            raise TemporaryFailure(f"smtp error: {exc}") from None
        except OSError as exc:
            raise _lost(smtp, f"connection error: {exc}") from None
        if refused:
            # Taken for some recipients: sending again would duplicate it for them.
            log.warning(
                "smtp accepted %s but refused %s",
                message_id or "(no Message-ID)",
                ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items()),
            )

    @staticmethod
    def _all_refused(recipients: dict[str, tuple[int, bytes]]) -> Exception:
        """Permanent only when every refusal is; a 4xx one may yet be accepted later."""
        details = "; ".join(
            f"{rcpt}: {code} {_reply_text(text)}" for rcpt, (code, text) in recipients.items()
        )
        if all(500 <= code < 600 for code, _ in recipients.values()):
            return PermanentFailure(f"recipients refused: {details}")
        return TemporaryFailure(f"recipients refused for now: {details}")

    def _connect(self) -> None:
        settings = self._settings
        where = f"{settings.host}:{settings.port}"
        try:
            self._smtp = self._open()
        except TokenUnavailable as exc:
            self._give_up(f"no token to sign in to {where}: {exc.reason}")
        except smtplib.SMTPAuthenticationError as exc:
            # A login problem is not the message's fault: keep it until the login is fixed.
            said = _reply_text(exc.smtp_error)
            if settings.auth == "oauth2":
                self._give_up(f"{where} as {settings.user}: {smtp_refusal(exc.smtp_code, said)}")
            self._give_up(f"login to {where} refused: {exc.smtp_code} {said}")
        except smtplib.SMTPResponseException as exc:
            self._give_up(
                f"{where} refused the connection: {exc.smtp_code} {_reply_text(exc.smtp_error)}"
            )
        except (smtplib.SMTPException, OSError) as exc:
            self._give_up(
                f"cannot reach {where} ({settings.security}): {type(exc).__name__}: {exc}"
            )
        self.connections += 1
        log.info("smtp connected to %s (%s)", where, settings.security)

    def _give_up(self, reason: str) -> NoReturn:
        """Connecting failed: every further send of this batch fails at once, the same way."""
        self._unreachable = reason
        log.warning("smtp unavailable: %s", reason)
        raise TemporaryFailure(reason) from None

    def _open(self) -> _BodyTracking:
        settings = self._settings
        smtp: _BodyTracking
        if settings.security == "ssl":
            smtp = _BodyTrackingSsl(
                settings.host,
                settings.port,
                local_hostname=settings.local_hostname,
                timeout=settings.timeout,
                context=self._tls_context(),
            )
        else:
            smtp = _BodyTracking(
                settings.host,
                settings.port,
                local_hostname=settings.local_hostname,
                timeout=settings.timeout,
            )
        try:
            if settings.security == "starttls":
                smtp.starttls(context=self._tls_context())
            if settings.auth == "oauth2":
                self._sign_in_with_token(smtp)
            elif settings.user:
                smtp.login(settings.user, settings.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _sign_in_with_token(self, smtp: _BodyTracking) -> None:
        """AUTH XOAUTH2; a refused token is dropped and a fresh one tried once."""
        if self._tokens is None:
            raise TokenUnavailable("CSP_MAIL_AUTH=oauth2 but no token source was given")
        user = self._settings.user or ""
        smtp.ehlo_or_helo_if_needed()  # unlike login(), auth() does not greet after STARTTLS
        for last_try in (False, True):
            token = self._tokens.token()
            try:
                smtp.auth("XOAUTH2", _xoauth2(user, token), initial_response_ok=True)
                return
            except smtplib.SMTPAuthenticationError:
                self._tokens.refused(token)
                if last_try:
                    raise

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = self._settings.ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _xoauth2(user: str, token: str) -> Callable[..., str]:
    """The SASL XOAUTH2 initial response; an error challenge is answered empty, as required."""

    def respond(challenge: bytes | None = None) -> str:
        return f"user={user}\x01auth=Bearer {token}\x01\x01" if challenge is None else ""

    return respond


def _lost(smtp: _BodyTracking, reason: str) -> Exception:
    """The connection failed under a message: harmless before the message went out."""
    if smtp.body_sent:
        return AcceptanceUnknown(f"no reply after the message was sent: {reason}")
    return _Dropped(reason)


class _BodyTracking(smtplib.SMTP):
    """An SMTP client that knows whether the message itself has gone out (after DATA's 354),
    which is what tells a harmless drop from one that leaves the message's fate unknown."""

    body_sent = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.body_sent = False
        return super().data(msg)

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)
        if not isinstance(s, str):  # commands go as str; only the message body goes as bytes
            self.body_sent = True


class _BodyTrackingSsl(_BodyTracking, smtplib.SMTP_SSL):
    """The same, over implicit TLS."""


_Transmit = Callable[[_BodyTracking], dict[str, tuple[int, bytes]]]


class _Dropped(Exception):
    """The connection went away under a message; worth one retry on a new connection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+|\.{2,}")


class HeaderAddressed(ABC):
    """Base of the transports that take the recipients from the message's own headers (an
    .eml file, Graph's sendMail): `send` hands on its bytes as they go on the wire, and there
    is no connection to open or close."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def send(self, msg: EmailMessage) -> None:
        raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        self.send_raw("", (), raw, msg.get("Message-ID"))

    @abstractmethod
    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        """Hand on the bytes unchanged, to the addresses their headers name."""


class FolderTransport(HeaderAddressed):
    """Writes each message as `<timestamp>-<message-id>.eml` into a folder (no SMTP needed).

    The file is written under a dot-name and renamed into place, so a reader of the folder
    never sees half a message.
    """

    def __init__(self, folder: Path, *, clock: Clock | None = None) -> None:
        self.folder = folder
        self._clock = clock or SystemClock()

    def __enter__(self) -> Self:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TemporaryFailure(f"cannot create outbox folder {self.folder}: {exc}") from None
        return self

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        if not message_id:
            raise PermanentFailure("message has no Message-ID")
        data = raw
        stamp = self._clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{_UNSAFE.sub('_', str(message_id).strip('<> ')).strip('._')}.eml"
        final = self.folder / name
        temporary = self.folder / f".{name}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise TemporaryFailure(f"cannot write {final}: {exc}") from None
        log.info("wrote %s", final.name)


def transport_for(
    smtp: SmtpSettings | None, outbox_dir: Path, tokens: TokenSource | None = None
) -> MailTransport:
    """SMTP when configured, else the folder of .eml files."""
    if smtp is None:
        return FolderTransport(outbox_dir)
    return SmtpTransport(smtp, tokens)
