"""The real app over real HTTP (uvicorn on 127.0.0.1): the chat endpoint and the demo page."""

from __future__ import annotations

import httpx


def test_complaint_over_http_appears_in_the_staff_list(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        body = {"sender_id": "web-1", "text": "3栋2单元楼道里的下水道堵了，臭了好几天", "message_id": "w-1",
                "community": "baiyang"}
        replies = client.post("/api/chat", json=body).json()
        again = client.post("/api/chat", json=body).json()
        listed = client.get("/api/demo/tickets").json()

    assert replies == again
    [ticket] = listed
    assert ticket["number"] in replies[0]["text"]
    assert ticket["category"] == "下水道堵塞"
    assert ticket["building"] == "3"
    assert ticket["address"] == "白杨社区3栋2单元"
    assert ticket["status_label"] == "待处理"
    assert ticket["due_label"].endswith("17:30")


def test_choices_come_back_as_buttons(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        replies = client.post("/api/chat", json={"sender_id": "web-2", "text": "你好"}).json()

    payloads = [c["payload"] for c in replies[0]["choices"]]
    assert "/appeal_report" in payloads


def test_demo_page_and_its_assets_are_served(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        page = client.get("/")
        chat = client.get("/chat")
        script = client.get("/static/chat.js")

    assert page.status_code == 200
    assert "社区服务助手" in page.text
    assert 'src="/chat"' in page.text
    assert chat.status_code == 200
    assert script.status_code == 200
    assert "/api/web/messages" in script.text
    assert "/api/web/inbox" in script.text


def test_bad_chat_body_is_refused_with_422(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        response = client.post("/api/chat", json={"sender_id": "../../etc", "text": ""})

    assert response.status_code == 422
