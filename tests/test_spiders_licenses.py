"""Licences as sources state them → SPDX, and the allow-list's reading of SPDX expressions."""

from __future__ import annotations

import pytest

from geocorpus.spiders.licenses import AllowList, from_pypi, from_text, from_url


@pytest.mark.parametrize(("url", "spdx"), [
    ("http://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by-nc-sa/4.0", "CC-BY-NC-SA-4.0"),
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "LicenseRef-arxiv-nonexclusive-distrib-1.0"),
    ("https://example.org/terms", "unknown"),
])
def test_licence_urls(url: str, spdx: str) -> None:
    assert from_url(url) == spdx


def test_pypi_prefers_the_pep639_expression_then_classifiers_then_the_text() -> None:
    assert from_pypi({"license_expression": "MIT OR Apache-2.0", "license": "GPL"}) == "MIT OR Apache-2.0"
    classifiers = ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"]
    assert from_pypi({"classifiers": classifiers, "license": "whatever"}) == "Apache-2.0 OR MIT"
    # "BSD License" does not say which BSD: the free text decides
    assert from_pypi({"classifiers": ["License :: OSI Approved :: BSD License"], "license": "BSD 3-Clause"}) \
        == "BSD-3-Clause"
    assert from_pypi({"license": "Copyright (c) 2020 ACME. " * 10}) == "unknown"  # a pasted licence text
    assert from_text("Proprietary") == "unknown"
    bsd = {"classifiers": ["License :: OSI Approved :: BSD License"], "license": "BSD"}
    assert from_pypi(bsd) == "LicenseRef-BSD-unspecified", "which BSD is not said: not guessed either"


@pytest.mark.parametrize(("expression", "allowed"), [
    ("MIT", True), ("mit", True), ("MIT OR GPL-3.0-only", True), ("MIT AND GPL-3.0-only", False),
    ("GPL-3.0-only AND (MIT OR BSD-3-Clause)", False), ("(MIT AND BSD-3-Clause) OR GPL-3.0-only", True),
    ("Apache-2.0 WITH LLVM-exception", True), ("unknown", False), ("MIT AND", False), ("((MIT)", False),
])
def test_allow_list_reads_spdx_expressions(expression: str, allowed: bool) -> None:
    assert AllowList(["MIT", "BSD-3-Clause", "Apache-2.0"]).allows(expression) is allowed
