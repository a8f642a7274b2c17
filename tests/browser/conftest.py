"""Debian's Chromium, headless, driven by Playwright against the real app under uvicorn, whose
Telegram channel talks to a fake Bot API on 127.0.0.1 (so a resident's chat can be watched)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.engine import make_url

from bot.settings import Settings
from tests.conftest import DEMO_PROFILE, NLU_DATA, ROOT
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.web.conftest import APP_CLOCK, served

CHROMIUM = "/usr/bin/chromium"  # Debian's package (`make browser`); Playwright downloads no browser
SCREENSHOTS = ROOT / "build" / "screenshots"
TOKEN = "123456:TEST-browser"
WEBHOOK_SECRET = "browser-webhook-secret"
COMMUNITY = "baiyang"
TIMEOUT_MS = 10_000

Screenshot = Callable[[Page, str], Path]
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class LiveApp:
    """The app at `url` on `database_url`; its Telegram bot talks to `telegram`."""

    url: str
    database_url: str
    telegram: FakeTelegramAPI


def beside_playwright(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs `call` on a thread of its own: between its calls Playwright's sync API marks its event loop
    as running on this thread, so `asyncio.run` (helpers that write to the database) is refused here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args, **kwargs).result()


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
def live_app(database_url: str, telegram_api: FakeTelegramAPI, nlu_model: Path) -> Iterator[LiveApp]:
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA], nlu_model=nlu_model,
                        telegram_token=TOKEN, telegram_webhook_secret=WEBHOOK_SECRET,
                        telegram_api_base=telegram_api.base_url, telegram_community=COMMUNITY)
    with served(settings, APP_CLOCK) as url:
        yield LiveApp(url, database_url, telegram_api)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; stopped after it, since while Playwright's sync API lives its event
    loop counts as running on the main thread, where the async tests that follow need theirs."""
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded 2-core machine can take over the default 5 s
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and one page in it."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(database_url: str) -> Screenshot:
    """Saves a full-page screenshot as build/screenshots/<name>-<database kind>.png."""
    kind = make_url(database_url).get_backend_name()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{kind}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


WIDTHS = {"desk": 1280, "phone": 390}


@pytest.fixture(params=list(WIDTHS))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    """A fresh page at a desk's or a phone's width, and which it is."""
    width = WIDTHS[request.param]
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900},
                                  is_mobile=width < 500, device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    yield request.param, context.new_page()
    context.close()


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"
