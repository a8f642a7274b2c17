"""Everything a running front door needs, built once at start-up: profile, database, NLU, pipeline.

Start-up fails here, with the profile error naming file and field, rather than in a conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.pipeline import Pipeline
from bot.settings import Settings
from nlu.embedded import EmbeddedClassifier
from nlu.rasa_data import load_training_data
from storage.db import create_engine, create_sessionmaker
from storage.profile import Profile, load_profile
from storage.profile.sync import sync_profile

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    profile: Profile
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pipeline: Pipeline

    async def close(self) -> None:
        await self.engine.dispose()


def load_classifier(data: list[Path], model: Path | None) -> EmbeddedClassifier:
    if model is not None and model.is_file():
        return EmbeddedClassifier.load(model)
    log.info("training the embedded classifier from %s", ", ".join(map(str, data)))
    return EmbeddedClassifier.train(load_training_data(data))


async def start_runtime(settings: Settings) -> Runtime:
    profile = load_profile(settings.profile_dir)
    classifier = load_classifier(settings.nlu_data, settings.nlu_model)
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await sync_profile(session, profile)
    pipeline = Pipeline(sessions, profile, classifier, settings.fallback_threshold)
    return Runtime(settings, profile, engine, sessions, pipeline)
