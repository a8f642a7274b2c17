"""Security headers on the app's answers: every page refuses to be framed by another site except the residents'
chat page (which a community's site may embed, as the settings allow), and none may be sniffed as another type."""

from __future__ import annotations

import httpx


def test_pages_refuse_framing_and_sniffing_and_the_chat_page_may_be_embedded(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        answers = {path: client.get(path) for path in ("/console/sign-in", "/", "/static/chat.js", "/healthz",
                                                       "/open311/v2/services.json")}
        chat = client.get("/chat")

    for path, answer in answers.items():
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        assert answer.headers["referrer-policy"] == "same-origin", path
    assert chat.status_code == 200
    assert "x-frame-options" not in chat.headers
    assert "frame-ancestors *" in chat.headers["content-security-policy"]
    assert "script-src 'self'" in chat.headers["content-security-policy"]
