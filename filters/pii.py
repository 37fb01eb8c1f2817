"""`pii_redact`: replace e-mails, phone numbers, IP addresses and secrets with typed placeholders.

A model trained on leaked keys and addresses may repeat them; a placeholder such as `<EMAIL>` or
`<AWS_ACCESS_KEY>` keeps the shape of the text (the model still learns that a key goes there) without the
value. Counts per type go to `doc.scores` (`pii_email`, `pii_aws_access_key`, …) so a build's statistics can
sum them, and a document with more redactions than `max_redactions` (a dump of credentials) is dropped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.pii_patterns import PATTERNS, Validator, any_ip, public_ip
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams

PiiType = Literal["PRIVATE_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "GITHUB_TOKEN", "SLACK_TOKEN", "API_KEY",
                  "JWT", "PASSWORD", "EMAIL", "IP_ADDRESS", "PHONE"]


class PiiParams(FilterParams):
    types: list[PiiType] = Field(default=list(PATTERNS), description="what to redact (placeholder <TYPE>)")
    redact_private_ips: bool = Field(default=False, description="also 10.x, 192.168.x, 127.0.0.1, …")
    max_redactions: int | None = Field(default=None, ge=0, description="drop documents with more; null: never")


def find_spans(text: str, types: list[str], ip_check: Validator) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, type) spans; on overlap the earlier type in PATTERNS wins (keys before
    e-mails), then the earlier start."""
    spans: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for kind in (k for k in PATTERNS if k in types):
        for match in PATTERNS[kind].finditer(text):
            group = next((g for g in ("v", "q", "k") if g in match.re.groupindex and match.group(g)), 0)
            start, end = match.span(group)
            if kind == "IP_ADDRESS" and not ip_check(text, start, match.group(group)):
                continue
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            spans.append((start, end, kind))
    return sorted(spans)


def redact(text: str, spans: list[tuple[int, int, str]]) -> str:
    pieces, last = [], 0
    for start, end, kind in spans:
        pieces += [text[last:start], f"<{kind}>"]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


@register_step
class PiiRedact(Filter):
    name = "pii_redact"
    Params = PiiParams

    params: PiiParams

    def score(self, doc: Document) -> dict[str, float]:
        spans = find_spans(doc.text, self.params.types, any_ip if self.params.redact_private_ips else public_ip)
        if spans:
            doc.text = redact(doc.text, spans)
        scores = {f"pii_{kind.lower()}": 0.0 for kind in self.params.types}
        for _, _, kind in spans:
            scores[f"pii_{kind.lower()}"] += 1
        scores["pii_total"] = float(len(spans))
        return scores

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        limit = self.params.max_redactions
        return limit is None or scores["pii_total"] <= limit or (False, "too_many_redactions")
