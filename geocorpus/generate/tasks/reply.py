"""Reading the answer an LLM was asked for, however it wrapped it: a JSON object, or labelled lines.

Models answer "return JSON" with fenced blocks, a sentence before or after, or a trailing comma's worth of
chatter; small local models do so most of the time, or write `Question: …` / `Answer: …` instead. The parser
looks for the first JSON object that decodes (fenced blocks first, then every `{` in the text with
`json.JSONDecoder.raw_decode`, which stops at the end of the object and ignores what follows) and for labelled
fields (`labelled.py`), and keeps whichever names more known fields — so a usable answer is never thrown away
for its wrapping, a `{"a": 1}` inside a labelled reply's code does not hide its labels, and text with neither
is a recorded `unparseable` failure, never an empty pair.
"""

from __future__ import annotations

import json
import re
from typing import Any

from geocorpus.generate.tasks.labelled import LABELS, parse_labelled

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)```", re.S)
_DECODER = json.JSONDecoder()


class Unparseable(ValueError):
    """The reply holds no usable answer; `detail` says what was missing (recorded with reason `unparseable`)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def parse_object(text: str) -> dict[str, Any]:
    """The reply's fields: its first JSON object, or its labelled lines when those name more known fields."""
    found = first_json_object(text)
    labelled = parse_labelled(text)
    if labelled and _known(labelled) > _known(found or {}):
        return labelled
    if found is not None:
        return found
    raise Unparseable("no JSON object and no labelled fields (like `Question: ...`) in the reply")


def _known(fields: dict[str, Any]) -> int:
    return sum(name in LABELS for name in fields)


def first_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` (fenced or bare, with any text around it), or None."""
    candidates = [match.group(1) for match in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        for start in (i for i, char in enumerate(candidate) if char == "{"):
            try:
                value, _ = _DECODER.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def text_field(data: dict[str, Any], *names: str) -> str:
    """The first of `names` holding a non-empty string (numbers are accepted and written out)."""
    for name in names:
        value = data.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise Unparseable(f"no non-empty string {names[0]!r} in the reply")


def optional_text(data: dict[str, Any], *names: str) -> str:
    try:
        return text_field(data, *names)
    except Unparseable:
        return ""


def string_list(data: dict[str, Any], name: str) -> list[str]:
    """A list of non-empty strings (an answer's `options`, say); anything else is unparseable."""
    value = data.get(name)
    if not isinstance(value, list) or not value:
        raise Unparseable(f"no list {name!r} in the reply")
    items = [str(item).strip() for item in value if isinstance(item, str | int | float) and str(item).strip()]
    if len(items) != len(value):
        raise Unparseable(f"{name!r} holds empty or non-text items")
    return items
