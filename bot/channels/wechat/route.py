"""`/wechat`: the official account's callback URL (GET to verify it, POST for every message)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from bot.channels.wechat.official_account import CallbackQuery, OfficialAccount
from bot.web.bodies import read_limited

router = APIRouter()


async def get_official_account(request: Request) -> OfficialAccount:
    account: OfficialAccount = request.app.state.official_account
    return account


AccountDep = Annotated[OfficialAccount, Depends(get_official_account)]


async def callback_query(signature: str = "", timestamp: str = "", nonce: str = "", encrypt_type: str = "raw",
                         msg_signature: str | None = None) -> CallbackQuery:
    return CallbackQuery(signature, timestamp, nonce, encrypt_type, msg_signature)


QueryDep = Annotated[CallbackQuery, Depends(callback_query)]


@router.get("/wechat")
async def verify_wechat_url(query: QueryDep, account: AccountDep,
                            echostr: Annotated[str, Query(max_length=200)] = "") -> PlainTextResponse:
    return PlainTextResponse(account.verify_url(query, echostr))


@router.post("/wechat")
async def receive_wechat_message(request: Request, query: QueryDep, account: AccountDep) -> Response:
    body = await read_limited(request)
    answer = await account.receive(query, body)
    return Response(answer, media_type="application/xml" if answer.startswith("<") else "text/plain")
