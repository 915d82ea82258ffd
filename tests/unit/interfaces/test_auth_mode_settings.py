"""AUTH_MODE and the session settings: accepted spellings, and refusals with a message."""

from typing import Any

import pytest
from pydantic import ValidationError

from interfaces.settings import Settings


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, database_url="memory://", **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("raw", "mode", "jwt", "session"),
    [
        ("jwt", "jwt", True, False),
        ("session", "session", False, True),
        ("jwt,session", "jwt,session", True, True),
        (" Session , JWT ", "jwt,session", True, True),
    ],
)
def test_accepts_each_mode(raw: str, mode: str, jwt: bool, session: bool) -> None:
    settings = _settings(auth_mode=raw)

    assert (settings.auth_mode, settings.jwt_enabled, settings.session_enabled) == (
        mode,
        jwt,
        session,
    )


def test_defaults_to_jwt_with_the_session_url_under_better_auth() -> None:
    settings = _settings(better_auth_url="https://auth.example/")

    assert settings.auth_mode == "jwt"
    assert settings.session_url == "https://auth.example/api/auth/get-session"


@pytest.mark.parametrize(
    "values",
    [
        {"auth_mode": ""},
        {"auth_mode": "cookie"},
        {"auth_mode": "jwt,oauth"},
        {"session_cookie_names": ""},
        {"session_cookie_names": "bad name"},
        {"session_url": "ftp://auth.example/get-session"},
        {"session_cache_ttl_seconds": -1},
        {"session_timeout_seconds": 0},
        {"session_breaker_threshold": 0},
        {"session_breaker_cooldown_seconds": 0},
    ],
    ids=lambda values: "-".join(f"{key}={value}" for key, value in values.items()),
)
def test_refuses_a_bad_session_setting(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=next(iter(values))):
        _settings(**values)
