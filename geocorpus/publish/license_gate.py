"""The licence gate before publishing: nobody uploads documents they may not redistribute by accident.

The allow-list is the recipe's own (`license_gate: {allow: [...]}` in the build's recipe.yaml), so publishing
promises no more than building checked; without one, the `license_gate` step's default list of open licences
applies. `unknown` is refused unless the recipe allowed it on purpose. SPDX expressions are read as the build
reads them (`geocorpus.licenses.allowed`). `--allow-license` adds ids; `--override-license-gate` publishes
anyway, and the card says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from geocorpus.filters.license import NOT_STATED, OPEN_LICENSES
from geocorpus.licenses import allowed
from geocorpus.publish.source import Source


@dataclass(frozen=True)
class GateResult:
    """The verdict: allow-list used (and where it came from), and documents by licence, refused or not."""

    allow: tuple[str, ...]
    allow_origin: str
    allow_unknown: bool
    counts: tuple[tuple[str, int, bool], ...]  # (licence, documents, allowed), most documents first
    overridden: bool

    @property
    def refused(self) -> dict[str, int]:
        return {license_id: n for license_id, n, ok in self.counts if not ok}

    @property
    def passed(self) -> bool:
        return self.overridden or not self.refused

    def table(self) -> str:
        """Counts by licence as plain text lines, refused ones marked: printed under the one-line error."""
        width = max(len(license_id) for license_id, _, _ in self.counts)
        return "\n".join(f"  {license_id:<{width}}  {n:>9}  {'ok' if ok else 'REFUSED'}"
                         for license_id, n, ok in self.counts)


def check_licenses(source: Source, licenses: Counter, extra_allow: tuple[str, ...] = (),
                   override: bool = False) -> GateResult:
    """Judge every licence of the rows to publish against the allow-list."""
    params = source.step_params("license_gate")
    if params is not None and params.get("allow"):
        allow, origin = [str(x) for x in params["allow"]], "the recipe's license_gate.allow"
    else:
        allow, origin = list(OPEN_LICENSES), "the default open-licence list (no license_gate in the recipe)"
    allow_unknown = bool(params.get("allow_unknown")) if params else False
    allow += list(extra_allow)
    counts = []
    for license_id, n in licenses.most_common():
        stated = license_id.strip().casefold() not in NOT_STATED
        ok = allowed(license_id, allow) if stated else allow_unknown or license_id in extra_allow
        counts.append((license_id, n, ok))
    return GateResult(tuple(allow), origin, allow_unknown, tuple(counts), override)
