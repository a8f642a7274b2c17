"""Telegram Bot API payloads for the fake server: the updates it delivers and the request bodies it reads.

Updates are built as Telegram delivers them, so the real python-telegram-bot parses them; request bodies are
JSON, form-encoded (values JSON-encoded, as PTB posts them) or multipart when a file is uploaded.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

JSONObject = dict[str, Any]

# Form values are JSON-encoded except these plain strings (so a text "123" stays a string).
_TEXT_FIELDS = frozenset(
    {"text", "caption", "data", "callback_query_id", "inline_message_id", "url", "photo", "parse_mode", "secret_token"}
)

# Updates as Telegram delivers them; push_update fills in update_id, and message_id and date when left out.

_QUERY_IDS = itertools.count(4_398_046_511_001)  # every press gets a fresh id, as on Telegram


def chat_object(chat_id: int | str, first_name: str = "Resident") -> JSONObject:
    """A chat as Telegram describes it: private for a positive id, a group or supergroup otherwise."""
    if isinstance(chat_id, int) and chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    kind = "supergroup" if isinstance(chat_id, str) or chat_id < -1_000_000_000_000 else "group"
    return {"id": chat_id, "type": kind, "title": "Residents"}


def _user(user_id: int, first_name: str) -> JSONObject:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}


def _message(chat_id: int, user_id: int, message_id: int | None, first_name: str, **content: Any) -> JSONObject:
    message: JSONObject = {"from": _user(user_id, first_name), "chat": chat_object(chat_id, first_name), **content}
    if message_id is not None:
        message["message_id"] = message_id
    return {"message": message}


def message_update(
    chat_id: int, user_id: int, text: str, *, message_id: int | None = None, first_name: str = "Resident"
) -> JSONObject:
    """A text message from a resident; a leading /command gets its bot_command entity, as PTB's filters expect."""
    content: JSONObject = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
    return _message(chat_id, user_id, message_id, first_name, **content)


def location_update(
    chat_id: int,
    user_id: int,
    latitude: float,
    longitude: float,
    *,
    message_id: int | None = None,
    first_name: str = "Resident",
) -> JSONObject:
    location = {"latitude": latitude, "longitude": longitude}
    return _message(chat_id, user_id, message_id, first_name, location=location)


def voice_update(chat_id: int, user_id: int, *, file_id: str, duration: int = 3, message_id: int | None = None,
                 first_name: str = "Resident") -> JSONObject:
    """A voice message (Opus in OGG, as Telegram records it)."""
    voice = {"file_id": file_id, "file_unique_id": f"AgAD{file_id[-6:]}", "duration": duration,
             "mime_type": "audio/ogg", "file_size": 1024}
    return _message(chat_id, user_id, message_id, first_name, voice=voice)


def photo_update(
    chat_id: int,
    user_id: int,
    *,
    file_id: str = "AgACAgResidentPhoto",
    caption: str | None = None,
    message_id: int | None = None,
    first_name: str = "Resident",
) -> JSONObject:
    sizes = [
        {"file_id": f"{file_id}-{w}", "file_unique_id": f"AQAD{w}", "width": w, "height": w * 3 // 4}
        for w in (90, 320, 1280)
    ]
    sizes[-1]["file_id"] = file_id  # the largest size is the one a handler downloads
    content: JSONObject = {"photo": sizes} | ({"caption": caption} if caption is not None else {})
    return _message(chat_id, user_id, message_id, first_name, **content)


def callback_update(
    chat_id: int,
    user_id: int,
    data: str,
    message_id: int,
    *,
    query_id: str | None = None,
    message_text: str = "…",
    first_name: str = "Resident",
) -> JSONObject:
    """A press on an inline button under the bot's message ``message_id``."""
    message: JSONObject = {"message_id": message_id, "chat": chat_object(chat_id, first_name), "text": message_text}
    return {
        "callback_query": {
            "id": query_id or str(next(_QUERY_IDS)),
            "from": _user(user_id, first_name),
            "message": message,
            "chat_instance": f"-{abs(chat_id)}77",
            "data": data,
        }
    }


# Request bodies


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as it appears in ``RecordedCall.params``."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


def parse_body(content_type: str, raw: bytes) -> JSONObject:
    """Params of a JSON, form-encoded or multipart body; form values are JSON-decoded as Telegram does."""
    kind = content_type.partition(";")[0].strip().lower()
    if not raw:
        return {}
    if kind == "application/json":
        loaded = json.loads(raw)
        if not isinstance(loaded, dict):
            raise ValueError("a JSON body must be an object")
        return loaded
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, raw)
    return _decode_form(parse_qsl(raw.decode(), keep_blank_values=True))


def parse_query(query: str) -> JSONObject:
    """Params of a GET query string, decoded like a form body (blank values dropped)."""
    return _decode_form(parse_qsl(query))


def _decode_form(pairs: Iterable[tuple[str, str]]) -> JSONObject:
    params: JSONObject = {}
    for name, value in pairs:
        params[name] = value
        if name not in _TEXT_FIELDS:
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


def _parse_multipart(content_type: str, raw: bytes) -> JSONObject:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: list[tuple[str, str]] = []
    files: JSONObject = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if (filename := part.get_filename()) is not None:
            files[name] = UploadedFile(filename, part.get_content_type(), payload)
        else:
            fields.append((name, payload.decode()))
    return _decode_form(fields) | files
