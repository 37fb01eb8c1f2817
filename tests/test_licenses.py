"""Licence statements (URLs, names, PyPI metadata, code headers) → SPDX, and allow-lists over SPDX expressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from geocorpus.licenses import (
    allowed,
    from_code_header,
    from_license_text,
    from_name,
    from_pypi,
    from_r_license,
    from_url,
    spdx_id,
)


@pytest.mark.parametrize(("url", "spdx"), [
    ("http://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by-nc-sa/4.0", "CC-BY-NC-SA-4.0"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", "CC-BY-NC-ND-4.0"),
    ("//creativecommons.org/licenses/by/2.5/", "CC-BY-2.5"),
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/mark/1.0/", "LicenseRef-public-domain"),
    ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "LicenseRef-arxiv-nonexclusive-distrib-1.0"),
    ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
    ("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html", "LGPL-2.1-only"),
    ("https://opensource.org/licenses/BSD-3-Clause", "BSD-3-Clause"),
    ("https://example.org/terms", None),
    (None, None),
])
def test_licence_urls(url: str | None, spdx: str | None) -> None:
    assert from_url(url) == spdx


@pytest.mark.parametrize(("statement", "spdx"), [
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", "CC-BY-NC-ND-4.0"),
    ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International License", "CC-BY-NC-SA-4.0"),
    ("This article is distributed under the terms of the Creative Commons Attribution 4.0 International License, "
     "which permits unrestricted use.", "CC-BY-4.0"),
    ("CC-BY 4.0", "CC-BY-4.0"),
    ("cc0", "CC0-1.0"),
    ("mit", "MIT"),
    ("MIT License", "MIT"),
    ("GPL-3.0+", "GPL-3.0-or-later"),
    ("BSD 3-Clause", "BSD-3-Clause"),
    ("Apache License, Version 2.0", "Apache-2.0"),
    ("Apache-2", "Apache-2.0"),
    ("LGPLv2.1", "LGPL-2.1-only"),
    ("BSD", "LicenseRef-BSD-unspecified"),
    ("Public Domain", "LicenseRef-public-domain"),
    ("EUPL-1.2", "EUPL-1.2"),  # SPDX-shaped but not in our table: the source said it, kept as written
    ("2019-2024", None),
    ("Proprietary", None),
    ("All rights reserved", None),
    ("", None),
])
def test_licence_names_to_spdx(statement: str, spdx: str | None) -> None:
    assert from_name(statement) == spdx


def test_spdx_ids_are_spelled_canonically() -> None:
    assert spdx_id("apache-2.0") == "Apache-2.0"
    assert spdx_id("LGPL-2.1+") == "LGPL-2.1-or-later"
    assert spdx_id("licenseref-bsd-unspecified") == "LicenseRef-BSD-unspecified"
    assert spdx_id("Beerware") is None


def test_pypi_prefers_the_pep639_expression_then_classifiers_then_the_text() -> None:
    assert from_pypi({"license_expression": "MIT OR Apache-2.0", "license": "GPL"}) == "MIT OR Apache-2.0"
    classifiers = ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"]
    assert from_pypi({"classifiers": classifiers, "license": "whatever"}) == "Apache-2.0 OR MIT"
    # "BSD License" does not say which BSD: the free text decides
    assert from_pypi({"classifiers": ["License :: OSI Approved :: BSD License"], "license": "BSD 3-Clause"}) \
        == "BSD-3-Clause"
    assert from_pypi({"license": "Copyright (c) 2020 ACME. " * 10}) is None  # a pasted licence text
    # a pasted licence is not read as a name, even when it mentions one
    assert from_pypi({"license": "Parts of the docs are CC-BY 4.0; see LICENSE. Copyright (c) 2020 ACME. " * 2}) \
        is None
    assert from_pypi({"license": "Proprietary"}) is None
    bsd = {"classifiers": ["License :: OSI Approved :: BSD License"], "license": "BSD"}
    assert from_pypi(bsd) == "LicenseRef-BSD-unspecified", "which BSD is not said: not guessed either"


@pytest.mark.parametrize(("header", "spdx"), [
    ("# SPDX-License-Identifier: GPL-3.0-or-later\n", "GPL-3.0-or-later"),
    ("// SPDX-License-Identifier: MIT OR Apache-2.0\n", "MIT OR Apache-2.0"),
    ("/* SPDX-License-Identifier: GPL-2.0+ */\n", "GPL-2.0-or-later"),
    ("# Licensed under the Apache License, Version 2.0 (the \"License\");\n", "Apache-2.0"),
    ("# This program is free software: you can redistribute it and/or modify it under the terms of the GNU\n"
     "# General Public License as published by the Free Software Foundation, either version 3 of the\n"
     "# License, or (at your option) any later version.\n", "GPL-3.0-or-later"),
    ("# Redistribution and use in source and binary forms, with or without modification, are permitted\n"
     "# 3. Neither the name of the copyright holder nor the names of its contributors may be used\n",
     "BSD-3-Clause"),
    ("# Copyright 2020 ACME. All rights reserved.\n", None),
])
def test_licence_headers(header: str, spdx: str | None) -> None:
    assert from_code_header(header + "import numpy\n") == spdx


@pytest.mark.parametrize(("expression", "is_allowed"), [
    ("MIT", True), ("mit", True), ("MIT OR GPL-3.0-only", True), ("MIT AND GPL-3.0-only", False),
    ("GPL-3.0-only AND (MIT OR BSD-3-Clause)", False), ("(MIT AND BSD-3-Clause) OR GPL-3.0-only", True),
    ("Apache-2.0 WITH LLVM-exception", True), ("unknown", False), ("MIT AND", False), ("((MIT)", False),
    ("", False),
])
def test_allow_list_reads_spdx_expressions(expression: str, is_allowed: bool) -> None:
    assert allowed(expression, ["MIT", "BSD-3-Clause", "Apache-2.0"]) is is_allowed
    assert allowed(expression, [" mit ", "bsd-3-clause", "APACHE-2.0", ""]) is is_allowed  # case, spaces ignored


LICENSE_TEXTS = Path(__file__).resolve().parent / "data" / "extract" / "licenses"
BSD_2 = """Copyright (c) 2020, Geo Lab
Redistribution and use in source and binary forms, with or without modification, are permitted provided
that the following conditions are met:
1. Redistributions of source code must retain the above copyright notice.
2. Redistributions in binary form must reproduce the above copyright notice.
THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"."""
BSD_3 = BSD_2.replace("THIS SOFTWARE", "3. Neither the name of the copyright holder nor the names of its\n"
                                       "contributors may be used to endorse products.\nTHIS SOFTWARE")


@pytest.mark.parametrize(("name", "spdx"), [
    ("Apache-2.0", "Apache-2.0"), ("GPL-2", "GPL-2.0-only"), ("GPL-3", "GPL-3.0-only"),
    ("LGPL-2.1", "LGPL-2.1-only"), ("LGPL-3", "LGPL-3.0-only"), ("MPL-2.0", "MPL-2.0"),
])
def test_licence_file_texts(name: str, spdx: str) -> None:
    assert from_license_text((LICENSE_TEXTS / f"{name}.head").read_text()) == spdx


@pytest.mark.parametrize(("text", "spdx"), [
    ("MIT License\n\nCopyright (c) 2024 A\n\nPermission is hereby granted, free of charge, to any person\n"
     "obtaining a copy of this software", "MIT"),
    (BSD_2, "BSD-2-Clause"),
    (BSD_3, "BSD-3-Clause"),
    ("ISC License\n\nPermission to use, copy, modify, and/or distribute this software for any purpose", "ISC"),
    ("This is free and unencumbered software released into the public domain.", "Unlicense"),
    ("GNU AFFERO GENERAL PUBLIC LICENSE\n   Version 3, 19 November 2007", "AGPL-3.0-only"),
    ("Apache-2.0\n", "Apache-2.0"),
    ("SPDX-License-Identifier: MIT OR Apache-2.0\n\nSee the files for the texts.", "MIT OR Apache-2.0"),
    ("All rights reserved. Do not copy.", None),
    ("", None),
])
def test_licence_file_sentences(text: str, spdx: str | None) -> None:
    assert from_license_text(text) == spdx


def test_gpl_text_mentioning_the_agpl_later_is_still_the_gpl() -> None:
    gpl = (LICENSE_TEXTS / "GPL-3.head").read_text() + "\n" * 40 + "13. Use with the GNU Affero General Public "\
        "License Version 3 ... or (at your option) any later version."
    assert from_license_text(gpl) == "GPL-3.0-only"


@pytest.mark.parametrize(("field", "spdx"), [
    ("MIT + file LICENSE", "MIT"), ("GPL (>= 2)", "GPL-2.0-or-later"), ("GPL-3", "GPL-3.0-only"),
    ("Apache License 2.0", "Apache-2.0"), ("CC BY 4.0", "CC-BY-4.0"), ("file LICENSE", None), ("", None),
])
def test_r_description_licence_field(field: str, spdx: str | None) -> None:
    assert from_r_license(field) == spdx
