"""Licences as the sources state them → SPDX ids, and the allow-list that decides what enters a corpus.

Sources say "MIT License", "License :: OSI Approved :: BSD License", "http://creativecommons.org/licenses/
by/4.0/" or a PEP 639 expression like "MIT OR Apache-2.0"; the corpus and its dataset card need one SPDX
id (or expression) per document, and `unknown` when nobody said — never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

UNKNOWN = "unknown"

# Trove classifiers (PyPI) that name exactly one licence. "BSD License" alone does not say which BSD:
# it gets a LicenseRef of its own (every BSD variant permits redistribution with attribution).
BSD_UNSPECIFIED = "LicenseRef-BSD-unspecified"
_CLASSIFIERS = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "The Unlicense (Unlicense)": "Unlicense",
    "zlib/libpng License": "Zlib",
    "Python Software Foundation License": "PSF-2.0",
    "Artistic License": "Artistic-2.0",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "BSD License": BSD_UNSPECIFIED,
}

# Free-text `license` fields as projects commonly write them (case-insensitive, punctuation ignored).
_NAMES = {
    "mit": "MIT", "mit license": "MIT", "the mit license": "MIT", "expat": "MIT",
    "bsd 3 clause": "BSD-3-Clause", "bsd 3clause": "BSD-3-Clause", "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause", "modified bsd": "BSD-3-Clause", "3 clause bsd": "BSD-3-Clause",
    "bsd 2 clause": "BSD-2-Clause", "simplified bsd": "BSD-2-Clause", "2 clause bsd": "BSD-2-Clause",
    "apache 2": "Apache-2.0", "apache 20": "Apache-2.0", "apache license 20": "Apache-2.0",
    "apache license version 20": "Apache-2.0", "apache software license": "Apache-2.0", "asl 2": "Apache-2.0",
    "isc": "ISC", "mpl 20": "MPL-2.0", "gplv2": "GPL-2.0-only", "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only", "gplv3+": "GPL-3.0-or-later", "lgplv3": "LGPL-3.0-only", "lgplv2.1": "LGPL-2.1-only",
    "bsd": BSD_UNSPECIFIED, "bsd license": BSD_UNSPECIFIED,
    "public domain": "LicenseRef-public-domain", "unlicense": "Unlicense", "cc0": "CC0-1.0",
}

# Creative Commons and arXiv licence URLs (arXiv's OAI `<license>`, Dublin Core `dc:rights`, OpenAlex).
_CC_URL = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/licenses/([a-z-]+)/(\d\.\d)", re.I)

_SPDX_TOKEN = re.compile(r"^(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.+-]*)$")


def from_url(url: str | None) -> str:
    """SPDX id for a licence URL (Creative Commons, arXiv's own), `unknown` for anything else."""
    if not url:
        return UNKNOWN
    if match := _CC_URL.search(url):
        family, name, version = match.group(1).lower(), match.group(2).lower(), match.group(3)
        if family == "publicdomain":
            return "CC0-1.0" if name == "zero" else "LicenseRef-public-domain"
        return f"CC-{name.upper()}-{version}"
    if match := _ARXIV_URL.search(url):
        return f"LicenseRef-arxiv-{match.group(1).lower()}-{match.group(2)}"
    return UNKNOWN


def from_pypi(info: dict) -> str:
    """The licence of a PyPI release from its JSON `info`: PEP 639 expression, else classifiers, else text."""
    expression = (info.get("license_expression") or "").strip()
    if expression:
        return expression
    classified = sorted({_CLASSIFIERS[c.split(" :: ")[-1]] for c in info.get("classifiers") or []
                         if c.startswith("License :: ") and c.split(" :: ")[-1] in _CLASSIFIERS})
    text = from_text(info.get("license"))
    if classified and not (classified == [BSD_UNSPECIFIED] and text.startswith("BSD-")):
        return " OR ".join(classified)  # several classifiers: the project offers each of them
    return text


def from_text(text: str | None) -> str:
    """A short free-text licence name → SPDX; long texts (a whole licence pasted in) stay `unknown`."""
    if not text or len(text) > 80:
        return UNKNOWN
    stripped = text.strip()
    if stripped.startswith("http"):
        return from_url(stripped)
    if _SPDX_TOKEN.match(stripped) and any(c.isdigit() for c in stripped) and "-" in stripped:
        return stripped  # already looks like an SPDX id (e.g. BSD-3-Clause)
    key = re.sub(r"[^a-z0-9+. ]", " ", stripped.lower()).replace(".", "")
    key = re.sub(r"\bv(?=\d)", "", " ".join(key.split())).replace("version ", "")
    return _NAMES.get(key, _NAMES.get(key.replace(" license", ""), UNKNOWN))


class AllowList:
    """Which licences may enter: an SPDX expression is allowed when the choices it offers can be met with
    allowed ids only (`A OR B` needs one of them, `A AND B` both; `X WITH exception` counts as X)."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = {a.strip().lower() for a in allowed if a.strip()}

    def allows(self, expression: str) -> bool:
        tokens = re.findall(r"\(|\)|[^\s()]+", expression)
        try:
            allowed, rest = self._any(tokens)
        except (IndexError, ValueError):
            return False  # malformed: nobody can say what it permits
        return allowed and not rest

    def _any(self, tokens: list[str]) -> tuple[bool, list[str]]:
        result, tokens = self._all(tokens)
        while tokens and tokens[0].upper() == "OR":
            right, tokens = self._all(tokens[1:])
            result = result or right
        return result, tokens

    def _all(self, tokens: list[str]) -> tuple[bool, list[str]]:
        result, tokens = self._one(tokens)
        while tokens and tokens[0].upper() == "AND":
            right, tokens = self._one(tokens[1:])
            result = result and right
        return result, tokens

    def _one(self, tokens: list[str]) -> tuple[bool, list[str]]:
        head, tokens = tokens[0], tokens[1:]
        if head == "(":
            result, tokens = self._any(tokens)
            if tokens[0] != ")":
                raise ValueError("unbalanced parenthesis")
            return result, tokens[1:]
        if head in (")",) or head.upper() in ("AND", "OR", "WITH"):
            raise ValueError(f"unexpected {head!r}")
        if tokens and tokens[0].upper() == "WITH":
            tokens = tokens[2:]
        return head.lower() in self.allowed, tokens
