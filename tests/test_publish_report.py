"""`geocorpus report`: a self-contained page whose figures are real images, rendered by a real headless browser."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib import image as mpimg
from publish_corpus import build_corpus

from geocorpus.cli import main

EXPECTED = {"lengths", "tokens", "sources", "licenses", "languages", "scores", "dedup_clusters", "drop_reasons"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    corpus = build_corpus(root / "build")
    out = root / "report.html"
    result = CliRunner().invoke(main, ["report", str(corpus), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"report with {len(EXPECTED)} figures" in result.output
    return out


def _pngs(page: str) -> dict[str, bytes]:
    found = re.findall(r'<figure id="([a-z_]+)">.*?src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page, re.S)
    return {name: base64.b64decode(data) for name, data in found}


def test_page_is_self_contained_with_one_real_image_per_figure(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r'(src|href)="(?!data:)', page)  # nothing to fetch
    pngs = _pngs(page)
    assert set(pngs) == EXPECTED
    for name, png in pngs.items():
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 400, name
        assert float(np.asarray(pixels)[..., :3].std()) > 0.05, f"{name} is blank"


def test_report_of_a_directory_without_data_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "has no data/ directory" in result.output


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not on PATH (apt-get install chromium) to render the report")
def test_report_renders_in_headless_chromium_without_console_errors(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + str(tmp_path / "p")]
    run = subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,3000", "--enable-logging=stderr",
                          "--v=0", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.is_file(), run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (3000, 1200) and float(pixels[..., :3].std()) > 0.05
    dom = subprocess.run([*base, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert len(re.findall(r"<img ", dom.stdout)) == len(EXPECTED)
