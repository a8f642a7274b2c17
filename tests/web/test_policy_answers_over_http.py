"""Policy answers as a resident gets them over real HTTP: every guide asked about, every answer free of file
names and Markdown marks, and every form link in it served by the app."""

from __future__ import annotations

import re

import httpx

from bot.settings import Settings
from nlu.policy_texts import form_links, read_passages
from tests.conftest import DEMO_PROFILE

FILE_NAME = re.compile(r"[\w\-]+\.(?:md|markdown|txt)\b")
MARKDOWN_MARK = re.compile(r"\*\*|__|`|\]\(|^\s*#|^\s*[-*+]\s", re.MULTILINE)
LINK = re.compile(r"https?://\S+")


def test_every_guide_answers_without_file_names_or_marks_and_its_form_links_resolve(server: str) -> None:
    titles = sorted({p.title for p in read_passages(DEMO_PROFILE / "policies")})
    public_url = Settings().public_url
    texts: list[str] = []
    with httpx.Client(base_url=server, timeout=10) as client:
        for number, title in enumerate(titles):
            for question in (f"{title}要带什么材料", f"{title}怎么申请"):
                body = {"sender_id": f"web-guide-{number}", "text": question, "community": "baiyang"}
                texts.extend(reply["text"] for reply in client.post("/api/chat", json=body).json())
        links = {link for text in texts for link in LINK.findall(text)}
        served = {link: client.get(link.replace(public_url, server)) for link in links}

    answers = [text for text in texts if "摘自社区办事指南" in text]
    assert len({text.split("》")[0] for text in answers}) >= len(titles) * 0.8
    assert [text for text in texts if FILE_NAME.search(text)] == []
    assert [text for text in texts if MARKDOWN_MARK.search(text)] == []
    # every form a guide links is offered with its answers (低保 offers both of its two), and each is served
    every_form = {f"{public_url}/{target}" for guide in (DEMO_PROFILE / "policies").glob("*.md")
                  for _, target in form_links(guide.read_text(encoding="utf-8"))}
    assert len(every_form) >= 20
    assert every_form - links == set()
    assert all(link.startswith(public_url) for link in links)
    assert {link: response.status_code for link, response in served.items() if response.status_code != 200} == {}
    assert all(response.headers["content-type"] == "application/pdf" for response in served.values())


def test_a_form_outside_the_folder_cannot_be_named(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        assert client.get("/forms/..%2Fdibao.md").status_code == 404
        assert client.get("/forms/dibao.md").status_code == 404
        assert client.get("/forms/no_such_form.pdf").status_code == 404
