"""Scholarly PDF cleanup on a real multi-page paper, and every way a PDF can be unusable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from geocorpus.extract.dispatch import extract_raw
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.pdf import extract_pdf
from geocorpus.extract.pdf_clean import clean_pages, normalize_chars, page_quality

DATA = Path(__file__).resolve().parent / "data" / "extract"
PAPER = Path(__file__).resolve().parent.parent / "recipes/samples/geocode_pt/papers/grace_wells_recharge_case_study.pdf"


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object n is objects[n-1], object 1 the catalog), with a correct xref."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def paper() -> tuple[str, dict]:
    return extract_pdf(PAPER.read_bytes())


def test_paper_running_headers_and_page_numbers_removed(paper: tuple[str, dict]) -> None:
    text, meta = paper
    raw = [page.extract_text() for page in PdfReader(PAPER).pages]
    header = "Recharge from GRACE and wells - synthetic case study"
    assert all(header in page for page in raw)  # pypdf leaves it on every page
    assert header not in text
    assert not re.search(r"^\d{1,2}$", text, re.M)  # no page-number lines
    assert meta["pages"] == 4 and meta["running_lines_removed"] >= 8


def test_paper_hyphenation_paragraphs_headings(paper: tuple[str, dict]) -> None:
    text, meta = paper
    raw = "\n".join(page.extract_text() for page in PdfReader(PAPER).pages)
    assert "uncon-\nfined" in raw and "the unconfined aquifer. Rather" in text
    assert "fine-grained layers" in text  # a real compound keeps its hyphen
    assert meta["hyphens_joined"] >= 1
    assert "\n## Abstract\n" in text and "\n## 1. Introduction\n" in text
    # a paragraph is one line: the abstract's printed lines are joined
    abstract = text.split("## Abstract\n\n")[1].split("\n")[0]
    assert abstract.startswith("Reliable estimates") and abstract.endswith("of the well network.")
    # a page break inside a sentence is joined too
    assert "return flow that is not captured by wells located away" in text


def test_paper_references_to_meta_and_captions_marked(paper: tuple[str, dict]) -> None:
    text, meta = paper
    assert "## References" not in text and "Famiglietti, J. S. (2014)" not in text
    assert len(meta["references"]) == 10
    assert meta["references"][0].startswith("Famiglietti, J. S. (2014). The global groundwater crisis.")
    assert "\n> Figure 1. Basin-averaged groundwater storage anomalies" in text
    assert "\n> Table 1. Annual recharge" in text and meta["captions"] == 2
    assert "\n-150\n" not in text  # figure axis ticks dropped
    assert min(meta["page_quality"]) > 0.9 and meta["title"].startswith("Groundwater recharge estimation")


def test_ligatures_and_invisible_characters() -> None:
    assert normalize_chars("ﬁeld ﬂow e\u00adﬀect\u00a0km² Ｘ") == "field flow effect km² X"


def test_page_quality_separates_text_from_garbage() -> None:
    assert page_quality("The aquifer is recharged by infiltration of rain water.") > 0.9
    assert page_quality("\ue000\ue001\ue002 ÖxQzKfÜ ¨Ø(cid:12)(cid:13) \ufffd\ufffd") < 0.3
    assert page_quality("   ") == 0.0


def test_page_quality_counts_each_character_and_token_kind() -> None:
    """Garbage is counted per occurrence (not per distinct character); mixed-case soup is not a word, but
    ordinary capitals ("Word", "WORD", "iPhone") and superscript numbers ("km²") are read as before."""
    # 3 of 10 visible characters are garbage; 1 of 2 tokens is a word
    assert page_quality("aquifer \ue000\ue000\ue000") == round((1 - 3 / 10) * (1 / 2), 3)
    assert page_quality("Word WORD iPhone word") == 1.0
    assert page_quality("Word xQzKf McDonald word") == 0.5  # > 2 case changes: soup
    assert page_quality("area 12 km² rain") == 1.0  # numbers do not count against the word share


def test_hyphenation_undone_across_a_chain_of_broken_lines_in_a_long_paragraph() -> None:
    """A word broken over three lines is joined whole, also at the end of a paragraph of thousands of lines
    (the paragraph is assembled in parts, so only its last part is searched for the broken word)."""
    filler = ["groundwater flows slowly through the fractured basalt aquifer below"] * 3000
    cleaned = clean_pages(["\n".join(["Recharge is an inter-", "nation-", "al concern and"] + filler + ["ends here."])])
    assert cleaned.text.startswith("Recharge is an international concern and groundwater flows")
    assert cleaned.text.endswith("aquifer below ends here.") and "\n" not in cleaned.text
    assert cleaned.hyphens_joined == 2


def test_pages_joined_without_repeated_lines_on_a_single_page() -> None:
    cleaned = clean_pages(["Subduction zones recycle oceanic lithosphere", "Mid-ocean ridges create new crust"])
    assert cleaned.text == "Subduction zones recycle oceanic lithosphere\n\nMid-ocean ridges create new crust"


def test_garbage_text_layer_needs_ocr() -> None:
    garbage = b"BT /F1 12 Tf 72 700 Td (\x01\x02\x03\x04 \x05\x06\x07 \x0e\x0f\x10\x11\x12) Tj ET"
    pdf = build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                     b"/Resources << /Font << /F1 5 0 R >> >> >>",
                     b"<< /Length %d >>\nstream\n" % len(garbage) + garbage + b"\nendstream",
                     b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])
    with pytest.raises(ExtractionError) as caught:
        extract_pdf(pdf)
    assert caught.value.reason == "needs_ocr" and "unreadable" in str(caught.value)


@pytest.mark.parametrize(("name", "reason"), [
    ("r3-user-password.pdf", "encrypted"),      # a real encrypted PDF (pypdf's test resources)
    ("imagemagick-lzw.pdf", "needs_ocr"),      # a scanned page: an image, no text layer
])
def test_real_unusable_pdfs_rejected_with_reason(name: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_pdf((DATA / name).read_bytes())
    assert caught.value.reason == reason


def test_encrypted_with_empty_password_is_read() -> None:
    text, meta = extract_pdf((DATA / "r3-empty-password.pdf").read_bytes())
    assert "pdf encryption test" in text and meta["pages"] == 1


@pytest.mark.parametrize("data", [
    PAPER.read_bytes()[:2000],                                   # truncated
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\ngarbage\n",  # corrupt
    build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",                # a cyclic page tree
               b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]),
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,                 # not a PDF at all
])
def test_broken_pdfs_are_corrupt(data: bytes) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_raw(data, "pdf", None, "x.pdf", {})
    assert caught.value.reason == "corrupt_pdf"


def test_empty_file_rejected_for_every_format() -> None:
    for fmt in ("pdf", "html", "python", "notebook", "latex", "eprint", "text"):
        with pytest.raises(ExtractionError) as caught:
            extract_raw(b"", fmt, None, "x", {})
        assert caught.value.reason == "empty_file"
