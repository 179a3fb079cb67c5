"""Whether the council's own mail server vouches for a reply's sender: Authentication-Results.

A receiving server that checks SPF, DKIM and DMARC writes its verdict in an
`Authentication-Results` header (RFC 8601) that begins with its own name, the authserv-id:

    Authentication-Results: mx.council.example.org;
        spf=fail smtp.mailfrom=example.org; dkim=none; dmarc=fail header.from=example.org

Anyone can write such a header into a message they send, and every server on the way may add
its own, so only the headers whose authserv-id is the trusted server's are read. Exchange
Online writes its header with no authserv-id at all (`spf=pass (sender IP is ...) ...`); the
trusted id `exchange-online` reads those. Reading a header can only make a message stricter to
accept, never let one in, and each header is judged on its own, so a forged verdict can do no
more than send its own message to review.

The parser is small and lenient: comments and quoted strings are honoured, and whatever it
cannot read (Exchange's stray `; hotmail.com;` segments, unknown methods) is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

EXCHANGE_ONLINE = "exchange-online"  # the trusted id for headers that name no server

_METHOD = re.compile(r"([A-Za-z][\w-]*)\s*(?:/\s*\d+\s*)?=\s*([A-Za-z][\w-]*)")
_VALUE = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+')
_PROPERTY = re.compile(r"([A-Za-z][\w-]*(?:\s*\.\s*[\w-]+)*)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s\"]+)")
_SPF_FAILED = frozenset({"fail", "softfail"})
_DKIM_FAILED = frozenset({"fail", "permerror"})  # a signature that did not verify


@dataclass(frozen=True)
class MethodResult:
    """One check and its outcome, e.g. `dkim=fail header.d=example.org`; names lower-case."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuthenticationResults:
    """One Authentication-Results header; `authserv_id` None when it names no server."""

    authserv_id: str | None
    results: tuple[MethodResult, ...]


def parse_authentication_results(value: str) -> AuthenticationResults:
    """The server and results in a header's value (unfolded or not); never raises."""
    segments = _split_outside_quotes(_without_comments(value))
    first = segments[0].strip()
    authserv_id: str | None = None
    if first and not _METHOD.match(first):
        token = _VALUE.match(first)
        authserv_id = _unquote(token[0]) if token else None
        segments = segments[1:]
    results = tuple(result for result in map(_method_result, segments) if result is not None)
    return AuthenticationResults(authserv_id, results)


def authentication_failure(headers: Iterable[str], trusted_authserv_id: str) -> str | None:
    """Why the trusted server says the sender is not who the From header claims: DMARC
    failed, or DKIM and SPF both did. None when it says no such thing, or wrote nothing.

    Each of its headers is judged on its own, so that a header added to the message can never
    outweigh the server's own verdict.
    """
    trusted = trusted_authserv_id.strip().lower()
    server = "Exchange Online" if trusted == EXCHANGE_ONLINE else trusted_authserv_id.strip()
    for header in headers:
        parsed = parse_authentication_results(header)
        if _written_by(parsed, trusted):
            failed = _failed_checks(parsed.results)
            if failed:
                checks = ", ".join(dict.fromkeys(f"{r.method}={r.result}" for r in failed))
                claimed = _claimed_domain(parsed.results)
                return f"sender authentication failed at {server}: {checks}{claimed}"
    return None


def _failed_checks(results: tuple[MethodResult, ...]) -> list[MethodResult]:
    """DMARC's failure, else DKIM's and SPF's when both failed, else nothing."""
    dmarc = [r for r in results if r.method == "dmarc" and r.result == "fail"]
    if dmarc:
        return dmarc
    dkim, spf = _failures(results, "dkim", _DKIM_FAILED), _failures(results, "spf", _SPF_FAILED)
    return dkim + spf if dkim and spf else []


def _written_by(parsed: AuthenticationResults, trusted: str) -> bool:
    if parsed.authserv_id is None:
        return trusted == EXCHANGE_ONLINE
    return parsed.authserv_id.lower() == trusted


def _failures(
    results: tuple[MethodResult, ...], method: str, failures: frozenset[str]
) -> list[MethodResult]:
    """The failed results of `method`, unless one of its results passed (a message may carry
    several DKIM signatures, and one good one is enough)."""
    checked = [r for r in results if r.method == method]
    if any(r.result == "pass" for r in checked):
        return []
    return [r for r in checked if r.result in failures]


def _claimed_domain(results: tuple[MethodResult, ...]) -> str:
    for result in results:
        for name, value in result.properties:
            if name == "header.from":
                return f" (From domain {value[:100]})"
    return ""


def _method_result(segment: str) -> MethodResult | None:
    text = segment.strip()
    match = _METHOD.match(text)
    if match is None:
        return None  # "none", an empty or unreadable segment
    properties = tuple(
        (re.sub(r"\s+", "", name).lower(), _unquote(value))
        for name, value in _PROPERTY.findall(text[match.end() :])
    )
    return MethodResult(match[1].lower(), match[2].lower(), properties)


def _without_comments(text: str) -> str:
    """The text with (comments), nested or not, replaced by a space; quoted strings kept."""
    kept: list[str] = []
    depth = 0
    quoted = False
    characters = iter(text)
    for character in characters:
        if character == "\\":
            escaped = next(characters, "")
            if depth == 0:
                kept.append(character + escaped)
        elif quoted:
            kept.append(character)
            quoted = character != '"'
        elif character == "(":
            depth += 1
        elif character == ")" and depth:
            depth -= 1
            if depth == 0:
                kept.append(" ")
        elif depth == 0:
            kept.append(character)
            quoted = character == '"'
    return "".join(kept)


def _split_outside_quotes(text: str) -> list[str]:
    """The text cut at each semicolon that is not inside a quoted string."""
    segments: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for character in text:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == '"':
            quoted = not quoted
        elif character == ";" and not quoted:
            segments.append("".join(current))
            current = []
            continue
        current.append(character)
    return [*segments, "".join(current)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
