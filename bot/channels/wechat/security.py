"""Checks every WeChat or WeCom callback passes before anything in it is believed or stored.

Order matters: the size is checked before the body is read whole, the signature and timestamp
before the XML is parsed, and the XML is parsed by defusedxml, which refuses a DTD or entity
declaration instead of expanding it (billion laughs, XXE). Only then does wechatpy see the text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import OrderedDict
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_SKEW_SECONDS = 300
"""WeChat signs a timestamp; a request signed longer ago than this is a replay."""


class CallbackRejected(Exception):  # noqa: N818 -- reads as what happened to the request
    """A callback refused before its content is used; `status` is the HTTP answer."""

    status = 400


class BadSignature(CallbackRejected):
    status = 403


class StaleTimestamp(CallbackRejected):
    status = 403


class BodyTooLarge(CallbackRejected):
    status = 413


class MalformedXml(CallbackRejected):
    status = 400


def signature_of(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined (token, timestamp, nonce[, payload])."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(token: str, signature: str, timestamp: str, nonce: str, now: float, *extra: str) -> None:
    if not hmac.compare_digest(signature_of(token, timestamp, nonce, *extra), signature):
        raise BadSignature("signature does not match")
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        raise StaleTimestamp("timestamp is not a number") from None
    if age > MAX_CLOCK_SKEW_SECONDS:
        raise StaleTimestamp(f"timestamp is {age:.0f} s away from now")


class NonceLedger:
    """Nonces seen inside the timestamp window, each with a digest of the body it came with.

    A plaintext callback's signature covers token, timestamp and nonce but not the body, so whoever
    sees one query string could post any body under it until the timestamp goes stale. The same
    query with the same body is WeChat retrying and passes; with another body it is refused. The
    ledger is per server process and bounded: entries leave when their timestamp is out of the window.
    """

    def __init__(self, window_seconds: int = MAX_CLOCK_SKEW_SECONDS, capacity: int = 200_000) -> None:
        self._window = window_seconds
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()

    def check(self, timestamp: str, nonce: str, body: bytes, now: float) -> None:
        """Raises BadSignature when this timestamp and nonce already came with another body."""
        self._forget_before(now - 2 * self._window)
        digest = hashlib.sha256(body).hexdigest()
        key = (timestamp, nonce)
        seen = self._seen.get(key)
        if seen is not None and not hmac.compare_digest(seen[1], digest):
            raise BadSignature("nonce already used with another body")
        if seen is None:
            self._seen[key] = (now, digest)
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)

    def _forget_before(self, cutoff: float) -> None:
        while self._seen:
            key, (seen_at, _) = next(iter(self._seen.items()))
            if seen_at >= cutoff:
                return
            del self._seen[key]


DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
UTF8_NAMES = frozenset({"utf-8", "utf8"})


def utf8_text(body: bytes) -> str:
    """The body as text. WeChat and WeCom send UTF-8 only: a body declared in another encoding (GBK,
    Shift_JIS, latin-1, UTF-16) or with bytes that are not UTF-8 is MalformedXml, before any parser sees it."""
    declared = DECLARED_ENCODING.match(body, 0, 256)
    if declared is not None and declared.group(1).decode().lower().replace("_", "-") not in UTF8_NAMES:
        raise MalformedXml("the XML declares an encoding other than UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedXml("the body is not UTF-8") from None


def parse_xml(text: str | bytes) -> Element:
    """The document's root, or MalformedXml; DTDs and entities are refused, never expanded."""
    try:
        root: Element = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        return root
    except DefusedXmlException as problem:
        raise MalformedXml(f"forbidden XML construct: {type(problem).__name__}") from None
    except ParseError as problem:
        raise MalformedXml(f"not well-formed XML: {problem}") from None


def fields_of(root: Element) -> dict[str, str]:
    """A flat WeChat message (`<xml><ToUserName>..</ToUserName>..</xml>`) as a dict."""
    if root.tag != "xml":
        raise MalformedXml("root element is not <xml>")
    return {child.tag: (child.text or "") for child in root}
