"""XML that tries to make the parser work for the sender: external entities (a local file, a URL),
external and parameter-entity DTDs, entity expansion (billion laughs, quadratic blow-up) and any
DOCTYPE at all, sent to /wechat, signed and encrypted, inside the safe-mode (AES) envelope, and to
/wecom inside and outside its always-encrypted envelope. Each is refused with 400, nothing is expanded,
fetched, stored or echoed. Sent in plaintext to the arena's safe-mode account, each is refused with 403
before it is read. (tests/channels/test_wechat_webhook.py sends every one of them to an account in
plaintext mode, and a DTD in the /wecom envelope.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.attacks.arena import Arena
from tests.attacks.callbacks import WeChat, WeCom, signed_query
from tests.channels import wecom_server
from tests.channels.wechat_server import ACCOUNT

FIELDS = ("<ToUserName>{to}</ToUserName><FromUserName>openid-xml</FromUserName><CreateTime>1</CreateTime>"
          "<MsgType>text</MsgType><Content>{content}</Content><MsgId>{msg_id}</MsgId>")
LEAKS = ("root:", "lollol", "aaaaaaaaaa", "daemon:", "127.0.0.1")


class Listener:
    """A URL an external entity may point at; it counts whoever comes."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY exfil "leaked">')

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def listening() -> Iterator[Listener]:
    """A Listener serving in a thread of its own for the duration."""
    found = Listener()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


def xml_message(to: str, prolog: str = "", content: str = "hi", msg_id: int = 4242) -> str:
    return f'<?xml version="1.0"?>{prolog}<xml>{FIELDS.format(to=to, content=content, msg_id=msg_id)}</xml>'


def payloads(listener: Listener, to: str) -> dict[str, str]:
    """Each attack as a whole message addressed to `to`."""
    def message(prolog: str, content: str) -> str:
        return xml_message(to, prolog, content)

    lol = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 8))
    return {
        "file-xxe": message('<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
        "url-xxe": message(f'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "{listener.url}/entity">]>', "&xxe;"),
        "external-dtd": message(f'<!DOCTYPE xml SYSTEM "{listener.url}/evil.dtd">', "hi"),
        "parameter-entity": message(f'<!DOCTYPE xml [<!ENTITY % remote SYSTEM "{listener.url}/param.dtd"> %remote;]>',
                                    "&exfil;"),
        "billion-laughs": message(f"<!DOCTYPE xml [{lol}]>", "&a7;"),
        "quadratic-blowup": message(f'<!DOCTYPE xml [<!ENTITY big "{"a" * 20_000}">]>', "&big;" * 2000),
        "bare-doctype": message("<!DOCTYPE xml>", "hi"),
        "internal-entity": message('<!DOCTYPE xml [<!ENTITY name "物业">]>', "&name;"),
    }


NAMES = ("file-xxe", "url-xxe", "external-dtd", "parameter-entity", "billion-laughs", "quadratic-blowup",
         "bare-doctype", "internal-entity")


def assert_refused_unexpanded(status: int, text: str, listener: Listener) -> None:
    assert status == 400
    assert not [leak for leak in LEAKS if leak in text]
    assert listener.hits == []


@pytest.mark.parametrize("attack", NAMES)
def test_wechat_in_safe_mode_refuses_the_attack_sent_as_plaintext_before_reading_it(
        arena: Arena, listener: Listener, attack: str) -> None:
    """The arena's account is in safe mode, so a plaintext body is refused (403) before it is parsed;
    tests/channels/test_wechat_webhook.py shows a plaintext-mode account refusing DTDs and entities."""
    before = arena.table_counts()
    with arena.anonymous() as client:
        response = WeChat.of(arena, client).post_plain(payloads(listener, ACCOUNT)[attack])

    assert response.status_code == 403
    assert not [leak for leak in LEAKS if leak in response.text]
    assert listener.hits == []
    assert arena.table_counts() == before


@pytest.mark.parametrize("attack", NAMES)
def test_wechat_refuses_the_attack_inside_the_encrypted_envelope(arena: Arena, listener: Listener,
                                                                 attack: str) -> None:
    before = arena.table_counts()
    with arena.anonymous() as client:
        wechat = WeChat.of(arena, client)
        params, body = wechat.aes_request(payloads(listener, ACCOUNT)[attack])
        response = wechat.post_aes(params, body)

    assert_refused_unexpanded(response.status_code, response.text, listener)
    assert arena.table_counts() == before


@pytest.mark.parametrize("attack", ["file-xxe", "url-xxe", "external-dtd", "billion-laughs"])
def test_wechat_refuses_the_attack_in_the_envelope_itself(arena: Arena, listener: Listener, attack: str) -> None:
    """The outer <xml><Encrypt> is parsed (to find the payload) by the same guarded parser."""
    with arena.anonymous() as client:
        wechat = WeChat.of(arena, client)
        params, body = wechat.aes_request(xml_message(ACCOUNT, msg_id=4245))
        prolog = payloads(listener, ACCOUNT)[attack].split("<xml>")[0]
        response = wechat.post_aes(params, prolog + body.replace("</Encrypt>", "</Encrypt><Evil>&xxe;&a7;</Evil>"))

    assert_refused_unexpanded(response.status_code, response.text, listener)


@pytest.mark.parametrize("attack", NAMES)
def test_wecom_refuses_the_attack_inside_the_encrypted_envelope(arena: Arena, listener: Listener,
                                                                attack: str) -> None:
    before = arena.table_counts()
    with arena.anonymous() as client:
        wecom = WeCom.of(arena, client)
        response = wecom.post(*wecom.request(payloads(listener, wecom.corp_id)[attack]))

    assert_refused_unexpanded(response.status_code, response.text, listener)
    assert arena.table_counts() == before


@pytest.mark.parametrize("attack", ["file-xxe", "url-xxe", "external-dtd", "parameter-entity"])
def test_wecom_refuses_the_attack_in_the_envelope_itself(arena: Arena, listener: Listener, attack: str) -> None:
    with arena.anonymous() as client:
        wecom = WeCom.of(arena, client)
        encrypted = wecom.encrypt(xml_message(wecom.corp_id))
        prolog = payloads(listener, wecom.corp_id)[attack].split("<xml>")[0]
        body = prolog + wecom.envelope(encrypted).replace("</Encrypt>", "</Encrypt><Evil>&xxe;&exfil;</Evil>")
        response = wecom.post(signed_query(wecom_server.TOKEN, None, encrypted), body)

    assert_refused_unexpanded(response.status_code, response.text, listener)


def test_a_well_formed_message_without_a_doctype_is_answered_so_the_refusals_mean_something(
        arena: Arena, listener: Listener) -> None:
    with arena.anonymous() as client:
        wechat, wecom = WeChat.of(arena, client), WeCom.of(arena, client)
        encrypted = wechat.post_aes(*wechat.aes_request(xml_message(ACCOUNT, msg_id=4244)))
        staff = wecom.post(*wecom.request(xml_message(wecom.corp_id)))

    assert (encrypted.status_code, staff.status_code) == (200, 200)
    assert listener.hits == []
