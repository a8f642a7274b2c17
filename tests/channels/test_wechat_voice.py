"""A WeChat voice message without `Recognition` (WeChat is retiring it), as captured in
tests/fixtures/wechat/: the resident is told a person will listen, a hand-off ticket holds the voice note, the
audio is fetched from the (fake) WeChat media API and kept, and the console plays it to the assignee only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from bot.conversation.pipeline import Pipeline
from storage.models import Attachment, Staff, Ticket
from storage.profile import Profile
from tests.channels.test_wechat_webhook import wechat_runtime
from tests.channels.wechat_server import AES_KEY, serve
from tests.conftest import ROOT
from tests.fakes.wechat_api import MEDIA_GET, FakeWeChatAPI
from tests.web.test_console import PASSWORD, give_passwords, post_sign_in

CAPTURED = ROOT / "tests/fixtures/wechat/voice_without_recognition.xml"
MEDIA_ID = "Vq8Ms1KUdZl0sFvCq3kqf2oX7wLtxrQ4-1OuRxW9yM5cTjAnPbGe6hIiDlNs0zUa"
AMR = b"#!AMR\n" + bytes([0x3C] + [0] * 31) * 50
"""One second of AMR-NB silence (12.2 kbit/s frames): what WeChat serves for a voice note."""
FETCH_SECONDS = 30


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


async def voice_notes(pipeline: Pipeline) -> list[Attachment]:
    async with pipeline.sessions() as session:
        return list((await session.scalars(select(Attachment).options(undefer(Attachment.content))
                                           .order_by(Attachment.id))).all())


def console_get(base_url: str, key: str, path: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert post_sign_in(client, key, PASSWORD).status_code == 303
        return client.get(path)


async def test_a_voice_note_without_words_reaches_a_person_who_alone_can_play_it(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline) -> None:
    api.serve_media(MEDIA_ID, AMR, "audio/amr")
    async with serve(wechat_runtime(database_url, api, profile, pipeline, aes_key=AES_KEY)) as wechat:
        response, _ = await wechat.post_encrypted(CAPTURED.read_text(encoding="utf-8"))
        answer = wechat.decrypt_reply(response.text)
        deadline = time.monotonic() + FETCH_SECONDS
        while not (notes := await voice_notes(pipeline)) or notes[0].content is None:
            assert time.monotonic() < deadline, "the voice note's audio never arrived"
            await asyncio.sleep(0.2)
        async with pipeline.sessions() as session:
            ticket = (await session.scalars(select(Ticket))).one()
            assignee = await session.get_one(Staff, ticket.assignee_id)
        other = "by-sec-01" if assignee.key != "by-sec-01" else "by-win-01"
        base = str(wechat.client.base_url)
        await asyncio.to_thread(give_passwords, database_url, assignee.key, other)
        page = await asyncio.to_thread(console_get, base, assignee.key, f"/console/tickets/{ticket.number}")
        played = await asyncio.to_thread(console_get, base, assignee.key,
                                         f"/console/tickets/{ticket.number}/voice/{notes[0].id}")
        refused = await asyncio.to_thread(console_get, base, other,
                                          f"/console/tickets/{ticket.number}/voice/{notes[0].id}")
        other_page = await asyncio.to_thread(console_get, base, other, f"/console/tickets/{ticket.number}")

    content = answer["Content"]
    assert "语音收到了，我转给工作人员来听" in content
    assert str(ticket.number) in content
    assert "转人工" in content
    [note] = notes
    assert (note.kind, note.ticket_id, note.content_type, note.content) == ("voice", ticket.id, "audio/amr", AMR)
    assert [c.path for c in api.calls].count(MEDIA_GET) == 1
    assert f'src="/console/tickets/{ticket.number}/voice/{note.id}"' in page.text
    assert (played.status_code, played.headers["content-type"], played.content) == (200, "audio/amr", AMR)
    assert refused.status_code == 403
    assert AMR not in refused.content
    assert other_page.status_code == 200
    assert "仅承办人可以收听" in other_page.text
    assert "/voice/" not in other_page.text
