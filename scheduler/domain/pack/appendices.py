"""The files leads sent: readable PDFs merged as lettered appendices, the rest listed by name.

The public pack shows no private file, and an addendum only the files received after the pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scheduler.domain.pack.formatting import anchor, size_text
from scheduler.domain.pack.input import PackAttachment, PackInput
from scheduler.domain.pack.local_time import is_after


@dataclass(frozen=True)
class Appendix:
    """A PDF attachment merged into the pack; its pages are reserved by `page_anchors`."""

    letter: str
    anchor: str
    filename: str
    from_lead: str
    action_ref: str | None
    page_count: int
    page_anchors: tuple[str, ...]
    attachment_index: int
    private: bool


@dataclass(frozen=True)
class ListedAttachment:
    filename: str
    from_lead: str
    action_ref: str | None
    content_type: str
    size_text: str
    note: str = ""


def shown_attachments(pack: PackInput) -> list[tuple[int, PackAttachment]]:
    """The attachments this pack may show, with their index in `pack.attachments`."""
    return [(i, a) for i, a in enumerate(pack.attachments) if _attachment_shown(pack, a)]


def appendices(
    attachments: list[tuple[int, PackAttachment]], pages: Mapping[int, int]
) -> tuple[tuple[Appendix, ...], tuple[ListedAttachment, ...]]:
    """PDFs with a page count in `pages` (by attachment index) as appendices; the rest listed."""
    merged: list[Appendix] = []
    listed: list[ListedAttachment] = []
    for index, attachment in attachments:
        count = pages.get(index)
        if attachment.is_pdf and count:
            letter = appendix_letter(len(merged))
            name = anchor("appendix", letter)
            merged.append(
                Appendix(
                    letter=letter,
                    anchor=name,
                    filename=attachment.filename,
                    from_lead=attachment.from_lead,
                    action_ref=attachment.action_ref,
                    page_count=count,
                    page_anchors=tuple(f"{name}-page-{n}" for n in range(1, count + 1)),
                    attachment_index=index,
                    private=attachment.private,
                )
            )
            continue
        listed.append(
            ListedAttachment(
                filename=attachment.filename,
                from_lead=attachment.from_lead,
                action_ref=attachment.action_ref,
                content_type=attachment.content_type,
                size_text=size_text(len(attachment.payload)),
                note="The PDF could not be read, so it is not included."
                if attachment.is_pdf
                else "",
            )
        )
    return tuple(merged), tuple(listed)


def appendix_letter(index: int) -> str:
    """A, B, ... Z, AA, AB, ... for the index-th appendix (0-based)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _attachment_shown(pack: PackInput, attachment: PackAttachment) -> bool:
    if attachment.private and not pack.private:
        return False
    if pack.addendum_since is None:
        return True
    return attachment.received_at is not None and is_after(
        attachment.received_at, pack.addendum_since, pack.meeting
    )
