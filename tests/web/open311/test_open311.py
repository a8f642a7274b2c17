"""The Open311 GeoReport v2 API, read over real HTTP on both databases: every item checked against
the spec's field list, the filters, the errors, and no personal data in what anyone can read."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import update

from bot.conversation.pipeline import Pipeline
from bot.runtime import Runtime
from storage.models import Ticket
from tests.web.open311.support import (
    DISPUTE,
    DRAIN,
    ID_NUMBER,
    LIGHT,
    SERVICE_FIELDS,
    V2,
    WINDOW,
    check_service_request,
    close,
    new_key,
    numbers,
    reported,
    spec_error,
)

# --- reading


async def test_services_are_the_public_service_categories_in_georeport_shape(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{V2}/services.json")

    assert response.status_code == 200
    services = response.json()
    for service in services:
        assert set(SERVICE_FIELDS) <= set(service)
        assert all(isinstance(service[field], kind) for field, kind in SERVICE_FIELDS.items())
        assert (service["metadata"], service["type"], service["group"]) == (False, "realtime", "公共服务类")
    codes = [service["service_code"] for service in services]
    assert {"drain_blocked", "lighting", "general"} <= set(codes)
    assert not {"emergency", "handoff", "certificate", "civil_affairs", "petition", "legal_aid"} & set(codes)
    drain = next(service for service in services if service["service_code"] == "drain_blocked")
    assert drain["service_name"] == "下水道堵塞"
    assert "下水道" in drain["keywords"].split(",")


async def test_requests_list_every_item_in_georeport_shape(client: httpx.AsyncClient, pipeline: Pipeline) -> None:
    drain = await reported(pipeline, DRAIN, "r-1")
    light = await reported(pipeline, LIGHT, "r-2")
    dispute = await reported(pipeline, DISPUTE, "r-3")

    response = await client.get(f"{V2}/requests.json", params=WINDOW)

    assert response.status_code == 200
    items = response.json()
    for item in items:
        check_service_request(item)
    assert numbers(items) == {drain, light}  # the dispute request is a personal matter: not listed
    assert dispute not in response.text
    first = next(item for item in items if item["service_request_id"] == drain)
    assert first["status"] == "open"
    assert first["service_code"] == "drain_blocked"
    assert first["agency_responsible"] == "3栋楼长"
    assert first["address"] == "白杨社区3栋"
    assert first["address_id"] == "baiyang:3"
    assert (first["lat"], first["long"]) == (30.2861, 120.149135)
    assert first["requested_datetime"] == "2026-11-23T10:00:00+08:00"
    assert first["expected_datetime"].startswith("2026-11-25T")
    assert drain in first["service_notice"]


async def test_filters_by_service_code_status_dates_and_numbers(client: httpx.AsyncClient, pipeline: Pipeline,
                                                                runtime: Runtime) -> None:
    drain = await reported(pipeline, DRAIN, "r-1")
    light = await reported(pipeline, LIGHT, "r-2")
    await close(runtime, light, "已更换灯泡")

    async def listed(**params: str) -> set[str]:
        response = await client.get(f"{V2}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return numbers(response.json())

    assert await listed(**WINDOW, service_code="drain_blocked") == {drain}
    assert await listed(**WINDOW, service_code="lighting,drain_blocked") == {drain, light}
    assert await listed(**WINDOW, status="closed") == {light}
    assert await listed(**WINDOW, status="open") == {drain}
    assert await listed(**WINDOW, status="open,closed") == {drain, light}
    assert await listed(start_date="2026-11-23T10:30:00+08:00", end_date="2026-11-24T00:00:00+08:00") == set()
    assert await listed(start_date="2026-11-23T09:00:00", end_date="2026-11-23T11:00:00") == {drain, light}
    assert await listed(start_date="2026-11-22T00:00:00Z") == {drain, light}  # 90 days from a lone start
    assert await listed(end_date="2026-11-23T03:00:00Z") == {drain, light}  # 90 days up to a lone end
    assert await listed(service_request_id=f"{drain}, {light}", status="closed", service_code="x") == {drain, light}
    assert await listed(**WINDOW, jurisdiction_id="qingshui") == set()
    closed = (await client.get(f"{V2}/requests.json", params={"service_request_id": light})).json()[0]
    assert closed["status_notes"] == "已办结：已更换灯泡"
    assert closed["updated_datetime"] == "2026-11-23T11:00:00+08:00"


async def test_the_default_window_is_the_last_90_days(client: httpx.AsyncClient, pipeline: Pipeline,
                                                      runtime: Runtime) -> None:
    recent = await reported(pipeline, DRAIN, "r-1")
    old = await reported(pipeline, LIGHT, "r-2")
    now = runtime.clock()
    async with runtime.sessions() as session, session.begin():
        await session.execute(update(Ticket).where(Ticket.number == recent).values(created_at=now - timedelta(days=1)))
        await session.execute(update(Ticket).where(Ticket.number == old).values(created_at=now - timedelta(days=91)))

    response = await client.get(f"{V2}/requests.json")

    assert numbers(response.json()) == {recent}


async def test_bad_filters_get_400_in_the_spec_format(client: httpx.AsyncClient) -> None:
    too_long = {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"}
    assert "90 days" in spec_error(await client.get(f"{V2}/requests.json", params=too_long), 400)
    assert "status" in spec_error(await client.get(f"{V2}/requests.json", params={"status": "pending"}), 400)
    assert "start_date" in spec_error(await client.get(f"{V2}/requests.json", params={"start_date": "soon"}), 400)
    unknown = await client.get(f"{V2}/requests.json", params={"jurisdiction_id": "atlantis"})
    assert "atlantis" in spec_error(unknown, 404)
    assert "JSON" in spec_error(await client.get(f"{V2}/services.xml"), 400)
    assert "JSON" in spec_error(await client.get(f"{V2}/requests.xml"), 400)


async def test_one_request_is_a_one_element_list_and_an_unknown_one_is_404(client: httpx.AsyncClient,
                                                                         pipeline: Pipeline) -> None:
    drain = await reported(pipeline, DRAIN, "r-1")
    dispute = await reported(pipeline, DISPUTE, "r-2")

    found = await client.get(f"{V2}/requests/{drain}.json")
    missing = await client.get(f"{V2}/requests/GD20000101-9999.json")
    personal = await client.get(f"{V2}/requests/{dispute}.json")

    assert found.status_code == 200
    [item] = found.json()
    check_service_request(item)
    assert item["service_request_id"] == drain
    assert "GD20000101-9999" in spec_error(missing, 404)
    spec_error(personal, 404)


async def test_no_personal_data_in_what_anyone_can_read(client: httpx.AsyncClient, runtime: Runtime) -> None:
    key = await new_key(runtime.sessions)
    phone = "13912345678"
    text = f"3栋2单元501室门口下水道堵了，我叫王秀英，电话{phone}，身份证{ID_NUMBER}，座机0571-87654321"
    filed = await client.post(f"{V2}/requests.json", data={
        "api_key": key, "service_code": "drain_blocked", "description": text, "address_string": "白杨社区3栋2单元501",
        "phone": "139 1234 5678", "last_name": "王", "first_name": "秀英", "account_id": "acct-7"})
    number = filed.json()[0]["service_request_id"]
    await close(runtime, number, f"已疏通，如再堵请打{phone}找物业")

    listed = await client.get(f"{V2}/requests.json", params={"service_request_id": number})
    one = await client.get(f"{V2}/requests/{number}.json")

    [item] = listed.json()
    assert item["description"].startswith("3栋门口下水道堵了")
    assert "110101********" in item["description"]
    for body in (listed.text, one.text):
        readable = json.loads(body)[0]
        check_service_request(readable)
        flat = json.dumps(readable, ensure_ascii=False)
        for secret in (phone, "1234", ID_NUMBER, "87654321", "2单元", "501", "acct-7", "open311:"):
            assert secret not in flat, secret
        for _, member in runtime.profile.all_staff():
            assert member.name not in flat
            assert not member.phone or member.phone not in flat


async def test_what_people_write_about_themselves_is_masked_without_being_told_their_name(
        client: httpx.AsyncClient, runtime: Runtime) -> None:
    """No name fields, a room without its building, a WeChat id, a mobile in Chinese numerals and an ID number
    in groups with a wrong check digit: the public description keeps none of them."""
    key = await new_key(runtime.sessions)
    text = ("楼下下水道堵了，我叫李桂兰，住502室，微信号 li_guilan66，电话一三九八七六五四三二一，"
            "身份证420102 19800101 1234")
    filed = await client.post(f"{V2}/requests.json", data={
        "api_key": key, "service_code": "drain_blocked", "description": text, "address_string": "白杨社区3栋"})
    number = filed.json()[0]["service_request_id"]

    one = await client.get(f"{V2}/requests/{number}.json")

    [readable] = one.json()
    assert readable["description"].startswith("楼下下水道堵了，我叫")
    for secret in ("李桂兰", "502", "li_guilan66", "一三九八七六五四三二一", "420102", "19800101"):
        assert secret not in readable["description"], secret


async def test_the_openapi_document_describes_the_open311_api(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    paths = document["paths"]
    operations = [(path, method) for path in paths if path.startswith(V2) for method in paths[path]]
    assert sorted(operations) == [(f"{V2}/requests.json", "get"), (f"{V2}/requests.json", "post"),
                                  (f"{V2}/requests/{{service_request_id}}.json", "get"), (f"{V2}/services.json", "get")]
    for path, method in operations:
        operation = paths[path][method]
        assert operation["tags"] == ["Open311 GeoReport v2"]
        assert operation["summary"]
        assert ".xml" in operation["description"]
    listed = paths[f"{V2}/requests.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["items"]["$ref"] == "#/components/schemas/ServiceRequestOut"
    assert "application/x-www-form-urlencoded" in paths[f"{V2}/requests.json"]["post"]["requestBody"]["content"]
    assert {"api_key", "service_code", "lat", "long"} <= set(document["components"]["schemas"]["FilingForm"]
                                                              ["properties"])
