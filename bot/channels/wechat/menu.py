"""The official account's custom menu: the body WeChat's menu/create takes, and what a press means.

A press on a click button reaches the webhook as a CLICK event carrying the button's key; the key
is a button payload without its slash, so the pipeline reads the press as if the resident had
pressed a reply button (`/certificate_request`, `/safety_tip{"topic": "fraud"}`).
"""

from __future__ import annotations

from typing import Any

from storage.profile.wechat_menu import MenuButton, SubButton, WeChatMenu


def render_menu(menu: WeChatMenu) -> dict[str, Any]:
    """`{"button": [...]}` as menu/create expects it."""
    return {"button": [_render_top(button) for button in menu.buttons]}


def payload_for_click(menu: WeChatMenu | None, key: str) -> str | None:
    """The message a CLICK event stands for; None for a key the menu does not have (an older menu)."""
    if menu is None or key not in {known for _, known in menu.clicks()}:
        return None
    return "/" + key


def _render_top(button: MenuButton) -> dict[str, Any]:
    if button.sub_buttons:
        return {"name": button.name, "sub_button": [_render_leaf(sub) for sub in button.sub_buttons]}
    return _render_leaf(button)


def _render_leaf(button: MenuButton | SubButton) -> dict[str, Any]:
    if button.type == "view":
        return {"type": "view", "name": button.name, "url": button.url}
    return {"type": "click", "name": button.name, "key": button.key}
