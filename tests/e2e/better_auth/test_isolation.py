"""Two real Better Auth users never reach each other's tasks (each supported version)."""

import pytest

from tests.e2e.better_auth.harness import ApiUnderTest, RealUser, StartApi, new_user, settings_for
from tests.support.better_auth import BetterAuthServer

pytestmark = pytest.mark.better_auth

TITLE = "Alice's secret plan"


@pytest.fixture
async def api(better_auth: BetterAuthServer, start_api: StartApi) -> ApiUnderTest:
    return await start_api(settings_for(better_auth))


# Signing up costs Better Auth a password hash: two users per version serve the whole module
# (every test starts its own app with an empty store, so no test sees another's tasks).
@pytest.fixture(scope="module")
def alice(better_auth: BetterAuthServer) -> RealUser:
    return new_user(better_auth)


@pytest.fixture(scope="module")
def bob(better_auth: BetterAuthServer) -> RealUser:
    return new_user(better_auth)


@pytest.fixture
async def alice_task_id(api: ApiUnderTest, alice: RealUser) -> int:
    response = await api.create_task(alice.token, TITLE)
    assert response.status_code == 201, response.text
    task_id: int = response.json()["id"]
    return task_id


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("PATCH", {"completed": True}), ("DELETE", None)],
)
async def test_returns_403_when_real_user_touches_another_users_task(
    api: ApiUnderTest,
    bob: RealUser,
    alice_task_id: int,
    method: str,
    body: dict[str, bool] | None,
) -> None:
    response = await api.client.request(
        method, f"/api/tasks/{alice_task_id}", json=body, headers=bob.headers
    )

    assert response.status_code == 403, response.text


async def test_list_never_shows_another_real_users_task(
    api: ApiUnderTest, alice: RealUser, bob: RealUser, alice_task_id: int
) -> None:
    bobs = await api.list_tasks(bob.token)
    alices = await api.list_tasks(alice.token)

    assert bobs.status_code == 200
    assert bobs.json() == []
    assert [task["id"] for task in alices.json()] == [alice_task_id]


async def test_search_never_finds_another_real_users_task(
    api: ApiUnderTest, alice: RealUser, bob: RealUser, alice_task_id: int
) -> None:
    search = {"q": "secret"}
    bobs = await api.client.get("/api/tasks/search", params=search, headers=bob.headers)
    alices = await api.client.get("/api/tasks/search", params=search, headers=alice.headers)

    assert bobs.status_code == 200
    assert bobs.json() == []
    assert [task["id"] for task in alices.json()] == [alice_task_id]
