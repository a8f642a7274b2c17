"""The access token is stored in the database and refreshed once, however many senders meet it expired."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.channels.wechat.tokens import DatabaseTokenStorage, OfficialAccountClient, WeComApiClient, token_engine
from tests.fakes.wechat_api import FakeWeChatAPI

SENDERS = 20


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI(token_delay=0.3) as fake:
        yield fake


@pytest.fixture
def storage(database_url: str) -> Iterator[DatabaseTokenStorage]:
    engine = token_engine(database_url)
    yield DatabaseTokenStorage(engine)
    engine.dispose()


def official(api: FakeWeChatAPI, storage: DatabaseTokenStorage) -> OfficialAccountClient:
    return OfficialAccountClient(api.base_url, api.appid, api.secret, storage)


def send_concurrently(clients: list[OfficialAccountClient]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(clients))

    def send(client: OfficialAccountClient, n: int) -> None:
        start.wait()
        try:
            client.message.send_text(f"openid-{n}", "测试")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_twenty_senders_without_a_token_make_one_token_request(api: FakeWeChatAPI,
                                                               storage: DatabaseTokenStorage) -> None:
    clients = [official(api, storage) for _ in range(SENDERS)]  # as if in separate processes

    assert send_concurrently(clients) == []
    assert api.token_requests == 1
    assert len(api.sent_messages("custom")) == SENDERS


def test_an_expired_token_is_refreshed_once_for_twenty_senders(api: FakeWeChatAPI,
                                                               storage: DatabaseTokenStorage) -> None:
    shared = official(api, storage)
    shared.message.send_text("openid-warm", "预热")
    api.expire_tokens()

    assert send_concurrently([shared] * SENDERS) == []
    assert api.token_requests == 2
    assert len(api.sent_messages("custom")) == SENDERS + 1


def test_a_new_process_reuses_the_stored_token(api: FakeWeChatAPI, storage: DatabaseTokenStorage) -> None:
    official(api, storage).message.send_text("openid-1", "一")
    official(api, storage).message.send_text("openid-2", "二")

    assert api.token_requests == 1


def test_wecom_tokens_are_stored_under_their_own_key(api: FakeWeChatAPI, storage: DatabaseTokenStorage) -> None:
    official(api, storage).message.send_text("openid-1", "一")
    wecom = WeComApiClient(api.base_url, api.corpid, api.corpsecret, storage)
    wecom.message.send_text(1000002, ["zhangsan"], "新工单")

    assert (api.token_requests, api.wecom_token_requests) == (1, 1)
