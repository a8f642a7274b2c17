"""The app with the Open311 API served over HTTP on the test's database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.conversation.pipeline import Pipeline
from bot.runtime import Runtime
from storage.profile import Profile
from tests.channels.wechat_server import serve_app
from tests.web.open311.support import open311_runtime


@pytest.fixture
def runtime(database_url: str, profile: Profile, pipeline: Pipeline) -> Runtime:
    return open311_runtime(database_url, profile, pipeline)


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(runtime) as http:
        yield http
