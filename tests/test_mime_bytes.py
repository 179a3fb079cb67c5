"""The email's bytes written straight from its parts are the email package's bytes, to the
byte: every kind as composed, and any parts at all, where the writer does not decline them."""

from __future__ import annotations

import random
from dataclasses import replace
from email import quoprimime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import Rendering
from scheduler.services.compose import compose_rendering, email_parts
from scheduler.services.email_parts import Attachment, EmailParts, Mailbox, email_message
from scheduler.services.mime_bytes import quoted_printable, written_email
from tests.test_compose import MESSAGE_ID, NOW, TEMPLATES, TOKEN, context

SEED = 20110621


def by_the_email_package(parts: EmailParts) -> Rendering:
    """What the outbox kept before: the email package's message, as bytes."""
    random.seed(SEED)  # its boundaries are random
    msg = email_message(parts)
    raw = msg.as_bytes()
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return Rendering(subject=str(msg["Subject"]), body_text=body.get_content(), raw=raw)


def written(parts: EmailParts) -> Rendering | None:
    random.seed(SEED)
    return written_email(parts)


def parts_of(kind: NotificationKind, **changes: object) -> EmailParts:
    return email_parts(
        context(kind, **changes),
        token=TOKEN,
        message_id=MESSAGE_ID,
        from_address="csp-updates@lancaster.example.org",
        reply_to="csp-updates@lancaster.example.org",
        templates_dir=TEMPLATES,
        now=NOW,
        attachments=(Attachment("agenda-pack-2011-06-21.pdf", b"%PDF-1.7\n" * 500),)
        if kind is NotificationKind.AGENDA_PACK
        else (),
    )


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_is_written_as_the_email_package_writes_it(kind: NotificationKind) -> None:
    # Given the parts of an email of this kind, with a long partnership name to fold
    parts = parts_of(kind, partnership="Lancaster District Community Safety Partnership")
    # When it is written straight from them
    fast = written(parts)
    # Then it was not left to the email package, and it is that package's email to the byte
    assert fast is not None
    assert fast == by_the_email_package(parts)


def test_a_chaser_follows_its_request_in_both_writings() -> None:
    parts = parts_of(NotificationKind.UPDATE_CHASER, thread=("<csp.1@example.org>",) * 3)
    assert written(parts) == by_the_email_package(parts)


def test_parts_that_are_not_plain_are_left_to_the_email_package() -> None:
    # Given a lead whose name needs quoting, and one written in another script
    for name in ("Burton, Gemma", "Zoë Ørsted"):
        parts = parts_of(NotificationKind.UPDATE_REQUEST, lead_name=name)
        # Then the writer declines them, and the rendering is the package's all the same
        assert written(parts) is None
        random.seed(SEED)
        assert compose_rendering(
            context(NotificationKind.UPDATE_REQUEST, lead_name=name),
            token=TOKEN,
            message_id=MESSAGE_ID,
            from_address="csp-updates@lancaster.example.org",
            reply_to="csp-updates@lancaster.example.org",
            templates_dir=TEMPLATES,
            now=NOW,
        ) == by_the_email_package(parts)


# Text a person or a template might give: words of any length, marks the header parsers
# treat specially, accents, and line ends of every kind.
_WORDS = st.text(st.sampled_from("abcXYZ019 .,;:<>()[]\"'@=?&+-_\\/é€\t"), min_size=0, max_size=90)
_PLAIN_WORDS = st.lists(
    st.text(st.sampled_from("abcXYZ019'&-"), min_size=1, max_size=10), min_size=1, max_size=4
).map(" ".join)
_PLAIN_FILE_NAMES = st.lists(
    st.text(st.sampled_from("abcXYZ019._-"), min_size=1, max_size=20), min_size=1, max_size=4
).map(" ".join)
_ADDRESSES = st.sampled_from(
    [
        "jane.smith@example.org",
        "csp-updates+abcdefghijklmnopqrst@lancaster.example.org",
        "o'gara@example.org",
        "a@b.c",
    ]
)
_ODD_ADDRESSES = st.sampled_from(
    [
        "a-very-long-local-part-that-goes-on-and-on-for-ever@a-long-domain.example.org",
        "jane smith@example.org",
        '"jane"@example.org',
    ]
)
_BODIES = st.text(st.sampled_from("ab \n\r\t=.é€x"), max_size=400).map(
    lambda t: t.replace("x", "y" * 80)  # some lines far past 78 characters
)


def _mostly(plain: st.SearchStrategy[str], wild: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Plain values four times in five: an email with one odd part is left to the package."""
    return st.integers(0, 4).flatmap(lambda n: wild if n == 0 else plain)


@st.composite
def _parts(draw: st.DrawFn) -> EmailParts:
    base = parts_of(NotificationKind.UPDATE_REQUEST)
    mailbox = st.builds(
        Mailbox,
        _mostly(st.one_of(st.just(""), _PLAIN_WORDS), _WORDS),
        _mostly(_ADDRESSES, _ODD_ADDRESSES),
    )
    files = st.builds(
        Attachment,
        _mostly(_PLAIN_FILE_NAMES, _WORDS.filter(bool)),
        st.binary(max_size=200),
        st.sampled_from(["application/pdf", "text/calendar"]),
        st.sampled_from([(), (("method", "PUBLISH"), ("charset", "utf-8"))]),
    )
    return replace(
        base,
        sender=draw(mailbox),
        to=tuple(draw(st.lists(mailbox, min_size=1, max_size=2))),
        cc=tuple(draw(st.lists(mailbox, max_size=1))),
        reply_to=draw(mailbox),
        subject=draw(_mostly(_PLAIN_WORDS, _WORDS)),
        thread=tuple(draw(st.lists(st.sampled_from([MESSAGE_ID, "<x y@z>", "<@>"]), max_size=3))),
        text=draw(st.one_of(st.just(base.text), _BODIES)),
        html=draw(st.one_of(st.just(base.html), _BODIES)),
        attachments=tuple(draw(st.lists(files, max_size=2))),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_parts())
def test_any_parts_are_written_as_the_package_writes_them_or_left_to_it(
    parts: EmailParts,
) -> None:
    fast = written(parts)
    if fast is not None:
        assert fast == by_the_email_package(parts)


@pytest.mark.parametrize("length", range(50, 170, 7))
def test_headers_fold_where_the_package_folds_them_at_any_length(length: int) -> None:
    # Given a subject of this length, of short words, and a name and a file's name of half
    # of it, up to 60 (longer ones the package writes in pieces: the writer leaves them)
    words = ("Lancaster " * 20)[:length].strip()
    half = words[: min(length // 2, 60)].strip()
    base = parts_of(NotificationKind.DEADLINE_REMINDER)
    parts = replace(
        base,
        subject=words,
        reply_to=Mailbox(half, base.reply_to.addr_spec),
        attachments=(Attachment(f"{half}.pdf", b"%PDF"),),
    )
    # Then each is written on the lines the package writes it on
    fast = written(parts)
    assert fast is not None
    assert fast == by_the_email_package(parts)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=100),
            st.sampled_from([b" ", b"\t", b"=", b"\r\n", b"\n", b"\r", b"x" * 75, b"\x85"]),
        ),
        max_size=30,
    ).map(b"".join)
)
def test_a_body_is_quoted_printable_as_the_package_has_it(body: bytes) -> None:
    expected = quoprimime.body_encode(body.decode("latin-1"), 78).encode("ascii")
    assert quoted_printable(body) == expected
