"""HTML extraction: structure as Markdown, metadata, the page's licence as SPDX, and decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from geocorpus.extract.encoding import declared_charset, decode_bytes
from geocorpus.extract.html import extract_html

WEB = Path(__file__).resolve().parent.parent / "recipes" / "samples" / "geocode_pt" / "web"
ARTICLE = "<p>" + "Aquifers store groundwater in the pore space of sand and gravel. " * 12 + "</p>"


def page(head: str = "", body: str = "", charset: str = "utf-8") -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='{charset}'><title>Aquifers</title>{head}</head>"
            f"<body><nav><a href='/'>Home</a></nav><article><h1>Aquifers</h1>{ARTICLE}{body}</article>"
            "<footer>Site footer</footer></body></html>")


def test_real_page_keeps_structure_and_metadata() -> None:
    text, meta = extract_html((WEB / "fieldwiki_Seismology_101.html").read_bytes())
    assert text.startswith("# Seismology 101")
    assert "\n## Seismic waves\n" in text
    assert "| P (primary) | Compression and dilation" in text  # the table as a Markdown table
    assert "**epicentre**" in text
    assert meta["title"].startswith("Seismology 101") and meta["language"] == "en"
    assert meta["license"] == "CC-BY-4.0" and meta["date"] == "2026-06-21"


def test_real_page_drops_site_chrome() -> None:
    text, meta = extract_html((WEB / "earthnotes_glaciers-and-ice-sheets.html").read_bytes())
    assert meta["license"] == "CC-BY-4.0" and meta["license_source"] == "rel=license"
    raw = (WEB / "earthnotes_glaciers-and-ice-sheets.html").read_text(encoding="utf-8")
    assert "cookie" in raw.lower() and "cookie" not in text.lower()


@pytest.mark.parametrize(("head", "body", "spdx", "where"), [
    ("", "<p>Text: <a rel='license' href='https://creativecommons.org/licenses/by-sa/4.0/deed.en'>CC</a></p>",
     "CC-BY-SA-4.0", "rel=license"),
    ("<meta name='DC.rights' content='CC BY-NC 4.0'>", "", "CC-BY-NC-4.0", "meta dc.rights"),
    ("<meta name='dcterms.license' content='http://creativecommons.org/publicdomain/zero/1.0/'>", "", "CC0-1.0",
     "meta dcterms.license"),
    ("<script type='application/ld+json'>{\"@graph\": [{\"@type\": \"Article\", \"license\": "
     "\"https://creativecommons.org/licenses/by/3.0/\"}]}</script>", "", "CC-BY-3.0", "schema.org json-ld"),
    ("", "<span itemprop='license' content='Creative Commons Attribution-ShareAlike 3.0 Unported'></span>",
     "CC-BY-SA-3.0", "schema.org microdata"),
])
def test_page_licence_to_spdx(head: str, body: str, spdx: str, where: str) -> None:
    _text, meta = extract_html(page(head, body).encode("utf-8"))
    assert (meta["license"], meta["license_source"]) == (spdx, where)


def test_page_without_licence_states_none() -> None:
    _text, meta = extract_html(page().encode("utf-8"))
    assert "license" not in meta


@pytest.mark.parametrize(("encoding", "declare", "words"), [
    ("cp1251", True, "Подземные воды заполняют поры песка и гравия"),
    ("cp1251", False, "Подземные воды заполняют поры песка и гравия, а водоносные горизонты их отдают"),
    ("gbk", True, "地下水储存在砂和砾石的孔隙中"),
    ("shift_jis", True, "地下水は砂と礫の間隙に蓄えられる"),
])
def test_wrong_encoding_pages_decode(encoding: str, declare: bool, words: str) -> None:
    html = page(body=f"<p>{words}. {words}. {words}.</p>", charset=encoding if declare else "")
    if not declare:
        html = html.replace("<meta charset=''>", "")
    text, meta = extract_html(html.encode(encoding))
    assert words in text
    assert meta["encoding"] != "utf-8"


def test_declared_charset_is_normalised_and_utf8_wins_when_valid() -> None:
    assert declared_charset(b"<meta charset='GB2312'>") == "gb18030"
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">') == "cp1251"
    assert declared_charset(b"<meta charset='no-such-codec'>") is None
    assert decode_bytes("Grès à ciment".encode(), "cp1251") == ("Grès à ciment", "utf-8")
