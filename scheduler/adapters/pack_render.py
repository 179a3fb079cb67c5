"""The agenda pack as files: HTML from Jinja2 templates, PDF from WeasyPrint, appendices by pypdf.

Page numbers run through the appendices because the HTML reserves one empty page per
appendix page (an `appendix` page with the running header and footer): WeasyPrint numbers
them with everything else, so the footer's "n of N" and the agenda's page references are
right, and pypdf then draws each appendix page into its reserved page.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from scheduler.domain.pack.content import PackAttachment, PackContent, PackInput, build_pack_content

log = logging.getLogger(__name__)

PACK_TEMPLATE = "pack/pack.html"
_MM = 72 / 25.4
# The area appendix pages are drawn into: A4 less the margins of `@page appendix` in pack.css.
APPENDIX_MARGINS_MM = (16.0, 12.0, 16.0, 12.0)  # top, right, bottom, left


@dataclass(frozen=True)
class PackFiles:
    """Where a rendered pack was written, and how many pages its PDF has."""

    html_path: Path
    pdf_path: Path
    page_count: int


def render_pack(pack_input: PackInput, out_dir: Path, templates_dir: Path) -> PackFiles:
    """Write the pack (or addendum, public or private) as HTML and PDF files in `out_dir`.

    Files are named pack, pack-private, addendum or addendum-private (.html, .pdf) and are
    replaced whole, so a reader never sees half a pack.
    """
    readers = readable_pdfs(pack_input.attachments)
    content = build_pack_content(pack_input, {i: len(r.pages) for i, r in readers.items()})
    html = render_pack_html(content, templates_dir)
    pdf, page_count = render_pack_pdf(content, html, readers)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = ("addendum" if content.is_addendum else "pack") + (
        "-private" if content.is_private else ""
    )
    html_path = _write_whole(out_dir / f"{stem}.html", html.encode("utf-8"))
    pdf_path = _write_whole(out_dir / f"{stem}.pdf", pdf)
    log.info(
        "event=pack_rendered meeting=%s private=%s addendum=%s pages=%d appendices=%d",
        pack_input.meeting.key,
        content.is_private,
        content.is_addendum,
        page_count,
        len(content.appendices),
    )
    return PackFiles(html_path, pdf_path, page_count)


def render_pack_html(content: PackContent, templates_dir: Path) -> str:
    """The standalone HTML of the pack (CSS and charts inline), every value autoescaped."""
    environment = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(PACK_TEMPLATE).render(pack=content)


def render_pack_pdf(
    content: PackContent, html: str, readers: dict[int, PdfReader]
) -> tuple[bytes, int]:
    """The pack's PDF with each appendix drawn into its reserved pages; and its page count."""
    fetcher = URLFetcher(allowed_protocols=("data",))  # the pack fetches nothing
    document = HTML(string=html, url_fetcher=fetcher).render()
    page_of = {name: index for index, page in enumerate(document.pages) for name in page.anchors}
    writer = PdfWriter(clone_from=io.BytesIO(document.write_pdf()))
    for appendix in content.appendices:
        source = readers[appendix.attachment_index]
        for page, anchor in zip(source.pages, appendix.page_anchors, strict=True):
            draw_into(writer.pages[page_of[anchor]], page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def readable_pdfs(attachments: Sequence[PackAttachment]) -> dict[int, PdfReader]:
    """Readers for the PDF attachments that can be merged, by index; others are skipped."""
    readers: dict[int, PdfReader] = {}
    for index, attachment in enumerate(attachments):
        if not attachment.is_pdf:
            continue
        try:
            reader = PdfReader(io.BytesIO(attachment.payload))
            if reader.is_encrypted or not reader.pages:
                raise PyPdfError("encrypted or empty")
            for page in reader.pages:
                page.get_contents()
                _ = page.cropbox.width
        except Exception as error:  # noqa: BLE001 - a lead's malformed PDF is listed, not fatal
            log.warning(
                "event=appendix_unreadable filename=%r error=%s", attachment.filename, error
            )
            continue
        readers[index] = reader
    return readers


def draw_into(target: PageObject, source: PageObject) -> None:
    """Draw `source` scaled to fit (never enlarged) and centred in the appendix page's area."""
    if source.rotation:
        source.transfer_rotation_to_content()
    top, right, bottom, left = (m * _MM for m in APPENDIX_MARGINS_MM)
    area_w = float(target.mediabox.width) - left - right
    area_h = float(target.mediabox.height) - top - bottom
    box = source.cropbox
    width, height = float(box.width), float(box.height)
    scale = min(area_w / width, area_h / height, 1.0)
    x = left + (area_w - width * scale) / 2 - float(box.left) * scale
    y = bottom + (area_h - height * scale) - float(box.bottom) * scale
    target.merge_transformed_page(source, Transformation().scale(scale, scale).translate(x, y))


def _write_whole(path: Path, payload: bytes) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(payload)
    os.replace(partial, path)
    return path
