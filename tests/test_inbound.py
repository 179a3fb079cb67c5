"""Reading raw messages into plain values, and the whole reading of a reply, robustly."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.domain.replies.classification import MessageClass
from scheduler.domain.replies.inbound import InboundMessage, find_tokens, read_message
from scheduler.domain.replies.reading import understand_message
from scheduler.domain.replies.updates import InlineAnswer

MAIL = Path(__file__).resolve().parent / "fixtures" / "mail"
SENT = (MAIL / "sent_request_jane.txt").read_text(encoding="utf-8")
TOKEN = "k3j5q7mzx2wd4pa6tnbv"
OUR_ID = f"<20110601090000.{TOKEN}@lancaster.example.org>"
KNOWN_REFS = frozenset(
    f"3.{priority}.{action}"
    for priority, count in ((1, 4), (2, 3), (3, 2), (4, 3), (5, 3))
    for action in range(1, count + 1)
)


def _fixture(name: str) -> bytes:
    return (MAIL / "ours" / f"{name}.eml").read_bytes()


def test_reads_the_headers_of_an_outlook_reply_into_plain_values() -> None:
    raw = _fixture("outlook_desktop_top_posted")
    message = read_message(raw)
    assert message.message_id == (
        "<5B8E0C3A1D44B94C9E0F1A2B3C4D5E6F01A2B3@EXCH01.police.example.org>"
    )
    assert message.content_hash == hashlib.sha256(raw).hexdigest()
    assert message.in_reply_to == OUR_ID
    assert message.references == (OUR_ID,)
    assert message.from_address == "jane.fairclough@police.example.org"
    assert message.from_name == "Fairclough, Jane"
    assert message.to_addresses == (f"csp-updates+{TOKEN}@lancaster.example.org",)
    assert message.subject.startswith("RE: Update request for the CSP meeting on 21 June 2011")
    assert message.date is not None
    assert message.date.astimezone(UTC) == datetime(2011, 6, 2, 9, 13, 55, tzinfo=UTC)
    assert message.authentication_results[0].endswith("dkim=pass header.d=police.example.org")
    assert message.tokens == (("to", TOKEN), ("subject", TOKEN))
    assert message.text_body.startswith("Hi,\n\n3.1.1 Complete")
    assert not message.body_from_html
    assert message.problems == ()


def test_an_html_only_message_is_read_as_text() -> None:
    message = read_message(_fixture("outlook_web_html_only"))
    assert message.body_from_html
    assert "3.1.2 Green \u2013 all five sessions now booked" in message.text_body
    assert "<div" not in message.text_body


def test_the_plus_address_token_comes_before_the_subject_tag() -> None:
    other = "abcdefghijklmnopqrst"
    found = find_tokens(
        [
            ("delivered-to", f"csp-updates+{TOKEN}@lancaster.example.org"),
            ("to", f"CSP <csp-updates+{TOKEN.upper()}@lancaster.example.org>"),
        ],
        f"RE: Update request [CSP:{other}]",
    )
    assert found == (("delivered-to", TOKEN), ("to", TOKEN), ("subject", other))


def test_only_well_formed_tokens_are_found() -> None:
    assert (
        find_tokens([("to", "csp+k3j5q7mzx2wd4pa6tnb@x.example.org")], "[CSP:018901890189018901]")
        == ()
    )


def test_a_delegates_forward_is_matched_by_the_subject_tag() -> None:
    message = read_message(_fixture("forwarded_by_delegate"))
    assert message.from_address == "sam.okafor@police.example.org"
    assert message.tokens == (("subject", TOKEN),)


def test_a_mangled_message_is_read_as_far_as_it_goes_with_its_problems() -> None:
    # given a message with 8-bit header garbage, an unknown charset and truncated MIME
    message = read_message(_fixture("mangled"))
    # then it is still a reply with its token, text and attachment
    assert message.classification is MessageClass.REPLY
    assert message.token == TOKEN
    assert message.message_id is None
    assert message.store_key == f"sha256:{message.content_hash}"
    assert message.from_address == "elodie.marsh@health.example.org"
    assert "3.3.1 Green \u2013 drug referral pathway agreed with the caf\u00e9 project" in (
        message.text_body
    )
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("update.pdf", "application/pdf")
    ]
    assert message.attachments[0].size == len(message.attachments[0].payload) > 0
    assert "unknown charset 'x-mac-klingon'; read as UTF-8" in message.problems
    assert "MIME defect: CloseBoundaryNotFoundDefect" in message.problems


def test_empty_and_garbage_input_are_unknown_messages_not_errors() -> None:
    for raw in (b"", b"\x00\xff\xfe garbage \r\n\r\n\x80", b"Subject: =?x-bad?q?=ff?=\r\n"):
        message = read_message(raw)
        assert isinstance(message, InboundMessage)
        assert message.classification is MessageClass.UNKNOWN
        assert message.problems


def test_understanding_a_top_posted_reply_gives_the_parse_json_shape() -> None:
    reading = understand_message(
        _fixture("outlook_desktop_top_posted"), sent_text=SENT, known_refs=KNOWN_REFS
    )
    assert reading.to_json() == {
        "classification": "reply",
        "token": TOKEN,
        "updates": [
            {
                "ref": "3.1.1",
                "status": "Complete",
                "text": "action plan signed off by the MARAC steering group on 18 May",
            },
            {
                "ref": "3.1.2",
                "status": "Amber",
                "text": "two of the five DASH sessions held; the rest are booked for July",
            },
            {
                "ref": "3.1.3",
                "status": "Red",
                "text": "IDVA contract still not signed, legal are reviewing the tender",
            },
            {"ref": "3.1.4", "status": "Green", "text": "Mapping finished, review on track"},
        ],
        "unstructured_text": None,
        "problems": [],
    }
    assert reading.personal_data == ()


def test_inline_answers_become_updates_for_the_actions_they_sit_under() -> None:
    reading = understand_message(
        _fixture("outlook_inline_answers"), sent_text=SENT, known_refs=KNOWN_REFS
    )
    assert reading.inline_answers[0] == InlineAnswer(
        "3.1.3", "RED - still with legal, see Mark's note"
    )
    assert [(u.ref, u.status.value) for u in reading.content.updates] == [
        ("3.1.3", "Red"),
        ("3.1.4", "Green"),
    ]
    assert reading.content.unstructured_text == "Please see my answers in the email below."


def test_problems_from_the_lead_are_reported_with_the_message() -> None:
    # given an iPhone reply whose 3.1.3 line says "R contract ..." and gives a phone number
    reading = understand_message(_fixture("outlook_ios"), sent_text=SENT, known_refs=KNOWN_REFS)
    assert [u.ref for u in reading.content.updates] == ["3.1.2", "3.1.3"]
    assert reading.personal_data == ("phone number",)


def test_automatic_replies_and_bounces_yield_no_updates() -> None:
    for name, kind in [
        ("exchange_out_of_office", "auto_reply"),
        ("rfc3834_auto_reply", "auto_reply"),
        ("dsn_bounce", "bounce"),
    ]:
        result = understand_message(_fixture(name), sent_text=SENT, known_refs=KNOWN_REFS)
        assert result.to_json() == {
            "classification": kind,
            "token": TOKEN,
            "updates": [],
            "unstructured_text": None,
            "problems": [],
        }


_CHARSETS = st.sampled_from(
    ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "x-unknown", "utf-7", "idna", "rot13",
     "base64", "utf-16", "ks_c_5601-1987", "", "\xff\xfe"]
)  # fmt: skip
_ENCODINGS = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "bogus"])
_TYPES = st.sampled_from(
    ["text/plain", "text/html", "application/pdf", "message/rfc822", "message/delivery-status",
     "text/rfc822-headers", "image/png", "text", "/", "multipart/alternative"]
)  # fmt: skip
_TEXT = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"3.1.1 Green done\r\n> quoted\r\nOn Tue wrote:\r\n",
            b"<p>3.1.2 <b>Amber</p>",
            b"=\r\n=ZZ",
        ]
    ),
)
_HEADER_VALUE = st.one_of(
    st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from(
        [b"=?utf-8?q?=E2=80=93?=", b"=?x-bad?b?////?=", b"<>", b'"unclosed <a@', b"a@b, ,;<"]
    ),
)


@st.composite
def _leaf(draw: st.DrawFn) -> bytes:
    content_type = draw(_TYPES)
    charset = draw(_CHARSETS)
    head = (
        f'Content-Type: {content_type}; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {draw(_ENCODINGS)}\r\n"
    ).encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        head += b'Content-Disposition: attachment; filename="' + draw(_HEADER_VALUE) + b'"\r\n'
    return head + b"\r\n" + draw(_TEXT)


def _multipart(children: st.SearchStrategy[list[bytes]]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        subtype = draw(st.sampled_from(["mixed", "alternative", "report", "related"]))
        boundary = draw(st.sampled_from(["b1", "==x==", "", "a b"]))
        parts = b"".join(
            b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in draw(children)
        )
        closing = b"--" + boundary.encode() + b"--\r\n" if draw(st.booleans()) else b""
        head = (
            f'Content-Type: multipart/{subtype}; boundary="{boundary}"; report-type=delivery-status'
        )
        return head.encode() + b"\r\n\r\n" + parts + closing

    return build()


_BODY = st.recursive(_leaf(), lambda inner: _multipart(st.lists(inner, max_size=4)), max_leaves=8)


@st.composite
def _raw_messages(draw: st.DrawFn) -> bytes:
    names = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
             "References", "Auto-Submitted", "Precedence", "Delivered-To", "X-Autoreply",
             "Return-Path"]  # fmt: skip
    headers = b"".join(
        name.encode() + b": " + draw(_HEADER_VALUE) + b"\r\n"
        for name in draw(st.lists(st.sampled_from(names), max_size=8))
    )
    raw = headers + b"MIME-Version: 1.0\r\n" + draw(_BODY)
    cut = draw(st.integers(min_value=0, max_value=len(raw)))
    return raw[:cut] if draw(st.booleans()) else raw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_raw_messages())
def test_no_message_structure_header_or_charset_makes_reading_fail(raw: bytes) -> None:
    # when any generated message is read and understood
    reading = understand_message(raw, sent_text=SENT, known_refs=KNOWN_REFS)
    # then a complete, JSON-ready result comes back
    assert reading.message.content_hash == hashlib.sha256(raw).hexdigest()
    assert reading.message.classification in MessageClass
    json.dumps(reading.to_json())
