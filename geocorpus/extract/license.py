"""Licence statements (URLs, names, code headers) to SPDX ids, so the licence gate can compare them.

Pages and files state their licence in many spellings: a Creative Commons URL in a `rel=license` link, "CC BY-SA
4.0" in a footer, "Licensed under the Apache License, Version 2.0" in a code header. The dataset card and the
licence filter need one spelling, the SPDX id. We recognise the licences a geoscience corpus meets (Creative
Commons, the common open-source licences); anything else is left `None` rather than guessed.
"""

from __future__ import annotations

import re

# The SPDX ids we emit, keyed by their case-folded spelling, so that "mit" or "apache-2.0" normalise too.
KNOWN_IDS = {
    spdx.casefold(): spdx
    for spdx in (
        "MIT", "MIT-0", "ISC", "0BSD", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "MPL-2.0", "Unlicense",
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-only",
        "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later",
        "EPL-2.0", "CC0-1.0", "CC-PDDC", "WTFPL", "Zlib", "BSL-1.0", "PSF-2.0", "OFL-1.1", "ODbL-1.0",
        "ODC-By-1.0", "PDDL-1.0", "OGL-UK-3.0", "etalab-2.0",
        *(f"CC-{kind}-{version}" for kind in ("BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND")
          for version in ("1.0", "2.0", "2.5", "3.0", "4.0")),
    )
}
# Deprecated SPDX spellings still found in headers and package metadata.
_DEPRECATED = {"gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later", "gpl-3.0": "GPL-3.0-only",
               "gpl-3.0+": "GPL-3.0-or-later", "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
               "lgpl-3.0": "LGPL-3.0-only", "lgpl-3.0+": "LGPL-3.0-or-later", "agpl-3.0": "AGPL-3.0-only",
               "agpl-3.0+": "AGPL-3.0-or-later"}

_CC_URL = re.compile(r"creativecommons\.org/licen[cs]es/((?:by|nc|sa|nd)(?:-(?:by|nc|sa|nd))*)/(\d\.\d)", re.I)
_CC_ZERO_URL = re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.I)
_OTHER_URLS = [
    (re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.I), "Apache-2.0"),
    (re.compile(r"gnu\.org/licenses/(?:old-licenses/)?(a?gpl|lgpl)-?(\d\.\d)", re.I), None),
    (re.compile(r"opensource\.org/licen[cs]es/([A-Za-z0-9.+-]+?)(?:\.php|\.html)?/?$", re.I), None),
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
_CC_PART = {"by": "BY", "attribution": "BY", "nc": "NC", "noncommercial": "NC", "non-commercial": "NC",
            "sa": "SA", "sharealike": "SA", "share-alike": "SA", "nd": "ND", "noderivs": "ND",
            "no-derivs": "ND", "noderivatives": "ND", "no-derivatives": "ND", "noderivative": "ND"}
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
    (re.compile(r"Permission is hereby granted, free of charge, to any person obtaining a copy", re.I), "MIT"),
    (re.compile(r"Permission to use, copy, modify, and/or distribute this software for any purpose", re.I), "ISC"),
    (re.compile(r"Redistribution and use in source and binary forms.{0,1500}?Neither the name", re.I | re.S),
     "BSD-3-Clause"),
    (re.compile(r"Redistribution and use in source and binary forms", re.I), "BSD-2-Clause"),
    (re.compile(r"This is free and unencumbered software released into the public domain", re.I), "Unlicense"),
]


def spdx_id(value: str | None) -> str | None:
    """An SPDX id spelled canonically, or None when `value` is not one we know."""
    if not value:
        return None
    key = value.strip().casefold()
    return KNOWN_IDS.get(key) or _DEPRECATED.get(key)


def from_url(url: str | None) -> str | None:
    """SPDX id of a licence URL (Creative Commons deeds, gnu.org, apache.org, opensource.org, ODC, OGL)."""
    if not url:
        return None
    if match := _CC_URL.search(url):
        return spdx_id(f"CC-{match.group(1)}-{match.group(2)}")
    if _CC_ZERO_URL.search(url):
        return "CC0-1.0"
    for pattern, spdx in _OTHER_URLS:
        if match := pattern.search(url.strip()):
            if spdx:
                return spdx
            if pattern.pattern.startswith("gnu"):
                return spdx_id(f"{match.group(1)}-{match.group(2)}")
            return spdx_id(match.group(1))
    return None


def from_name(text: str | None) -> str | None:
    """SPDX id of a licence named in prose ("CC BY-SA 4.0", "Creative Commons Attribution 4.0", "MIT")."""
    if not text:
        return None
    if known := spdx_id(text) or from_url(text):
        return known
    if match := _CC_NAME.search(text):
        words = re.split(r"[\s,-]+", match.group("parts").strip(" ,-").casefold())
        # "Non-Commercial" splits into two words; glue hyphenated spellings back before the lookup
        joined = " ".join(words).replace("non commercial", "noncommercial").replace("share alike", "sharealike")
        joined = joined.replace("no derivs", "noderivs").replace("no derivatives", "noderivatives")
        parts = [_CC_PART[w] for w in joined.split() if w in _CC_PART]
        ordered = [p for p in ("BY", "NC", "SA", "ND") if p in parts]
        if ordered and ordered[0] == "BY":
            return spdx_id(f"CC-{'-'.join(ordered)}-{match.group('version')}")
    if _CC_ZERO_NAME.search(text):
        return "CC0-1.0"
    return None


def from_code_header(text: str, lines: int = 60) -> str | None:
    """SPDX id from a file's head: an `SPDX-License-Identifier` line, else a known licence notice."""
    head = "\n".join(text.splitlines()[:lines])
    if match := _SPDX_LINE.search(head):
        expression = match.group(1).strip()
        return spdx_id(expression) or expression  # an expression ("MIT OR Apache-2.0") is kept as written
    # notices wrap across comment lines: match them on the comment text joined into one line
    flat = " ".join(_COMMENT_MARK.sub("", line) for line in head.splitlines())
    for pattern, spdx in _HEADER_PHRASES:
        if pattern.search(flat):
            return spdx
    return None

