"""The licence gate: SPDX allow-list, expressions, and `unknown` as its own reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from geocorpus.document import Document
from geocorpus.filters.license import LicenseGate, LicenseParams


def gate(license_id: str, **params: object) -> Document:
    doc = Document(id="l", text="x", kind="web", source="t", license=license_id)
    return LicenseGate(LicenseParams.model_validate(params)).process(doc)


def test_allow_list_with_spdx_expressions() -> None:
    params = {"allow": ["MIT", "CC-BY-4.0"]}
    assert gate("mit", **params).rejection is None
    assert gate("GPL-3.0-only OR MIT", **params).rejection is None
    assert gate("(MIT AND CC-BY-4.0)", **params).rejection is None
    assert gate("MIT AND GPL-3.0-only", **params).rejection[0] == "license_gate:not_allowed"
    assert gate("CC-BY-NC-4.0", **params).scores == {"license_known": 1.0, "license_allowed": 0.0}


def test_unknown_is_a_reason_unless_allowed_on_purpose() -> None:
    for value in ("unknown", "", "NOASSERTION"):
        assert gate(value).rejection[0] == "license_gate:unknown"
    assert gate("unknown", allow_unknown=True).rejection is None
    with pytest.raises(ValidationError):
        LicenseParams(allow=[])
