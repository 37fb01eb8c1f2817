"""Scholarly identifiers read from `meta`, normalised so that one work reached through two sources matches.

Sources spell the same thing differently: `https://doi.org/10.1029/ABC`, `doi:10.1029/abc`; `arXiv:2101.00001v3`,
`2101.00001`; "The Title: A Study." in one catalogue and "the title a study" in another. Each function takes
a document's `meta` dict and returns the canonical form, or None when the field is missing or unusable.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[a-z]{2})?/\d{7})(v\d+)?", re.IGNORECASE)
_VERSION = re.compile(r"v(\d+)$", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w]+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
# DOI prefixes of preprint servers: a DOI there names a preprint, not a published version.
PREPRINT_DOI_PREFIXES = ("10.48550/", "10.31223/", "10.1002/essoar.", "10.22541/essoar.", "10.5194/egusphere",
                         "10.21203/rs.", "10.20944/preprints", "10.2139/ssrn.", "10.31219/osf.io/")
PREPRINT_TYPES = {"preprint", "posted-content", "posted_content", "submitted", "accepted"}
PUBLISHED_TYPES = {"journal-article", "article", "proceedings-article", "book-chapter", "published", "publishedversion"}


def doi(meta: dict[str, Any]) -> str | None:
    """`10.xxxx/suffix` in lower case (DOIs are case-insensitive), without URL or `doi:` prefix."""
    value = meta.get("doi")
    match = _DOI.search(str(value)) if value else None
    return match.group(0).rstrip(".,;").lower() if match else None


def arxiv_id(meta: dict[str, Any]) -> str | None:
    """The arXiv identifier without its version (`2101.00001v3` → `2101.00001`); also found in an arXiv DOI."""
    value = meta.get("arxiv_id") or meta.get("arxiv")
    if not value:
        found = doi(meta)
        value = found.split("arxiv.", 1)[1] if found and found.startswith("10.48550/arxiv.") else None
    if not value:
        return None
    text = str(value).strip()
    match = _ARXIV_NEW.search(text) or _ARXIV_OLD.search(text)
    return match.group(1).lower() if match else None


def version(meta: dict[str, Any]) -> int:
    """A preprint's version number (`version: 3`, `v3`, or the `v3` of an arXiv id); 0 when unknown."""
    for value in (meta.get("version"), meta.get("arxiv_id")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        match = _VERSION.search(str(value or "").strip())
        if match:
            return int(match.group(1))
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return 0


def is_published(meta: dict[str, Any]) -> bool:
    """True for a version of record: a journal/venue named, a published type, or a non-preprint DOI."""
    kind = str(meta.get("type") or meta.get("version") or "").strip().lower()
    if kind in PREPRINT_TYPES:
        return False
    if kind in PUBLISHED_TYPES or meta.get("journal") or meta.get("journal_ref") or meta.get("container_title"):
        return True
    found = doi(meta)
    return bool(found) and not found.startswith(PREPRINT_DOI_PREFIXES)


def _folded_words(text: str) -> list[str]:
    """Lower-case words with accents and punctuation removed: `Müller-Lyon,` → `muller lyon`."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain).replace("_", " ").split()


def normalised_title(title: str | None) -> str | None:
    """The title's folded words; None for titles under three words (too generic to identify a work)."""
    words = _folded_words(title) if title else []
    return " ".join(words) if len(words) >= 3 else None


def first_author_surname(meta: dict[str, Any]) -> str | None:
    """Surname of the first author from `authors` (list of names or dicts) or `author` ("Surname, Given")."""
    authors = meta.get("authors") or meta.get("author")
    first = authors[0] if isinstance(authors, list) and authors else authors
    if isinstance(first, dict):
        family = first.get("family") or first.get("surname")
        if isinstance(family, str):
            return " ".join(_folded_words(family)) or None
        first = first.get("name")
    if not isinstance(first, str) or not first.strip():
        return None
    name = first.split(";")[0].strip()
    surname = name.split(",")[0] if "," in name else name.split()[-1]
    return " ".join(_folded_words(surname)) or None


def year(meta: dict[str, Any]) -> int | None:
    """Publication year from `year`, `published`, `date` or `published_date`."""
    for key in ("year", "published", "date", "published_date", "publication_date"):
        match = _YEAR.search(str(meta.get(key) or ""))
        if match:
            return int(match.group(1))
    return None
