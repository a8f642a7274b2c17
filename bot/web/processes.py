"""Several server processes on one port (`frontdoor serve --workers N`).

Uvicorn starts each worker process from an import string, so the settings travel in the environment.
What every process would otherwise repeat at start-up is done once before they start: the profile is
mirrored into the database (concurrent upserts of the same rows would collide) and the classifier is
trained and saved, so each process loads it instead of training its own.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

from fastapi import FastAPI

from bot.app import create_app
from bot.conversation.profile_check import load_checked_profile
from bot.privacy.log_masking import configure_logging
from bot.runtime import load_classifier
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker, is_transient
from storage.profile.sync import sync_profile

log = logging.getLogger(__name__)


def prepare_worker_processes(settings: Settings) -> None:
    """Sync the profile and save a trained model; tell the worker processes through the environment. With the
    database unreachable (a restart during an outage) each process syncs the profile when it answers."""
    try:
        asyncio.run(_sync_profile_once(settings))
    except Exception as error:
        if not is_transient(error):
            raise
        log.warning("the database is unreachable (%s): each server process syncs the profile when it answers",
                    type(error).__name__)
    else:
        os.environ["FRONTDOOR_SYNC_PROFILE_ON_START"] = "false"
    if settings.nlu_model is None or not settings.nlu_model.is_file():
        folder = tempfile.mkdtemp(prefix="frontdoor-nlu-")
        atexit.register(shutil.rmtree, folder, True)
        model = Path(folder) / "nlu.pkl"
        load_classifier(settings.nlu_data, settings.nlu_model).save(model)
        os.environ["FRONTDOOR_NLU_MODEL"] = str(model)


async def _sync_profile_once(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await sync_profile(session, load_checked_profile(settings.profile_dir))
    finally:
        await engine.dispose()


def app_from_environment() -> FastAPI:
    """The factory each worker process calls. Uvicorn starts it with log_config=None, so this is the only
    logging set-up the process gets: masked, like the parent's."""
    configure_logging()
    return create_app(Settings())
