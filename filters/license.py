"""`license_gate`: keep only documents whose licence is on the recipe's SPDX allow-list.

A dataset card promises what may be redistributed, so the gate is explicit: `unknown` (or NOASSERTION) is
its own drop reason rather than a silent keep, and `allow_unknown` has to be set on purpose. SPDX
expressions are read as the spiders read them (`geocorpus.licenses.allowed`): `A OR B` passes when either is
allowed, `A AND B` when both are, parentheses group, and a malformed expression is not allowed.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from geocorpus.document import Document
from geocorpus.licenses import UNKNOWN, allowed
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams

NOT_STATED = frozenset({"", UNKNOWN, "noassertion", "none", "other"})
OPEN_LICENSES = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "0BSD", "Zlib",
                 "PSF-2.0", "CC0-1.0", "CC-BY-4.0", "CC-BY-3.0", "CC-BY-SA-4.0", "CC-BY-SA-3.0", "PDDL-1.0",
                 "ODC-By-1.0", "LGPL-2.1-or-later", "LGPL-3.0-or-later", "MPL-2.0", "GPL-2.0-or-later",
                 "GPL-3.0-or-later", "GPL-3.0-only", "GPL-2.0-only", "LGPL-3.0-only", "LGPL-2.1-only",
                 "AGPL-3.0-only", "AGPL-3.0-or-later", "EPL-2.0", "OGL-UK-3.0", "etalab-2.0"]


class LicenseParams(FilterParams):
    allow: list[str] = Field(default=OPEN_LICENSES, description="SPDX ids that may pass (case-insensitive)")
    allow_unknown: bool = Field(default=False, description="let documents without a known licence through")

    @field_validator("allow")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("the allow-list is empty: every document would be dropped")
        return value


@register_step
class LicenseGate(Filter):
    name = "license_gate"
    Params = LicenseParams

    params: LicenseParams

    def score(self, doc: Document) -> dict[str, float]:
        license_id = (doc.license or "").strip()
        known = license_id.casefold() not in NOT_STATED
        is_allowed = known and allowed(license_id, self.params.allow)
        return {"license_known": float(known), "license_allowed": float(is_allowed)}

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        if not scores["license_known"]:
            return self.params.allow_unknown or (False, "unknown")
        return bool(scores["license_allowed"]) or (False, "not_allowed")
