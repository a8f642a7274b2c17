"""The forms the policy guides link to (「表格下载：低保申请表」), served from the profile's `policies/forms/`.

A guide writes `[低保申请表](forms/dibao_application.pdf)`; the bot's answer links to
`<public_url>/forms/dibao_application.pdf`, and this route serves that file, so a link a resident is given
resolves (`frontdoor profile check` refuses a guide linking a file that is not there). Only plain file names
are served: nothing outside the folder can be named.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from bot.web.deps import RuntimeDep
from nlu.policy_texts import FORM_FILE, FORMS_FOLDER

router = APIRouter()


@router.get(f"/{FORMS_FOLDER}/{{name}}")
async def form(name: str, runtime: RuntimeDep) -> FileResponse:
    path = runtime.profile.policies_dir / FORMS_FOLDER / name
    if not FORM_FILE.match(name) or not path.is_file():
        raise HTTPException(status_code=404, detail="no such form")
    return FileResponse(path, filename=name)
