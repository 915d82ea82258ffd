"""A flood of tokens naming unknown keys costs Better Auth at most a couple of JWKS fetches."""

import asyncio
import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.better_auth.harness import (
    StartApi,
    new_user,
    refusal_reasons,
    settings_for,
    watch_refusals,
)
from tests.support.better_auth import BetterAuthServer, decode_jwt_unverified
from tests.support.keys import generate_key

pytestmark = pytest.mark.better_auth

FLOOD_SIZE = 200
MAX_FETCHES = 2

Forge = Callable[[str], str]


def _signed_by_random_key(real_token: str) -> str:
    """Better Auth's own claims, validly signed by a key (and kid) it never published."""
    return generate_key("EdDSA", kid=uuid.uuid4().hex).sign(decode_jwt_unverified(real_token)[1])


def _kid_replaced(real_token: str) -> str:
    _header, payload, signature = real_token.split(".")
    changed = {**decode_jwt_unverified(real_token)[0], "kid": uuid.uuid4().hex}
    encoded = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    return ".".join([encoded, payload, signature])


FORGERIES: dict[str, Forge] = {
    "signed-by-random-key": _signed_by_random_key,
    "real-token-with-random-kid": _kid_replaced,
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_flood_of_unknown_kids_makes_at_most_a_couple_of_jwks_fetches(
    current_better_auth: BetterAuthServer,
    start_api: StartApi,
    caplog: pytest.LogCaptureFixture,
    forge: Forge,
) -> None:
    api = await start_api(settings_for(current_better_auth))  # default refetch policy
    genuine = new_user(current_better_auth).token
    forged = [forge(genuine) for _ in range(FLOOD_SIZE)]
    watch_refusals(caplog)

    answers: list[Any] = await asyncio.gather(*(api.list_tasks(token) for token in forged))
    genuine_answer = await api.list_tasks(genuine)

    assert [answer.status_code for answer in answers] == [401] * FLOOD_SIZE
    assert set(refusal_reasons(caplog.records)) == {"unknown_key"}
    assert genuine_answer.status_code == 200, genuine_answer.text
    assert 1 <= api.jwks.fetches <= MAX_FETCHES
