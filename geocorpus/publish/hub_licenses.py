"""SPDX ids (how geocorpus records licences) → the Hub's licence ids (what a card's `license:` accepts).

The Hub lists its ids at https://huggingface.co/docs/hub/repositories-licenses; they are lower-case and
versioned like SPDX, but GPL variants collapse to `gpl-3.0`, BSD without a clause count is `bsd`, and
anything the list lacks (0BSD, PSF-2.0, arXiv's licences, SPDX expressions) must be published as `other`
with a `license_name` and `license_link`.
"""

from __future__ import annotations

from geocorpus.licenses import BSD_UNSPECIFIED

_DIRECT = {
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MPL-2.0", "Unlicense", "Zlib", "WTFPL",
    "BSL-1.0", "Artistic-2.0", "OFL-1.1", "EPL-2.0", "CC0-1.0", "etalab-2.0",
    "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC-BY-NC-2.0",
    "CC-BY-NC-3.0", "CC-BY-NC-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-3.0", "CC-BY-NC-ND-4.0", "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-4.0",
}
_RENAMED = {
    BSD_UNSPECIFIED: "bsd", "ODbL-1.0": "odbl", "ODC-By-1.0": "odc-by", "PDDL-1.0": "pddl",
    "GPL-2.0-only": "gpl-2.0", "GPL-2.0-or-later": "gpl-2.0", "GPL-3.0-only": "gpl-3.0", "GPL-3.0-or-later": "gpl-3.0",
    "LGPL-2.1-only": "lgpl-2.1", "LGPL-2.1-or-later": "lgpl-2.1", "LGPL-3.0-only": "lgpl-3.0",
    "LGPL-3.0-or-later": "lgpl-3.0", "AGPL-3.0-only": "agpl-3.0", "AGPL-3.0-or-later": "agpl-3.0",
}
HUB_IDS = {spdx: spdx.lower() for spdx in _DIRECT} | _RENAMED
#: Every id the card may write: the mapped ones plus the Hub's catch-alls.
KNOWN_HUB_IDS = frozenset(HUB_IDS.values()) | {"other", "unknown"}


def hub_license(spdx: str) -> str | None:
    """The Hub id of one SPDX id, or None when the Hub's list has no such licence."""
    return HUB_IDS.get(spdx.strip())
