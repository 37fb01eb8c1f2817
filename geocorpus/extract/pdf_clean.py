"""Raw pypdf page text to clean scholarly prose: what pypdf leaves for us to do.

pypdf gives one line per printed line. A paper then still carries its running header on every page, page
numbers, words broken at line ends ("uncon-/fined"), ligature glyphs ("ﬁeld"), hard line breaks inside
paragraphs, axis tick labels of figures and a reference list that reads like noise to a language model.
Every rule here works on the document's own evidence (lines repeated across pages, the vocabulary the paper
uses elsewhere), because a scholarly PDF has no markup to tell us what a line is.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

# Compatibility characters safe to fold with NFKC: Latin ligatures (U+FB00–FB06) and full-width ASCII.
# Superscripts and other NFKC targets are left alone: "km²" must not become "km2".
_FOLD = re.compile("[\ufb00-\ufb06\uff01-\uff5e]")
_DROP = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")  # soft hyphen, zero-width characters
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]+")
_HYPHENS = re.compile("[\u2010\u2011]")

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_NUMBERED_HEADING = re.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z][^.!?]{1,70})$")
_NAMED_HEADINGS = {"abstract", "introduction", "background", "methods", "materials and methods", "results",
                   "discussion", "conclusion", "conclusions", "acknowledgements", "acknowledgments", "references",
                   "bibliography", "literature cited", "appendix", "data availability", "author contributions",
                   "summary", "keywords"}
_REFERENCE_HEADINGS = {"references", "bibliography", "literature cited", "works cited", "references cited"}
_RUN_IN_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,3}\.?\s+[A-Z]")  # "3.4 Recharge estimation. Following ..."
_CAPTION = re.compile(r"^(?:Fig(?:ure)?\.?|Table|Plate)\s+[A-Z]?\d+[a-z]?\s*[.:|-]", re.I)
_HYPHENATED_END = re.compile(r"([^\W\d_]+)-$")
_LEADING_WORD = re.compile(r"[^\W\d_]*")
_LETTERS = re.compile(r"[^\W\d_]+")
_TICK = re.compile(r"[-+−]?\d+(?:[.,]\d+)?%?")
_ENDS_IN_DIGIT = re.compile(r"\d\s*$")  # a table-of-contents line ("2 Methods 14"), not a heading
_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
_GARBAGE = frozenset(("Co", "Cn", "Cc", "Cs"))  # private use, unassigned, control, surrogate


@dataclass
class CleanPdf:
    """The cleaned text and what the cleanup found, for `meta`."""

    text: str
    references: list[str] = field(default_factory=list)
    captions: int = 0
    headers_removed: int = 0
    hyphens_joined: int = 0


def normalize_chars(text: str) -> str:
    """Ligatures and full-width forms folded, invisible characters dropped, odd spaces made plain."""
    text = _FOLD.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _HYPHENS.sub("-", _DROP.sub("", text))
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text))


def page_quality(text: str) -> float:
    """0..1: share of clean characters times share of word-like tokens; 0 for an empty text layer.

    A text layer with broken font encodings yields replacement characters, private-use glyphs and
    letter soup ("Ö¨ØÚ"), which both factors catch without a dictionary for every language. Characters are
    judged once per distinct character (a page uses a few hundred), not once per occurrence.
    """
    stripped = "".join(text.split())
    if not stripped:
        return 0.0
    garbage = sum(n for c, n in Counter(stripped).items() if c == "\ufffd" or unicodedata.category(c) in _GARBAGE)
    garbage += stripped.count("(cid:") * 6
    tokens = [t for t in (t.strip(".,;:()[]{}\"'“”‘’!?") for t in text.split()) if t]
    words = numbers = 0
    for token in tokens:
        if _WORD.match(token) and len(token) < 25 and not _mixed_case_soup(token):
            words += 1
        # isalpha() first: most tokens are plain words, and isdigit() also counts superscripts like "²"
        if not token.isalpha() and any(c.isdigit() for c in token):
            numbers += 1
    word_ratio = words / max(1, len(tokens) - numbers)
    return round(max(0.0, 1 - garbage / len(stripped)) * min(1.0, word_ratio), 3)


def _mixed_case_soup(token: str) -> bool:
    """"xQzKf"-like tokens: more than two case changes inside a word is not how any language writes."""
    if token[1:].islower():  # the common "word" / "Word": nothing upper after the first letter, one change at most
        return False
    changes = sum(1 for a, b in pairwise(token) if a.isupper() != b.isupper())
    return changes > 2


def clean_pages(pages: list[str]) -> CleanPdf:
    """The cleaned document text (Markdown headings, captions as block quotes) of raw page texts."""
    lines_by_page = [[line.strip() for line in normalize_chars(page).splitlines() if line.strip()]
                     for page in pages]
    lines_by_page, removed = _strip_running_lines(lines_by_page)
    text = "\n".join(line for lines in lines_by_page for line in lines)
    vocabulary = Counter(map(str.lower, _LETTERS.findall(text)))  # lowered after: lower() can split a letter
    blocks, joined = _paragraphs(lines_by_page, vocabulary)
    body, references = _split_references(blocks)
    captions = sum(1 for block in body if block.startswith("> "))
    return CleanPdf("\n\n".join(body), references, captions, removed, joined)


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _strip_running_lines(pages: list[list[str]]) -> tuple[list[list[str]], int]:
    """Drop page numbers and header/footer lines that repeat at the top or bottom of many pages."""
    edge = 3
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(line) for line in lines[:edge] + lines[-edge:]})
    threshold = max(2, len(pages) // 2)
    running = {key for key, n in counts.items() if n >= threshold}
    removed, cleaned = 0, []
    for lines in pages:
        keep = []
        for index, line in enumerate(lines):
            at_edge = index < edge or index >= len(lines) - edge
            if at_edge and (_edge_key(line) in running or _PAGE_NUMBER.match(line)):
                removed += 1
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned, removed


def _heading(line: str) -> str | None:
    """The Markdown heading for a section title line, or None for any other line."""
    bare = line.rstrip(":").strip()
    if bare.lower() in _NAMED_HEADINGS:
        return f"## {bare}"
    match = _NUMBERED_HEADING.match(line)
    if match and len(line) <= 80 and not _ENDS_IN_DIGIT.search(line):
        depth = match.group("number").count(".") + 2
        return f"{'#' * min(depth, 6)} {line}"
    return None


def _is_tick_label(line: str) -> bool:
    """Figure axis labels pypdf reads as lines: one or two short numbers."""
    tokens = line.split()
    return len(tokens) <= 2 and all(_TICK.fullmatch(t) for t in tokens)


def _join(parts: list[str], line: str, vocabulary: Counter[str]) -> bool:
    """Append `line` to a paragraph's space-separated parts, undoing a line-end hyphenation when the paper's
    vocabulary agrees; True when it did. Only the last part is looked at and copied, so a long paragraph
    costs linear time, not quadratic."""
    match = _HYPHENATED_END.search(parts[-1].rsplit(None, 1)[-1])  # a word cannot span a space
    if match and line[:1].islower():
        head, tail = match.group(1), _LEADING_WORD.match(line).group()
        whole, hyphenated = (head + tail).lower(), f"{head}-{tail}".lower()
        # Keep "fine-grained" when the paper writes it with a hyphen elsewhere; join "uncon-fined" otherwise.
        if vocabulary[whole] > 0 or not _hyphenated_elsewhere(hyphenated, vocabulary):
            parts[-1] = parts[-1][:-1] + line
            return True
        parts[-1] += line
        return False
    parts.append(line)
    return False


def _hyphenated_elsewhere(hyphenated: str, vocabulary: Counter[str]) -> bool:
    head, tail = hyphenated.split("-", 1)
    return vocabulary[head] > 1 and vocabulary[tail] > 1


def _paragraphs(pages: list[list[str]], vocabulary: Counter[str]) -> tuple[list[str], int]:
    """Re-join lines into paragraphs; headings and captions become blocks of their own."""
    lengths = [len(line) for lines in pages for line in lines if len(line) > 20]
    full = statistics.median(lengths) if lengths else 0.0
    blocks: list[str] = []
    current: list[str] = []  # the open paragraph's parts, joined by spaces when it closes
    previous, joined, kind = "", 0, "text"
    for lines in pages:
        for index, line in enumerate(lines):
            if _is_tick_label(line):
                continue
            heading = _heading(line)
            starts_block = heading is not None or _CAPTION.match(line) or _RUN_IN_HEADING.match(line)
            if current and not starts_block and _continues(previous, line, index == 0, full):
                joined += _join(current, line, vocabulary)
                previous = line
                continue
            if current:
                blocks.append(_block(current, kind))
            current, previous, kind = [line], line, "caption" if _CAPTION.match(line) else "text"
            if heading:
                blocks.append(heading)
                current, kind = [], "text"
    if current:
        blocks.append(_block(current, kind))
    return blocks, joined


def _block(parts: list[str], kind: str) -> str:
    text = " ".join(parts)
    return f"> {text}" if kind == "caption" else text


def _continues(previous: str, line: str, new_page: bool, full: float) -> bool:
    """Whether `line` goes on the paragraph whose last printed line was `previous`.

    A line that starts in lower case continues; otherwise a paragraph ends where its last line stops short
    of the right margin (well below the median line length), and at a page break after a finished sentence.
    """
    if line[:1].islower() or (previous.endswith("-") and line[:1].isalpha()):
        return True
    if new_page:
        return False
    return len(previous) >= 0.8 * full


def _split_references(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Body blocks, and the reference entries after a References heading (to `meta`, not the text)."""
    for index, block in enumerate(blocks):
        if block.startswith("#") and block.lstrip("# ").rstrip(":").lower() in _REFERENCE_HEADINGS:
            tail = blocks[index + 1:]
            end = next((i for i, b in enumerate(tail) if b.startswith("#")), len(tail))
            return blocks[:index] + tail[end:], [entry for block in tail[:end] for entry in _entries(block)]
    return blocks, []


def _entries(block: str) -> list[str]:
    """Split a re-joined run of references at the starts of new entries ("Author, A. (2002)")."""
    parts = re.split(r"(?<=[.)])\s+(?=[A-Z][A-Za-z'\u00c0-\u017f-]+,\s+[A-Z]\.)|\s+(?=\[\d+\]\s)", block)
    return [p.strip() for p in parts if p.strip()]
