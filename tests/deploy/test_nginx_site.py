"""The shipped nginx site in front of the real app (`frontdoor serve --workers 2`): WeChat's signed and
AES-encrypted callback over HTTPS and over port 80, the client's address reaching the app, the body
limit, static files, HTTP/2 and HSTS. nginx must be installed (`make system-packages`): no skip."""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat.security import MAX_BODY_BYTES
from storage.models import SignInAttempt, Ticket
from tests.channels.wechat_server import AES_KEY, TOKEN, reply_fields, sign, text_xml
from tests.conftest import DEMO_PROFILE, NLU_DATA, POLICY_INDEX
from tests.deploy.nginx_site import STATIC, SitePorts, running_app, running_nginx
from tests.fakes.remote import free_port
from tests.web.seeding import in_database

APP_ID = "wx-deploy-test"
COMPLAINT = "3栋2单元楼道里的下水道堵了，臭了好几天"
CLIENT = "127.0.0.2"  # a loopback address that is not nginx's: what the app sees shows who it believes
FORGED = "203.0.113.7"


@dataclass(frozen=True)
class Site:
    https: str
    http: str
    app: str
    cert: Path
    database_url: str
    crypto: WeChatCrypto

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def client(self, base_url: str) -> httpx.Client:
        """A client connecting from CLIENT, trusting the test's self-signed certificate."""
        transport = httpx.HTTPTransport(verify=self.tls(), local_address=CLIENT)
        return httpx.Client(base_url=base_url, transport=transport, timeout=30)


def distinct_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, nlu_model: Path) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("nginx")
    https, http, app = distinct_ports(3)
    database_url = f"sqlite:///{folder / 'frontdoor.sqlite'}"
    settings = {
        "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
        "FRONTDOOR_NLU_DATA": json.dumps([str(NLU_DATA)]), "FRONTDOOR_NLU_MODEL": str(nlu_model),
        "FRONTDOOR_IN_APP_WORKER": "false", "FRONTDOOR_WECHAT_TOKEN": TOKEN, "FRONTDOOR_WECHAT_AES_KEY": AES_KEY,
        "FRONTDOOR_POLICY_INDEX": str(POLICY_INDEX),  # built by `make test` (a new one takes half a minute)
        "FRONTDOOR_WECHAT_APP_ID": APP_ID, "FRONTDOOR_WECHAT_COMMUNITY": "baiyang",
        "FRONTDOOR_WECHAT_API_BASE": "http://127.0.0.1:9",  # passive replies only: WeChat's API is never called
    }
    with running_app(folder, app, settings), running_nginx(folder, SitePorts(https, http, app)) as cert:
        yield Site(f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", f"http://127.0.0.1:{app}", cert,
                   database_url, WeChatCrypto(TOKEN, AES_KEY, APP_ID))


def post_encrypted(client: httpx.Client, crypto: WeChatCrypto, xml: str) -> httpx.Response:
    """What WeChat posts in safe mode: the signature in the query, the AES envelope as the body."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    envelope = reply_fields(crypto.encrypt_message(xml, nonce, timestamp))
    query = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
    body = f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    return client.post("/wechat", params=query, content=body)


def opened_answer(crypto: WeChatCrypto, body: str) -> dict[str, str]:
    """The answer's fields; wechatpy refuses it unless its signature is right."""
    envelope = reply_fields(body)
    return reply_fields(crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"],
                                               envelope["Nonce"]))


def ticket_number(text: str) -> str:
    found = re.search(r"GD\d{8}-\d{4}", text)
    assert found, text
    return found.group()


def find_ticket(database_url: str, number: str) -> Ticket | None:
    async def work(session: AsyncSession) -> Ticket | None:
        return await session.scalar(select(Ticket).where(Ticket.number == number))

    return in_database(database_url, work)


def fail_to_sign_in(client: httpx.Client, username: str, headers: dict[str, str]) -> int:
    form = client.get("/console/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf, form.text
    data = {"username": username, "password": "wrong", "csrf_token": csrf.group(1)}
    return client.post("/console/sign-in", data=data, headers=headers).status_code


def recorded_client(database_url: str, username: str) -> str | None:
    async def work(session: AsyncSession) -> str | None:
        return await session.scalar(select(SignInAttempt.client).where(SignInAttempt.username == username))

    return in_database(database_url, work)


def test_an_encrypted_wechat_message_over_https_gets_a_signed_encrypted_answer_and_a_ticket(site: Site) -> None:
    with site.client(site.https) as client:
        response = post_encrypted(client, site.crypto, text_xml("openid-nginx", COMPLAINT, 7_100_000_000_000_000_001))

    assert response.status_code == 200, response.text
    assert "下水道" not in response.text
    answer = opened_answer(site.crypto, response.text)
    assert (answer["ToUserName"], answer["MsgType"]) == ("openid-nginx", "text")
    ticket = find_ticket(site.database_url, ticket_number(answer["Content"]))
    assert ticket is not None
    assert (ticket.channel, ticket.description) == ("wechat", COMPLAINT)


def test_the_app_sees_the_address_nginx_saw_and_not_a_forged_header(site: Site) -> None:
    with site.client(site.https) as client:
        status = fail_to_sign_in(client, "nobody-via-nginx", {"X-Forwarded-For": FORGED})

    assert status == 401
    assert recorded_client(site.database_url, "nobody-via-nginx") == CLIENT


def test_the_app_ignores_forwarded_headers_from_anyone_but_the_local_proxy(site: Site) -> None:
    with site.client(site.app) as client:
        status = fail_to_sign_in(client, "nobody-direct", {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"})
        redirect = client.get("/console/", headers={"X-Forwarded-Proto": "https"})

    assert status == 401
    assert recorded_client(site.database_url, "nobody-direct") == CLIENT
    assert redirect.headers["location"].startswith("http://")


def test_the_app_knows_a_request_came_over_https(site: Site) -> None:
    with site.client(site.https) as client:
        redirect = client.get("/console/")  # the app's own trailing-slash redirect is built from the request's URL

    assert redirect.status_code == 307
    assert redirect.headers["location"].startswith("https://")


def test_a_body_over_the_apps_limit_is_refused_by_nginx_and_one_at_the_limit_reaches_the_app(site: Site) -> None:
    with site.client(site.https) as client:
        over = client.post("/wechat", content=b"x" * (MAX_BODY_BYTES + 1))
        at = client.post("/wechat", content=b"x" * MAX_BODY_BYTES)

    assert over.status_code == 413
    assert "<center>nginx</center>" in over.text
    assert at.status_code == 403  # the app read it whole and refused the (missing) signature


def test_port_80_answers_wechat_callbacks_and_redirects_everything_else_to_https(site: Site) -> None:
    with site.client(site.http) as client:
        callback = post_encrypted(client, site.crypto, text_xml("openid-port-80", "你好", 7_100_000_000_000_000_002))
        console = client.get("/console/sign-in")
        health = client.get("/healthz")

    assert callback.status_code == 200, callback.text
    assert opened_answer(site.crypto, callback.text)["ToUserName"] == "openid-port-80"
    assert (console.status_code, health.status_code) == (301, 301)
    assert re.fullmatch(r"https://[^/]+/console/sign-in", console.headers["location"])


def test_static_files_come_from_nginx_with_a_short_cache_time(site: Site) -> None:
    with site.client(site.https) as client:
        response = client.get("/static/console.css")

    assert response.status_code == 200
    assert response.content == (STATIC / "console.css").read_bytes()
    assert response.headers["cache-control"] == "max-age=600"


def test_static_files_and_app_pages_carry_the_security_headers_once_and_cookies_are_secure_over_https(
        site: Site) -> None:
    with site.client(site.https) as client:
        static = client.get("/static/console.css")
        page = client.get("/console/sign-in")
        chat = client.get("/chat")

    for response in (static, page):
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
        assert response.headers.get_list("x-frame-options") == ["DENY"]
        assert response.headers.get_list("referrer-policy") == ["same-origin"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers.get_list("strict-transport-security") == ["max-age=63072000"]
    assert "x-frame-options" not in chat.headers  # a community's own site may embed the chat page
    assert "; secure" in page.headers["set-cookie"].lower()


def test_https_offers_http2_and_sets_hsts(site: Site) -> None:
    port = int(site.https.rsplit(":", 1)[1])
    context = site.tls()
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (socket.create_connection(("127.0.0.1", port)) as raw,
          context.wrap_socket(raw, server_hostname="127.0.0.1") as tls):
        negotiated = tls.selected_alpn_protocol()
    with site.client(site.https) as client:
        health = client.get("/healthz")

    assert negotiated == "h2"
    assert health.json() == {"status": "ok"}
    assert health.headers["strict-transport-security"] == "max-age=63072000"
