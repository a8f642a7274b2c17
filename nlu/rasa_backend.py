"""Rasa over HTTP as an NLU backend, with the embedded classifier standing by.

A Rasa server (`rasa run --enable-api`) answers `POST /model/parse`. When it is slow, down or
answers something that is not a parse, the message goes to the fallback backend instead: the
resident still gets an answer, the log gets a warning and `fallbacks` counts it.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from nlu.result import FALLBACK_INTENT, Entity, IntentScore, NLUBackend, ParseResult

log = logging.getLogger(__name__)

RASA_FALLBACK_INTENT = "nlu_fallback"
"""Rasa's FallbackClassifier intent; the same name as ours, kept apart in case either changes."""


class RasaResponseError(ValueError):
    code = "rasa_response_invalid"


class RasaBackend:
    def __init__(self, url: str, timeout: float, fallback: NLUBackend,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.fallback = fallback
        self.parsed = 0
        self.fallbacks = 0
        self._client = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)

    def parse(self, text: str) -> ParseResult:
        try:
            response = self._client.post("/model/parse", json={"text": text})
            if response.status_code != httpx.codes.OK:
                raise RasaResponseError(f"HTTP {response.status_code}")
            result = parse_rasa_response(text, response.json())
        except (httpx.HTTPError, ValueError) as error:  # ValueError covers bad JSON and RasaResponseError
            self.fallbacks += 1
            # Never the message itself: it may carry a phone number or an address.
            log.warning("Rasa at %s gave no usable parse (%s: %s); using the fallback backend (%d so far)",
                        self.url, type(error).__name__, _reason(error), self.fallbacks)
            return self.fallback.parse(text)
        self.parsed += 1
        return result

    def stats(self) -> dict[str, int]:
        return {"parsed": self.parsed, "fallbacks": self.fallbacks}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RasaBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def parse_rasa_response(text: str, payload: Any) -> ParseResult:
    """Map Rasa's /model/parse JSON to a ParseResult; RasaResponseError when it is not one."""
    if not isinstance(payload, dict):
        raise RasaResponseError("not a JSON object")
    intent = _intent(payload.get("intent"))
    ranking = payload.get("intent_ranking") or []
    entities = payload.get("entities") or []
    if not isinstance(ranking, list) or not isinstance(entities, list):
        raise RasaResponseError("intent_ranking and entities must be lists")
    # Rasa's FallbackClassifier puts nlu_fallback on top of the ranking; the ranking here stays the
    # classifier's own, so the confidence policy can still see the runner-up and any emergency.
    scores = tuple(score for score in map(_intent, ranking) if score.name != FALLBACK_INTENT)
    return ParseResult(text=text, intent=intent, ranking=scores,
                       entities=tuple(_entity(text, item) for item in entities))


def _intent(raw: Any) -> IntentScore:
    if not isinstance(raw, dict) or not isinstance(raw.get("confidence", 0.0), int | float):
        raise RasaResponseError("an intent needs a name and a numeric confidence")
    name = raw.get("name")
    confidence = float(raw.get("confidence", 0.0))
    if name is None:  # Rasa's answer to an empty text: no intent at all.
        return IntentScore(FALLBACK_INTENT, confidence)
    if not isinstance(name, str):
        raise RasaResponseError("an intent name must be a string")
    return IntentScore(FALLBACK_INTENT if name == RASA_FALLBACK_INTENT else name, confidence)


def _entity(text: str, raw: Any) -> Entity:
    if not isinstance(raw, dict) or not isinstance(raw.get("entity"), str) or "value" not in raw:
        raise RasaResponseError("an entity needs a name and a value")
    start, end = raw.get("start"), raw.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        raise RasaResponseError("an entity needs a span inside the text")
    return Entity(entity=raw["entity"], value=str(raw["value"]), start=start, end=end, text=text[start:end])


def _reason(error: Exception) -> str:
    """What went wrong, without anything from the request body."""
    if isinstance(error, RasaResponseError):
        return str(error)
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPError):
        return "connection failed"
    return "response is not JSON"
