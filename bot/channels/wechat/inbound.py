"""WeChat callbacks into what the bot does with them: a message for the pipeline, a fixed answer,
or a change to the resident's account (unsubscribed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from defusedxml.ElementTree import fromstring
from wechatpy import parse_message

from bot.channels.wechat.security import MalformedXml
from bot.core.messages import InboundMessage, Photo, SharedLocation, VoiceNote

REPLIES: dict[str, tuple[str, ...]] = {
    "wechat_unsupported": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


CHANNEL = "wechat"
GREET_PAYLOAD = "/greet"
MAX_ID_CHARS = 40
"""Longer than any openid (28 characters), account id (gh_ + 12) or MsgId (at most 20 digits) WeChat sends:
anything longer is refused before it reaches the database, where a message is kept as `<openid>:<key>` in 100
characters (`InboundMessage.retry_key`; an event's key is `<openid>:<CreateTime>`)."""
SUBSCRIBE_POPUP_EVENT = "subscribe_msg_popup_event"
"""The user answered the subscribe-message popup (wechatpy does not know it: it parses as unknown)."""
"""A new follower, or one who scanned the community's QR code, is greeted with what the bot can do."""


@dataclass(frozen=True)
class Callback:
    key: str
    """What identifies a retry of the same callback: MsgId, or for events sender and CreateTime."""
    openid: str
    account: str
    """Our own account (ToUserName): the sender of a passive reply."""
    message: InboundMessage | None = None
    reply_key: str | None = None
    """A reply from the profile's wording, given without the pipeline."""
    unsubscribed: bool = False
    consents: tuple[str, ...] = ()
    """Templates the user just accepted one subscribe message of (the subscribe-message popup)."""


def read_callback(xml: str, community_key: str | None, click_payload: Callable[[str], str | None]) -> Callback:
    """`xml` must already have passed `security.parse_xml` (no DTD, no entities). A field of the wrong
    shape (a MsgId or CreateTime that is not a number) is MalformedXml, answered 400."""
    try:
        msg = parse_message(xml)
        openid, account = str(msg.source or ""), str(msg.target or "")
        kind = f"event:{msg.event}" if msg.type == "event" else str(msg.type)
        key = f"{openid}:{msg.time}" if msg.type == "event" else str(msg.id)
        sent_at = datetime.fromtimestamp(int(msg.time or 0), UTC)
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError) as problem:
        raise MalformedXml(f"not a WeChat message: {type(problem).__name__}") from None
    if not 0 < len(openid) <= MAX_ID_CHARS or len(account) > MAX_ID_CHARS or len(key) > MAX_ID_CHARS + 16:
        raise MalformedXml("a sender, account or message id longer than WeChat's")

    if msg.type == "unknown" and fromstring(xml).findtext("Event") == SUBSCRIBE_POPUP_EVENT:
        return Callback(f"{openid}:{msg.time}", openid, account, consents=_accepted_templates(xml))

    def for_pipeline(text: str, *, community: str | None = community_key, photo: Photo | None = None,
                     location: SharedLocation | None = None, voice: VoiceNote | None = None) -> Callback:
        message = InboundMessage(CHANNEL, openid, key, text, sent_at, community, photo, location, voice)
        return Callback(key, openid, account, message=message)

    def answer(reply_key: str | None) -> Callback:
        return Callback(key, openid, account, reply_key=reply_key)

    match kind:
        case "text":
            return for_pipeline(str(msg.content or ""))
        case "voice":
            # WeChat is retiring `Recognition`: without it the audio itself goes to a person.
            note = VoiceNote(str(msg.media_id or ""), str(msg.format or ""))
            return for_pipeline(str(msg.recognition or "").strip(), voice=note) if note.media_id \
                else answer("wechat_unsupported")
        case "image":
            return for_pipeline("", photo=Photo(str(msg.media_id), str(msg.image or "") or None))
        case "location":
            point = _location(str(msg.location_x or ""), str(msg.location_y or ""), str(msg.label or ""))
            return for_pipeline("", location=point) if point else answer("wechat_unsupported")
        case "event:subscribe" | "event:subscribe_scan" | "event:scan":
            scene = str(getattr(msg, "scene_id", "") or "")
            return for_pipeline(GREET_PAYLOAD, community=_scene_community(scene) or community_key)
        case "event:unsubscribe":
            return Callback(key, openid, account, unsubscribed=True)
        case "event:click":
            payload = click_payload(str(msg.key or ""))
            return for_pipeline(payload) if payload else answer("wechat_unsupported")
        case "event:view" | "event:location":
            return answer(None)
    return answer("wechat_unsupported")


def _accepted_templates(xml: str) -> tuple[str, ...]:
    """The templates accepted in a subscribe-message popup (each `List` names one, accepted or rejected)."""
    root = fromstring(xml)
    return tuple(str(item.findtext("TemplateId") or "").strip() for item in root.iter("List")
                 if (item.findtext("SubscribeStatusString") or "").strip() == "accept"
                 and (item.findtext("TemplateId") or "").strip())


COMMUNITY_SCENE_PREFIX = "community:"


def _scene_community(scene: str) -> str | None:
    """A QR code made with scene string `community:<key>` binds the resident to that community."""
    return scene.removeprefix(COMMUNITY_SCENE_PREFIX) if scene.startswith(COMMUNITY_SCENE_PREFIX) else None


def _location(latitude: str, longitude: str, label: str) -> SharedLocation | None:
    try:
        point = SharedLocation(float(latitude), float(longitude), label)
    except ValueError:
        return None
    return point if -90 <= point.latitude <= 90 and -180 <= point.longitude <= 180 else None
