"""Licence statements, however a source spells them, to SPDX ids; and the allow-list reading of SPDX expressions.

Sources state licences in many spellings: PyPI trove classifiers ("License :: OSI Approved :: MIT License"),
free-text fields ("BSD 3-Clause"), Creative Commons, arXiv and gnu.org URLs, "CC BY-SA 4.0" in a page footer,
"Licensed under the Apache License, Version 2.0" in a code header. The dataset card and the licence checks
(spiders before downloading, `license_gate` in a recipe) need one spelling: the SPDX id or expression.

One convention throughout: every `from_*` function returns the SPDX id, or None when the statement names no
licence we recognise — never a guess. Callers that fill `Document.license` write `UNKNOWN` for None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

UNKNOWN = "unknown"  # Document.license when nobody stated a licence
# "BSD License" alone does not say which BSD; every BSD variant permits redistribution with attribution.
BSD_UNSPECIFIED = "LicenseRef-BSD-unspecified"
PUBLIC_DOMAIN = "LicenseRef-public-domain"

# The ids we emit, keyed by their case-folded spelling, so that "mit" or "apache-2.0" normalise too.
KNOWN_IDS = {
    spdx.casefold(): spdx
    for spdx in (
        "MIT", "MIT-0", "ISC", "0BSD", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "MPL-2.0", "Unlicense",
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.0-only", "LGPL-2.0-or-later",
        "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only",
        "AGPL-3.0-or-later", "EPL-2.0", "CC0-1.0", "CC-PDDC", "WTFPL", "Zlib", "BSL-1.0", "PSF-2.0", "Artistic-2.0",
        "OFL-1.1", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "OGL-UK-3.0", "etalab-2.0", BSD_UNSPECIFIED, PUBLIC_DOMAIN,
        *(f"CC-{kind}-{version}" for kind in ("BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND")
          for version in ("1.0", "2.0", "2.5", "3.0", "4.0")),
    )
}
# Deprecated SPDX spellings still found in headers and package metadata.
_DEPRECATED = {"gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later", "gpl-3.0": "GPL-3.0-only",
               "gpl-3.0+": "GPL-3.0-or-later", "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
               "lgpl-3.0": "LGPL-3.0-only", "lgpl-3.0+": "LGPL-3.0-or-later", "agpl-3.0": "AGPL-3.0-only",
               "agpl-3.0+": "AGPL-3.0-or-later"}

# Trove classifiers (PyPI) that name exactly one licence.
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
# A PyPI `license` field longer than this is a whole licence pasted in, not a name: not ours to identify.
_MAX_NAME = 80

# Short names as projects commonly write them, after `_name_key` (lower case, punctuation and "v"/"version"
# dropped).
_NAMES = {
    "mit": "MIT", "mit license": "MIT", "the mit license": "MIT", "expat": "MIT",
    "bsd 3 clause": "BSD-3-Clause", "bsd 3clause": "BSD-3-Clause", "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause", "modified bsd": "BSD-3-Clause", "3 clause bsd": "BSD-3-Clause",
    "bsd 2 clause": "BSD-2-Clause", "simplified bsd": "BSD-2-Clause", "2 clause bsd": "BSD-2-Clause",
    "apache 2": "Apache-2.0", "apache 20": "Apache-2.0", "apache license 20": "Apache-2.0",
    "apache license version 20": "Apache-2.0", "apache software license": "Apache-2.0", "asl 2": "Apache-2.0",
    "isc": "ISC", "mpl 20": "MPL-2.0", "gplv2": "GPL-2.0-only", "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only", "gplv3+": "GPL-3.0-or-later", "lgplv3": "LGPL-3.0-only", "lgplv21": "LGPL-2.1-only",
    "bsd": BSD_UNSPECIFIED, "bsd license": BSD_UNSPECIFIED,
    "public domain": PUBLIC_DOMAIN, "unlicense": "Unlicense", "cc0": "CC0-1.0",
}
# A token shaped like an SPDX id we do not list ("EUPL-1.2"): the source said it, so it is kept as written.
_SPDX_SHAPED = re.compile(r"^(?=.*\d)(?=.*-)[A-Za-z][A-Za-z0-9.+-]*$")

_CC_URL = re.compile(r"creativecommons\.org/licen[cs]es/((?:by|nc|sa|nd)(?:-(?:by|nc|sa|nd))*)/(\d\.\d)", re.I)
_CC_PUBLIC_DOMAIN_URL = re.compile(r"creativecommons\.org/publicdomain/([a-z-]+)/\d\.\d", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/licenses/([a-z-]+)/(\d\.\d)", re.I)
_GNU_URL = re.compile(r"gnu\.org/licenses/(?:old-licenses/)?(a?gpl|lgpl)-?(\d\.\d)", re.I)
_OSI_URL = re.compile(r"opensource\.org/licen[cs]es/([A-Za-z0-9.+-]+?)(?:\.php|\.html)?/?$", re.I)
_FIXED_URLS = [
    (re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.I), "Apache-2.0"),
    (re.compile(r"opendatacommons\.org/licenses/odbl", re.I), "ODbL-1.0"),
    (re.compile(r"nationalarchives\.gov\.uk/doc/open-government-licence/version/3", re.I), "OGL-UK-3.0"),
]
_CC_NAME = re.compile(
    r"\b(?:CC|Creative\s+Commons)[\s-]*(?P<parts>(?:(?:BY|Attribution|NC|Non-?Commercial|SA|Share-?Alike|ND|"
    r"No-?Deriv(?:ative)?s?)[\s,-]*)+)(?:License\s*|Licence\s*|International\s*|Unported\s*|Generic\s*)*"
    r"(?:v(?:ersion)?\s*)?(?P<version>\d\.\d)",
    re.I,
)
_CC_ZERO_NAME = re.compile(r"\bCC[\s-]?0\b|\bCC[\s-]?Zero\b|Creative\s+Commons\s+Zero", re.I)
_CC_PART = {"by": "BY", "attribution": "BY", "nc": "NC", "noncommercial": "NC", "sa": "SA", "sharealike": "SA",
            "nd": "ND", "noderivs": "ND", "noderivatives": "ND", "noderivative": "ND"}

_COMMENT_MARK = re.compile(r"^\s*(?:#+|//+|/?\*+/?|--+|;+|%+|'+|!)?\s*")
_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+\-() ]+?)\s*(?:\*/|-->|$)", re.M)
# Phrases of the licence notices that code headers carry, most specific first.
_HEADER_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Apache License,?\s+Version 2\.0", re.I), "Apache-2.0"),
    (re.compile(r"GNU Affero General Public License.{0,200}?version 3.{0,200}?any later version", re.I | re.S),
     "AGPL-3.0-or-later"),
    (re.compile(r"GNU Lesser General Public License.{0,200}?version 2\.1.{0,200}?any later version", re.I | re.S),
     "LGPL-2.1-or-later"),
    (re.compile(r"GNU Lesser General Public License.{0,200}?version 3.{0,200}?any later version", re.I | re.S),
     "LGPL-3.0-or-later"),
    (re.compile(r"GNU General Public License.{0,200}?version 2.{0,200}?any later version", re.I | re.S),
     "GPL-2.0-or-later"),
    (re.compile(r"GNU General Public License.{0,200}?version 3.{0,200}?any later version", re.I | re.S),
     "GPL-3.0-or-later"),
    (re.compile(r"Mozilla Public License,?\s+v(?:ersion|\.)?\s*2\.0", re.I), "MPL-2.0"),
]
# The permissive licences' own sentences: found alike in a header notice and in the licence's full text.
_PERMISSIVE_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Permission is hereby granted, free of charge, to any person obtaining a copy", re.I), "MIT"),
    (re.compile(r"Permission to use, copy, modify, and/or distribute this software for any purpose", re.I), "ISC"),
    (re.compile(r"Redistribution and use in source and binary forms.{0,1500}?Neither the name", re.I | re.S),
     "BSD-3-Clause"),
    (re.compile(r"Redistribution and use in source and binary forms", re.I), "BSD-2-Clause"),
    (re.compile(r"This is free and unencumbered software released into the public domain", re.I), "Unlicense"),
]
_HEADER_PHRASES += _PERMISSIVE_PHRASES

# Titles that open the full text of a licence (a LICENSE/COPYING file), read at the head only and the earliest
# winning: the GPL-3.0 text itself cites the AGPL in its section 13, the LGPL-3.0 text the GPL. The text alone
# does not say "or any later version" (the project's notices do), so it gives the `-only` id: the narrower grant.
_TEXT_TITLES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"GNU Affero General Public License\s+Version 3\b", re.I), "AGPL-3.0-only"),
    (re.compile(r"GNU Lesser General Public License\s+Version 3\b", re.I), "LGPL-3.0-only"),
    (re.compile(r"GNU Lesser General Public License\s+Version 2\.1\b", re.I), "LGPL-2.1-only"),
    (re.compile(r"GNU Library General Public License\s+Version 2\b", re.I), "LGPL-2.0-only"),
    (re.compile(r"GNU General Public License\s+Version 3\b", re.I), "GPL-3.0-only"),
    (re.compile(r"GNU General Public License\s+Version 2\b", re.I), "GPL-2.0-only"),
    (re.compile(r"Apache License,?\s+Version 2\.0\b", re.I), "Apache-2.0"),
    (re.compile(r"Mozilla Public License,?\s+Version 2\.0\b", re.I), "MPL-2.0"),
    (re.compile(r"CC0 1\.0 Universal", re.I), "CC0-1.0"),
]
_TEXT_HEAD = 1500  # characters: the title stands in the first lines, after at most a copyright notice


def spdx_id(value: str | None) -> str | None:
    """An SPDX id we know, spelled canonically (deprecated spellings updated), or None."""
    if not value:
        return None
    key = value.strip().casefold()
    return KNOWN_IDS.get(key) or _DEPRECATED.get(key)


def from_url(url: str | None) -> str | None:
    """SPDX id of a licence URL: Creative Commons deeds, arXiv's own licences, gnu.org, apache.org,
    opensource.org, Open Data Commons, the UK Open Government Licence."""
    if not url:
        return None
    url = url.strip()
    if match := _CC_URL.search(url):
        return spdx_id(f"CC-{match.group(1)}-{match.group(2)}")
    if match := _CC_PUBLIC_DOMAIN_URL.search(url):
        return "CC0-1.0" if match.group(1).lower() == "zero" else PUBLIC_DOMAIN
    if match := _ARXIV_URL.search(url):
        return f"LicenseRef-arxiv-{match.group(1).lower()}-{match.group(2)}"
    if match := _GNU_URL.search(url):
        return spdx_id(f"{match.group(1)}-{match.group(2)}")
    if match := _OSI_URL.search(url):
        return spdx_id(match.group(1))
    return next((spdx for pattern, spdx in _FIXED_URLS if pattern.search(url)), None)


def from_name(text: str | None) -> str | None:
    """SPDX id of a licence named in prose or a metadata field: an SPDX id, a URL, a Creative Commons name
    ("CC BY-SA 4.0", "Creative Commons Attribution 4.0"), a common short name ("BSD 3-Clause", "Apache 2")."""
    if not text or not text.strip():
        return None
    stripped = text.strip()
    if known := spdx_id(stripped) or from_url(stripped) or _creative_commons(stripped):
        return known
    key = _name_key(stripped)
    if spdx := _NAMES.get(key) or _NAMES.get(key.replace(" license", "")):
        return spdx
    return stripped if _SPDX_SHAPED.match(stripped) else None


def _creative_commons(text: str) -> str | None:
    """A Creative Commons licence named in words, wherever it stands in `text`."""
    if match := _CC_NAME.search(text):
        # "Non-Commercial" splits into two words: glue the hyphenated spellings back before the lookup
        joined = " ".join(re.split(r"[\s,-]+", match.group("parts").strip(" ,-").casefold()))
        for split, glued in (("non commercial", "noncommercial"), ("share alike", "sharealike"),
                             ("no derivs", "noderivs"), ("no derivatives", "noderivatives")):
            joined = joined.replace(split, glued)
        parts = {_CC_PART[word] for word in joined.split() if word in _CC_PART}
        ordered = [part for part in ("BY", "NC", "SA", "ND") if part in parts]
        if ordered and ordered[0] == "BY":
            return spdx_id(f"CC-{'-'.join(ordered)}-{match.group('version')}")
    return "CC0-1.0" if _CC_ZERO_NAME.search(text) else None


def _name_key(text: str) -> str:
    """"Apache License, Version 2.0" → "apache license 20": the spelling `_NAMES` is keyed by."""
    key = re.sub(r"[^a-z0-9+. ]", " ", text.lower()).replace(".", "")
    return re.sub(r"\bv(?=\d)", "", " ".join(key.split())).replace("version ", "")


def from_pypi(info: dict) -> str | None:
    """The licence of a PyPI release from its JSON `info`: PEP 639 expression, else classifiers, else the
    `license` text when it is a short name."""
    expression = (info.get("license_expression") or "").strip()
    if expression:
        return expression
    classified = sorted({_CLASSIFIERS[c.split(" :: ")[-1]] for c in info.get("classifiers") or []
                         if c.startswith("License :: ") and c.split(" :: ")[-1] in _CLASSIFIERS})
    stated = info.get("license") or ""
    text = from_name(stated) if len(stated) <= _MAX_NAME else None
    if classified and not (classified == [BSD_UNSPECIFIED] and text and text.startswith("BSD-")):
        return " OR ".join(classified)  # several classifiers: the project offers each of them
    return text


def from_code_header(text: str, lines: int = 60) -> str | None:
    """SPDX id from a file's head: an `SPDX-License-Identifier` line, else a known licence notice."""
    head = "\n".join(text.splitlines()[:lines])
    if match := _SPDX_LINE.search(head):
        expression = match.group(1).strip()
        return spdx_id(expression) or expression  # an expression ("MIT OR Apache-2.0") is kept as written
    # notices wrap across comment lines: match them on the comment text joined into one line
    flat = " ".join(_COMMENT_MARK.sub("", line) for line in head.splitlines())
    return next((spdx for pattern, spdx in _HEADER_PHRASES if pattern.search(flat)), None)


def from_license_text(text: str | None) -> str | None:
    """SPDX id of a licence file's full text (LICENSE, COPYING): the title of the GNU, Apache, Mozilla and CC0
    texts at its head, else the characteristic sentences of MIT, ISC, BSD-3/2-Clause and the Unlicense, else
    a file that holds nothing but a licence name ("MIT", "Apache-2.0")."""
    if not text or not text.strip():
        return None
    flat = " ".join(text.split())
    if len(flat) <= _MAX_NAME and (named := from_name(flat)):
        return named
    head = flat[:_TEXT_HEAD]
    titles = [(match.start(), spdx) for pattern, spdx in _TEXT_TITLES if (match := pattern.search(head))]
    if titles:
        return min(titles)[1]  # the title the text opens with, not one it cites further on
    if match := _SPDX_LINE.search(text[:_TEXT_HEAD]):
        return spdx_id(match.group(1).strip()) or match.group(1).strip()
    return next((spdx for pattern, spdx in _PERMISSIVE_PHRASES if pattern.search(flat)), None)


# R's DESCRIPTION `License:` spellings (CRAN's licence database) that are not SPDX ids.
_R_LICENSES = {"gpl-2": "GPL-2.0-only", "gpl-3": "GPL-3.0-only", "gpl (>= 2)": "GPL-2.0-or-later",
               "gpl (>= 3)": "GPL-3.0-or-later", "gpl (>= 2.0)": "GPL-2.0-or-later", "lgpl-2.1": "LGPL-2.1-only",
               "lgpl-3": "LGPL-3.0-only", "lgpl (>= 2.1)": "LGPL-2.1-or-later", "agpl-3": "AGPL-3.0-only",
               "cc by 4.0": "CC-BY-4.0", "cc0": "CC0-1.0"}
_R_FILE_CLAUSE = re.compile(r"\s*[+|]\s*file\s+LICEN[CS]E\s*$", re.I)


def from_r_license(field: str | None) -> str | None:
    """SPDX id of an R package's DESCRIPTION `License:` field ("GPL (>= 2)", "MIT + file LICENSE"); the
    `+ file LICENSE` clause only adds the copyright holder, so it is dropped."""
    if not field:
        return None
    name = " ".join(_R_FILE_CLAUSE.sub("", field).split())
    return _R_LICENSES.get(name.casefold()) or from_name(name)


def allowed(expression: str, allow_list: Iterable[str]) -> bool:
    """Whether an SPDX expression can be met with allow-listed ids only (case-insensitive): `A OR B` needs one
    of them, `A AND B` both, parentheses group, `X WITH exception` counts as X. Malformed is not allowed:
    nobody can say what it permits."""
    allow = {name.strip().casefold() for name in allow_list if name.strip()}
    try:
        result, rest = _ExpressionReader(allow).any(re.findall(r"\(|\)|[^\s()]+", expression))
    except (IndexError, ValueError):
        return False
    return result and not rest


class _ExpressionReader:
    """Recursive descent over SPDX expression tokens (OR binds looser than AND); each method returns
    (allowed, tokens left)."""

    def __init__(self, allow: set[str]) -> None:
        self.allow = allow

    def any(self, tokens: list[str]) -> tuple[bool, list[str]]:
        result, tokens = self.all(tokens)
        while tokens and tokens[0].upper() == "OR":
            right, tokens = self.all(tokens[1:])
            result = result or right
        return result, tokens

    def all(self, tokens: list[str]) -> tuple[bool, list[str]]:
        result, tokens = self.one(tokens)
        while tokens and tokens[0].upper() == "AND":
            right, tokens = self.one(tokens[1:])
            result = result and right
        return result, tokens

    def one(self, tokens: list[str]) -> tuple[bool, list[str]]:
        head, tokens = tokens[0], tokens[1:]
        if head == "(":
            result, tokens = self.any(tokens)
            if tokens[0] != ")":
                raise ValueError("unbalanced parenthesis")
            return result, tokens[1:]
        if head == ")" or head.upper() in ("AND", "OR", "WITH"):
            raise ValueError(f"unexpected {head!r}")
        if tokens and tokens[0].upper() == "WITH":
            tokens = tokens[2:]
        return head.casefold() in self.allow, tokens
