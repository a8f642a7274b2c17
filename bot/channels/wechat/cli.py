"""`frontdoor wechat`: the official account's custom menu, built from the profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError
from wechatpy.exceptions import WeChatClientException

from bot.channels.wechat.menu import render_menu
from bot.channels.wechat.tokens import official_account_client, token_engine
from bot.conversation.profile_check import load_checked_profile
from bot.settings import Settings
from storage.profile import ProfileError
from storage.profile.wechat_menu import WeChatMenu

wechat_app = typer.Typer(help="The WeChat official account.", no_args_is_help=True)
menu_app = typer.Typer(help="The custom menu, from the profile's wechat_menu.yaml.", no_args_is_help=True)
wechat_app.add_typer(menu_app, name="menu")

ProfileOption = Annotated[Path | None, typer.Option("--profile", help="Profile folder (default: settings).")]


@menu_app.command("show")
def menu_show(profile: ProfileOption = None) -> None:
    """Print the JSON that `push` would send to menu/create (no network)."""
    menu = _menu_of(profile or Settings().profile_dir)
    typer.echo(json.dumps(render_menu(menu), ensure_ascii=False, indent=2))


@menu_app.command("push")
def menu_push(profile: ProfileOption = None) -> None:
    """Create the profile's menu on the official account, replacing the one it has."""
    settings = Settings()
    body = render_menu(_menu_of(profile or settings.profile_dir))
    if not settings.wechat_app_id or not settings.wechat_app_secret.get_secret_value():
        _fail("set FRONTDOOR_WECHAT_APP_ID and FRONTDOOR_WECHAT_APP_SECRET to push the menu")
    engine = token_engine(settings.database_url)
    try:
        official_account_client(settings, engine).menu.create(body)
    except WeChatClientException as error:
        if error.errcode is None:  # wechatpy's wrapping of a connection error
            _fail(_unreachable(settings, error.__context__))
        _fail(f"WeChat refused the push: errcode {error.errcode}, {error.errmsg}")
    except OSError as error:  # requests' errors, from the token request
        _fail(_unreachable(settings, error))
    except SQLAlchemyError as error:
        _fail(f"the access token store is not usable (has `frontdoor db upgrade` run?): {error.__class__.__name__}")
    finally:
        engine.dispose()
    typer.echo(f"menu pushed to {settings.wechat_app_id}: {len(body['button'])} top-level buttons")


def _menu_of(path: Path) -> WeChatMenu:
    try:
        loaded = load_checked_profile(path)
    except ProfileError as error:
        _fail(f"profile error {error}")
    if loaded.wechat_menu is None:
        _fail(f"{path / 'wechat_menu.yaml'}: no such file, so the profile has no menu")
    return loaded.wechat_menu


def _unreachable(settings: Settings, error: BaseException | None) -> str:
    # Only the error's kind: its text holds the request URL, and with it the token or the app secret.
    return f"could not reach WeChat at {settings.wechat_api_base} ({type(error).__name__})"


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)
