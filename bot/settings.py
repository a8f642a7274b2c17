"""Settings from the environment (prefix FRONTDOOR_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlu.result import ConfidencePolicy

DEVELOPMENT_SECRET = "development-only-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDOOR_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./frontdoor.db"
    profile_dir: Path = Path("profiles/demo")
    nlu_data: list[Path] = [Path("nlu/data/nlu.yml")]
    nlu_model: Path | None = None
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 2.0
    fallback_threshold: float = 0.5
    ambiguity_margin: float = 0.1
    emergency_floor: float = 0.2
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    demo_pages: bool = True

    def confidence_policy(self) -> ConfidencePolicy:
        return ConfidencePolicy(self.fallback_threshold, self.ambiguity_margin, (("emergency", self.emergency_floor),))

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("FRONTDOOR_SECRET_KEY must be set in production")
            if self.demo_pages:
                raise ValueError("FRONTDOOR_DEMO_PAGES shows every ticket without sign-in: turn it off in production")
        return self
