"""LaTeX sources and arXiv e-prints: main file, \\input resolution, Markdown sections, math kept, fallbacks."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from geocorpus.extract.dispatch import extract_raw
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.formats import detect

PAPER = Path(__file__).resolve().parent.parent / "recipes/samples/geocode_pt/papers/grace_wells_recharge_case_study.pdf"

MAIN = r"""\documentclass{article}
\usepackage{amsmath} % the preamble is dropped
\newcommand{\Sy}{S_y}
\title{Recharge from \emph{GRACE}}
\author{A. Moreau \and K. Osei\thanks{Lab}}
\begin{document}
\maketitle
\begin{abstract}
We compare wells and gravimetry.
\end{abstract}
\section{Introduction}\label{sec:intro}
Recharge~\cite{scanlon2002} is hard to measure. % a private note
The flux is $R = S_y \, \Delta h$ and see Eq.~\eqref{eq:wtf}:
\begin{equation}\label{eq:wtf}
  R = \int_0^T q(t)\,dt
\end{equation}
It costs 5\% of the budget.
\input{sections/methods}
\include{../../etc/passwd}
\begin{figure}[t]
\centering\includegraphics[width=\linewidth]{fig1.pdf}
\caption{Storage anomalies from \textbf{GRACE}.}
\end{figure}
\begin{itemize}
\item wells
\item satellites
\end{itemize}
\begin{thebibliography}{9}
\bibitem{scanlon2002} Scanlon, B. R. (2002). Choosing techniques. Hydrogeology Journal.
\bibitem{healy2002} Healy, R. W. (2002). Using groundwater levels.
\end{thebibliography}
\end{document}
"""
METHODS = r"""\subsection{Specific yield}
We calibrate $S_y$ against GRACE.
\input{sections/detail}
"""
DETAIL = "Details are in the supplement.\n"


def tarball(files: dict[str, bytes], compress: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def converted() -> tuple[str, dict]:
    files = {"ms.tex": MAIN.encode(), "sections/methods.tex": METHODS.encode(),
             "sections/detail.tex": DETAIL.encode(), "notes.tex": b"\\documentclass{article}\nno body",
             "fig1.pdf": b"%PDF-1.4 not used"}
    return extract_raw(tarball(files), "eprint", None, "2401.00001.tar.gz", {})


def test_eprint_sections_math_and_inputs(converted: tuple[str, dict]) -> None:
    text, meta = converted
    assert "## Abstract\n\nWe compare wells and gravimetry." in text
    assert "## Introduction" in text and "### Specific yield" in text
    assert "$R = S_y \\, \\Delta h$" in text and "R = \\int_0^T q(t)\\,dt" in text  # math kept as LaTeX
    assert "Details are in the supplement." in text  # nested \input resolved
    assert "Recharge [scanlon2002] is hard to measure." in text and "5% of the budget" in text
    assert "private note" not in text and "usepackage" not in text and "\\label" not in text
    assert "> Figure: Storage anomalies from GRACE." in text and "includegraphics" not in text
    assert "- wells\n- satellites" in text
    assert meta["title"] == "Recharge from GRACE" and meta["authors"] == ["A. Moreau", "K. Osei"]
    assert meta["references"][0].startswith("Scanlon, B. R. (2002)") and len(meta["references"]) == 2
    assert meta["unresolved_inputs"] == ["../../etc/passwd"]  # never read outside the archive
    assert "Scanlon" not in text


def test_single_gzipped_tex_and_plain_tex_file() -> None:
    text, _meta = extract_raw(gzip.compress(MAIN.encode()), "eprint", None, "2401.00002.gz", {})
    assert "## Introduction" in text
    assert detect("paper.tex") == ("latex", "paper") and detect("2401.00001.tar.gz") == ("eprint", "paper")
    text, meta = extract_raw(MAIN.encode(), "latex", None, "ms.tex", {})
    assert "## Introduction" in text and meta["unresolved_inputs"] == ["sections/methods", "../../etc/passwd"]


def test_eprint_without_usable_source_falls_back_to_pdf() -> None:
    pdf = PAPER.read_bytes()
    for raw in (tarball({"paper.pdf": pdf, "README": b"see pdf"}), pdf, tarball({"paper.pdf": pdf}, False)):
        text, meta = extract_raw(raw, "eprint", None, "2401.00003", {})
        assert "## 1. Introduction" in text and meta["latex_fallback"] and meta["pages"] == 4


def test_eprint_without_tex_or_pdf_is_rejected() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_raw(tarball({"data.csv": b"a,b\n1,2\n"}), "eprint", None, "x.tar.gz", {})
    assert caught.value.reason == "no_latex"
    with pytest.raises(ExtractionError) as caught:
        extract_raw(b"\x1f\x8b\x08\x00broken", "eprint", None, "x.gz", {})
    assert caught.value.reason == "bad_archive"
