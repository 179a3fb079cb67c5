"""Reading Authentication-Results (RFC 8601): only the trusted server's verdict counts, and it
sends a reply to review when DMARC failed or DKIM and SPF both did.

The headers are written as Gmail, Exchange Online and Postfix with OpenDKIM/OpenDMARC write
them (addresses and hosts changed to reserved names).
"""

from __future__ import annotations

import pytest

from scheduler.domain.replies.authentication import (
    AuthenticationResults,
    MethodResult,
    authentication_failure,
    parse_authentication_results,
)

COUNCIL = "mx.council.example.org"
GMAIL = (
    "mx.google.com; dkim=pass header.i=@example.org header.s=s1 header.b=Zx3eT1a9;"
    " spf=pass (google.com: domain of helene@example.org designates 192.0.2.45 as permitted"
    " sender) smtp.mailfrom=helene@example.org;"
    " dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.org"
)
EXCHANGE_PASS = (
    "spf=pass (sender IP is 192.0.2.45) smtp.mailfrom=example.org; dkim=pass (signature was"
    " verified) header.d=example.org;dmarc=pass action=none header.from=example.org;"
    "compauth=pass reason=100"
)
EXCHANGE_SPOOF = (
    "spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=example.org; dkim=none (message not"
    " signed) header.d=none;dmarc=fail action=quarantine header.from=example.org;"
    "compauth=fail reason=000"
)
POSTFIX_FAIL = (
    f'{COUNCIL}; dkim=fail reason="signature verification failed" (1024-bit key;'
    ' unprotected) header.d=example.org header.i=@example.org header.b="aB1;cD2";'
    " spf=fail (mailfrom) smtp.mailfrom=example.org"
)


def test_a_gmail_header_gives_its_server_and_each_check() -> None:
    parsed = parse_authentication_results(GMAIL)

    assert parsed.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert ("header.from", "example.org") in parsed.results[2].properties


def test_an_exchange_online_header_names_no_server() -> None:
    parsed = parse_authentication_results(EXCHANGE_PASS)

    assert parsed.authserv_id is None
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
        ("compauth", "pass"),
    ]


def test_comments_quoted_strings_and_versions_are_read_as_rfc_8601_writes_them() -> None:
    parsed = parse_authentication_results(
        '"mx (main).example.org" 1; (a comment; with a semicolon) dkim/1 = FAIL'
        ' reason="bad; really" header.d=example.org; spf=SoftFail'
    )

    assert parsed == AuthenticationResults(
        "mx (main).example.org",
        (
            MethodResult("dkim", "fail", (("reason", "bad; really"), ("header.d", "example.org"))),
            MethodResult("spf", "softfail"),
        ),
    )


def test_a_header_with_no_results_or_unreadable_parts_reads_as_far_as_it_can() -> None:
    assert parse_authentication_results("mx.example.org 1; none").results == ()
    assert parse_authentication_results("").authserv_id is None
    stray = parse_authentication_results(
        "spf=pass smtp.mailfrom=github.com; hotmail.com; dkim=test header.d=github.com;"
    )
    assert [r.method for r in stray.results] == ["spf", "dkim"]


def test_a_dmarc_failure_at_the_trusted_server_is_a_reason_for_review() -> None:
    header = f"{COUNCIL}; spf=pass smtp.mailfrom=example.net; dmarc=fail header.from=example.org"

    assert authentication_failure([header], COUNCIL) == (
        f"sender authentication failed at {COUNCIL}: dmarc=fail (From domain example.org)"
    )


def test_dkim_and_spf_both_failing_at_the_trusted_server_is_a_reason_for_review() -> None:
    assert authentication_failure([POSTFIX_FAIL], COUNCIL) == (
        f"sender authentication failed at {COUNCIL}: dkim=fail, spf=fail"
    )


@pytest.mark.parametrize(
    "header",
    [
        f"{COUNCIL}; dkim=fail header.d=example.org; spf=pass smtp.mailfrom=example.org",
        f"{COUNCIL}; dkim=none; spf=fail smtp.mailfrom=example.org",
        f"{COUNCIL}; dkim=fail header.d=a.example; dkim=pass header.d=b.example; spf=fail",
        f"{COUNCIL}; dmarc=none header.from=example.org",
        f"{COUNCIL} 1; none",
    ],
)
def test_one_check_failing_alone_is_no_reason_for_review(header: str) -> None:
    assert authentication_failure([header], COUNCIL) is None


def test_another_servers_verdict_is_ignored() -> None:
    forged = f"{COUNCIL}.evil.example; dmarc=fail header.from=example.org"
    upstream = "mx.partner.example.net; dkim=fail; spf=fail; dmarc=fail"

    assert authentication_failure([forged, upstream, EXCHANGE_SPOOF], COUNCIL) is None


def test_the_trusted_server_is_matched_whatever_its_case() -> None:
    header = "MX.Council.Example.ORG; dmarc=fail header.from=example.org"

    assert authentication_failure([header], COUNCIL) is not None


def test_any_failing_verdict_of_the_trusted_server_counts_even_beside_a_passing_one() -> None:
    passing = f"{COUNCIL}; dkim=pass; spf=pass; dmarc=pass"

    assert authentication_failure([passing, POSTFIX_FAIL], COUNCIL) is not None


def test_exchange_online_is_trusted_by_name_for_the_header_that_names_no_server() -> None:
    assert authentication_failure([EXCHANGE_PASS], "exchange-online") is None
    assert authentication_failure([EXCHANGE_SPOOF], "exchange-online") == (
        "sender authentication failed at Exchange Online: dmarc=fail (From domain example.org)"
    )
    assert authentication_failure([f"{COUNCIL}; dmarc=fail"], "exchange-online") is None
