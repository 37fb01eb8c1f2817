"""Held-out evaluation slices for the geoscience classifier, shaped like the issue's check: exam-question-length
sentences and paper-like passages, in English and Chinese, and API documentation, geoscience vs general.

Every slice is cut from whole sources the model never trained on (the split is by source, not by passage:
see HELD_OUT in build_geo_model.py). Used by scripts/build_geo_model.py and benchmarks/classifier.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from geocorpus.classify.fasttext import geo_scores
from geocorpus.classify.metrics import Report, evaluate
from geocorpus.classify.text import prepare, words

SHORT = (8, 40)  # tokens (English words, Chinese characters): one sentence or exam question
LONG = (100, 400)  # tokens: a paragraph to a page of a paper or thesis
PER_SOURCE = 400  # texts drawn from one source for one slice, so no single source decides a slice
_EN_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
_ZH_SENTENCE = re.compile(r"(?<=[。！？；])|\n")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class HeldOut:
    """A whole source kept out of training: its class, language ("en"/"zh") and style ("prose"/"api")."""

    name: str
    geo: bool
    lang: str
    style: str
    read: Callable[[], Iterator[str]]


@dataclass(frozen=True)
class Slice:
    name: str
    geo: list[str]
    general: list[str]


def _tokens(text: str) -> int:
    return len(words(text))


def _is_sentence(text: str, lang: str) -> bool:
    """Running prose, not a code line, a table row or a parameter list."""
    if lang == "zh":
        return len(_CJK.findall(text)) >= 0.6 * max(_tokens(text), 1)
    compact = text.replace(" ", "")
    return text.endswith((".", "?", "!")) and len(_LETTERS.findall(text)) >= 0.8 * max(len(compact), 1)


def sentences(text: str, lang: str) -> list[str]:
    """The sentences of a text that are SHORT tokens long and read as prose."""
    pattern = _ZH_SENTENCE if lang == "zh" else _EN_SENTENCE
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        joined = paragraph.strip() if lang == "zh" else " ".join(paragraph.split())
        for sentence in pattern.split(joined):
            sentence = sentence.strip()
            if SHORT[0] <= _tokens(sentence) <= SHORT[1] and _is_sentence(sentence, lang):
                out.append(sentence)
    return out


def passages(text: str) -> list[str]:
    """Consecutive paragraphs joined until LONG[0] tokens, each passage at most LONG[1] tokens."""
    out, current = [], []
    for paragraph in re.split(r"\n\s*\n", text):
        current.append(paragraph.strip())
        size = _tokens("\n\n".join(current))
        if size >= LONG[0]:
            if size <= LONG[1]:
                out.append("\n\n".join(current))
            else:  # one long paragraph (Chinese notes have no blank lines): windows of its words
                tokens = words("\n\n".join(current))
                out += [" ".join(tokens[i:i + 300]) for i in range(0, len(tokens) - LONG[0] + 1, 300)]
            current = []
    return out


def _draw(texts: list[str], rng: random.Random) -> list[str]:
    return texts if len(texts) <= PER_SOURCE else rng.sample(texts, PER_SOURCE)


def build_slices(sources: list[HeldOut], seed: int = 7, final: bool = False) -> list[Slice]:
    """EN short, EN long, ZH short, ZH long, API docs, everything held out (whole texts), and the exam probe;
    with `final`, also the final-check probe (see `final_check`)."""
    rng = random.Random(seed)
    whole = {s.name: [t for t in s.read() if t.strip()] for s in sources}
    cut: dict[str, dict[bool, list[str]]] = {}

    def add(name: str, geo: bool, texts: list[str]) -> None:
        cut.setdefault(name, {True: [], False: []})[geo] += _draw(texts, rng)

    for source in sources:
        texts = whole[source.name]
        short = [s for t in texts for s in sentences(t, source.lang)]
        add(f"{source.lang} short (sentences, {SHORT[0]}-{SHORT[1]} tokens)", source.geo, short)
        if source.style == "prose" or source.lang == "zh":
            add(f"{source.lang} long (passages, {LONG[0]}-{LONG[1]} tokens)", source.geo,
                [p for t in texts for p in passages(t)])
        if source.style == "api":
            add("api docs (one module's docstrings)", source.geo, texts)
        add("all held-out sources (whole texts)", source.geo, texts)
    return [*(Slice(name, parts[True], parts[False]) for name, parts in sorted(cut.items())
              if parts[True] and parts[False]), exam_probe(), *([final_check()] if final else [])]


def exam_probe() -> Slice:
    """The issue's own check in miniature: exam-style geoscience questions against news and blog sentences of
    the same length and form ("Why …?", "Describe …"). Written for this evaluation, never trained on; 16 + 16
    texts, so an AUC moves by about 0.004 per swapped pair and is read as a direction, not a figure."""
    return Slice("exam-style questions vs news/blog sentences (hand-written probe)", EXAM_GEO, EXAM_GENERAL)


EXAM_GEO = [
    "Which type of plate boundary produces the deepest ocean trenches on Earth?",
    "Explain why the porosity of sandstone decreases with burial depth.",
    "What is the main difference between a mafic and a felsic magma?",
    "Describe how a hanging valley forms during glaciation.",
    "Which mineral is the most abundant in the continental crust?",
    "Why do S-waves not travel through the liquid outer core?",
    "How does the Coriolis effect influence the direction of trade winds?",
    "What controls the hydraulic conductivity of an unconfined aquifer?",
    "Name the rock formed when limestone undergoes regional metamorphism.",
    "Explain the role of evapotranspiration in the water balance of a catchment.",
    "What evidence from seafloor magnetic anomalies supports seafloor spreading?",
    "Describe the process of chemical weathering of feldspar to clay minerals.",
    "Why is the troposphere warmer near the surface than at its top?",
    "How is the magnitude of an earthquake related to the energy it releases?",
    "What is an alluvial fan and where does it usually form?",
    "Outline how sea-level changes are recorded in sedimentary sequences.",
]
EXAM_GENERAL = [
    "Which player scored the winning goal in last night's cup final?",
    "Explain why the central bank raised interest rates again this quarter.",
    "What is the main difference between a sourdough and a yeast bread?",
    "Describe how the new tax rules affect small businesses.",
    "The minister announced a review of hospital waiting lists on Monday.",
    "Why do so many people move to the city after finishing school?",
    "How does the new smartphone compare with last year's model?",
    "Shares fell sharply after the company reported lower profits.",
    "Name the author who won this year's prize for fiction.",
    "I spent the weekend painting the kitchen and planting tomatoes.",
    "What should parents know about the changes to the school timetable?",
    "The festival attracted thousands of visitors despite the rain.",
    "Our team finally shipped the new version of the mobile app.",
    "How much should you save each month for retirement?",
    "The film's soundtrack was recorded in a small studio in Berlin.",
    "Police are asking witnesses to the accident to come forward.",
]


def final_check() -> Slice:
    """A second, independent exam probe, read only once a model is chosen (never to choose settings, so that
    what is tuned on `exam_probe` is checked on questions it was not tuned on). Written for this evaluation,
    never trained on: 48 exam-style geoscience questions (geology, hydrology, meteorology, oceanography,
    physical and human geography, GIS and remote sensing; 24 English, 24 Chinese in the style of graduate-entrance
    exams) against 48 general texts, 24 English and 24 Chinese, half of them quiz questions about other subjects
    (history, sports, cooking, finance, pop culture), so question form alone cannot separate the classes, and
    half news, blog and forum sentences."""
    return Slice("final check: exam questions vs quiz questions + news/forum (EN + ZH, read once)",
                 FINAL_GEO_EN + FINAL_GEO_ZH, FINAL_GENERAL_EN + FINAL_GENERAL_ZH)


FINAL_GEO_EN = [
    "Explain why the Himalayas continue to rise even though erosion removes material from them.",
    "What type of rock forms when magma cools slowly deep beneath the surface?",
    "Describe the rock cycle and identify the processes that turn sedimentary rock into metamorphic rock.",
    "Which index fossils are used to correlate Jurassic marine strata between basins?",
    "Why does groundwater move faster through gravel than through clay?",
    "Define the term baseflow and explain its importance for rivers during dry seasons.",
    "How does urbanisation change the shape of a flood hydrograph?",
    "What is a cone of depression around a pumping well?",
    "Explain how a temperature inversion can trap air pollution over a city.",
    "What conditions are needed for a tropical cyclone to form?",
    "Why does a cold front usually bring heavier but shorter rainfall than a warm front?",
    "Describe the formation of orographic precipitation on the windward side of a mountain range.",
    "What drives the thermohaline circulation of the world ocean?",
    "Explain why coastal upwelling zones such as the one off Peru are rich in fish.",
    "How do spring tides differ from neap tides, and what causes the difference?",
    "Describe how longshore drift builds a spit across a river mouth.",
    "What is the difference between a meander and an oxbow lake?",
    "Explain how permafrost thaw affects slope stability in Arctic regions.",
    "Using the demographic transition model, explain why birth rates fall as countries industrialise.",
    "What are the push and pull factors that drive rural-to-urban migration in developing countries?",
    "Describe the concentric zone model of urban land use.",
    "What is the spatial resolution of a satellite image, and how does it affect land cover classification?",
    "Explain why the normalized difference vegetation index uses the red and near-infrared bands.",
    "Which map projection preserves area, and when should it be used in a GIS analysis?",
]
FINAL_GEO_ZH = [
    "简述板块构造学说的主要观点。",
    "为什么玄武岩通常呈现细粒结构？",
    "说明沉积岩中化石对地层对比的意义。",
    "试述地震震级与地震烈度的区别。",
    "分析喀斯特地貌形成的主要条件。",
    "简述地下水的补给、径流和排泄过程。",
    "影响河流径流量季节变化的因素有哪些？",
    "什么是流域的水量平衡？",
    "说明城市化对地表径流的影响。",
    "试述季风的形成原因及其对我国降水的影响。",
    "为什么青藏高原夏季是一个热源？",
    "简述寒潮的成因及其天气特征。",
    "什么是厄尔尼诺现象？它对全球气候有何影响？",
    "简述洋流对沿岸气候的影响。",
    "说明潮汐形成的原理。",
    "为什么大陆架海域渔业资源丰富？",
    "简述黄土高原水土流失的自然原因和人为原因。",
    "分析河流三角洲的形成条件。",
    "说明冰川侵蚀形成的主要地貌类型。",
    "简述人口迁移的主要影响因素。",
    "分析影响工业区位选择的主要因素。",
    "试述城市化进程中出现的环境问题及其对策。",
    "什么是遥感影像的空间分辨率？",
    "简述地理信息系统中缓冲区分析的原理和应用。",
]
FINAL_GENERAL_EN = [
    "Explain why the Roman Republic turned into an empire under Augustus.",
    "Who won the first football World Cup, and in which year was it held?",
    "What is the difference between baking soda and baking powder in a cake recipe?",
    "Describe how compound interest makes savings grow over time.",
    "Which band released the album Abbey Road?",
    "Why did the Berlin Wall fall in 1989?",
    "How many players are on the field for one team in a rugby union match?",
    "Explain why bread dough needs to be kneaded before it rises.",
    "What is an index fund and why do many investors prefer it?",
    "Name the actor who played the lead role in the film Titanic.",
    "Describe the main causes of the First World War.",
    "What does a tennis player need to do to win a tie-break?",
    "The prime minister will meet union leaders on Thursday to discuss the strike.",
    "Tickets for the concert sold out within ten minutes of going on sale.",
    "Does anyone know a good plumber in the north of the city?",
    "The bank said its quarterly profit rose by twelve percent.",
    "I have been learning to knit and just finished my first scarf.",
    "Local residents protested against the closure of the library.",
    "Has anyone else had problems updating their phone this week?",
    "The striker signed a three-year contract with the club on Friday.",
    "We drove down to the coast for my sister's wedding last weekend.",
    "The new restaurant on Main Street serves the best ramen I have ever had.",
    "Investors are worried that rising oil prices will slow the economy.",
    "The school board voted to extend the summer holiday by one week.",
]
FINAL_GENERAL_ZH = [
    "简述秦始皇统一六国的历史意义。",
    "为什么说辛亥革命推翻了两千多年的君主专制？",
    "第一届现代奥运会在哪个城市举行？",
    "足球比赛中的越位规则是如何规定的？",
    "红烧肉怎样做才能肥而不腻？",
    "说明发酵粉在蒸馒头时的作用。",
    "什么是股票的市盈率？",
    "简述通货膨胀对普通家庭储蓄的影响。",
    "《红楼梦》的作者是谁？",
    "分析唐诗繁荣的社会原因。",
    "周杰伦的第一张专辑叫什么名字？",
    "篮球比赛中的三秒违例是什么意思？",
    "国务院常务会议今天研究部署了稳就业的相关措施。",
    "这家餐厅的小笼包非常好吃，周末排队的人很多。",
    "请问大家有没有推荐的装修公司？",
    "央行宣布下调存款准备金率零点五个百分点。",
    "昨晚的比赛中主队在最后一分钟绝杀对手。",
    "今年春节档的电影票房再创新高。",
    "我家的猫最近不爱吃东西，是不是生病了？",
    "该公司第三季度营业收入同比增长百分之十五。",
    "新学期开始后，学校调整了课后服务的时间。",
    "有没有人知道这款手机的电池续航怎么样？",
    "市民反映小区附近的道路施工噪音太大。",
    "这部电视剧的结局让很多观众感到意外。",
]


def score_slices(model: Any, slices: list[Slice], normalise: Callable[[str], str] = prepare
                 ) -> list[tuple[Slice, Report]]:
    return [(s, evaluate(geo_scores(model, s.geo + s.general, normalise),
                         [True] * len(s.geo) + [False] * len(s.general))) for s in slices]


def table(rows: list[tuple[str, list[tuple[Slice, Report]]]]) -> str:
    """A Markdown table: one row per slice, AUC and P/R at 0.5 per model (models side by side)."""
    header = "| slice | geo / general texts | " + " | ".join(f"{name} AUC | {name} P / R" for name, _ in rows) + " |"
    lines = [header, "| --- | ---: |" + " ---: | --- |" * len(rows)]
    for i, (piece, _) in enumerate(rows[0][1]):
        cells = " | ".join(f"{r[i][1].auc:.3f} | {r[i][1].precision:.2f} / {r[i][1].recall:.2f}" for _, r in rows)
        lines.append(f"| {piece.name} | {len(piece.geo)} / {len(piece.general)} | {cells} |")
    return "\n".join(lines)
