"""Notices exported as CAP 1.2 alerts, checked against the official OASIS schema, in memory and on both databases."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import xmlschema
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notices.cap import CapArea, cap_xml, export_cap, gcj02_to_wgs84
from storage.models import Notice
from storage.profile import Profile
from storage.repositories.directory import get_community

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "cap" / "CAP-v1.2.xsd"
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
AREA = CapArea("青水社区 上片、3栋", ("30.281732,120.157412 0.1",), (("area", "a1"), ("building", "3")))
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMA_PATH)


def make_notice(identifier: str = "qingshui-notice-1", **fields: Any) -> Notice:
    values: dict[str, Any] = {
        "identifier": identifier, "sender": "qingshui@frontdoor.example", "status": "Actual", "msg_type": "Alert",
        "scope": "Public", "category": "Infra", "event": "停水", "urgency": "Expected", "severity": "Moderate",
        "certainty": "Likely", "headline": "上片明天停水", "description": "因管道检修，上片明天9点至17点停水。",
        "instruction": "请提前储水。", "topic": "outages", "area_keys": ["a1"], "building_numbers": ["3"],
        "sent_at": SENT, "created_at": SENT - timedelta(hours=1),
        "effective_at": SENT + timedelta(hours=23), "expires_at": SENT + timedelta(hours=31),
    }
    return Notice(**(values | fields))


def chain() -> tuple[Notice, Notice, Notice]:
    alert = make_notice("qingshui-notice-1")
    update = make_notice("qingshui-notice-2", msg_type="Update", sent_at=SENT + timedelta(hours=2),
                         headline="停水推迟到后天")
    cancel = make_notice("qingshui-notice-3", msg_type="Cancel", sent_at=SENT + timedelta(hours=3),
                         headline="停水取消")
    return alert, update, cancel


def text(document: bytes, path: str) -> list[str]:
    return [element.text or "" for element in ET.fromstring(document).iterfind(path, NS)]


def test_an_alert_its_update_and_the_cancel_each_validate_against_the_cap_schema(
        schema: xmlschema.XMLSchema) -> None:
    alert, update, cancel = chain()
    documents = [cap_xml(alert, AREA, timezone=SHANGHAI),
                 cap_xml(update, AREA, references=[alert], timezone=SHANGHAI),
                 cap_xml(cancel, AREA, references=[alert, update], timezone=SHANGHAI, sender_name="青水社区")]

    for document in documents:
        schema.validate(document)
        assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert [text(d, "cap:msgType")[0] for d in documents] == ["Alert", "Update", "Cancel"]
    assert text(documents[2], "cap:info/cap:senderName") == ["青水社区"]
    assert text(documents[0], "cap:info/cap:area/cap:areaDesc") == ["青水社区 上片、3栋"]


def test_references_list_sender_identifier_and_sent_of_each_earlier_notice_earliest_first() -> None:
    alert, update, cancel = chain()

    document = cap_xml(cancel, AREA, references=[alert, update], timezone=SHANGHAI)

    assert text(document, "cap:references") == [
        "qingshui@frontdoor.example,qingshui-notice-1,2026-11-23T10:00:00+08:00 "
        "qingshui@frontdoor.example,qingshui-notice-2,2026-11-23T12:00:00+08:00"]
    assert text(cap_xml(alert, AREA, timezone=SHANGHAI), "cap:references") == []


@pytest.mark.parametrize("field", ["identifier", "sender"])
@pytest.mark.parametrize("bad", ["two words", "a,b", "a<b", "a&b", ""])
def test_an_identifier_or_sender_with_spaces_commas_or_markup_is_refused(field: str, bad: str) -> None:
    notice = make_notice(**{field: bad})

    with pytest.raises(ValueError, match=f"CAP {field}"):
        cap_xml(notice, AREA, timezone=SHANGHAI)


def test_times_are_whole_seconds_with_an_explicit_offset_and_utc_is_minus_zero() -> None:
    notice = make_notice("qingshui-notice-1", sent_at=SENT + timedelta(microseconds=123456))

    shanghai = cap_xml(notice, AREA, timezone=SHANGHAI)
    utc = cap_xml(notice, AREA, timezone=UTC)

    times = [text(shanghai, path)[0] for path in ("cap:sent", "cap:info/cap:effective", "cap:info/cap:expires")]
    assert times == ["2026-11-23T10:00:00+08:00", "2026-11-24T09:00:00+08:00", "2026-11-24T17:00:00+08:00"]
    assert all(CAP_TIME.match(t) for t in times)
    assert text(utc, "cap:sent") == ["2026-11-23T02:00:00-00:00"]


def test_a_draft_not_yet_sent_carries_the_time_it_was_written(schema: xmlschema.XMLSchema) -> None:
    draft = make_notice("qingshui-notice-1", status="Draft", sent_at=None)

    document = cap_xml(draft, AREA, timezone=SHANGHAI)

    schema.validate(document)
    assert text(document, "cap:sent") == ["2026-11-23T09:00:00+08:00"]


def test_a_document_with_an_unknown_message_type_fails_validation(schema: xmlschema.XMLSchema) -> None:
    document = cap_xml(make_notice("qingshui-notice-1"), AREA, timezone=SHANGHAI)
    broken = document.replace(b"<msgType>Alert</msgType>", b"<msgType>Foo</msgType>")

    assert broken != document
    assert schema.is_valid(document)
    assert not schema.is_valid(broken)


def test_building_positions_move_from_the_chinese_map_datum_to_wgs84() -> None:
    # Tiananmen: WGS 84 (39.908692, 116.397477) is shown by Chinese maps at GCJ-02 (39.910093, 116.403719).
    latitude, longitude = gcj02_to_wgs84(39.910093, 116.403719)

    assert latitude == pytest.approx(39.908692, abs=2e-5)
    assert longitude == pytest.approx(116.397477, abs=2e-5)


async def store_chain(sessions: async_sessionmaker[AsyncSession], **alert_fields: Any) -> list[int]:
    async with sessions() as session, session.begin():
        community = await get_community(session, "qingshui")
        assert community is not None
        alert, update, cancel = chain()
        for notice in (alert, update, cancel):
            notice.community_id = community.id
        for name, value in alert_fields.items():
            setattr(alert, name, value)
        session.add(alert)
        await session.flush()
        update.references_id = alert.id
        session.add(update)
        await session.flush()
        cancel.references_id = update.id
        session.add(cancel)
        await session.flush()
        return [alert.id, update.id, cancel.id]


async def test_exported_notices_validate_and_the_cancel_references_the_whole_chain(
        sessions: async_sessionmaker[AsyncSession], profile: Profile, schema: xmlschema.XMLSchema) -> None:
    ids = await store_chain(sessions)

    async with sessions() as session:
        documents = [await export_cap(session, profile, notice_id) for notice_id in ids]

    for document in documents:
        schema.validate(document)
    assert text(documents[0], "cap:references") == []
    assert text(documents[1], "cap:references") == [
        "qingshui@frontdoor.example,qingshui-notice-1,2026-11-23T10:00:00+08:00"]
    assert text(documents[2], "cap:references") == [
        "qingshui@frontdoor.example,qingshui-notice-1,2026-11-23T10:00:00+08:00 "
        "qingshui@frontdoor.example,qingshui-notice-2,2026-11-23T12:00:00+08:00"]


async def test_the_exported_area_names_community_areas_and_buildings_with_a_circle_per_building(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    [alert_id, *_] = await store_chain(sessions, area_keys=["a1"], building_numbers=["3", "4"])

    async with sessions() as session:
        document = await export_cap(session, profile, alert_id)

    assert text(document, "cap:info/cap:senderName") == ["青水社区"]
    assert text(document, "cap:info/cap:area/cap:areaDesc") == ["青水社区上片、3栋、4栋"]
    geocodes = ET.fromstring(document).iterfind("cap:info/cap:area/cap:geocode", NS)
    assert [(g.findtext("cap:valueName", namespaces=NS), g.findtext("cap:value", namespaces=NS)) for g in geocodes] \
        == [("area", "a1"), ("building", "3"), ("building", "4")]
    expected = [gcj02_to_wgs84(*profile.building_locations["qingshui"].buildings[n]) for n in ("3", "4")]
    assert text(document, "cap:info/cap:area/cap:circle") == [f"{lat:.6f},{lon:.6f} 0.1" for lat, lon in expected]


async def test_a_notice_to_the_whole_community_is_described_as_the_whole_community(
        sessions: async_sessionmaker[AsyncSession], profile: Profile, schema: xmlschema.XMLSchema) -> None:
    [alert_id, *_] = await store_chain(sessions, area_keys=[], building_numbers=[])

    async with sessions() as session:
        document = await export_cap(session, profile, alert_id)

    schema.validate(document)
    assert text(document, "cap:info/cap:area/cap:areaDesc") == ["青水社区全社区"]
    assert text(document, "cap:info/cap:area/cap:circle") == []
    assert text(document, "cap:info/cap:area/cap:geocode/cap:value") == []


async def test_exporting_a_notice_that_does_not_exist_raises_lookup_error(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    async with sessions() as session:
        with pytest.raises(LookupError, match="no notice with id 999"):
            await export_cap(session, profile, 999)
