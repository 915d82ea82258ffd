"""ENVIRONMENT=production: settings that are only safe on a laptop stop the start, with a reason."""

from typing import Any

import pytest
from pydantic import ValidationError

from interfaces.settings import Settings

SAFE = {"database_url": "sqlite:///./app.db", "better_auth_url": "https://auth.example.com"}


def _production(**overrides: Any) -> Settings:
    values = {**SAFE, "environment": "production", **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"better_auth_url": "http://auth.example.com"}, "BETTER_AUTH_URL=http://auth.example.com"),
        ({"jwks_url": "http://keys.example.com/jwks"}, "JWKS_URL=http://keys.example.com/jwks"),
        ({"session_url": "http://10.0.0.5/api/auth/get-session"}, "SESSION_URL=http://10.0.0.5"),
        ({"database_url": "memory://"}, "DATABASE_URL=memory://"),
    ],
)
def test_refuses_unsafe_values_naming_them(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match="unsafe with ENVIRONMENT=production") as refused:
        _production(**overrides)

    assert named in str(refused.value)


@pytest.mark.parametrize(
    "url", ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"]
)
def test_allows_plain_http_on_loopback(url: str) -> None:
    assert _production(better_auth_url=url).jwks_url == f"{url}/api/auth/jwks"


def test_accepts_https_and_a_real_database() -> None:
    assert _production().environment == "production"


def test_development_accepts_what_production_refuses() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="memory://", better_auth_url="http://auth.example.com"
    )

    assert settings.environment == "development"


@pytest.mark.parametrize(("raw", "level"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level_is_read_in_any_case(raw: str, level: str) -> None:
    assert Settings(_env_file=None, log_level=raw).log_level == level  # type: ignore[call-arg]


def test_refuses_an_unknown_log_level() -> None:
    with pytest.raises(ValidationError, match="log_level"):
        Settings(_env_file=None, log_level="LOUD")  # type: ignore[call-arg]
