"""A notice as an OASIS CAP 1.2 alert, for the district's alerting systems and public feeds."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.notices.compose import area_label
from storage.models import Notice
from storage.profile import Profile
from storage.repositories.directory import get_community_by_id

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
BUILDING_RADIUS_KM = 0.1
MAX_REFERENCE_CHAIN = 50
# CAP 1.2 §3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted characters (< and &)".
_FORBIDDEN_IN_ID = re.compile(r"[\s,<&]")


@dataclass(frozen=True)
class CapArea:
    """CAP `<area>`: `circles` as "lat,lon radius_km" (WGS 84), `geocodes` as (valueName, value)."""

    description: str
    circles: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


def cap_xml(notice: Notice, area: CapArea, *, references: Sequence[Notice] = (), language: str = "zh-CN",
            timezone: tzinfo, sender_name: str | None = None) -> bytes:
    """The CAP 1.2 document of `notice`; `references` are the earlier notices it updates or cancels."""
    alert = ET.Element(_tag("alert"))
    _add(alert, "identifier", _checked_id("identifier", notice.identifier))
    _add(alert, "sender", _checked_id("sender", notice.sender))
    _add(alert, "sent", _cap_time(_sent(notice), timezone))
    _add(alert, "status", notice.status)
    _add(alert, "msgType", notice.msg_type)
    _add(alert, "scope", notice.scope)
    if references:
        _add(alert, "references", " ".join(_reference(earlier, timezone) for earlier in references))

    info = ET.SubElement(alert, _tag("info"))
    for name, value in (("language", language), ("category", notice.category), ("event", notice.event),
                        ("urgency", notice.urgency), ("severity", notice.severity),
                        ("certainty", notice.certainty)):
        _add(info, name, value)
    if notice.effective_at is not None:
        _add(info, "effective", _cap_time(notice.effective_at, timezone))
    if notice.expires_at is not None:
        _add(info, "expires", _cap_time(notice.expires_at, timezone))
    for name, optional in (("senderName", sender_name), ("headline", notice.headline),
                           ("description", notice.description), ("instruction", notice.instruction)):
        if optional:
            _add(info, name, optional)
    _add_area(info, area)
    document: bytes = ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NAMESPACE)
    return document


async def export_cap(session: AsyncSession, profile: Profile, notice_id: int) -> bytes:
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise LookupError(f"no notice with id {notice_id}")
    references = await _earlier_notices(session, notice)
    community = await get_community_by_id(session, notice.community_id)
    description = area_label(profile, community.key, notice.area_keys, notice.building_numbers)
    geocodes = [("area", key) for key in notice.area_keys]
    geocodes += [("building", number) for number in notice.building_numbers]
    circles = _building_circles(profile, community.key, notice.building_numbers)
    area = CapArea(description, tuple(circles), tuple(geocodes))
    return cap_xml(notice, area, references=references, timezone=profile.timezone, sender_name=community.name)


async def _earlier_notices(session: AsyncSession, notice: Notice) -> list[Notice]:
    """The chain of notices this one updates or cancels, back to the first Alert; earliest first."""
    chain: list[Notice] = []
    seen = {notice.id}
    next_id = notice.references_id
    while next_id is not None:
        if next_id in seen or len(chain) >= MAX_REFERENCE_CHAIN:
            raise ValueError(f"notice {notice.id} has a circular or overlong chain of references")
        earlier = await session.get(Notice, next_id)
        if earlier is None:
            raise LookupError(f"notice {notice.id} references missing notice {next_id}")
        chain.append(earlier)
        seen.add(next_id)
        next_id = earlier.references_id
    return chain[::-1]


def _building_circles(profile: Profile, community_key: str, numbers: Sequence[str]) -> list[str]:
    locations = profile.building_locations.get(community_key)
    if locations is None:
        return []
    circles = []
    for number in numbers:
        if number in locations.buildings:
            latitude, longitude = gcj02_to_wgs84(*locations.buildings[number])
            circles.append(f"{latitude:.6f},{longitude:.6f} {BUILDING_RADIUS_KM}")
    return circles


def _add_area(info: ET.Element, area: CapArea) -> None:
    element = ET.SubElement(info, _tag("area"))
    _add(element, "areaDesc", area.description)
    for circle in area.circles:
        _add(element, "circle", circle)
    for value_name, value in area.geocodes:
        geocode = ET.SubElement(element, _tag("geocode"))
        _add(geocode, "valueName", value_name)
        _add(geocode, "value", value)


def _tag(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, _tag(name)).text = text


def _checked_id(field: str, value: str) -> str:
    if not value or _FORBIDDEN_IN_ID.search(value):
        raise ValueError(f"CAP {field} must be non-empty without spaces, commas, '<' or '&': {value!r}")
    return value


def _sent(notice: Notice) -> datetime:
    sent = notice.sent_at or notice.created_at
    if sent is None:
        raise ValueError(f"notice {notice.identifier!r} has neither sent_at nor created_at")
    return sent


def _reference(earlier: Notice, timezone: tzinfo) -> str:
    sender = _checked_id("sender", earlier.sender)
    identifier = _checked_id("identifier", earlier.identifier)
    return f"{sender},{identifier},{_cap_time(_sent(earlier), timezone)}"


def _cap_time(moment: datetime, timezone: tzinfo) -> str:
    """CAP dateTime: whole seconds and an explicit offset; UTC is written "-00:00" (CAP 1.2 §3.3.2)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}; CAP times need an offset")
    text = moment.astimezone(timezone).isoformat(timespec="seconds")
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


# GCJ-02 ("Mars coordinates") is the datum Chinese map services and WeChat report; CAP wants WGS 84.
# They differ by a few hundred metres, more than a building's circle, so positions are shifted back.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """Inverse of the public GCJ-02 offset, by fixed-point iteration (well under a metre)."""
    wgs_lat, wgs_lon = latitude, longitude
    for _ in range(5):
        d_lat, d_lon = _gcj02_offset(wgs_lat, wgs_lon)
        wgs_lat, wgs_lon = latitude - d_lat, longitude - d_lon
    return wgs_lat, wgs_lon


def _gcj02_offset(latitude: float, longitude: float) -> tuple[float, float]:
    x, y = longitude - 105.0, latitude - 35.0
    ripple = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + ripple
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + ripple
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = latitude / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(rad_lat) ** 2
    d_lat = d_lat * 180.0 / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180.0 / (_GCJ_A / math.sqrt(magic) * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon
