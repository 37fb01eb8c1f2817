"""The task contract: documents → units (passages, code snippets) → requests → pairs.

A task is a small class like a build step: its parameters are a pydantic model (unknown keys are recipe
errors), its prompt is an editable template file per language (`templates/<task>.<lang>.txt`, `$name`
placeholders, so JSON examples need no escaping), and its parser turns the model's reply into pairs in the
shared pair shape. Each task asks for a JSON object (`format: json`, for capable models and servers with a JSON
mode) or for labelled lines shown by one worked example (`format: labelled`, which small local models can
write); the reply parser reads both, whichever was asked for. Everything a task does is a function of the
document, the parameters and the seed — the same recipe gives the same requests, which is what makes the
request cache an exact resume.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from geocorpus.document import Document, stable_id
from geocorpus.generate.backends import Request
from geocorpus.generate.tasks.labelled import ALTERNATIVES
from geocorpus.generate.tasks.reply import Unparseable
from geocorpus.pipeline.step import Params

LANGS = ("en", "zh")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: a pair field this long found verbatim in the prompt template is the worked example handed back
ECHO_MIN_CHARS = 12


def shipped(name: str, format: str, lang: str) -> str:
    """A shipped template: `<name>.<lang>.txt` asks for JSON, `<name>.labelled.<lang>.txt` for labelled lines."""
    infix = "" if format == "json" else f".{format}"
    return (TEMPLATES / f"{name}{infix}.{lang}.txt").read_text("utf-8")


@dataclass(frozen=True)
class Unit:
    """One piece of a document a request is about: its text is the pair's `context`."""

    id: str
    doc: Document
    text: str
    lang: str
    variables: dict[str, str]  # template placeholders
    meta: dict[str, Any] = field(default_factory=dict)


class TaskParams(Params):
    per_document: int | None = Field(default=2, ge=1, description="units (passages, snippets) sampled per "
                                     "document, by seed; null: all")
    max_requests: int | None = Field(default=None, ge=1, description="at most this many requests for the task "
                                     "(a seeded sample over all units)")
    lang: Literal["auto", "en", "zh"] = Field(default="auto", description="prompt and answer language; auto: "
                                              "the document's `lang`")
    kinds: list[str] | None = Field(default=None, description="document kinds the task reads (default: the "
                                    "task's own)")
    template: dict[str, str] | None = Field(default=None, description="prompt override: text, a .txt/.md file "
                                            "relative to the recipe, or {en: ..., zh: ...}")
    system: str | None = Field(default=None, description="system message override (both languages)")
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=1024, ge=1)
    json_mode: bool = Field(default=True, description="ask for a JSON object where the backend offers it "
                            "(format json only)")
    format: Literal["json", "labelled"] = Field(default="json", description="what the prompt asks for: a JSON "
                                                "object, or labelled lines (`Question: ...`) that small models "
                                                "write far more reliably; replies are parsed as either")
    verify: list[dict[str, dict[str, Any] | None]] | None = Field(
        default=None, description="verifiers for this task, replacing the recipe-wide `verify:` list")

    #: placeholders a template of this task may use
    variables: ClassVar[frozenset[str]] = frozenset()

    @field_validator("template", mode="before")
    @classmethod
    def _read_templates(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = dict.fromkeys(LANGS, value)
        if not isinstance(value, dict) or set(value) - set(LANGS):
            raise ValueError("give the template as text, a file, or a mapping with keys en and/or zh")
        base = (info.context or {}).get("base_dir")
        return {lang: _template_text(str(text), base) for lang, text in value.items()}

    @model_validator(mode="after")
    def _known_placeholders(self) -> TaskParams:
        for lang, text in (self.template or {}).items():
            try:
                names = set(Template(text).get_identifiers())
            except ValueError as error:
                raise ValueError(f"template ({lang}): {error}") from error
            unknown = names - self.variables
            if unknown or not Template(text).is_valid():
                raise ValueError(f"template ({lang}) uses unknown placeholder(s) {', '.join(sorted(unknown))}; "
                                 f"allowed: {', '.join('$' + v for v in sorted(self.variables))} ($$ for a $)")
        return self


def _template_text(text: str, base: Any) -> str:
    """A value without newlines ending in .txt/.md names a file (relative to the recipe); else it is the text."""
    if "\n" in text or not text.strip().endswith((".txt", ".md")):
        return text
    path = Path(text.strip()).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    if not path.is_file():
        raise ValueError(f"no such template file: {path}")
    return path.read_text(encoding="utf-8")


class Task(ABC):
    """Subclasses set the class attributes and implement `units` and `pairs`."""

    name: ClassVar[str]
    type: ClassVar[str]  # the pair's `type`, e.g. "qa", "summarization"
    family: ClassVar[Literal["sft", "eval"]] = "sft"
    kinds: ClassVar[tuple[str, ...]]
    Params: ClassVar[type[TaskParams]] = TaskParams

    def __init__(self, params: TaskParams, seed: int) -> None:
        self.params = params
        self.seed = seed

    @property
    def accepted_kinds(self) -> tuple[str, ...]:
        return tuple(self.params.kinds) if self.params.kinds else self.kinds

    @abstractmethod
    def units(self, doc: Document) -> list[Unit]:
        """The units of one document, already sampled (`per_document`)."""

    @abstractmethod
    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        """Pairs from the parsed reply; raises `Unparseable` when a needed field is missing."""

    def pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        """Pairs from the parsed reply; `Unparseable` when a field is missing or copies the prompt's example.

        A small model shown a worked example often hands the example back, and then writes its own answer: the
        example's text is in the template, not in the passage, so a pair field found verbatim in the template
        is not an answer, and the reply's next labelled record (if any) is tried instead.
        """
        more = reply.get(ALTERNATIVES)
        candidates = [reply, *(c for c in more if isinstance(c, dict))] if isinstance(more, list) else [reply]
        first_error: Unparseable | None = None
        for candidate in candidates:
            try:
                pairs = self.make_pairs(candidate, unit)
                self._not_the_example(pairs, unit.lang)
                return pairs
            except Unparseable as error:
                first_error = first_error or error
        assert first_error is not None
        raise first_error

    def _not_the_example(self, pairs: list[dict[str, Any]], lang: str) -> None:
        template = " ".join(self.template(lang).split())
        for pair in pairs:
            for key in ("instruction", "input", "output"):
                value = " ".join(pair[key].split())
                if len(value) >= ECHO_MIN_CHARS and value in template:
                    raise Unparseable(f"the reply's {key} repeats the prompt's example: {value[:80]!r}")

    def finish(self, pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A pass over all of the task's pairs after parsing (MCQ balances answer letters here)."""
        return pairs

    def lang_of(self, doc_lang: str) -> str:
        return doc_lang if self.params.lang == "auto" else self.params.lang

    def template(self, lang: str) -> str:
        override = (self.params.template or {}).get(lang)
        return override if override is not None else shipped(self.name, self.params.format, lang)

    def request(self, unit: Unit) -> Request:
        """The chat request for a unit; its seed is derived from the recipe seed and the unit, never random."""
        system = self.params.system or shipped("system", self.params.format, unit.lang).strip()
        prompt = Template(self.template(unit.lang)).substitute(unit.variables).strip()
        seed = int(stable_id(str(self.seed), self.name, unit.id)[:8], 16)
        return Request(messages=(("system", system), ("user", prompt)), temperature=self.params.temperature,
                       top_p=self.params.top_p, max_tokens=self.params.max_tokens, seed=seed,
                       json_mode=self.params.json_mode and self.params.format == "json")

    def pair(self, unit: Unit, number: int, *, category: str, instruction: str, input: str, output: str,
             type: str | None = None, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """A pair in the shared shape, with a stable id and the source document's provenance."""
        return {
            "id": stable_id(self.name, unit.id, str(number)),
            "task": self.name,
            "type": type or self.type,
            "category": category,
            "instruction": instruction.strip(),
            "input": input.strip(),
            "output": output.strip(),
            "lang": unit.lang,
            "source_id": unit.doc.id,
            "source_url": unit.doc.url,
            "license": unit.doc.license,
            "context": unit.text,
            "meta": {**unit.meta, **(meta or {})},
            "verification": {},
        }


_TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    _TASKS[cls.name] = cls
    return cls


def tasks() -> dict[str, type[Task]]:
    """Every task by recipe name (importing the task modules registers them)."""
    from geocorpus.generate.tasks import eval_sets, geocode, geosignal  # noqa: F401 - registration

    return dict(_TASKS)
