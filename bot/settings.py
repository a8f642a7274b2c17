"""Settings from the environment (prefix FRONTDOOR_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDOOR_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./frontdoor.db"
    profile_dir: Path = Path("profiles/demo")
    nlu_data: list[Path] = [Path("nlu/data/nlu.yml")]
    nlu_model: Path | None = None
    fallback_threshold: float = 0.45
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    demo_pages: bool = True

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("FRONTDOOR_SECRET_KEY must be set in production")
            if self.demo_pages:
                raise ValueError("FRONTDOOR_DEMO_PAGES shows every ticket without sign-in: turn it off in production")
        return self
