"""Cutting a reply down to the lead's own words, on a corpus and on the forms councils use."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.domain.replies.html_text import html_to_text
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.text import REPLY_MARKER, extract_reply_text, split_reply

MAIL = Path(__file__).resolve().parent / "fixtures" / "mail"
SENT = (MAIL / "sent_request_jane.txt").read_text(encoding="utf-8")
KNOWN_MISSES = {
    "email_reply_parser/email_1_6.txt": "a free-form mobile signature ('Sent from a magnificent "
    "torch of pixels') is not recognised",
}


def _body(source: Path) -> str:
    if source.suffix == ".eml":
        return read_message(source.read_bytes()).text_body
    if source.suffix == ".html":
        return html_to_text(source.read_text(encoding="utf-8", errors="replace"))
    return source.read_text(encoding="utf-8")


def _corpus() -> list[object]:
    cases: list[object] = []
    for expected in sorted(MAIL.rglob("*.expected.txt")):
        stem = expected.name.removesuffix(".expected.txt")
        source = next(
            p
            for p in expected.parent.iterdir()
            if p.stem == stem and p.suffix in (".eml", ".txt", ".html")
        )
        name = str(source.relative_to(MAIL))
        miss = KNOWN_MISSES.get(name)
        marks = [pytest.mark.xfail(reason=miss, strict=True)] if miss else []
        cases.append(pytest.param(source, expected, id=name, marks=marks))
    return cases


@pytest.mark.parametrize(("source", "expected"), _corpus())
def test_extracts_the_leads_words_from_each_corpus_message(source: Path, expected: Path) -> None:
    # given a message from the corpus and the words its author wrote
    want = " ".join(expected.read_text(encoding="utf-8").split())
    # when the reply text is extracted
    got = extract_reply_text(_body(source))
    # then it is exactly those words (whitespace aside)
    assert " ".join(got.split()) == want


def test_cuts_at_the_reply_marker_before_anything_else() -> None:
    text = f"3.1.1 Green on track\n\n{REPLY_MARKER}\n3.1.2 Deliver the plan\nDear Jane"
    assert extract_reply_text(text) == "3.1.1 Green on track"


def test_cuts_at_a_quoted_reply_marker_with_its_attribution() -> None:
    text = f"3.1.1 Green\n\nOn 1 June 2011, CSP wrote:\n> {REPLY_MARKER}\n> Dear Jane"
    assert extract_reply_text(text) == "3.1.1 Green"


def test_cuts_an_attribution_wrapped_over_three_lines() -> None:
    text = (
        "3.1.2 Amber slipping\n\nOn Tue, 24 May 2011 at 09:00, Lancaster District CSP\n"
        "<csp-updates+k3j5q7mzx2wd4pa6tnbv@lancaster.example.org>\nwrote:\n\n> Dear Jane"
    )
    assert extract_reply_text(text) == "3.1.2 Amber slipping"


def test_cuts_a_german_attribution() -> None:
    text = "3.1.2 Amber\n\nAm 24.05.2011 um 09:00 schrieb CSP <csp@example.org>:\n> Dear Jane"
    assert extract_reply_text(text) == "3.1.2 Amber"


def test_cuts_outlook_header_block_in_bold_from_html_conversion() -> None:
    text = (
        "3.1.3 Red contract not signed\n\n*From:* Lancaster District CSP [mailto:csp@example.org]\n"
        "*Sent:* 01 June 2011 09:00\n*To:* Fairclough, Jane\n*Subject:* Update request\n\nDear Jane"
    )
    assert extract_reply_text(text) == "3.1.3 Red contract not signed"


def test_a_from_line_in_commentary_is_not_a_header_block() -> None:
    text = "3.1.3 Red\nFrom: the legal team, still waiting.\nThey expect to sign in July."
    assert extract_reply_text(text) == text


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "________________________________",
        "-------- Original Message --------",
    ],
)
def test_cuts_original_and_forwarded_message_separators(separator: str) -> None:
    text = f"3.1.4 Complete mapping done\n\n{separator}\nFrom: CSP\nDear Jane"
    assert extract_reply_text(text) == "3.1.4 Complete mapping done"


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Get Outlook for Android",
        "Sent from my Samsung Galaxy smartphone.",
        "Sent from Outlook<http://aka.ms/weboutlook>",
        "-- \nJane Fairclough\nDCI",
    ],
)
def test_cuts_signatures(signature: str) -> None:
    assert extract_reply_text(f"3.1.1 Green\n\n{signature}") == "3.1.1 Green"


def test_keeps_a_sentence_that_starts_like_a_mobile_signature() -> None:
    text = "3.1.1 Green\nSent from my desk, the plan went to the board today."
    assert extract_reply_text(text) == text


@pytest.mark.parametrize(
    "disclaimer",
    [
        "This email and any attachments are confidential and intended solely for the addressee.",
        "CONFIDENTIALITY NOTICE: This e-mail message is for the sole use of the recipient.",
        "The information in this e-mail is confidential and may be legally privileged.",
        "If you have received this email in error please notify the sender.",
    ],
)
def test_cuts_confidentiality_disclaimers(disclaimer: str) -> None:
    text = f"3.2.1 Green panel continues\n\n{disclaimer}\nMore legal text."
    assert extract_reply_text(text) == "3.2.1 Green panel continues"


def test_a_sign_off_block_is_cut_but_not_the_commentary_above_it() -> None:
    text = (
        "3.2.2 Amber kit delayed\nVolunteers in place.\n\nKind regards,\n\nMark Ibbotson\n"
        "Community Safety Manager\nLancaster City Council\nTel: 01524 582000"
    )
    assert extract_reply_text(text) == "3.2.2 Amber kit delayed\nVolunteers in place."


def test_a_sign_off_word_followed_by_updates_is_not_a_signature() -> None:
    text = "Thanks,\n\n3.1.1 Green\n3.1.2 Amber sessions moved"
    assert extract_reply_text(text) == text


def test_a_one_word_answer_at_the_end_is_not_taken_for_a_name() -> None:
    text = "Is 3.1.4 on track?\n\nDone"
    assert extract_reply_text(text) == text


def test_drops_an_external_mail_banner_at_the_top() -> None:
    text = (
        "CAUTION: This email originated from outside of the organisation. Do not click links.\n\n"
        "3.2.3 Complete"
    )
    assert extract_reply_text(text) == "3.2.3 Complete"


def test_bottom_posted_words_below_a_quote_are_kept() -> None:
    text = "On 1 June 2011, CSP wrote:\n> Dear Jane\n> 3.1.1 Deliver the plan\n\n3.1.1 Green"
    assert extract_reply_text(text) == "3.1.1 Green"


def test_a_client_quoting_without_any_header_is_cut_at_the_sent_text() -> None:
    # given a reply whose client pasted the request below without a header or ">" marks
    text = "3.1.1 Green signed off\n\n" + SENT.split(REPLY_MARKER)[1]
    # when the sent text is known
    split = split_reply(text, sent_text=SENT)
    # then the request is cut away
    assert split.top_text == "3.1.1 Green signed off"


def test_a_lead_copying_the_example_line_is_not_taken_for_the_quote() -> None:
    text = "3.1.1 Complete\n3.1.4 Green Mapping finished, review on track\n\nJane"
    assert extract_reply_text(text, sent_text=SENT) == (
        "3.1.1 Complete\n3.1.4 Green Mapping finished, review on track"
    )


def test_html_blockquotes_become_quoted_lines_and_breaks_become_lines() -> None:
    html = "<div>3.1.1 Green<br>3.1.2 Amber</div><blockquote><p>Dear Jane</p></blockquote>"
    assert html_to_text(html) == "3.1.1 Green\n3.1.2 Amber\n> Dear Jane"


def test_html_conversion_does_not_escape_numbered_or_dashed_lines() -> None:
    html = "<p>3.1.4. Green</p><p>1. done</p><ul><li>- item</li></ul><p>R&amp;D &#8211; ok</p>"
    assert html_to_text(html) == "3.1.4. Green\n1. done\n- - item\nR&D \u2013 ok"


def test_html_conversion_skips_styles_head_and_conditional_comments() -> None:
    html = (
        "<html><head><title>t</title><style>p {color:red}</style></head><body>"
        "<!--[if gte mso 9]><xml><o:shapedefaults/></xml><![endif]--><p>3.1.1 Green</p></body>"
    )
    assert html_to_text(html) == "3.1.1 Green"


def test_html_conversion_survives_broken_markup() -> None:
    assert "3.1.1 Green" in html_to_text("<div><p>3.1.1 Green<b></div></span><![if !x]><<<")


def test_a_700_kilobyte_quote_line_is_cut_without_trouble() -> None:
    text = (MAIL / "email_reply_parser" / "email_long_quote.txt").read_text(encoding="utf-8")
    got = extract_reply_text(text)
    assert got.startswith("Hi folks\n\nWhat is the best way")
    assert "\n>>>" not in got


REQUEST_BELOW = "Dear Jane,\n\nPlease reply with a status for each action.\n3.1.1 Deliver the plan"


@pytest.mark.parametrize(
    "header",
    [
        "On Wed, 1 Jun 2011 at 09:00, John Doe <john@example.org> wrote",
        "2011-06-01 9:00 GMT+01:00 Lancaster District CSP <csp@lancaster.example.org>:",
        "01/06/2011 09:00, Lancaster District CSP <csp@lancaster.example.org>:",
        "---- On Wed, 01 Jun 2011 09:00:00 +0100 Lancaster District CSP"
        " <csp@lancaster.example.org> wrote ----",
        "09:00 from csp@lancaster.example.org:",
        "Wed, 1 Jun 2011 09:00 +01:00 from Lancaster District CSP <csp@lancaster.example.org>:",
        "Ar Mer, 1 Meh 2011 am 09:00, ysgrifennodd Lancaster District CSP"
        " <csp@lancaster.example.org>:",
        "Ar 1 Mehefin 2011, am 09:00, Lancaster District CSP <csp@lancaster.example.org>"
        " ysgrifennodd:",
        "Le mer. 1 juin 2011 à 09:00, Lancaster District CSP <csp@lancaster.example.org> a écrit :",
        "Am Mi., 1. Juni 2011 um 09:00 Uhr schrieb Lancaster District CSP"
        " <csp@lancaster.example.org>:",
        "Op wo 1 jun. 2011 om 09:00 schreef Lancaster District CSP <csp@lancaster.example.org>:",
        "El mié, 1 jun 2011 a las 9:00, Lancaster District CSP (<csp@lancaster.example.org>)"
        " escribió:",
        "Il giorno mer 1 giu 2011 alle ore 09:00 Lancaster District CSP"
        " <csp@lancaster.example.org> ha scritto:",
        "Em qua., 1 de jun. de 2011 às 09:00, Lancaster District CSP"
        " <csp@lancaster.example.org> escreveu:",
        "W dniu 1.06.2011 o 09:00, Lancaster District CSP pisze:",
        "W dniu śr., 1 cze 2011 o 09:00 Lancaster District CSP <csp@lancaster.example.org>"
        " napisał(a):",
        "Den 1. jun. 2011 kl. 09.00 skrev Lancaster District CSP <csp@lancaster.example.org>:",
        "Den 1 juni 2011 kl. 09:00 skrev Lancaster District CSP <csp@lancaster.example.org>:",
    ],
)
def test_cuts_quote_headers_in_the_forms_and_languages_clients_write_them(header: str) -> None:
    # given a reply above a quote header that unquoted request text follows
    text = f"3.1.2 Amber venue booked\n\n{header}\n\n{REQUEST_BELOW}"
    # then only the lead's words are left
    assert extract_reply_text(text) == "3.1.2 Amber venue booked"


def test_cuts_an_attribution_without_a_colon_above_a_quote() -> None:
    text = (
        "3.1.2 Amber venue booked\n\n"
        "On Wed, 1 Jun 2011 at 09:00, John Doe <john@example.org> wrote\n\n> Dear Jane"
    )
    assert extract_reply_text(text) == "3.1.2 Amber venue booked"


@pytest.mark.parametrize(
    "line",
    [
        "On Monday the panel chair wrote",
        "Le rapport a été envoyé au comité: voir ci-dessous",
        "Den nye rapport skrev vi i maj.",
        "2011-06-01 panel met, minutes to follow:",
    ],
)
def test_a_sentence_shaped_like_a_quote_header_is_kept(line: str) -> None:
    text = f"3.1.2 Amber venue booked\n{line}\n3.1.3 Green signed"
    assert extract_reply_text(text) == text


@pytest.mark.parametrize(
    "sign_off",
    [
        "Cofion",
        "Cofion cynnes",
        "Diolch",
        "Diolch yn fawr",
        "Cordialement",
        "Mit freundlichen Grüßen",
        "Met vriendelijke groet",
        "Saludos",
        "Cordiali saluti",
        "Atenciosamente",
        "Pozdrawiam",
        "Med venlig hilsen",
        "Med vennlig hilsen",
        "Med vänliga hälsningar",
    ],
)
def test_cuts_sign_offs_in_welsh_and_european_languages(sign_off: str) -> None:
    text = (
        f"3.1.2 Amber venue booked\n\n{sign_off},\n\nSiân Jones\n"
        "Swyddog Diogelwch Cymunedol\nFfôn: 01524 582000"
    )
    assert extract_reply_text(text) == "3.1.2 Amber venue booked"


@pytest.mark.parametrize(
    "block",
    [
        "Oddi wrth: Lancaster District CSP\nAnfonwyd: 01 Mehefin 2011 09:00\nAt: Jones, Siân\n"
        "Pwnc: Update request",
        "De : Lancaster District CSP\nEnvoyé : mercredi 1 juin 2011 09:00\nÀ : Dupont, Jean\n"
        "Objet : Update request",
        "Van: Lancaster District CSP\nVerzonden: woensdag 1 juni 2011 09:00\nAan: Jansen, Piet\n"
        "Onderwerp: Update request",
        "De: Lancaster District CSP\nEnviado el: miércoles, 1 de junio de 2011 9:00\n"
        "Para: García, Ana\nAsunto: Update request",
        "Da: Lancaster District CSP\nInviato: mercoledì 1 giugno 2011 09:00\nA: Rossi, Marco\n"
        "Oggetto: Update request",
        "Od: Lancaster District CSP\nWysłano: środa, 1 czerwca 2011 09:00\nDo: Nowak, Anna\n"
        "Temat: Update request",
        "Fra: Lancaster District CSP\nSendt: 1. juni 2011 09:00\nTil: Hansen, Lars\n"
        "Emne: Update request",
        "Från: Lancaster District CSP\nSkickat: den 1 juni 2011 09:00\nTill: Svensson, Eva\n"
        "Ämne: Update request",
        "-----Neges wreiddiol-----\nDear Jane",
        "-----Message d'origine-----\nDear Jane",
        "-----Ursprungligt meddelande-----\nDear Jane",
    ],
)
def test_cuts_outlook_header_blocks_and_separators_in_other_languages(block: str) -> None:
    text = f"3.1.2 Amber venue booked\n\n{block}\n\n{REQUEST_BELOW}"
    assert extract_reply_text(text) == "3.1.2 Amber venue booked"


@pytest.mark.parametrize(
    "signature",
    [
        "Anfonwyd o fy iPhone",
        "Envoyé de mon iPhone",
        "Verzonden vanaf mijn iPhone",
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
        "Enviado do meu iPhone",
        "Wysłane z mojego iPhone'a",
        "Sendt fra min iPhone",
        "Skickat från min iPhone",
    ],
)
def test_cuts_mobile_signatures_in_other_languages(signature: str) -> None:
    assert extract_reply_text(f"3.1.1 Green\n\n{signature}") == "3.1.1 Green"
