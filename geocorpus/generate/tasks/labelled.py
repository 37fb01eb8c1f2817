"""Reading replies written as labelled lines (`Question: …` / `Answer: …`, `问题：…` / `答案：…`, `A) …`).

Small local models (SmolLM2-135M, most 0.5–1B models) rarely write the JSON object a prompt asks for, but they
do follow a plain labelled format shown by one example, and chat models fall back to it on their own. This
parser turns such a reply into the same dict a JSON reply gives, keyed by the JSON field names, so every task's
checks apply unchanged: a reply without the labels a task needs is still `unparseable`.

Rules, chosen so that garbage stays out:
- a label counts only at the start of a line (after optional Markdown: `**`, `#`, `-`, `1.`) and only from a
  fixed vocabulary (English and Chinese), followed by `:` or `：`;
- a field's value is the rest of its line plus the following lines up to the next label or option line;
  lines inside a fenced code block never end a value (code may contain `tests:` or `A.`);
- a label seen again starts a new record: a small model often hands back the prompt's worked example first and
  then writes its own answer, or loops (`Question: …` again and again). The first record is the reply; the
  next few ride along under `ALTERNATIVES` for the task to fall back on when the first one is the example;
- a prose value ends before its first sentence that repeats an earlier one (a small model's loop runs on
  to `max_tokens`; what comes before the loop is its answer); code values are left whole;
- multiple-choice options are lines `A) …`, `A. …`, `(A) …` or `A：…` in order from A, or an `Options:` line
  holding them inline.
"""

from __future__ import annotations

import re
from typing import Any

#: JSON field name → the labels that stand for it (lower case; Chinese as written)
LABELS: dict[str, tuple[str, ...]] = {
    "question": ("question", "stem", "问题", "题干"),
    "answer": ("answer", "correct answer", "答案", "正确答案", "回答"),
    "summary": ("summary", "摘要", "总结", "概括"),
    "category": ("category", "field", "类别", "领域", "学科"),
    "concept": ("concept", "概念"),
    "explanation": ("explanation", "解释", "解析"),
    "true_statement": ("true statement", "true", "正确陈述", "正确的陈述"),
    "false_statement": ("false statement", "false", "错误陈述", "错误的陈述"),
    "correction": ("correction", "更正", "纠正"),
    "problem": ("problem", "题目"),
    "solution": ("solution", "code", "解答", "代码"),
    "tests": ("tests", "test", "测试"),
    "description": ("description", "task description", "描述", "任务描述"),
    "api": ("api", "接口"),
    "prompt": ("prompt", "提示"),
    "options": ("options", "choices", "选项"),
}
FIELD_OF = {label: name for name, labels in LABELS.items() for label in labels}
_ALTERNATIVES = "|".join(re.escape(label) for label in sorted(FIELD_OF, key=len, reverse=True))
_LABEL = re.compile(r"^\s*(?:#+\s*|[-*>]\s+|\d+[.)]\s+)?(\*\*|__)?[\"']?(" + _ALTERNATIVES +
                    r")[\"']?\s*(?:\([^)\n]{0,40}\))?\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?(.*)$", re.I)
_OPTION = re.compile(r"^\s*(?:[-*]\s+)?(?:option\s+|选项\s*)?\(?([A-E])\s*[).:：、．]\s*(\S.*)$")
_INLINE_OPTION = re.compile(r"(?:^|\s)\(?([A-E])[).：．]\s*")
_FENCE = re.compile(r"^\s*```")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*")
CODE_FIELDS = frozenset({"solution", "tests"})
#: key of the later records in a parsed reply (a list of dicts like the reply itself)
ALTERNATIVES = "_alternatives"
MAX_ALTERNATIVES = 4


def parse_labelled(text: str) -> dict[str, Any]:
    """The first record of labelled fields in a reply, keyed by JSON field name (`options` is a list), with
    up to `MAX_ALTERNATIVES` later records under `ALTERNATIVES`. Empty when the reply has no labels."""
    records = [fields for fields in map(_record, _split_records(text)) if fields]
    if not records:
        return {}
    first = records[0]
    if len(records) > 1:
        first[ALTERNATIVES] = records[1: 1 + MAX_ALTERNATIVES]
    return first


def _split_records(text: str) -> list[list[tuple[str | None, str]]]:
    """Lines tagged with their field (None: an option line; continuation lines carry their field's name)."""
    records: list[list[tuple[str | None, str]]] = [[]]
    seen: set[str] = set()
    current: str | None = ""  # "": before any label
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            label = _LABEL.match(line)
            if label:
                current = FIELD_OF[label.group(2).lower()]
                if current in seen:
                    records.append([])
                    seen = set()
                seen.add(current)
                line = label.group(3)
            elif _OPTION.match(line):
                current = None
        records[-1].append((current, line))
    return records


def _record(lines: list[tuple[str | None, str]]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    options: list[str] = []
    for name, line in lines:
        if name is None:
            option = _OPTION.match(line)
            if option and "ABCDE".index(option.group(1)) == len(options):
                options.append(option.group(2))
            elif options and not option:
                options[-1] += " " + line.strip()
        elif name:
            fields.setdefault(name, []).append(line)
    result: dict[str, Any] = {name: _value(lines, name) for name, lines in fields.items()}
    result = {name: value for name, value in result.items() if value}
    option_values = [" ".join(option.split()) for option in options]
    if not option_values and isinstance(result.get("options"), str):
        option_values = split_inline_options(result["options"])
    if option_values:
        result["options"] = option_values
    else:
        result.pop("options", None)
    return result


def split_inline_options(text: str) -> list[str]:
    """`A) x B) y C) z D) w` → [x, y, z, w], when the letters run in order from A; else []."""
    marks = list(_INLINE_OPTION.finditer(text))
    if len(marks) < 2 or [m.group(1) for m in marks] != list("ABCDE"[: len(marks)]):
        return []
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [text[m.end(): end].strip().rstrip(";,；，") for m, end in zip(marks, ends, strict=True)]


def _value(lines: list[str], name: str) -> str:
    """The joined lines of one field, without surrounding blank lines, Markdown bold, JSON-ish quoting or a loop."""
    text = "\n".join(lines).strip()
    if name not in CODE_FIELDS and "```" not in text:
        text = _before_repeat(text)
    text = text.removesuffix("**").removesuffix("__").strip()
    if text.startswith('"'):  # a JSON-ish line (`"answer": "…",` of a broken object): drop its quoting
        text = text.rstrip("}], \n")
        if len(text) >= 2 and text.endswith('"'):
            text = text[1:-1].strip()
    return text


def _before_repeat(text: str) -> str:
    """The text up to its first sentence that repeats an earlier one (whitespace-insensitive)."""
    seen: set[str] = set()
    position = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        sentence = " ".join(text[position:end].split())
        if sentence and sentence in seen:
            return text[:position].strip()
        seen.add(sentence)
        position = end
    return text
