"""The fake WeChat API, driven by the real wechatpy clients over HTTP."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.enterprise import WeChatClient as WeComClient
from wechatpy.exceptions import APILimitedException, WeChatClientException

from tests.fakes.conftest import ServeModule
from tests.fakes.wechat_api import BIZSEND, CUSTOM_SEND, MENU_GET, OA_TOKEN, FakeWeChatAPI

AGENT_ID = 1000002


class FakeOAClient(WeChatClient):  # type: ignore[misc]
    """wechatpy hard-codes the token URL in fetch_access_token; API_BASE_URL covers the rest."""

    def __init__(self, base_url: str, appid: str, secret: str, **kwargs: Any) -> None:
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        self._token_url = f"{base_url}/cgi-bin/token"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=self._token_url,
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class FakeWeComClient(WeComClient):  # type: ignore[misc]
    def __init__(self, base_url: str, corpid: str, secret: str, **kwargs: Any) -> None:
        super().__init__(corpid, secret, **kwargs)
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        self._token_url = f"{base_url}/cgi-bin/gettoken"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(url=self._token_url, params={"corpid": self.corp_id, "corpsecret": self.secret})


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


@pytest.fixture
def client(api: FakeWeChatAPI) -> FakeOAClient:
    return FakeOAClient(api.base_url, api.appid, api.secret)


@pytest.fixture
def wecom(api: FakeWeChatAPI) -> FakeWeComClient:
    return FakeWeComClient(api.base_url, api.corpid, api.corpsecret)


def test_token_is_fetched_once_and_reused(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    client.message.send_text("o-resident-1", "您的报修单已受理")
    client.message.send_text("o-resident-2", "明天停水")

    assert api.token_requests == 1
    assert [c.path for c in api.calls] == [OA_TOKEN, CUSTOM_SEND, CUSTOM_SEND]
    assert api.calls[1].query["access_token"] == client.access_token


def test_custom_send_records_the_body_wechatpy_posts(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    client.message.send_text("o-resident-1", "您的报修单已受理")

    assert api.sent_messages("custom") == [
        {"touser": "o-resident-1", "msgtype": "text", "text": {"content": "您的报修单已受理"}}
    ]


def test_expired_token_is_refreshed_by_wechatpy_auto_retry(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    client.message.send_text("o-resident-1", "first")
    api.expire_tokens()
    client.message.send_text("o-resident-1", "second")

    assert api.token_requests == 2
    assert [(c.path, c.errcode) for c in api.calls] == [
        (OA_TOKEN, 0),
        (CUSTOM_SEND, 0),
        (CUSTOM_SEND, 42001),
        (OA_TOKEN, 0),
        (CUSTOM_SEND, 0),
    ]
    assert [m["text"]["content"] for m in api.sent_messages("custom")] == ["first", "second"]


def test_unknown_token_answers_40001() -> None:
    with FakeWeChatAPI() as api, urllib.request.urlopen(f"{api.base_url}{MENU_GET}?access_token=nope") as res:
        assert json.load(res)["errcode"] == 40001


def test_injected_45015_fails_one_openid_only(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    api.fail_next(CUSTOM_SEND, 45015, touser="o-unsubscribed")

    with pytest.raises(WeChatClientException) as excinfo:
        client.message.send_text("o-unsubscribed", "hello")
    client.message.send_text("o-resident-1", "hello")
    client.message.send_text("o-unsubscribed", "hello again")  # times=1: the fault is used up

    assert excinfo.value.errcode == 45015
    assert [m["touser"] for m in api.sent_messages("custom")] == ["o-resident-1", "o-unsubscribed"]


def test_quota_error_repeats_as_often_as_asked(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    api.fail_next(BIZSEND, 45009, times=2)
    data = {"thing1": {"value": "电梯维修"}}

    for _ in range(2):
        with pytest.raises(APILimitedException):  # wechatpy's own subclass for 45009
            client.message.send_subscribe_message("o-resident-1", "TPL-1", data)
    client.message.send_subscribe_message("o-resident-1", "TPL-1", data)

    assert len(api.sent_messages("subscribe")) == 1


def test_menu_is_created_and_read_back(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    menu = {"button": [{"type": "click", "name": "报修", "key": "REPAIR"}]}

    assert client.menu.get() is None  # 46003, which wechatpy turns into None
    client.menu.create(menu)

    assert api.menu == menu
    assert client.menu.get() == {"menu": menu}


def test_subscribe_notification_is_recorded(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    data = {"thing1": {"value": "电梯维修"}, "time2": {"value": "2026-11-23 10:00"}}
    client.message.send_subscribe_message("o-resident-1", "TPL-1", data, page="pages/ticket?id=7")

    assert api.sent_messages("subscribe") == [
        {"touser": "o-resident-1", "template_id": "TPL-1", "data": data, "page": "pages/ticket?id=7"}
    ]


def test_wecom_token_and_textcard(api: FakeWeChatAPI, wecom: FakeWeComClient) -> None:
    result = wecom.message.send_text_card(
        AGENT_ID, ["zhangsan", "lisi"], "新工单", "3栋漏水", "https://example.test/t/7"
    )

    assert result["errcode"] == 0
    assert (api.wecom_token_requests, api.token_requests) == (1, 0)
    [sent] = api.sent_messages("wecom")
    assert sent["touser"] == "zhangsan|lisi"
    assert sent["agentid"] == AGENT_ID
    assert sent["msgtype"] == "textcard"
    assert sent["textcard"]["title"] == "新工单"


def test_tokens_are_not_shared_between_official_account_and_wecom(api: FakeWeChatAPI, wecom: FakeWeComClient) -> None:
    client = FakeOAClient(api.base_url, api.appid, api.secret, access_token=wecom.access_token, auto_retry=False)

    with pytest.raises(WeChatClientException) as excinfo:
        client.message.send_text("o-resident-1", "hello")
    assert excinfo.value.errcode == 40001


def test_wrong_secret_answers_40125(api: FakeWeChatAPI) -> None:
    client = FakeOAClient(api.base_url, api.appid, "not-the-secret")

    with pytest.raises(WeChatClientException) as excinfo:
        client.message.send_text("o-resident-1", "hello")
    assert excinfo.value.errcode == 40125
    assert [c.path for c in api.calls] == [OA_TOKEN]


def test_slow_token_endpoint_exposes_a_refresh_stampede() -> None:
    with FakeWeChatAPI(token_delay=0.3) as api:
        client = FakeOAClient(api.base_url, api.appid, api.secret)
        threads = [threading.Thread(target=client.message.send_text, args=(f"o-{i}", "hi")) for i in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(api.sent_messages("custom")) == 5
        assert api.token_requests > 1  # wechatpy takes no lock around the refresh


def test_delay_slows_one_path(api: FakeWeChatAPI) -> None:
    impatient = FakeOAClient(api.base_url, api.appid, api.secret, timeout=0.2)
    impatient.fetch_access_token()
    api.delay(CUSTOM_SEND, 2.0)

    with pytest.raises(requests.Timeout):  # the client gives up before the delayed answer comes
        impatient.message.send_text("o-resident-1", "hello")
    impatient.menu.get()  # another path answers at once


def test_wait_for_sees_a_send_from_another_thread(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    threading.Timer(0.05, client.message.send_text, args=("o-resident-1", "later")).start()

    api.wait_for(lambda: len(api.sent_messages("custom")) == 1, timeout=5)
    with pytest.raises(TimeoutError):
        api.wait_for(lambda: len(api.sent_messages("custom")) == 2, timeout=0.05)


async def test_wait_for_async_lets_the_event_loop_run(api: FakeWeChatAPI, client: FakeOAClient) -> None:
    threading.Timer(0.05, client.message.send_text, args=("o-resident-1", "later")).start()

    await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=5)


def test_injecting_on_an_unknown_path_is_refused(api: FakeWeChatAPI) -> None:
    with pytest.raises(ValueError, match="does not serve"):
        api.fail_next("/cgi-bin/message/custom/sned", 45015)


def test_module_runs_as_a_local_server_and_prints_calls(serve_module: ServeModule) -> None:
    base_url, output = serve_module("tests.fakes.wechat_api")
    output.readline()  # the credentials
    urllib.request.urlopen(f"{base_url}{MENU_GET}?access_token=nope").close()
    assert output.readline().startswith(f"40001 {MENU_GET}")
