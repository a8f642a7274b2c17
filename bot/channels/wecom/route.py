"""`/wecom`: the WeCom application's callback URL (GET to verify it, POST for every staff message)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from bot.channels.wecom.callback import WeComCallback, WeComQuery
from bot.web.bodies import read_limited

router = APIRouter()


async def get_wecom_callback(request: Request) -> WeComCallback:
    callback: WeComCallback = request.app.state.wecom_callback
    return callback


CallbackDep = Annotated[WeComCallback, Depends(get_wecom_callback)]


async def wecom_query(msg_signature: str = "", timestamp: str = "", nonce: str = "") -> WeComQuery:
    return WeComQuery(msg_signature, timestamp, nonce)


QueryDep = Annotated[WeComQuery, Depends(wecom_query)]


@router.get("/wecom")
async def verify_wecom_url(query: QueryDep, callback: CallbackDep,
                           echostr: Annotated[str, Query(max_length=512)] = "") -> PlainTextResponse:
    return PlainTextResponse(callback.verify_url(query, echostr))


@router.post("/wecom")
async def receive_wecom_message(request: Request, query: QueryDep, callback: CallbackDep) -> Response:
    body = await read_limited(request)
    answer = await callback.receive(query, body)
    return Response(answer, media_type="application/xml" if answer else "text/plain")
