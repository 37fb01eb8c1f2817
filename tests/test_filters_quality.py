"""Prose quality rules: Gopher quality and repetition, C4, FineWeb — per-kind thresholds and Chinese text."""

from __future__ import annotations

import random

import pytest
from conftest import article
from pydantic import ValidationError

from geocorpus.document import Document
from geocorpus.filters.c4 import C4Params, C4Quality
from geocorpus.filters.fineweb import FinewebParams, FinewebQuality
from geocorpus.filters.gopher import GopherParams, GopherQuality
from geocorpus.filters.gopher_repetition import GopherRepetition, RepetitionParams
from geocorpus.filters.words import cjk_ratio, split_words

ZH = ("地下水是指赋存于地面以下岩石空隙中的水，狭义上是指地下水面以下饱和含水层中的水。"
      "在国家标准《水文地质术语》中，地下水是指埋藏在地表以下各种形式的重力水。"
      "含水层的渗透性和孔隙度决定了地下水的储存与运移，这是水文地质学研究的基本问题。") * 3


def doc(text: str, kind: str = "web") -> Document:
    return Document(id="d", text=text, kind=kind, source="test")


def prose(seed: int = 1, words: int = 300) -> str:
    rng = random.Random(seed)
    return "\n\n".join(article(rng, "groundwater", words // 3) for _ in range(3))


def table_heavy_paper() -> str:
    rows = "\n".join(f"W{i:03d} {12.5 + i:.2f} {0.31 + i / 100:.3f} {1024 + 7 * i} {i * 3.7:.1f}" for i in range(60))
    return prose(2, 300) + "\nTable 2. Well measurements.\n" + rows + "\n" + prose(3, 150)


def test_table_heavy_paper_survives_where_a_web_page_would_not() -> None:
    step = GopherQuality(GopherParams())
    paper = step.process(doc(table_heavy_paper(), "paper"))
    web = step.process(doc(table_heavy_paper(), "web"))
    assert paper.rejection is None
    assert web.rejection is not None and web.rejection[0] == "gopher_quality:alpha_words"
    assert paper.scores["gopher_alpha_words_ratio"] == web.scores["gopher_alpha_words_ratio"]  # same scores


def test_by_kind_overrides_merge_over_the_step_defaults_and_typos_are_errors() -> None:
    params = GopherParams.model_validate({"by_kind": {"paper": {"min_words": 10_000}}})
    step = GopherQuality(params)
    assert step.thresholds("paper").min_words == 10_000
    assert step.thresholds("paper").min_alpha_words_ratio == 0.5  # the step's paper default is kept
    assert step.process(doc(table_heavy_paper(), "paper")).rejection[0] == "gopher_quality:too_few_words"
    with pytest.raises(ValidationError, match="unknown threshold 'min_wrods'"):
        GopherParams.model_validate({"by_kind": {"paper": {"min_wrods": 1}}})
    with pytest.raises(ValidationError):
        GopherQuality(GopherParams.model_validate({"by_kind": {"paper": {"min_words": "many"}}}))


def test_chinese_words_are_characters_and_chinese_prose_passes_gopher() -> None:
    assert split_words("地下水 is 水") == ["地", "下", "水", "is", "水"]
    assert cjk_ratio(ZH) > 0.8
    judged = GopherQuality(GopherParams()).process(doc(ZH))
    assert judged.rejection is None, judged.scores
    assert judged.scores["gopher_words"] > 150 and judged.scores["gopher_stop_words"] >= 2


def test_code_is_not_judged_by_prose_rules_by_default() -> None:
    code = doc("import rasterio\nx = 1\n", "code")
    for step in (GopherQuality(GopherParams()), C4Quality(C4Params()), FinewebQuality(FinewebParams()),
                 GopherRepetition(RepetitionParams())):
        assert step.process(code).rejection is None and not code.scores


def test_repetition_rejects_spam_and_keeps_prose() -> None:
    step = GopherRepetition(RepetitionParams())
    spam = step.process(doc("Buy cheap maps now, best price guaranteed!\n" * 30 + prose(4, 100)))
    assert spam.rejection[0] == "gopher_repetition:dup_lines"
    clean = step.process(doc(prose(5)))
    assert clean.rejection is None
    assert 0 <= clean.scores["rep_top_2gram"] < 0.2 and clean.scores["rep_dup_10gram"] < 0.1


def test_c4_braces_reject_web_pages_but_not_papers_and_lorem_ipsum_is_caught() -> None:
    step = C4Quality(C4Params())
    latex = prose(6) + "\nThe flux is $q = -K \\frac{dh}{dl}$ by Darcy's law."
    assert step.process(doc(latex, "web")).rejection[0] == "c4_quality:curly_braces"
    assert step.process(doc(latex, "paper")).rejection is None
    assert step.process(doc(prose(7) + " Lorem ipsum dolor sit amet.")).rejection[0] == "c4_quality:lorem_ipsum"
    assert step.process(doc("One line only")).rejection[0] == "c4_quality:too_few_sentences"


def test_fineweb_rejects_list_pages_and_keeps_prose() -> None:
    step = FinewebQuality(FinewebParams())
    menu = "\n".join(f"Item {i}" for i in range(80))
    assert step.process(doc(menu)).rejection[0] == "fineweb_quality:few_punctuated_lines"
    kept = step.process(doc(prose(8)))
    assert kept.rejection is None and kept.scores["fineweb_punct_lines_ratio"] == 1.0


def test_c4_bad_words_from_a_user_list_match_whole_words_and_cjk_substrings(tmp_path) -> None:
    words = tmp_path / "bad.txt"
    words.write_text("Damn\nhell\n\n傻瓜\n", encoding="utf-8")
    step = C4Quality(C4Params(bad_words=str(words)))
    page = prose(8)
    assert step.process(doc(page + " What the hell happened here.")).rejection[0] == "c4_quality:bad_words"
    shell = step.process(doc(page + " Shell beds and hello notes were logged."))  # inside other words: kept
    assert shell.rejection is None and shell.scores["c4_bad_words"] == 0
    assert step.process(doc(page + " 他说这个人是傻瓜。")).scores["c4_bad_words"] == 1
    lenient = C4Quality(C4Params(bad_words=str(words), max_bad_words=2))
    assert lenient.process(doc(page + " DAMN it. Damn.")).rejection is None
    assert "c4_bad_words" not in C4Quality(C4Params()).process(doc(page)).scores  # no list: rule off
