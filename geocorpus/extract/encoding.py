"""Bytes of a web page or text file to str: BOM, then UTF-8, then the declared charset, then detection.

trafilatura's own decoding ignores `<meta charset>` and asks charset_normalizer straight away, which misreads
short Cyrillic or Chinese pages (cp1251 read as mac-cyrillic, GBK as Big5). A page's declaration is usually
right once UTF-8 has failed, so we try it before detection, and detection only when both fail.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# The HTML5 prescan in short: a charset in a meta tag (or an XML declaration) within the first 4 KiB.
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)|<\?xml[^>]+encoding=["']([A-Za-z0-9._-]+)""", re.I)


def declared_charset(raw: bytes) -> str | None:
    """The charset a page declares in its first 4 KiB, as a Python codec name, or None."""
    match = _DECLARED.search(raw[:4096])
    if not match:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii", "ignore").lower()
    # WHATWG maps these labels to supersets; Python's strict codecs would fail on real pages
    name = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "gb2312": "gb18030",
            "gbk": "gb18030", "x-sjis": "shift_jis"}.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Never raises: the last resort replaces undecodable bytes."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace"), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return raw.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(raw[:65536]).best()
    if best is not None:
        try:
            return raw.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return raw.decode("utf-8", errors="replace"), "utf-8-replaced"
