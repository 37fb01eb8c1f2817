"""LaTeX sources (a .tex file, or an arXiv e-print: tar/gzip archive) to Markdown-ish text with math kept.

The source is better than the PDF: no running headers, no broken words, and the maths as written. We find
the main file (the one with `\\documentclass` and `\\begin{document}`), splice in `\\input`/`\\include`d
files from the same archive (only plain relative paths inside it), drop comments and the preamble, turn
sectioning into Markdown headings and keep math verbatim. When no usable source is in the archive but a
PDF is (arXiv sometimes ships only that), the PDF is extracted instead.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import re
import tarfile
from typing import Any

from geocorpus.extract.encoding import decode_bytes
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.pdf import extract_pdf

# Files of a LaTeX tree on disk that go into its document: sources, bibliographies, style files.
SOURCE_SUFFIXES = (".tex", ".ltx", ".bib", ".bbl", ".sty", ".cls")
MAX_UNPACKED = 256 * 1024 * 1024  # an archive that unpacks to more is refused (decompression bombs)
_COMMENT = re.compile(r"(?<!\\)%.*")
_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}]+)\}|\\input\s+([^\s{}\\]+)")
_SECTIONS = {"part": "#", "chapter": "#", "section": "##", "subsection": "###", "subsubsection": "####",
             "paragraph": "#####", "subparagraph": "######"}
_DROP_ENVS = ("comment", "thebibliography", "tikzpicture", "picture", "CJK*")
_DROP_COMMANDS = ("label", "bibliographystyle", "bibliography", "maketitle", "tableofcontents", "vspace",
                  "hspace", "newpage", "clearpage", "includegraphics", "centering", "noindent", "footnotemark",
                  "acknowledgments", "pagebreak", "linebreak", "smallskip", "medskip", "bigskip", "keywords")
_UNWRAP_COMMANDS = ("emph", "textbf", "textit", "texttt", "textsc", "textrm", "textsf", "underline", "mbox",
                    "text", "url", "mathrm")


def extract_eprint(raw: bytes) -> tuple[str, dict[str, Any]]:
    """An arXiv e-print: a tar (optionally gzipped) of sources, a gzipped single .tex, or a bare PDF."""
    if raw.startswith(b"%PDF"):
        return _pdf_fallback(raw, "the e-print is a PDF")
    data = _gunzip(raw) if raw[:2] == b"\x1f\x8b" else raw
    if data.startswith(b"%PDF"):
        return _pdf_fallback(data, "the e-print is a PDF")
    files = _untar(data)
    if files is None:  # a gzipped single file
        files = {"main.tex": data}
    main = find_main(files)
    if main is None:
        pdfs = sorted(name for name in files if name.lower().endswith(".pdf"))
        if pdfs:
            return _pdf_fallback(files[pdfs[0]], f"no main .tex file; used {pdfs[0]}")
        raise ExtractionError("no_latex", "no .tex file with \\begin{document} in the e-print")
    text, meta = latex_to_text(main, files)
    if len(text.split()) < 50 and (pdfs := sorted(n for n in files if n.lower().endswith(".pdf"))):
        return _pdf_fallback(files[pdfs[0]], f"the LaTeX source yields almost no text; used {pdfs[0]}")
    meta["latex_files"] = len([n for n in files if n.endswith(".tex")])
    return text, meta


def extract_latex(raw: bytes) -> tuple[str, dict[str, Any]]:
    """A single .tex file; `\\input`s of other files cannot be resolved and are counted in `meta`."""
    return latex_to_text("main.tex", {"main.tex": raw})


def _pdf_fallback(raw: bytes, why: str) -> tuple[str, dict[str, Any]]:
    text, meta = extract_pdf(raw)
    meta["latex_fallback"] = why
    return text, meta


def _gunzip(raw: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_UNPACKED + 1)
    except (OSError, EOFError) as error:
        raise ExtractionError("bad_archive", f"broken gzip data: {error}") from error
    if len(data) > MAX_UNPACKED:
        raise ExtractionError("too_large", f"the e-print unpacks to more than {MAX_UNPACKED >> 20} MiB")
    return data


def _untar(data: bytes) -> dict[str, bytes] | None:
    """Regular files of a tar archive by normalised relative path; None when `data` is not a tar."""
    if not tarfile.is_tarfile(io.BytesIO(data)):
        return None
    files, total = {}, 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            for member in archive:
                name = _safe_path(member.name)
                if not member.isfile() or name is None:
                    continue
                total += member.size
                if total > MAX_UNPACKED:
                    raise ExtractionError("too_large", f"the e-print unpacks to more than {MAX_UNPACKED >> 20} MiB")
                stream = archive.extractfile(member)
                if stream is not None:
                    files[name] = stream.read()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ExtractionError("bad_archive", f"broken tar archive: {error}") from error
    return files


def _safe_path(name: str) -> str | None:
    """A relative path inside the archive, or None for absolute paths and escapes with `..`."""
    normal = posixpath.normpath(name.replace("\\", "/"))
    if normal.startswith(("/", "../")) or normal in ("..", ".") or ":" in normal.split("/")[0]:
        return None
    return normal


def pack_sources(files: dict[str, bytes]) -> bytes:
    """An uncompressed tar of a LaTeX tree on disk (relative path -> bytes), so that it is read exactly like an
    e-print. Names sorted, times and owners zeroed: the same tree always gives the same bytes (and id)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            archive.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def is_main_tex(data: bytes) -> bool:
    """Whether a .tex file's bytes are a document of their own rather than a part to be \\input."""
    return b"\\documentclass" in data and b"\\begin{document}" in data


def find_main(files: dict[str, bytes]) -> str | None:
    """The main .tex: has \\documentclass and \\begin{document}; ties go to the usual names, then size."""
    candidates = [name for name, data in files.items() if name.lower().endswith(".tex") and is_main_tex(data)]
    if not candidates:
        return None
    usual = ("main.tex", "ms.tex", "paper.tex", "article.tex", "manuscript.tex")
    return max(candidates, key=lambda n: (posixpath.basename(n).lower() in usual, len(files[n]), n))


def latex_to_text(main: str, files: dict[str, bytes]) -> tuple[str, dict[str, Any]]:
    """(Markdown-ish text, meta: title, authors, references, unresolved inputs) of the main file."""
    unresolved: list[str] = []
    source = _resolve(main, files, unresolved, 0, posixpath.dirname(main))
    meta: dict[str, Any] = {}
    if title := _argument_of(source, "title"):
        meta["title"] = _inline(title)
    if author := _argument_of(source, "author"):
        meta["authors"] = [a.strip() for a in re.split(r"\\and|,", _inline(re.sub(r"\\thanks\{[^{}]*\}", "", author)))
                           if a.strip()]
    references = re.findall(r"\\bibitem(?:\[[^\]]*\])?\{[^}]*\}\s*(.+?)(?=\\bibitem|\\end\{thebibliography\}|$)",
                            source, re.S)
    if references:
        meta["references"] = [" ".join(_inline(r).split()) for r in references]
    begin = source.find("\\begin{document}")
    end = source.find("\\end{document}")
    body = source[begin + len("\\begin{document}"): end if end > begin else None] if begin >= 0 else source
    if unresolved:
        meta["unresolved_inputs"] = unresolved
    return _to_markdown(body), meta


def _resolve(name: str, files: dict[str, bytes], unresolved: list[str], depth: int, root: str) -> str:
    """The file's text without comments, with \\input/\\include files spliced in (at most 10 deep).

    Input paths are relative to the main file's folder (`root`: LaTeX runs there), not the including file.
    """
    text, _ = decode_bytes(files[name])
    text = "\n".join(_COMMENT.sub("", line) for line in text.splitlines())

    def splice(match: re.Match[str]) -> str:
        wanted = (match.group(1) or match.group(2)).strip()
        for candidate in (wanted, f"{wanted}.tex"):
            path = _safe_path(posixpath.join(root, candidate))
            if path is not None and path in files and depth < 10:
                return _resolve(path, files, unresolved, depth + 1, root)
        unresolved.append(wanted)
        return ""

    return _INPUT.sub(splice, text)


def _argument_of(source: str, command: str) -> str | None:
    match = re.search(rf"\\{command}\s*(?:\[[^\]]*\])?\s*\{{", source)
    if not match:
        return None
    end = _matching_brace(source, match.end() - 1)
    return source[match.end(): end] if end else None


def _matching_brace(text: str, open_at: int) -> int | None:
    depth = 0
    for index in range(open_at, len(text)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{" and text[index - 1] != "\\":
            depth += 1
        elif char == "}" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index
    return None


def _replace_command(text: str, command: str, render: Any) -> str:
    """Replace every `\\command[opt]{arg}` by render(arg), matching nested braces."""
    pattern = re.compile(rf"\\{command}\*?\s*(?:\[[^\]]*\])?\s*\{{")
    out, position = [], 0
    while match := pattern.search(text, position):
        end = _matching_brace(text, match.end() - 1)
        if end is None:
            break
        out.append(text[position:match.start()])
        out.append(render(text[match.end():end]))
        position = end + 1
    out.append(text[position:])
    return "".join(out)


def _inline(text: str) -> str:
    for command in _UNWRAP_COMMANDS:
        text = _replace_command(text, command, lambda arg: arg)
    text = _replace_command(text, "href", lambda arg: "")  # the URL; the link text follows in braces
    text = _replace_command(text, "footnote", lambda arg: f" ({arg.strip()})")
    text = _replace_command(text, "(?:cite|citep|citet|citealp|citeauthor|citeyear)", lambda arg: f"[{arg}]")
    text = _replace_command(text, "(?:eqref|ref|autoref|cref|Cref)", lambda arg: f"({arg})")
    text = re.sub(rf"\\(?:{'|'.join(_DROP_COMMANDS)})\b\*?(?:\{{[^{{}}]*\}})?", "", text)
    text = text.replace("~", " ").replace("\\&", "&").replace("\\%", "%").replace("\\_", "_").replace("``", "\u201c")
    return text.replace("''", "\u201d").replace("---", "\u2014").replace("--", "\u2013")


def _to_markdown(body: str) -> str:
    for env in _DROP_ENVS:
        body = re.sub(rf"\\begin\{{{re.escape(env)}\}}.*?\\end\{{{re.escape(env)}\}}", "", body, flags=re.S)
    body = re.sub(r"\\begin\{abstract\}", "\n\n## Abstract\n\n", body).replace("\\end{abstract}", "\n\n")
    for command, marks in _SECTIONS.items():
        body = _replace_command(body, command, lambda arg, marks=marks: f"\n\n{marks} {' '.join(arg.split())}\n\n")
    # figures and tables: keep the caption, marked, drop the drawing commands
    body = re.sub(r"\\begin\{(figure|table)\*?\}(.*?)\\end\{\1\*?\}", _float_caption, body, flags=re.S)
    body = re.sub(r"\s*\\item\s*(?:\[([^\]]*)\])?", lambda m: f"\n- {m.group(1) + ' ' if m.group(1) else ''}", body)
    body = re.sub(r"\\(?:begin|end)\{(?:itemize|enumerate|description|center|flushleft|flushright)\}", "\n", body)
    body = _inline(body)
    paragraphs = [" ".join(p.split()) if not p.lstrip().startswith("- ") else _list_block(p)
                  for p in re.split(r"\n\s*\n", body)]
    return "\n\n".join(p for p in paragraphs if p)


def _list_block(paragraph: str) -> str:
    items = [" ".join(item.split()) for item in paragraph.strip().removeprefix("- ").split("\n- ")]
    return "\n".join(f"- {item}" for item in items if item)


def _float_caption(match: re.Match[str]) -> str:
    kind, inner = match.group(1), match.group(2)
    caption = _argument_of(inner, "caption")
    return f"\n\n> {kind.capitalize()}: {' '.join(caption.split())}\n\n" if caption else "\n\n"
