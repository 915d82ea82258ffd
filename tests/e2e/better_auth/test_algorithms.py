"""Whatever key algorithm Better Auth is configured with, our defaults accept its tokens."""

from collections.abc import Iterator

import pytest

from tests.e2e.better_auth.harness import StartApi, new_user, settings_for
from tests.support.better_auth import BetterAuthServer, decode_jwt_unverified

pytestmark = pytest.mark.better_auth

# Better Auth's jwt({ jwks: { keyPairConfig: { alg } } }) choices; EdDSA is its default.
ALGORITHMS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"]
DEFAULT_ALGORITHM = "EdDSA"


@pytest.fixture(scope="module", params=ALGORITHMS)
def better_auth_with_algorithm(request: pytest.FixtureRequest) -> Iterator[BetterAuthServer]:
    """One server per algorithm, one at a time (pytest tears each down before the next)."""
    if request.param == DEFAULT_ALGORITHM:  # the shared server already is one
        yield request.getfixturevalue("current_better_auth")
        return
    with BetterAuthServer(env={"JWT_ALG": request.param}) as server:
        yield server


async def test_accepts_real_token_signed_with_configured_algorithm(
    better_auth_with_algorithm: BetterAuthServer, start_api: StartApi
) -> None:
    server = better_auth_with_algorithm
    api = await start_api(settings_for(server))  # our settings: all defaults but the URL
    user = new_user(server)

    response = await api.create_task(user.token)

    expected = server.env.get("JWT_ALG", DEFAULT_ALGORITHM)
    assert decode_jwt_unverified(user.token)[0]["alg"] == expected
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == user.id
