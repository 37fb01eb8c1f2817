"""GeoSignal-style tasks from literature passages: grounded Q&A, summary, concept, extraction, true/false.

K2's GeoSignal files each instruction pair under a task `type` and a geoscience `category`; these tasks
produce the same `instruction, input, output, type, category` records. Fixed instructions (summarise this,
extract that) come in a few phrasings per language, picked by a seeded hash of the unit, so a dataset does not
teach one sentence; the model writes the parts that depend on the passage.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, model_validator

from geocorpus.document import stable_id
from geocorpus.generate.tasks.base import TaskParams, Unit, register_task
from geocorpus.generate.tasks.categories import normalise
from geocorpus.generate.tasks.reply import Unparseable, optional_text, text_field
from geocorpus.generate.tasks.units import PassageParams, PassageTask

INSTRUCTIONS = {
    "summary": {
        "en": ("Summarise the following geoscience text.", "Write a short summary of this passage for a geoscientist.",
               "What are the key points of the following text?"),
        "zh": ("请概括以下地学文本的内容。", "请为地学工作者简要总结这段文字。", "以下文本的要点是什么？"),
    },
    "extraction": {
        "en": ("Extract the geoscience entities and the relations between them from the text. Answer in JSON.",
               "List the named geoscience entities in this passage and how they are related, as JSON."),
        "zh": ("从文本中抽取地学实体及其之间的关系，以 JSON 格式回答。", "以 JSON 列出这段文字中的地学实体及其关系。"),
    },
    "concept": {
        "en": ("Explain the geoscience concept: {concept}", "What is meant by \"{concept}\" in the geosciences?"),
        "zh": ("请解释地学概念：{concept}", "地球科学中的“{concept}”是什么意思？"),
    },
    "truefalse": {
        "en": ("Is the following statement true or false? Explain briefly.",
               "Decide whether this geoscience statement is correct, and justify your answer."),
        "zh": ("判断下面的说法是否正确，并简要说明理由。", "下面这个地学陈述正确吗？请给出判断和依据。"),
    },
}
VERDICT = {"en": ("True.", "False."), "zh": ("正确。", "错误。")}


def pick(kind: str, unit: Unit, **values: str) -> str:
    """One phrasing of a fixed instruction, chosen by the unit (stable across runs)."""
    options = INSTRUCTIONS[kind][unit.lang]
    return options[int(stable_id(kind, unit.id)[:8], 16) % len(options)].format(**values)


class QAParams(PassageParams):
    with_context: bool = Field(default=False, description="put the passage in the pair's `input` (open-book); "
                               "default: closed-book, the passage only grounds the answer")


@register_task
class GeoSignalQA(PassageTask):
    name = "geosignal_qa"
    type = "qa"
    Params: ClassVar[type[TaskParams]] = QAParams

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        question, answer = text_field(reply, "question"), text_field(reply, "answer")
        with_context = getattr(self.params, "with_context", False)
        return [self.pair(unit, 0, category=normalise(reply.get("category")), instruction=question,
                          input=unit.text if with_context else "", output=answer)]


@register_task
class GeoSignalSummary(PassageTask):
    name = "geosignal_summary"
    type = "summarization"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        summary = text_field(reply, "summary")
        return [self.pair(unit, 0, category=normalise(reply.get("category")), instruction=pick("summary", unit),
                          input=unit.text, output=summary)]


@register_task
class GeoSignalConcept(PassageTask):
    name = "geosignal_concept"
    type = "explanation"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        concept, explanation = text_field(reply, "concept"), text_field(reply, "explanation")
        return [self.pair(unit, 0, category=normalise(reply.get("category")), input="", output=explanation,
                          instruction=pick("concept", unit, concept=concept), meta={"concept": concept})]


class ExtractionParams(PassageParams):
    @model_validator(mode="after")
    def _json_only(self) -> ExtractionParams:
        if self.format != "json":
            raise ValueError("format: entities and relations are nested lists, so this task asks for JSON only "
                             "(remove `format`)")
        return self


@register_task
class GeoSignalExtraction(PassageTask):
    name = "geosignal_extraction"
    type = "information_extraction"
    Params: ClassVar[type[TaskParams]] = ExtractionParams

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        entities = [_entity(item) for item in _list(reply, "entities")]
        relations = [_relation(item) for item in reply.get("relations") or []]
        if not entities:
            raise Unparseable("no entities in the reply")
        output = json.dumps({"entities": entities, "relations": relations}, ensure_ascii=False)
        return [self.pair(unit, 0, category=normalise(reply.get("category")), instruction=pick("extraction", unit),
                          input=unit.text, output=output)]


@register_task
class GeoSignalTrueFalse(PassageTask):
    name = "geosignal_truefalse"
    type = "fact_verification"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        true, false = text_field(reply, "true_statement"), text_field(reply, "false_statement")
        correction = optional_text(reply, "correction")
        yes, no = VERDICT[unit.lang]
        category = normalise(reply.get("category"))
        instruction = pick("truefalse", unit)
        return [
            self.pair(unit, 0, category=category, instruction=instruction, input=true, output=yes,
                      meta={"label": True}),
            self.pair(unit, 1, category=category, instruction=instruction, input=false,
                      output=f"{no} {correction}".strip(), meta={"label": False}),
        ]


def _list(reply: dict[str, Any], name: str) -> list[Any]:
    value = reply.get(name)
    if not isinstance(value, list):
        raise Unparseable(f"no list {name!r} in the reply")
    return value


def _entity(item: Any) -> dict[str, str]:
    if isinstance(item, str) and item.strip():
        return {"name": item.strip(), "type": ""}
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
        return {"name": item["name"].strip(), "type": str(item.get("type") or "").strip()}
    raise Unparseable(f"an entity without a name: {item!r}"[:200])


def _relation(item: Any) -> dict[str, str]:
    if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("head", "relation", "tail")):
        return {k: item[k].strip() for k in ("head", "relation", "tail")}
    raise Unparseable(f"a relation without head, relation and tail: {item!r}"[:200])
