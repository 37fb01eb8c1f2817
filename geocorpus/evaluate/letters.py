"""The option letter a chat model chose, read from what it wrote ("答案：B", "(C)", "The answer is D.").

Rules from most to least explicit, the first that names exactly one valid letter wins: an answer statement
("answer is", "答案", "选"), a reply that starts with the letter (unless it starts by repeating the option list),
a bracketed letter, a lone capital letter that is not the English article ("A volcano ..."), and finally the one
option whose text the reply quotes.
A reply naming several letters at the same level is ambiguous and gives None (counted as unparsed): guessing
the first would reward a model that lists every option.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_OPEN, _CLOSE = r"[(\[（【<]", r"[)\]）】>]"


def extract_letter(reply: str, n_options: int, options: Sequence[str] = ()) -> str | None:
    """The chosen letter among the first `n_options` (A, B, ...), or None when the reply names none or several."""
    letters = "ABCDEFGH"[:n_options]
    text = unicodedata.normalize("NFKC", reply or "").strip()
    if not text or not letters:
        return None
    cls = f"[{letters}{letters.lower()}]"
    statement = (rf"(?:answer|option|choice|答案|选项|应选|选择|选)\s*(?:is|would be|should be|:|：|为|是|应为|应该是)?"
                 rf"\s*[:：]?\s*(?:option\s*)?{_OPEN}?\s*({cls})(?![A-Za-z])")
    rules = [
        re.compile(statement, re.I),
        re.compile(rf"^\s*(?:\*\*)?{_OPEN}?({cls}){_CLOSE}?(?:\*\*)?(?:[.:：、,，)\n]|\s*$|\s+(?![a-z&]|和|或|与))"),
        re.compile(rf"{_OPEN}\s*([{letters}])\s*{_CLOSE}"),
        re.compile(rf"(?<![A-Za-z'’])([{letters}])(?![A-Za-z'’])(?!(?<=A)\s+(?!(?:and|or)\b)[a-z])"),
    ]
    listed = {m.upper() for m in re.findall(rf"(?m)^\s*{_OPEN}?({cls})[.、:：)）]", text)}
    if len(listed) > 1:  # the reply repeats the option list: its first line is not a choice
        rules.pop(1)
    for rule in rules:
        found = {m.upper() for m in rule.findall(text)}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            return None
    folded = text.casefold()
    quoted = [i for i, option in enumerate(options[:n_options]) if option and option.casefold() in folded]
    return letters[quoted[0]] if len(quoted) == 1 else None
