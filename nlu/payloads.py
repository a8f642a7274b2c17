"""The grammar of button payloads, as Rasa has it: `/intent`, or `/intent{"topic": "fire"}` for a button
that also names what was chosen. A pressed button comes back as this text and is read without the NLU."""

from __future__ import annotations

import json


def button_payload(intent: str, **entities: str) -> str:
    """`/intent`, or Rasa's `/intent{"topic": "fire"}`: a button that also names what was chosen."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, sort_keys=True)}" if entities else f"/{intent}"


def read_button_payload(text: str) -> tuple[str, dict[str, str]] | None:
    """The intent and entities of a button payload; None when the text is not one."""
    if not text.startswith("/"):
        return None
    name, brace, rest = text[1:].partition("{")
    if not brace:
        return name, {}
    try:
        data = json.loads(brace + rest)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    return name, {str(key): value for key, value in data.items()}
