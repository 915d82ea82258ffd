"""Settings: every knob of the service, read from the environment and ``.env``, checked at start."""

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from infrastructure.auth.better_auth_session import DEFAULT_COOKIE_NAMES
from infrastructure.persistence.urls import StorageKind, UnsupportedDatabaseUrlError, storage_kind

ASYMMETRIC_ALGORITHMS = frozenset(
    {
        "EdDSA",
        "Ed25519",
        "ES256",
        "ES384",
        "ES512",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
    }
)
DEFAULT_ALGORITHMS = ["EdDSA", "Ed25519", "ES256", "ES512", "RS256", "PS256"]

CommaSeparated = Annotated[list[str], NoDecode]

AUTH_MODES = ("jwt", "session", "jwt,session")
_COOKIE_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Configuration; derived values (JWKS URL, issuer, audience) follow ``BETTER_AUTH_URL``."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///./app.db",
        description="Where tasks live: sqlite:///path, postgresql://user:pass@host/db, or memory://",
    )
    better_auth_url: str = Field(
        "http://localhost:3000", description="Base URL of the Better Auth server issuing tokens"
    )
    jwks_url: str = Field("", description="JWKS location; default {BETTER_AUTH_URL}/api/auth/jwks")
    jwt_issuer: str = Field("", description="Required iss claim; default BETTER_AUTH_URL")
    jwt_audience: str = Field("", description="Required aud claim; default BETTER_AUTH_URL")
    jwt_algorithms: CommaSeparated = Field(
        default_factory=lambda: list(DEFAULT_ALGORITHMS),
        description="Accepted signature algorithms, comma separated (asymmetric only)",
    )
    jwt_leeway_seconds: float = Field(30.0, ge=0, le=300, description="Clock skew tolerated")
    jwt_max_lifetime_seconds: float = Field(
        86400.0, gt=0, description="Tokens living longer (exp - iat) are refused"
    )
    jwks_cache_ttl_seconds: float = Field(
        300.0, gt=0, description="Age after which the key set is refreshed in the background"
    )
    jwks_min_refetch_interval_seconds: float = Field(
        10.0, ge=0, le=30, description="An unknown kid refetches the key set at most this often"
    )
    jwks_fetch_timeout_seconds: float = Field(
        3.0, gt=0, le=30, description="Total time allowed for one JWKS fetch"
    )
    jwt_cache_max_entries: int = Field(
        4096, ge=0, description="Verified tokens remembered per process (0 turns the cache off)"
    )
    jwt_cache_max_age_seconds: float = Field(
        60.0, ge=0, le=900, description="Longest a verified token is accepted without re-checking"
    )
    cors_origins: CommaSeparated = Field(
        default_factory=lambda: ["http://localhost:3000"],
        description="Browser origins allowed to call the API, comma separated (never *)",
    )
    db_pool_size: int = Field(10, ge=1, description="Database connections kept open")
    db_max_overflow: int = Field(10, ge=0, description="Extra connections allowed under load")
    db_pool_timeout_seconds: float = Field(
        5.0, gt=0, description="Wait for a free connection before answering 503"
    )
    db_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="Wait for a new database connection before answering 503"
    )
    db_command_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="PostgreSQL: longest wait for one statement's answer before answering 503"
        " (a server that stopped answering costs this, not a hung request)",
    )
    auto_migrate: bool | None = Field(
        None,
        description="Apply database migrations at start; unset: yes on SQLite, no on PostgreSQL"
        " (run `make migrate` first there)",
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Larger request bodies are refused with 413"
    )
    idempotency_ttl_seconds: float = Field(
        86400.0,
        gt=0,
        description="How long an Idempotency-Key is remembered (its answer replayed) before it"
        " may be used again; expired keys are purged as new ones arrive",
    )
    auth_mode: str = Field(
        "jwt",
        description="What proves the caller: jwt (Better Auth JWTs, verified offline), session"
        " (Better Auth session cookie or bearer session token, checked with Better Auth), or"
        " jwt,session (either)",
    )
    session_url: str = Field(
        "",
        description="Better Auth's get-session URL; default {BETTER_AUTH_URL}/api/auth/get-session",
    )
    session_cache_ttl_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="A valid session is trusted this long without asking Better Auth again, so a"
        " sign-out takes effect within it; 0 asks every time",
    )
    session_timeout_seconds: float = Field(
        2.0, gt=0, le=30, description="Total time allowed for one session lookup"
    )
    session_breaker_threshold: int = Field(
        5, ge=1, le=1000, description="Consecutive failed session lookups that open the breaker"
    )
    session_breaker_cooldown_seconds: float = Field(
        5.0, gt=0, le=300, description="How long an open breaker answers 503 before probing again"
    )
    session_cookie_names: CommaSeparated = Field(
        default_factory=lambda: list(DEFAULT_COOKIE_NAMES),
        description="Cookies that may carry the Better Auth session token, comma separated",
    )
    environment: Literal["development", "production"] = Field(
        "development",
        description="production refuses unsafe settings at start (plain-http auth URLs, memory://)",
    )
    log_level: LogLevel = Field(
        "INFO",
        description="Least severe level logged; applied by --log-config interfaces/logging.json"
        " (as make run and the production command use it)",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="json, console (readable), or auto: json unless stderr is a terminal"
    )
    metrics_enabled: bool = Field(
        True, description="Serve Prometheus metrics at /metrics (keep it off the public internet)"
    )
    readiness_timeout_seconds: float = Field(
        2.0, gt=0, le=30, description="Time each /api/ready check may take before it counts as down"
    )

    _split_lists = field_validator("jwt_algorithms", "cors_origins", mode="before")(_split_commas)

    _split_cookie_names = field_validator("session_cookie_names", mode="before")(_split_commas)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            storage_kind(value)
        except (UnsupportedDatabaseUrlError, ValueError) as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("better_auth_url", "jwks_url", "session_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("better_auth_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        # Better Auth puts its base URL in iss/aud without a trailing slash.
        return value.rstrip("/")

    @field_validator("jwt_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        refused = [name for name in value if name not in ASYMMETRIC_ALGORITHMS]
        if refused:
            allowed = ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
            raise ValueError(f"{refused} not allowed: only asymmetric algorithms ({allowed})")
        if not value:
            raise ValueError("at least one algorithm is needed")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError(
                "'*' would let any web site call the API with credentials: list the origins"
            )
        return value

    @field_validator("auth_mode", mode="before")
    @classmethod
    def _known_auth_mode(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        modes = {part.strip().lower() for part in value.split(",") if part.strip()}
        normalized = ",".join(mode for mode in ("jwt", "session") if mode in modes)
        if normalized not in AUTH_MODES or modes - {"jwt", "session"}:
            raise ValueError(f"must be one of {', '.join(AUTH_MODES)}, got {value!r}")
        return normalized

    @field_validator("session_cookie_names")
    @classmethod
    def _cookie_names(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one cookie name is needed")
        refused = [name for name in value if not _COOKIE_NAME.fullmatch(name)]
        if refused:
            raise ValueError(f"{refused} are not valid cookie names")
        return value

    @model_validator(mode="after")
    def _derive_from_better_auth_url(self) -> "Settings":
        base = self.better_auth_url
        object.__setattr__(self, "jwks_url", self.jwks_url or f"{base}/api/auth/jwks")
        object.__setattr__(self, "jwt_issuer", self.jwt_issuer or base)
        object.__setattr__(self, "jwt_audience", self.jwt_audience or base)
        object.__setattr__(self, "session_url", self.session_url or f"{base}/api/auth/get-session")
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> "Settings":
        if self.environment != "production":
            return self
        problems = [
            f"{name.upper()}={url} must use https:// (plain http only for loopback)"
            for name, url in (
                ("better_auth_url", self.better_auth_url),
                ("jwks_url", self.jwks_url),
                ("session_url", self.session_url),
            )
            if url.startswith("http://") and not _is_loopback(url)
        ]
        if self.storage is StorageKind.MEMORY:
            problems.append("DATABASE_URL=memory:// loses every task on restart, per worker")
        if problems:
            raise ValueError("unsafe with ENVIRONMENT=production: " + "; ".join(problems))
        return self

    @property
    def jwt_enabled(self) -> bool:
        return "jwt" in self.auth_mode.split(",")

    @property
    def session_enabled(self) -> bool:
        return "session" in self.auth_mode.split(",")

    @property
    def storage(self) -> StorageKind:
        return storage_kind(self.database_url)

    @property
    def migrate_at_start(self) -> bool:
        """SQLite migrates itself so ``make run`` needs no step; PostgreSQL migrates on purpose."""
        if self.storage is StorageKind.MEMORY:
            return False
        if self.auto_migrate is None:
            return self.storage is StorageKind.SQLITE
        return self.auto_migrate


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
