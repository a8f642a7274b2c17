"""No personal data in the logs: ID numbers, phone numbers, long digit runs and the unit and room of an
address are masked in every log record, with the same rules that mask what the Open311 API publishes
(`bot.core.masking`); platform credentials that travel in URLs (a Telegram bot token, a WeChat
`access_token`, a callback's `signature`, `msg_signature` and `echostr`) are masked too.

`configure_logging` is the one place a process decides where its logs go (`frontdoor serve`, each
`serve --workers N` process, `frontdoor worker`, `frontdoor telegram poll`). It masks each record as it
is made (a log record factory), so every handler sees the masked text: ours, uvicorn's access log,
and any a library or a test adds. Masking recognises a number or an address in a sentence; the
database drivers' statement logs, which list a room or a name as a bare value, are kept off.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import IO, Any
from urllib.parse import unquote

from bot.core.masking import mask_as_logs
from storage.clock import system_clock

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
STATEMENT_LOGGERS = ("sqlalchemy.engine", "aiosqlite")
"""They log each SQL statement with its parameters (at INFO and DEBUG): a resident's room or name as a
bare value that no pattern can tell from any other. Held at WARNING, whatever the level asked for."""
_SECRETS = (
    (re.compile(r"/bot[0-9]+:[A-Za-z0-9_-]+"), "/bot***"),  # api.telegram.org/bot<token>/sendMessage
    (re.compile(r"(access_token=)[^&\s\"']+"), r"\1***"),
    # WeChat and WeCom callbacks' query: whoever reads a signature could replay the callback in its window
    (re.compile(r"(\b(?:msg_)?signature=|\bechostr=)[^&\s\"']+"), r"\1***"),
)
_EXCEPTION_FORMATTER = logging.Formatter()


def mask_personal_data(text: str) -> str:
    """`text` with ID and phone numbers starred, addresses cut to the building, credentials hidden;
    ticket and receipt numbers (GD20261123-0001) are kept, since they are what an operator looks for."""
    today = system_clock().date()  # only bounds the birth dates an ID number may carry
    decoded = unquote(text)  # a URL's percent-encoding (11%E6%A0%8B = 11栋) must not hide anything
    if decoded != text and (masked := _masked(decoded, today)) != decoded:
        return masked
    return _masked(text, today)


def _masked(text: str, today: date) -> str:
    masked = mask_as_logs(text, today) if text else text
    for pattern, replacement in _SECRETS:
        masked = pattern.sub(replacement, masked)
    return masked


MASKED = "personal_data_masked"
"""Set on a record once masked: the handler's filter does not read what the record factory already masked (a
quarter of a millisecond a record, an access log line a request)."""


class PersonalDataFilter(logging.Filter):
    """Masks a record's message (its msg with its args), its exception text and its stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, MASKED, False):
            return True
        setattr(record, MASKED, True)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is the handler's to report, as logging does
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class _MaskingRecordFactory:
    """Wraps the record factory in place, so a record is masked before any handler or filter sees it."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord]) -> None:
        self.wrapped = wrapped
        self.masking = PersonalDataFilter()

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.wrapped(*args, **kwargs)
        self.masking.filter(record)
        return record


class _MaskedHandler(logging.StreamHandler[IO[str]]):
    """The handler `configure_logging` installs (found again, and replaced, on a second call)."""


def configure_logging(level: int | str = logging.INFO, stream: IO[str] | None = None) -> None:
    """Log at `level` to stderr (or `stream`), every record masked; uvicorn's loggers go the same way.

    Serve uvicorn with `log_config=None` after this, so it does not install handlers of its own.
    """
    if not isinstance(logging.getLogRecordFactory(), _MaskingRecordFactory):
        logging.setLogRecordFactory(_MaskingRecordFactory(logging.getLogRecordFactory()))
    root = logging.getLogger()
    for old in [handler for handler in root.handlers if isinstance(handler, _MaskedHandler)]:
        root.removeHandler(old)
    handler = _MaskedHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PersonalDataFilter())  # also covers a record made before the factory was in place
    root.addHandler(handler)
    root.setLevel(level)
    for name in STATEMENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
