"""What closes a reply and is not the lead's update: signatures, disclaimers, banners, sign-offs.

A line that looks like an update ("3.1.4 Green ...") is never taken for a disclaimer, and a
sign-off block is cut only when what follows it is short and signature-like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scheduler.domain.replies.quotes import SEPARATOR

_SIGNATURE_DELIMITER = re.compile(r"^(?:--|-- |—)\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my [\w'’ \-]{1,40}[.!]?"
    r"|sent from (?:outlook|mail|yahoo mail|gmail|samsung"
    r"|my (?:iphone|ipad|blackberry|android))\b.*"
    r"|get outlook for (?:ios|android)\b.*"
    r"|sent with (?:sparrow|airmail|blackberry|proton ?mail)\b.*"
    r"|sent via (?:blackberry|android)\b.*"
    r"|von meinem [\w ]{1,40} gesendet\.?"
    # the same in Welsh, French, Dutch, Spanish, Italian, Portuguese, Polish, Danish and
    # Norwegian, Swedish
    r"|anfonwyd o fy [\w'’ \-]{1,40}[.!]?|envoyé de mon [\w'’ \-]{1,40}[.!]?"
    r"|(?:verzonden|verstuurd) (?:vanaf|met) mijn [\w'’ \-]{1,40}[.!]?"
    r"|enviado desde mi [\w'’ \-]{1,40}[.!]?|inviato da(?:l mio)? [\w'’ \-]{1,40}[.!]?"
    r"|enviado do meu [\w'’ \-]{1,40}[.!]?|wysłane z (?:mojego )?[\w'’ \-]{1,40}[.!]?"
    r"|sendt fra min [\w'’ \-]{1,40}[.!]?|skickat från min [\w'’ \-]{1,40}[.!]?)\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^[\s*_]*(?:(?:disclaimer|important|notice|privacy|legal)\s*[:\-]\s*)?(?:"
    r"this (?:e-?mail|message|communication|transmission)\b.{0,120}?\b"
    r"(?:confidential|privileged|intended (?:solely |only )?for|may contain"
    r"|for the (?:sole|exclusive) use)"
    r"|confidentiality (?:notice|statement|caution|note|warning)\b"
    r"|(?:the )?information (?:contained )?in this (?:e-?mail|message|communication)"
    r"|(?:the )?contents? of this (?:e-?mail|message)\b.{0,60}?\b"
    r"(?:confidential|intended|privileged)"
    r"|if you (?:have received|are not the intended|receive)"
    r"|please consider the environment"
    r"|any (?:views|opinions) (?:or opinions )?(?:expressed|presented|contained)"
    r"|(?:e-?mail|internet) communications? (?:is|are) not"
    r"|disclaimer\s*:?\s*$"
    r"|this (?:e-?mail|message) has been (?:scanned|checked|swept))",
    re.IGNORECASE,
)
_BANNER = re.compile(
    r"^\s*(?:[\[(]?(?:caution|warning|external(?: e-?mail| sender)?)[\])]?\s*[:\-]?\s.{0,200}?"
    r"(?:outside|external|originated|unknown sender|do not click)"
    r"|\[?external\]?\s*$"
    r"|you don'?t often get (?:e-?mail|messages?) from\b)",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^\s*(?:(?:many |kind(?:est)? |best |warm(?:est)? |with (?:kind |best )?)?"
    r"(?:regards|wishes|thanks)"
    r"|thanks(?: again| very much| a lot)?|thank you(?: very much)?|cheers|best|all the best"
    r"|yours (?:sincerely|faithfully|truly)|sincerely|rgds|kr"
    # Welsh, French, German, Dutch, Spanish, Italian, Portuguese, Polish, Danish and
    # Norwegian, Swedish
    r"|cofion(?: cynnes| gorau)?|diolch(?: yn fawr(?: iawn)?)?|yn gywir"
    r"|(?:bien )?cordialement|bien à (?:vous|toi)|salutations(?: distinguées)?"
    r"|mit (?:freundlichen|besten|herzlichen) grü(?:ß|ss)en|(?:viele|beste|liebe) grü(?:ß|ss)e|mfg"
    r"|(?:met )?vriendelijke groet(?:en)?|groeten|hartelijke groet(?:en)?|mvg"
    r"|(?:un )?saludos?(?: cordiales)?|atentamente|un abrazo"
    r"|(?:cordiali|distinti) saluti|saluti|cordialmente"
    r"|atenciosamente|(?:com os )?melhores cumprimentos|cumprimentos|abraços"
    r"|pozdrawiam(?: serdecznie)?|z poważaniem"
    r"|(?:med )?ven(?:n)?lig(?: hilsen| hilsning)|mvh"
    r"|(?:med )?vänliga hälsningar|hälsningar)"
    r"\s*[,.!]?(?:\s*,?\s*[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)?)?\s*$",
    re.IGNORECASE,
)
# The words a valediction above can start with: most lines are ruled out by this alone.
_VALEDICTION_OPENERS = frozenset(
    {
        "many", "kind", "kindest", "best", "warm", "warmest", "with", "regards", "wishes",
        "thanks", "thank", "cheers", "all", "yours", "sincerely", "rgds", "kr", "cofion", "diolch",
        "yn", "bien", "cordialement", "salutations", "mit", "viele", "beste", "liebe", "mfg", "met",
        "vriendelijke", "groeten", "hartelijke", "mvg", "un", "saludos", "saludo", "atentamente",
        "cordiali", "distinti", "saluti", "cordialmente", "atenciosamente", "com", "melhores",
        "cumprimentos", "abraços", "pozdrawiam", "z", "med", "venlig", "vennlig", "mvh", "vänliga",
        "hälsningar",
    }
)  # fmt: skip
_FIRST_WORD = re.compile(r"\s*([^\W\d_]+)")
_DASH_NAME = re.compile(r"^\s*[-–]\s?[A-Z][\w'’\-]*(?: [A-Z][\w'’\-]*){0,2}\s*$")
_RULE = re.compile(r"^\s*[-_=*~]{3,}\s*$")
_BLANK_RUN = re.compile(r"\n{3,}")
_REF_LIKE = re.compile(r"\b\d+\.\d+\.\d+\b")
_NAME_LINE = re.compile(r"^\s*[A-Z][a-z'’\-]+(?: [A-Z][a-z'’\-]*\.?)?\s*$")
_NOT_NAMES = frozenset(
    {
        "agreed", "amber", "blue", "complete", "completed", "done", "fine", "green", "nothing",
        "no", "none", "noted", "ok", "okay", "red", "same", "thanks", "yes", "see", "update",
        "updates", "unchanged", "ongoing", "pending", "closed",
    }
)  # fmt: skip
_CUT_HINT = re.compile(
    r"^[\s*_]*(?:--|—|[-=_*]{2}|sent\s|get outlook|von meinem|anfonwyd|envoy|verzonden|verstuurd"
    r"|enviado|inviato|wys|sendt|skickat|disclaimer|important|notice"
    r"|privacy|legal|this\s|confidential|the\s|contents?\s|information|if you|please consider"
    r"|any\s|e-?mail|internet|begin forwarded)",
    re.IGNORECASE | re.ASCII,  # a fast prefilter
)
_BANNER_HINT = re.compile(r"^\s*[\[(]?(?:caution|warning|external|you don)", re.IGNORECASE)


def is_signature_start(line: str) -> bool:
    """True at a signature delimiter, a mobile signature or the start of a disclaimer."""
    return bool(
        _SIGNATURE_DELIMITER.match(line)
        or _MOBILE_SIGNATURE.match(line)
        or (_DISCLAIMER.match(line) and not _REF_LIKE.search(line))
    )


def strip_signature(lines: Sequence[str]) -> str:
    """Drop banners, then cut signatures, disclaimers and a closing sign-off block."""
    if not lines:
        return ""
    kept = _drop_banners(lines)
    for index, line in enumerate(kept):
        if not _CUT_HINT.match(line):
            continue
        if is_signature_start(line) or SEPARATOR.match(line):
            kept = kept[:index]
            break
    kept = _cut_sign_off(kept)
    while kept and (not kept[-1].strip() or _RULE.match(kept[-1])):
        kept.pop()
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n")


def _drop_banners(lines: Sequence[str]) -> list[str]:
    kept: list[str] = []
    dropping = False
    for line in lines:
        if _BANNER_HINT.match(line) and _BANNER.match(line):
            dropping = True
            continue
        if dropping and line.strip():
            continue
        dropping = False
        kept.append(line)
    return kept


def _cut_sign_off(lines: list[str]) -> list[str]:
    """Cut "Kind regards, / Name / Title ..." at the end, never a block that holds commentary."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    last = lines[end - 1] if end else ""
    name_alone = end >= 3 and _is_bare_name(last) and not lines[end - 2].strip()
    if _DASH_NAME.match(last) or name_alone:
        end -= 1
    for index in range(end - 1, max(-1, end - 17), -1):
        if not _is_valediction(lines[index]):
            continue
        tail = [line for line in lines[index + 1 : end] if line.strip()]
        signature_like = all(
            len(line) <= 80 and len(line.split()) <= 12 and not _REF_LIKE.search(line)
            for line in tail
        )
        above = any(line.strip() for line in lines[:index])
        if signature_like and above and len(tail) <= 15:
            return lines[:index]
        break
    return lines[:end]


def _is_valediction(line: str) -> bool:
    first = _FIRST_WORD.match(line)
    return bool(
        first and first.group(1).lower() in _VALEDICTION_OPENERS and _VALEDICTION.match(line)
    )


def _is_bare_name(line: str) -> bool:
    """A closing line holding only a name ("Jane", "Mark Ibbotson"), not a one-word answer."""
    return bool(_NAME_LINE.match(line)) and line.split()[0].lower() not in _NOT_NAMES
