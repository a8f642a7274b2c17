"""Rasa over HTTP as an NLU backend, with the embedded classifier standing by.

A Rasa server (`rasa run --enable-api`) answers `POST /model/parse`. When it is slow, down or
answers something that is not a parse, the message goes to the fallback backend instead: the
resident still gets an answer, the log gets a warning and `fallbacks` counts it.

After a timeout, or several quick failures in a row, Rasa is left alone for a while (a circuit
breaker): a hung server would otherwise cost every message the whole timeout, and the parse is a
blocking call that holds up everything else the process serves meanwhile. Then one message tries Rasa
again; if it answers, Rasa is back for all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from nlu.result import FALLBACK_INTENT, Entity, IntentScore, NLUBackend, ParseResult

log = logging.getLogger(__name__)

RASA_FALLBACK_INTENT = "nlu_fallback"
"""Rasa's FallbackClassifier intent; the same name as ours, kept apart in case either changes."""


class RasaResponseError(ValueError):
    code = "rasa_response_invalid"


FAILURES_BEFORE_PAUSE = 3
PAUSE_SECONDS = 30.0
"""After this many failures in a row (or one timeout), Rasa is not asked for this long (the fallback answers)."""


class RasaBackend:
    def __init__(self, url: str, timeout: float, fallback: NLUBackend,
                 transport: httpx.BaseTransport | None = None, *,
                 failures_before_pause: int = FAILURES_BEFORE_PAUSE, pause_seconds: float = PAUSE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url.rstrip("/")
        self.fallback = fallback
        self.parsed = 0
        self.fallbacks = 0
        """Messages the fallback answered: Rasa failed, or was paused (`skipped`)."""
        self.skipped = 0
        self.failures_before_pause = failures_before_pause
        self.pause_seconds = pause_seconds
        self._clock = clock
        self._failures_in_a_row = 0
        self._paused_until: float | None = None
        self._client = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)

    def parse(self, text: str) -> ParseResult:
        if self._paused_until is not None and self._clock() < self._paused_until:
            self.skipped += 1
            self.fallbacks += 1
            return self.fallback.parse(text)
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
            self._failed(timed_out=isinstance(error, httpx.TimeoutException))
            return self.fallback.parse(text)
        if self._paused_until is not None:
            log.info("Rasa at %s answers again; it parses from now on", self.url)
        self._failures_in_a_row, self._paused_until = 0, None
        self.parsed += 1
        return result

    def _failed(self, *, timed_out: bool) -> None:
        """A failure that cost the whole timeout pauses Rasa at once; quick ones (refused, an error
        answer) after a few in a row; the first try after a pause, at once again."""
        self._failures_in_a_row += 1
        if (timed_out or self._paused_until is not None
                or self._failures_in_a_row >= self.failures_before_pause):
            self._paused_until = self._clock() + self.pause_seconds
            cause = "timed out" if timed_out else f"failed {self._failures_in_a_row} times in a row"
            log.warning("Rasa at %s %s; the fallback backend answers for the next %.0f s", self.url, cause,
                        self.pause_seconds)

    def stats(self) -> dict[str, int]:
        return {"parsed": self.parsed, "fallbacks": self.fallbacks, "skipped": self.skipped}

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
