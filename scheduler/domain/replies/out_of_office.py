"""An out-of-office known by its wording, for the replies whose headers say nothing.

Exchange, Lotus Notes, mobile clients and webmail often send an out-of-office with no
RFC 3834 header: then the subject ("Automatic reply:", "Ateb Awtomatig:", "Jane Smith is
out of the office") or the opening lines ("I am out of the office until 4 July", "Rydw i
allan o'r swyddfa tan ...") tell. Only the present or the future counts ("I was on leave
last week" is a person writing), and a message whose opening reports on actions (a ref, a
RAG status) is a reply however it starts.
"""

from __future__ import annotations

import re

from scheduler.domain.replies.lines import normalise_text
from scheduler.domain.replies.quotes import quote_start

# A tag a mail gateway puts before the subject: "[EXTERNAL]", "EXTERNAL:", "*External*".
_GATEWAY_TAG = re.compile(
    r"^\s*(?:[\[(*]+\s*(?:external(?: e-?mail| sender)?|ext|caution|warning)\s*[\])*]+\s*[:\-]?"
    r"|(?:external|caution)\s*:)\s*",
    re.IGNORECASE,
)
_SUBJECT_START = re.compile(
    r"^\s*(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response"
    r"|automated (?:reply|response)|auto\s*:|out of (?:the )?office|ooo\b"
    r"|away from (?:the )?office|on (?:annual )?leave\b"
    r"|vacation (?:reply|response|message)|away message"
    # Welsh
    r"|ateb awtomatig|allan o['’]r swyddfa|i ffwrdd o['’]r swyddfa|neges awtomatig"
    # French, German, Dutch, Spanish, Italian, Portuguese, Polish, Danish and Norwegian, Swedish
    r"|réponse automatique|absence du bureau|absent(?:e)? du bureau"
    r"|abwesenheitsnotiz|automatische antwort|abwesend|nicht im büro"
    r"|automatisch antwoord|afwezig|niet aanwezig|buiten kantoor"
    r"|respuesta automática|fuera de (?:la )?oficina|risposta automatica|fuori (?:sede|ufficio)"
    r"|resposta automática|fora do escritório|ausente do escritório"
    r"|odpowiedź automatyczna|automatyczna odpowiedź|poza biurem"
    r"|automatisk svar|autosvar|automatiskt svar|ikke på kontoret|inte på kontoret|fravær|frånvaro"
    r")",
    re.IGNORECASE,
)
# Lotus Notes: "Jane Smith is out of the office." or "Jane Smith/Org is out of the office";
# elsewhere a bracketed marker: "Update request (Out of Office)".
_SUBJECT_ANYWHERE = re.compile(
    r"^[^:]{1,80}\bis out of (?:the )?office\b"
    r"|[\[(]\s*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|ooo)\s*[\])]",
    re.IGNORECASE,
)
_PRESENT_OR_FUTURE = (
    r"(?:i(?:['’]m| am| will be|['’]ll be| shall be)|this is an?)\s+(?:currently\s+|now\s+)?"
)


def _wording(words: str, pattern: str) -> tuple[frozenset[str], re.Pattern[str]]:
    """A language's wordings, and the words one of which each of them holds."""
    return frozenset(words.split()), re.compile(pattern, re.IGNORECASE | re.MULTILINE)


# Looked for only when the opening holds one of the words before each pattern.
_WORDINGS = (
    _wording(
        "office desk leave holiday vacation country training away unavailable auto autoreply"
        " automatic automated monitored",
        rf"\b{_PRESENT_OR_FUTURE}(?:out of (?:the )?office|away from (?:the |my )?(?:office|desk)"
        r"|on (?:annual |parental |maternity |paternity |study |sick |special )?leave"
        r"|on holiday|on vacation|not in (?:the )?office|out of the country|on a training course"
        r"|away\s+(?:until|till|from|on|and|with|for)\b|unavailable\s+(?:until|till|from)\b"
        r"|auto(?:matic|mated)?(?:[- ])?(?:reply|response|message))"
        r"|^\s*(?:out of (?:the )?office|automatic reply|auto[- ]?reply)\b"
        r"|\bthis (?:mailbox|email address|account) is (?:no longer|not) monitored",
    ),
    # Welsh: "Rydw i / Rwyf / Dw i allan o'r swyddfa", "Byddaf ar wyliau", "Ateb awtomatig yw hwn"
    _wording(
        "swyddfa ffwrdd wyliau absenoldeb gwrs cartref awtomatig",
        r"\b(?:rydw i|rwyf(?: i)?|rwy|dw i|byddaf|bydda i)\s+(?:allan o['’]r swyddfa"
        r"|i ffwrdd|ar (?:wyliau|absenoldeb|gwrs)|ddim yn y swyddfa|oddi cartref)"
        r"|^\s*(?:allan o['’]r swyddfa|ateb awtomatig)\b|\b(?:ateb|neges) awtomatig yw hwn"
        r"|\bmae hwn yn (?:ateb|neges) awtomatig",
    ),
    _wording(
        "absent absente congé congés vacances bureau",
        r"\bje (?:suis|serai) (?:actuellement )?(?:absente?|en congés?|en vacances"
        r"|hors du bureau)",
    ),
    _wording(
        "büro abwesend urlaub haus",
        r"\bich bin (?:derzeit |zurzeit |bis [^!?\n]{1,40}? )?(?:nicht im (?:büro|haus)|abwesend"
        r"|im urlaub|au(?:ß|ss)er haus)",
    ),
    _wording(
        "afwezig aanwezig kantoor vakantie",
        r"\bik ben (?:momenteel |tot [^!?\n]{1,40}? )?(?:afwezig|niet (?:aanwezig|op kantoor)"
        r"|met vakantie|op vakantie|buiten kantoor)",
    ),
    _wording(
        "oficina vacaciones ausente",
        r"\bestoy (?:actualmente )?(?:fuera de (?:la )?oficina|de vacaciones|ausente)",
    ),
    _wording(
        "sede ufficio ferie assente",
        r"\bsono (?:attualmente )?(?:fuori (?:sede|ufficio|dall['’]ufficio)|in ferie|assente)",
    ),
    _wording(
        "escritório férias ausente",
        r"\bestou (?:atualmente |actualmente )?(?:fora do escritório|de férias|ausente)",
    ),
    _wording(
        "biurem urlopie nieobecny nieobecna",
        r"\b(?:jestem|będę) (?:obecnie )?(?:poza biurem|na urlopie|nieobecn[ya])",
    ),
    # Danish and Norwegian, Swedish
    _wording(
        "kontoret ferie fraværende bortrejst borte",
        r"\bjeg er (?:ikke på kontoret|på ferie|fraværende|bortrejst|borte)",
    ),
    _wording(
        "kontoret semester ledig frånvarande borta",
        r"\bjag är (?:inte på kontoret|på semester|ledig|frånvarande|borta)",
    ),
)
# An opening that reports on actions is a reply: a ref line or a RAG status word.
_REPORTS_PROGRESS = re.compile(
    r"^\W{0,3}\d+\.\d+(?:\.\d+)+\b|\b(?:green|amber|red|on track|at risk|slipping)\b",
    re.IGNORECASE | re.MULTILINE,
)
_PUNCTUATION = str.maketrans({character: " " for character in "-'’.,:;!?()[]\"*_/"})
_OPENING_LINES = 6
_OPENING_CHARS = 800


def out_of_office_subject(subject: str) -> bool:
    """True for a subject an out-of-office gives itself, in English, Welsh or a European tongue."""
    subject = _GATEWAY_TAG.sub("", subject, count=1)
    return bool(_SUBJECT_START.match(subject) or _SUBJECT_ANYWHERE.search(subject))


def without_gateway_tag(subject: str) -> str:
    """The subject without a tag a mail gateway put before it ("[EXTERNAL] ...")."""
    return _GATEWAY_TAG.sub("", subject, count=1)


def out_of_office_opening(body: str) -> str | None:
    """The out-of-office wording a message body opens with, or None.

    The opening is the first few lines; what the sender wrote above any quoted message must
    not report on actions.
    """
    lines = [line for line in body[: _OPENING_CHARS * 2].split("\n") if line.strip()]
    opening = "\n".join(lines[:_OPENING_LINES])[:_OPENING_CHARS]
    words = set(opening.lower().translate(_PUNCTUATION).split())
    wordings = [pattern for keys, pattern in _WORDINGS if not keys.isdisjoint(words)]
    if not wordings:
        return None  # most replies stop here
    found = next((m for m in (p.search(opening) for p in wordings) if m), None)
    if found is None:
        return None
    all_lines = normalise_text(body[:20_000]).split("\n")
    start = quote_start(all_lines, None)
    own_text = "\n".join(all_lines if start is None else all_lines[:start])
    if _REPORTS_PROGRESS.search(own_text):
        return None
    return " ".join(found.group(0).split())
