"""The official account's custom menu (自定义菜单), from the optional `wechat_menu.yaml`.

WeChat takes at most 3 top-level buttons, each a button of its own or a sub-menu of at most 5;
menu/create refuses names and keys over its byte limits, so they are checked on load instead.
A click button's key is what pressing it says to the bot: a button payload without its leading
slash, such as `certificate_request` or `safety_tip{"topic": "fire"}`. Whether a handler answers
that intent is checked by the loader, which knows the bot's handlers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from nlu.payloads import read_button_payload
from storage.profile.schema import Frozen

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
KEY_BYTES = 128
URL_BYTES = 1024
ButtonType = Literal["click", "view"]


def check_name(name: str, *, chinese: int, limit: int, level: str) -> str:
    """WeChat's limits: `chinese` characters shown (two Latin letters take one's place), `limit` bytes."""
    if not name.strip():
        raise ValueError("a button needs a name")
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in name)
    if columns > 2 * chinese or len(name.encode()) > limit:
        raise ValueError(f"'{name}' is too long for a {level} button: at most {chinese} Chinese characters "
                         f"({2 * chinese} Latin letters) and {limit} bytes")
    return name


def check_key(key: str | None, info: ValidationInfo) -> str | None:
    if info.data.get("sub_buttons"):
        if key is not None:
            raise ValueError("a button with sub_buttons sends no key of its own")
        return key
    if info.data.get("type") == "view":
        if key is not None:
            raise ValueError("a view button opens its url and sends no key")
        return key
    if key is None:
        raise ValueError("a click button needs a key: an intent such as certificate_request")
    if len(key.encode()) > KEY_BYTES:
        raise ValueError(f"'{key}' is longer than {KEY_BYTES} bytes")
    if read_button_payload("/" + key) is None or not key.partition("{")[0].isidentifier():
        raise ValueError(f"'{key}' is not an intent, optionally with entities like safety_tip{{\"topic\": \"fire\"}}")
    return key


def check_url(url: str | None, info: ValidationInfo) -> str | None:
    if info.data.get("sub_buttons") or info.data.get("type") != "view":
        if url is not None:
            raise ValueError("only a view button (type: view) opens a url")
        return url
    if not url:
        raise ValueError("a view button needs a url")
    if not url.startswith(("https://", "http://")) or len(url.encode()) > URL_BYTES:
        raise ValueError(f"'{url}' is not an http(s) address of at most {URL_BYTES} bytes")
    return url


class SubButton(Frozen):
    """A button in a sub-menu: `click` sends `key` to the bot, `view` opens `url`."""

    name: str
    type: ButtonType = "click"
    key: str | None = Field(default=None, validate_default=True)
    url: str | None = Field(default=None, validate_default=True)

    @field_validator("name")
    @classmethod
    def _name_fits(cls, name: str) -> str:
        return check_name(name, chinese=8, limit=60, level="sub-menu")

    @field_validator("key")
    @classmethod
    def _key_fits(cls, key: str | None, info: ValidationInfo) -> str | None:
        return check_key(key, info)

    @field_validator("url")
    @classmethod
    def _url_fits(cls, url: str | None, info: ValidationInfo) -> str | None:
        return check_url(url, info)


class MenuButton(Frozen):
    """A top-level button: a sub-menu when it has `sub_buttons`, otherwise a button like `SubButton`."""

    name: str
    sub_buttons: list[SubButton] = Field(default_factory=list)
    type: ButtonType = "click"
    key: str | None = Field(default=None, validate_default=True)
    url: str | None = Field(default=None, validate_default=True)

    @field_validator("name")
    @classmethod
    def _name_fits(cls, name: str) -> str:
        return check_name(name, chinese=4, limit=16, level="top-level")

    @field_validator("key")
    @classmethod
    def _key_fits(cls, key: str | None, info: ValidationInfo) -> str | None:
        return check_key(key, info)

    @field_validator("url")
    @classmethod
    def _url_fits(cls, url: str | None, info: ValidationInfo) -> str | None:
        return check_url(url, info)

    @field_validator("sub_buttons")
    @classmethod
    def _at_most_five(cls, value: list[SubButton]) -> list[SubButton]:
        if len(value) > MAX_SUB_BUTTONS:
            raise ValueError(f"WeChat allows at most {MAX_SUB_BUTTONS} buttons in a sub-menu, not {len(value)}")
        return value


class WeChatMenu(Frozen):
    buttons: list[MenuButton]

    @field_validator("buttons")
    @classmethod
    def _one_to_three(cls, value: list[MenuButton]) -> list[MenuButton]:
        if not 1 <= len(value) <= MAX_BUTTONS:
            raise ValueError(f"WeChat allows 1 to {MAX_BUTTONS} top-level buttons, not {len(value)}")
        return value

    def clicks(self) -> Iterator[tuple[str, str]]:
        """Every click button's key, with where it is in the file (`buttons[0].sub_buttons[1].key`)."""
        for i, button in enumerate(self.buttons):
            if button.key is not None:
                yield f"buttons[{i}].key", button.key
            for j, sub in enumerate(button.sub_buttons):
                if sub.key is not None:
                    yield f"buttons[{i}].sub_buttons[{j}].key", sub.key
