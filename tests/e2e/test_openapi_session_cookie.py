"""The OpenAPI schema offers the session cookie beside the bearer token only in session modes."""

from typing import Any

import pytest

from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client

COOKIE_SCHEME = "BetterAuthSession"


async def _schema(make_settings: SettingsFactory, auth_mode: str) -> dict[str, Any]:
    async for client in open_client(create_app(make_settings(auth_mode=auth_mode))):
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        schema: dict[str, Any] = response.json()
        return schema
    raise AssertionError("no client")


@pytest.mark.parametrize("auth_mode", ["session", "jwt,session"])
async def test_session_modes_declare_the_cookie_beside_the_bearer_token(
    make_settings: SettingsFactory, auth_mode: str
) -> None:
    schema = await _schema(make_settings, auth_mode)

    assert schema["components"]["securitySchemes"][COOKIE_SCHEME] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "better-auth.session_token",
        "description": schema["components"]["securitySchemes"][COOKIE_SCHEME]["description"],
    }
    assert schema["paths"]["/api/tasks"]["post"]["security"] == [
        {"HTTPBearer": []},
        {COOKIE_SCHEME: []},
    ]


async def test_jwt_mode_declares_the_bearer_token_only(make_settings: SettingsFactory) -> None:
    schema = await _schema(make_settings, "jwt")

    assert COOKIE_SCHEME not in schema["components"]["securitySchemes"]
    assert schema["paths"]["/api/tasks"]["post"]["security"] == [{"HTTPBearer": []}]


async def test_health_stays_unauthenticated_in_session_mode(make_settings: SettingsFactory) -> None:
    schema = await _schema(make_settings, "session")

    assert "security" not in schema["paths"]["/api/health"]["get"]
