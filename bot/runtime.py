"""Everything a running front door needs, built once at start-up: profile, database, NLU, pipeline.

Start-up fails here, with the profile error naming file and field, rather than in a conversation.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.conversation.profile_check import load_checked_profile
from bot.core.seal import server_seal
from bot.settings import Settings
from nlu.embedded import EmbeddedClassifier
from nlu.policy_store import current_library
from nlu.rasa_backend import RasaBackend
from nlu.rasa_data import load_training_data
from nlu.result import NLUBackend
from nlu.safety import SafetyNet
from storage.clock import Clock, system_clock
from storage.db import create_engine, create_sessionmaker, is_transient, retry_transient
from storage.profile import Profile
from storage.profile.sync import sync_profile

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    profile: Profile
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pipeline: Pipeline
    profile_sync: asyncio.Task[None] | None = field(default=None, repr=False)
    """The profile's sync, still waiting for a database that was unreachable at start."""

    @property
    def clock(self) -> Clock:
        """The clock of everything this runtime does: the pipeline's, which its engine carries too."""
        return self.pipeline.clock

    async def close(self) -> None:
        if self.profile_sync is not None:
            self.profile_sync.cancel()
        if isinstance(self.pipeline.nlu, RasaBackend):
            self.pipeline.nlu.close()
        await self.engine.dispose()


def load_classifier(data: list[Path], model: Path | None) -> EmbeddedClassifier:
    if model is not None and model.is_file():
        return EmbeddedClassifier.load(model)
    log.info("training the embedded classifier from %s", ", ".join(map(str, data)))
    return EmbeddedClassifier.train(load_training_data(data))


def load_backend(settings: Settings) -> NLUBackend:
    """The embedded classifier, or Rasa over HTTP with the embedded classifier standing by."""
    classifier = load_classifier(settings.nlu_data, settings.nlu_model)
    if settings.nlu_backend == "rasa":
        log.info("parsing through Rasa at %s; the embedded classifier answers when it cannot", settings.rasa_url)
        return RasaBackend(settings.rasa_url, settings.rasa_timeout_seconds, fallback=classifier)
    return classifier


async def start_runtime(settings: Settings, clock: Clock = system_clock) -> Runtime:
    profile = load_checked_profile(settings.profile_dir)
    nlu = load_backend(settings)
    engine = create_engine(settings.database_url, clock, **settings.database_pool())
    sessions = create_sessionmaker(engine)
    safety = SafetyNet.from_training_data(load_training_data(settings.nlu_data))
    policies = (current_library(profile.policies_dir, settings.profile_dir, settings.policy_index, settings.public_url,
                                settings.policy_dense) if profile.policies_dir.is_dir() else None)
    pipeline = Pipeline(sessions, profile, nlu, settings.confidence_policy(), safety, policies, clock,
                        server_seal(settings.secret_key.get_secret_value()))
    runtime = Runtime(settings, profile, engine, sessions, pipeline)
    if settings.sync_profile_on_start:
        runtime.profile_sync = await _sync_or_defer(sessions, profile)
    return runtime


async def _sync_or_defer(sessions: async_sessionmaker[AsyncSession], profile: Profile) -> asyncio.Task[None] | None:
    """The profile synced now; or, when the database is unreachable (a restart during an outage), synced in the
    background once it answers, so that the server still starts and takes WeChat's messages into its spool."""
    async def sync() -> None:
        async with sessions() as session, session.begin():
            await sync_profile(session, profile)

    async def sync_beside_siblings() -> None:
        """Server processes started together during an outage all sync when it ends: one that collides with
        a sibling's rows (IntegrityError) tries once more, and finds them in place."""
        try:
            await sync()
        except IntegrityError:
            await asyncio.sleep(random.uniform(0.2, 1.0))
            await sync()

    try:
        await sync()
    except Exception as error:
        if not is_transient(error):
            raise
        log.warning("the database is unreachable at start (%s): serving anyway; the profile is synced when it "
                    "answers", type(error).__name__)
        return asyncio.create_task(retry_transient(sync_beside_siblings, "syncing the profile", math.inf))
    return None
