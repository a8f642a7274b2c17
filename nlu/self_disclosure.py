"""What people write about themselves that the bot does not read as an entity, found so that it can be masked:
a room without its building (住502室), a self-introduced name (我叫王小明), a WeChat id (微信号 zhang_san88)
and 18 characters grouped as an ID number is written, whatever its check digit (420102 19800101 1234)."""

from __future__ import annotations

import re

from nlu.spans import Span

ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){16}[ -]?[0-9Xx](?![0-9A-Za-z])")
_BARE_ROOM = re.compile(r"(?<![0-9])[0-9]{3,4}\s?(?:室|房间|号房)")
_SELF_NAME = re.compile(r"(?:我叫|我姓|我的名字是|我的名字叫|本人姓名|本人叫|姓名[:：])\s?"
                        r"(?P<name>[\u4e00-\u9fff]{1,3})")
_WECHAT_ID = re.compile(r"(?:微信号|微信|[vVwW][xX])\s?(?:号|是|[:：])?\s?"
                        r"(?P<id>[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])")


def id_like_spans(text: str) -> list[Span]:
    return [match.span() for match in ID_LIKE.finditer(text)]


def bare_room_spans(text: str) -> list[Span]:
    return [match.span() for match in _BARE_ROOM.finditer(text)]


def self_name_spans(text: str) -> list[Span]:
    """The name only (王小明 of 我叫王小明)."""
    return [match.span("name") for match in _SELF_NAME.finditer(text)]


def wechat_id_spans(text: str) -> list[Span]:
    """The id only (zhang_san88 of 微信号 zhang_san88)."""
    return [match.span("id") for match in _WECHAT_ID.finditer(text)]
