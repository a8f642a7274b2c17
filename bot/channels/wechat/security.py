"""Checks every WeChat or WeCom callback passes before anything in it is believed or stored.

Order matters: the size is checked before the body is read whole, the signature and timestamp
before the XML is parsed, and the XML is parsed by defusedxml, which refuses a DTD or entity
declaration instead of expanding it (billion laughs, XXE). Only then does wechatpy see the text.
"""

from __future__ import annotations

import hashlib
import hmac
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
