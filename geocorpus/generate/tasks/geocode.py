"""GeoCode-SFT-style tasks from GIS code: OSS-Instruct, code → summary, summary → code, API-knowledge Q&A.

GeoCode-GPT built GeoCode-SFT from real GIS code by Self-Instruct and by traversing code structure; these
tasks do both from the corpus's own snippets. `summary_to_code` keeps the real code as the answer and asks the
model only for the task description (and tests when the code can run without data), so its outputs are
human-written code, not model guesses. Code answers are fenced in their language, and pairs carry
`meta.language` and `meta.tests` (Python asserts) for the `executes` verifier.
"""

from __future__ import annotations

import ast
from typing import Any

from geocorpus.generate.tasks.base import Unit, register_task
from geocorpus.generate.tasks.reply import optional_text, text_field
from geocorpus.generate.tasks.units import CodeTask

SUMMARY_INSTRUCTIONS = {
    "en": "Explain what the following {language} code does.",
    "zh": "请解释以下 {language} 代码的作用。",
}


def fence(code: str, language: str) -> str:
    """Code as a Markdown block, the way chat models are trained to write it."""
    return f"```{language}\n{strip_fence(code)}\n```"


def strip_fence(code: str) -> str:
    """The code inside a reply's own Markdown fence, if the model added one."""
    text = code.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text[: text.rfind("```")] if text.rstrip().endswith("```") else text
    return text.strip()


def category(unit: Unit) -> str:
    """Code pairs are filed under their main GIS library, as GeoCode-SFT groups them."""
    libs = unit.meta.get("gis_libs") or []
    return str(libs[0]) if libs else "gis"


def python_tests(tests: str) -> str:
    """Tests as runnable Python, or "" when they do not parse (then the pair is judged without them)."""
    tests = strip_fence(tests)
    try:
        ast.parse(tests)
    except (SyntaxError, ValueError):
        return ""
    return tests


@register_task
class OSSInstruct(CodeTask):
    name = "oss_instruct"
    type = "code_generation"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        problem, solution = text_field(reply, "problem"), text_field(reply, "solution", "code")
        tests = python_tests(optional_text(reply, "tests"))
        return [self.pair(unit, 0, category=category(unit), instruction=problem, input="",
                          output=fence(solution, "python"), meta={"language": "python", "tests": tests})]


@register_task
class CodeSummary(CodeTask):
    name = "code_summary"
    type = "code_summarization"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        language = unit.meta["language"]
        instruction = SUMMARY_INSTRUCTIONS[unit.lang].format(language=language)
        return [self.pair(unit, 0, category=category(unit), instruction=instruction,
                          input=fence(unit.text, language), output=text_field(reply, "summary"),
                          meta={"language": language, "tests": ""})]


@register_task
class SummaryToCode(CodeTask):
    name = "summary_to_code"
    type = "code_generation"

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        language = unit.meta["language"]
        description = text_field(reply, "description", "summary")
        tests = python_tests(optional_text(reply, "tests")) if language == "python" else ""
        return [self.pair(unit, 0, category=category(unit), instruction=description, input="",
                          output=fence(unit.text, language), meta={"language": language, "tests": tests})]


@register_task
class APIQA(CodeTask):
    name = "api_qa"
    type = "api_qa"
    needs_calls = True

    def make_pairs(self, reply: dict[str, Any], unit: Unit) -> list[dict[str, Any]]:
        question, answer = text_field(reply, "question"), text_field(reply, "answer")
        api = optional_text(reply, "api")
        return [self.pair(unit, 0, category=category(unit), instruction=question, input="", output=answer,
                          meta={"language": unit.meta["language"], "tests": "", "api": api})]
