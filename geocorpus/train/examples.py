"""Turn rows of any accepted shape into one shape per stage, with a reason for every row that cannot be used.

Pretraining rows become `{"text"}`; SFT rows become `{"messages": [{role, content}, ...]}` from either a
`messages` column (our generation output; a JSON string is accepted too) or Alpaca columns
`instruction`/`input`/`output` (any case, so GeoCode-SFT's `Instruction, Input, Output` export works), with an
optional `system`. A bad row is kept with `reject` set instead of stopping the run: the stage writes it out.
"""

from __future__ import annotations

import json
from typing import Any

ROLES = ("system", "user", "assistant")


def text_row(row: dict[str, Any], column: str) -> dict[str, Any]:
    """`{"text", "reject"}` for continued pretraining."""
    text = row.get(column)
    if not isinstance(text, str) or not text.strip():
        return {"text": "", "reject": f"no_text:{column}"}
    return {"text": text, "reject": ""}


def chat_row(row: dict[str, Any]) -> dict[str, Any]:
    """`{"messages", "reject"}` for SFT; a conversation needs at least one non-empty assistant turn."""
    try:
        messages = _messages(row)
    except ValueError as error:
        return {"messages": [], "reject": str(error)}
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        return {"messages": [], "reject": "no_assistant_turn"}
    return {"messages": messages, "reject": ""}


def _messages(row: dict[str, Any]) -> list[dict[str, str]]:
    raw = row.get("messages")
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError("messages_not_json") from error
    if raw:
        messages = []
        for item in raw:
            if not isinstance(item, dict) or item.get("role") not in ROLES or not isinstance(item.get("content"), str):
                raise ValueError("bad_message")
            messages.append({"role": item["role"], "content": item["content"]})
        return messages
    fields = {str(key).lower(): value for key, value in row.items()}
    instruction, output = fields.get("instruction"), fields.get("output")
    if not isinstance(instruction, str) or not isinstance(output, str) or not instruction.strip():
        raise ValueError("no_messages_or_instruction")
    extra = fields.get("input")
    prompt = f"{instruction}\n\n{extra}" if isinstance(extra, str) and extra.strip() else instruction
    messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": output}]
    system = fields.get("system")
    if isinstance(system, str) and system.strip():
        messages.insert(0, {"role": "system", "content": system})
    return messages
