"""Eval-set tasks: GeoBench-style multiple choice from passages, and code generation with tests from code.

An item is `instruction` = the stem, `input` = the lettered options, `output` = the answer letter, with
`meta.question`, `meta.options` and `meta.answer` for evaluators (so the chat form shows the whole question).

A model asked for a multiple-choice question puts the right answer first far more often than not; an eval
set with most answers "A" rewards a model that always says "A". So after generation the options are
re-ordered: the correct option's position is assigned in seeded blocks of one permutation of the positions
per block of items (every letter equally often, to within one per option count), and the wrong options are
shuffled by a per-item seed. The result depends only on the seed and the set of items.
"""

from __future__ import annotations

import random
import string
from typing import Any, ClassVar, Literal

from pydantic import Field

from geocorpus.document import stable_id
from geocorpus.generate.tasks.base import TaskParams, Unit, register_task
from geocorpus.generate.tasks.categories import normalise
from geocorpus.generate.tasks.geocode import category as code_category
from geocorpus.generate.tasks.geocode import python_tests, strip_fence
from geocorpus.generate.tasks.reply import Unparseable, optional_text, string_list, text_field
from geocorpus.generate.tasks.units import CodeTask, PassageParams, PassageTask

LETTERS = string.ascii_uppercase


class MCQParams(PassageParams):
    options: Literal[4, 5] = Field(default=4, description="options per question (GeoBench uses 4; 5 also works)")
    variables: ClassVar[frozenset[str]] = PassageParams.variables | {"n_options"}


def lettered(options: list[str]) -> str:
    """Options one per line as GeoBench prints them: `A. ...`."""
    return "\n".join(f"{LETTERS[i]}. {option}" for i, option in enumerate(options))


def question_text(stem: str, options: list[str]) -> str:
    """The stem followed by its lettered options (K2's NPEE layout writes questions this way)."""
    return f"{stem}\n{lettered(options)}"


@register_task
class MultipleChoice(PassageTask):
    name = "mcq"
    type = "multiple_choice"
    family = "eval"
    Params: ClassVar[type[TaskParams]] = MCQParams

    def units(self, doc: Any) -> list[Unit]:
        count = str(getattr(self.params, "options", 4))
        return [Unit(u.id, u.doc, u.text, u.lang, {**u.variables, "n_options": count}, u.meta)
                for u in super().units(doc)]

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        stem, options = text_field(reply, "question", "stem"), string_list(reply, "options")
        if len(options) not in (4, 5):
            raise Unparseable(f"{len(options)} options; 4 or 5 expected")
        answer = _answer_index(reply.get("answer"), options)
        return [self.pair(unit, 0, category=normalise(reply.get("category")),
                          instruction=stem, input=lettered(options), output=LETTERS[answer],
                          meta={"question": stem, "options": options, "answer": LETTERS[answer],
                                "explanation": optional_text(reply, "explanation")})]

    def finish(self, pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Re-order every item's options so the answer letters are spread evenly (see the module docstring)."""
        by_size: dict[int, list[dict[str, Any]]] = {}
        for pair in sorted(pairs, key=lambda p: p["id"]):
            by_size.setdefault(len(pair["meta"]["options"]), []).append(pair)
        for size, group in by_size.items():
            rng = random.Random(stable_id(str(self.seed), self.name, "positions", str(size)))
            positions: list[int] = []
            while len(positions) < len(group):
                positions += rng.sample(range(size), size)
            for pair, position in zip(group, positions, strict=False):
                _reorder(pair, position, random.Random(stable_id(str(self.seed), pair["id"])))
        return pairs


def _answer_index(answer: Any, options: list[str]) -> int:
    """The correct option's index from a letter ("B", "B.", "(b)"), a 0-based number, or the option's text."""
    if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(options):
        return answer
    if isinstance(answer, str):
        text = answer.strip()
        letter = text.strip("().: ").upper()
        if len(letter) == 1 and letter in LETTERS[: len(options)]:
            return LETTERS.index(letter)
        if len(text) > 1 and text[0].upper() in LETTERS[: len(options)] and text[1] in ".):":
            return LETTERS.index(text[0].upper())
        if text in options:
            return options.index(text)
    raise Unparseable(f"answer {answer!r} names none of the {len(options)} options"[:200])


def _reorder(pair: dict[str, Any], position: int, rng: random.Random) -> None:
    meta = pair["meta"]
    options = list(meta["options"])
    correct = options.pop(LETTERS.index(meta["answer"]))
    rng.shuffle(options)
    options.insert(position, correct)
    meta["options"], meta["answer"] = options, LETTERS[position]
    pair["input"], pair["output"] = lettered(options), LETTERS[position]


@register_task
class CodeGeneration(CodeTask):
    name = "codegen"
    type = "code_generation"
    family = "eval"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        prompt, solution = text_field(reply, "prompt", "problem"), strip_fence(text_field(reply, "solution", "code"))
        tests = python_tests(text_field(reply, "tests"))
        if not tests:
            raise Unparseable("tests are not valid Python")
        return [self.pair(unit, 0, category=code_category(unit), instruction=prompt, input="", output=solution,
                          meta={"language": "python", "tests": tests})]
