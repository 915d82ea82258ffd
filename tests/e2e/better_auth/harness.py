"""Our API as a Better Auth app would deploy it, plus small helpers to call it with real tokens."""

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from infrastructure.auth.jwks import JwksKeySet
from interfaces.container import Container
from interfaces.settings import Settings
from tests.support.better_auth import (
    CURRENT_DIR,
    PREVIOUS_DIR,
    BetterAuthServer,
    SignedInUser,
    fetch_jwt,
    sign_up,
)

VERIFIER_LOGGER = "infrastructure.auth.jwt_verifier"


def better_auth_version(directory: Path) -> str:
    """The pinned version in a bundled server's package.json."""
    package = json.loads((directory / "package.json").read_text(encoding="utf-8"))
    return str(package["dependencies"]["better-auth"])


#: The versions every core interop test runs against: the pinned one and the previous minor.
VERSIONS: dict[str, Path] = {"current": CURRENT_DIR, "previous": PREVIOUS_DIR}
#: Test ids naming the real version, e.g. ``better-auth-1.7.25``.
VERSION_IDS: list[str] = [f"better-auth-{better_auth_version(p)}" for p in VERSIONS.values()]


def settings_for(server: BetterAuthServer, **overrides: Any) -> Settings:
    """Settings a deployment would write: only ``BETTER_AUTH_URL``; the rest stays default.

    JWKS URL, issuer and audience are deliberately not set: deriving them from
    ``BETTER_AUTH_URL`` is part of what these tests prove. The memory store keeps it fast.
    """
    values: dict[str, Any] = {"database_url": "memory://", "better_auth_url": server.url}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class RealUser:
    """A user signed up on a real Better Auth server, with a JWT it minted."""

    account: SignedInUser
    token: str

    @property
    def id(self) -> str:
        return self.account.user_id

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def new_user(server: BetterAuthServer) -> RealUser:
    """Sign up a fresh user and fetch a JWT for it the documented way (``/api/auth/token``)."""
    account = sign_up(server.url)
    return RealUser(account=account, token=fetch_jwt(server.url, account))


@dataclass(frozen=True)
class ApiUnderTest:
    """One running instance of our app and an HTTP client for it."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def jwks(self) -> JwksKeySet:
        """The app's own key cache; ``fetches`` counts its requests to Better Auth's JWKS."""
        container = cast(Container, self.app.state.container)
        return container.jwks()

    async def create_task(self, token: str, title: str = "Buy milk") -> httpx.Response:
        return await self.client.post("/api/tasks", json={"title": title}, headers=bearer(token))

    async def list_tasks(self, token: str) -> httpx.Response:
        return await self.client.get("/api/tasks", headers=bearer(token))


StartApi = Callable[[Settings], Awaitable[ApiUnderTest]]
"""Starts our app with these settings; the ``start_api`` fixture stops it after the test."""


def refusal_reasons(records: Iterable[logging.LogRecord]) -> list[str]:
    """Why our verifier refused tokens, from its log (the client only ever sees a generic 401)."""
    return [
        str(getattr(record, "reason", ""))
        for record in records
        if record.name == VERIFIER_LOGGER and record.getMessage() == "token refused"
    ]


def watch_refusals(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=VERIFIER_LOGGER)
