"""The pack as files: HTML and PDF rendered for real with Jinja2, WeasyPrint and pypdf."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pack_examples import (
    ACTION_REFS,
    HELD_TEXT,
    PRIVATE_TEXT,
    SCRIPT_TEXT,
    TEMPLATES,
    at,
    december_input,
)
from pypdf import PdfReader, PdfWriter

from scheduler.adapters.pack_render import PackFiles, render_pack
from scheduler.domain.pack.content import PackAttachment


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> PackFiles:
    return render_pack(december_input(), tmp_path_factory.mktemp("public"), TEMPLATES)


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> PackFiles:
    return render_pack(december_input(private=True), tmp_path_factory.mktemp("private"), TEMPLATES)


def pages_text(files: PackFiles) -> list[str]:
    return [page.extract_text() for page in PdfReader(files.pdf_path).pages]


# Each PDF's text is read once for the module: pypdf takes a while over every page.
@pytest.fixture(scope="module")
def public_pages(public: PackFiles) -> list[str]:
    return pages_text(public)


@pytest.fixture(scope="module")
def private_pages(private: PackFiles) -> list[str]:
    return pages_text(private)


def page_holding(pages: list[str], text: str) -> int:
    """The 1-based number of the first page containing `text`."""
    return next(n for n, page in enumerate(pages, start=1) if text in page)


def test_the_pack_is_written_as_html_and_pdf(public: PackFiles) -> None:
    assert public.html_path.name == "pack.html" and public.pdf_path.name == "pack.pdf"
    assert public.page_count == len(PdfReader(public.pdf_path).pages)
    assert not list(public.pdf_path.parent.glob(".*partial"))


def test_every_priority_and_action_ref_is_in_the_pdf(public_pages: list[str]) -> None:
    text = "\n".join(public_pages)

    for title in ("3.1 Reduce Domestic Violence", "3.5 Reduction in Serious Acquisitive Crime"):
        assert title in text
    for ref in ACTION_REFS:
        assert re.search(rf"^{re.escape(ref)}\b", text, re.MULTILINE), ref


def test_every_page_is_numbered_n_of_total_and_marked(
    public: PackFiles, public_pages: list[str]
) -> None:
    total = public.page_count
    for number, text in enumerate(public_pages, start=1):
        assert f"Page {number} of {total}" in text
        assert "OFFICIAL" in text


def test_page_numbers_run_through_the_appendices(
    public: PackFiles, public_pages: list[str]
) -> None:
    pages = public_pages

    first = page_holding(pages, "Appendix page 1 of 3.")
    assert "Street Pride" in pages[first - 1]
    assert "Appendix B: street-pride.pdf (page 1 of 3)" in pages[first - 1]
    for offset in range(3):
        text = pages[first - 1 + offset]
        assert f"Appendix page {offset + 1} of 3." in text
        assert f"Page {first + offset} of {public.page_count}" in text
    assert first + 2 == public.page_count


def test_the_agenda_gives_the_page_of_each_section_and_appendix(public_pages: list[str]) -> None:
    pages = public_pages
    agenda = pages[page_holding(pages, "Welcome and apologies") - 1]

    for heading, first_words in (
        ("3.3 Reduce Road Safety Collisions", "Lead Kyran Ronson"),
        ("street-pride.pdf", "Appendix page 1 of 3."),
        ("marac-review.pdf", "Appendix page 1 of 2."),
    ):
        listed = re.search(rf"{re.escape(heading)}\n(?:.*\n)??p\. (\d+)", agenda)
        assert listed, heading
        assert first_words in pages[int(listed[1]) - 1]


def test_statuses_are_written_and_missing_leads_listed(public_pages: list[str]) -> None:
    text = "\n".join(public_pages)

    assert "Leads who have not replied" in text
    assert "Tracie O'Gara (priority 3.2): Away until 3 January 2012" in text
    assert "Michelle Emery (priority 3.4)" in text
    assert "Update request to Michelle Emery, 15 November 2011" in text
    for status in ("Complete", "Green", "Amber", "Red", "No update"):
        assert status in text


def test_an_update_with_a_script_tag_stays_text(public: PackFiles, public_pages: list[str]) -> None:
    html = public.html_path.read_text(encoding="utf-8")

    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;pack&#39;)&lt;/script&gt;" in html
    pdf_text = re.sub(r"\s+", "", "".join(public_pages))
    assert re.sub(r"\s+", "", SCRIPT_TEXT) in pdf_text


@pytest.mark.slow  # the only test that renders the private pack
def test_the_public_pack_never_holds_a_private_update(
    public: PackFiles, private: PackFiles, public_pages: list[str], private_pages: list[str]
) -> None:
    public_html = public.html_path.read_text(encoding="utf-8")
    public_pdf = "\n".join(public_pages)

    assert "licensing review" not in public_html and "licensing review" not in public_pdf
    assert "Exempt licensing" not in public_pdf and "licensing-exempt" not in public_html
    assert private.pdf_path.name == "pack-private.pdf"
    private_pdf = " ".join(" ".join(private_pages).split())
    assert PRIVATE_TEXT in private_pdf and "Exempt licensing" in private_pdf
    assert "OFFICIAL-SENSITIVE" in private_pdf and "Not for publication" in private_pdf


def test_commentary_held_for_review_is_not_printed(
    public: PackFiles, public_pages: list[str]
) -> None:
    text = "\n".join(public_pages)

    assert "Jane Doe" not in text and HELD_TEXT not in public.html_path.read_text()
    assert "held for review" in text


def test_statistics_are_marked_illustrative_and_small_numbers_suppressed(
    public_pages: list[str],
) -> None:
    text = "\n".join(public_pages)

    assert "Illustrative figures" in text
    assert "fewer than 5" in text
    assert "Better" in text and "Worse" in text


def test_the_html_pack_stands_alone(public: PackFiles) -> None:
    html = public.html_path.read_text(encoding="utf-8")

    assert "<style>" in html and "<svg" in html
    assert not re.search(r"""(src|href)=["'](?!#)""", html)
    assert "<link" not in html


@pytest.mark.slow
def test_an_unreadable_pdf_is_listed_and_the_rest_still_merged(tmp_path: Path) -> None:
    broken = PackAttachment("broken.pdf", "application/pdf", b"%PDF-1.4 not really", "Ian Dawson")
    pack = replace(december_input(), attachments=(broken, *december_input().attachments))

    files = render_pack(pack, tmp_path, TEMPLATES)

    text = "\n".join(pages_text(files))
    assert "broken.pdf" in text and "could not be read" in text
    assert "Appendix page 3 of 3." in text


@pytest.mark.slow
def test_a_landscape_appendix_is_scaled_onto_an_a4_page(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=842, height=595)
    payload = io.BytesIO()
    writer.write(payload)
    wide = PackAttachment("wide.pdf", "application/pdf", payload.getvalue(), "Kyran Ronson")
    pack = replace(december_input(), attachments=(wide,))

    files = render_pack(pack, tmp_path, TEMPLATES)

    last = PdfReader(files.pdf_path).pages[-1]
    assert (round(float(last.mediabox.width)), round(float(last.mediabox.height))) == (595, 842)
    assert "Appendix A: wide.pdf (page 1 of 1)" in last.extract_text()


def test_an_addendum_is_written_beside_the_pack(tmp_path: Path) -> None:
    pack = replace(december_input(), addendum_since=at(30, 11, hour=12))

    files = render_pack(pack, tmp_path, TEMPLATES)

    text = "\n".join(pages_text(files))
    assert files.pdf_path.name == "addendum.pdf"
    assert "3.5.3" in text and "3.1.1" not in text
