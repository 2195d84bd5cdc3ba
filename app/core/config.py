"""Settings, read from WAYMARK_* environment variables (see the table in README.md)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.security import BEARER_MAX_LENGTH

METRICS_TOKEN_MIN = 32
METRICS_TOKEN_MAX = BEARER_MAX_LENGTH


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAYMARK_", extra="ignore")

    database_url: str | None = None
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # uvicorn worker processes; more than one needs PostgreSQL (SQLite has a single writer).
    workers: int = Field(default=1, ge=1, le=64)
    # Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated
    # addresses). Throttling counts per client address, so only real proxies belong here.
    forwarded_allow_ips: str = "127.0.0.1"
    # Where clients reach the service (https://waymark.example.org), for the few absolute links
    # it gives; without it they are relative. Never taken from a request's Host header.
    public_url: Annotated[str, Field(pattern=r"^https?://[^/\s]+(/[^\s]*)?$")] | None = None
    # Request threads per worker (blocking handlers run in a thread pool).
    threads: int = Field(default=40, ge=1, le=200)

    # How long a SQLite writer waits for the write lock before the request fails with 503.
    sqlite_busy_timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    master_key: SecretStr | None = None
    master_key_file: Path | None = None

    rate_limit_enabled: bool = True
    token_idle_days: int = Field(default=14, ge=1)
    token_max_days: int = Field(default=30, ge=1)

    argon2_memory_kib: int = Field(default=19456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Each argon2 verify holds memory_kib of RAM; this caps how many run at once.
    argon2_max_concurrent: int = Field(default=4, ge=1)

    cors_origins: Annotated[list[str], NoDecode] = []
    # The fewest members a group's week needs before any figure of it is released (never below 3).
    k_anonymity: int = 5
    # The privacy (ε) each weekly release of a group's figures spends: docs/facilitators.md.
    aggregate_epsilon: float = Field(default=1.0, gt=0, le=10)
    absence_days: int = Field(default=14, ge=1)
    # /docs (Swagger UI, every file served from here): on, for integrators and client developers.
    docs_enabled: bool = True
    metrics_enabled: bool = False
    # /metrics answers only with `Authorization: Bearer <this>` (32 to 256 characters): route
    # counts say when someone's progress was read or an account deleted.
    metrics_token: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _metrics_need_a_token(self) -> "Settings":
        token = self.metrics_token.get_secret_value() if self.metrics_token else ""
        if self.metrics_enabled and not METRICS_TOKEN_MIN <= len(token) <= METRICS_TOKEN_MAX:
            raise ValueError(
                f"WAYMARK_METRICS_ENABLED needs WAYMARK_METRICS_TOKEN of {METRICS_TOKEN_MIN} to "
                f"{METRICS_TOKEN_MAX} characters (`waymark new-key` prints one)"
            )
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("public_url", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'waymark.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def effective_k(self) -> int:
        # Below 3 a week's figures are about one or two people, however much noise they carry.
        return max(3, self.k_anonymity)


@lru_cache
def get_settings() -> Settings:
    return Settings()
