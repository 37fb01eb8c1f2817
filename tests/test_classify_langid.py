"""Language ID with the shipped lid.176 model: English and Chinese above all."""

from __future__ import annotations

from geocorpus.classify.langid import Langid, LangidParams
from geocorpus.document import Document

EN = "Groundwater recharge depends on precipitation, soil permeability and the depth of the water table."
ZH = "地下水补给取决于降水量、土壤渗透性以及地下水位的深度。"
DE = "Die Grundwasserneubildung hängt vom Niederschlag und der Durchlässigkeit des Bodens ab."


def judge(text: str, kind: str = "web", **params: object) -> Document:
    return Langid(LangidParams.model_validate(params)).process(Document(id="l", text=text, kind=kind, source="t"))


def test_language_and_confidence_are_set_for_english_chinese_and_others() -> None:
    for text, lang in ((EN, "en"), (ZH, "zh"), (DE, "de")):
        judged = judge(text)
        assert judged.lang == lang and judged.scores["lang_score"] > 0.5 and judged.rejection is None


def test_language_list_and_threshold_select() -> None:
    assert judge(DE, languages=["en", "zh"]).rejection == ("langid:language", "de")
    assert judge(ZH, languages=["en", "zh"]).rejection is None
    assert judge("ok 123", min_score=0.99).rejection[0] == "langid:low_score"
    assert judge("   \n ", languages=["en"]).lang == "unknown"


def test_code_is_not_judged_by_default() -> None:
    code = judge("import numpy as np\nx = np.zeros(3)\n", kind="code", languages=["en"])
    assert code.rejection is None and code.lang is None and "lang_score" not in code.scores
