"""The Task entity: drafts, partial changes, versions, timestamps and ownership."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.errors import InvalidTaskError, NotTaskOwnerError
from domain.task import Task, TaskChanges, TaskDraft

CREATED = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
LATER = CREATED + timedelta(minutes=5)
TICK = timedelta(microseconds=1)


def stored_task(**overrides: Any) -> Task:
    task = Task.from_draft(7, TaskDraft.new("alice", "Buy milk", "two litres", CREATED))
    return replace(task, **overrides)


def test_draft_new_normalizes_text_and_starts_open() -> None:
    draft = TaskDraft.new("alice", "  Buy milk  ", "  two litres  ", CREATED)

    assert draft == TaskDraft(
        owner_id="alice",
        title="Buy milk",
        description="  two litres  ",
        completed=False,
        created_at=CREATED,
        updated_at=CREATED,
    )


def test_draft_new_accepts_an_aware_non_utc_timestamp() -> None:
    paris = datetime(2025, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))

    draft = TaskDraft.new("alice", "Buy milk", "", paris)

    assert draft.created_at == CREATED


def test_draft_new_refuses_a_naive_timestamp() -> None:
    with pytest.raises(InvalidTaskError) as caught:
        TaskDraft.new("alice", "Buy milk", "", datetime(2025, 1, 1, 12, 0))  # noqa: DTZ001

    assert caught.value.field == "timestamp"


def test_draft_new_refuses_an_empty_owner() -> None:
    with pytest.raises(InvalidTaskError) as caught:
        TaskDraft.new("", "Buy milk", "", CREATED)

    assert caught.value.field == "owner"


@pytest.mark.parametrize(
    ("title", "description", "field"),
    [("   ", "", "title"), ("x" * 256, "", "title"), ("ok", "x" * 10_001, "description")],
    ids=["blank-title", "long-title", "long-description"],
)
def test_draft_new_refuses_invalid_text(title: str, description: str, field: str) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        TaskDraft.new("alice", title, description, CREATED)

    assert caught.value.field == field


def test_from_draft_starts_at_version_one_with_the_given_id() -> None:
    task = stored_task()

    assert (task.id, task.version, task.owner_id) == (7, 1, "alice")


def test_search_key_is_the_casefolded_title() -> None:
    draft = TaskDraft.new("alice", "Straße", "", CREATED)

    assert draft.search_key == "strasse"
    assert Task.from_draft(1, draft).search_key == "strasse"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (TaskChanges(), ("Buy milk", "two litres", False)),
        (TaskChanges(title="  Buy bread "), ("Buy bread", "two litres", False)),
        (TaskChanges(description=""), ("Buy milk", "", False)),
        (TaskChanges(completed=True), ("Buy milk", "two litres", True)),
        (
            TaskChanges(title="Buy bread", description="one loaf", completed=True),
            ("Buy bread", "one loaf", True),
        ),
    ],
    ids=["nothing", "title-only", "description-cleared", "completed-only", "everything"],
)
def test_apply_changes_only_the_fields_given(
    changes: TaskChanges, expected: tuple[str, str, bool]
) -> None:
    updated = stored_task().apply(changes, LATER)

    assert (updated.title, updated.description, updated.completed) == expected


def test_apply_can_reopen_a_completed_task() -> None:
    updated = stored_task(completed=True).apply(TaskChanges(completed=False), LATER)

    assert updated.completed is False


def test_apply_increments_the_version_by_one() -> None:
    updated = stored_task(version=41).apply(TaskChanges(completed=True), LATER)

    assert updated.version == 42


def test_apply_sets_updated_at_to_now_when_the_clock_moves_forward() -> None:
    updated = stored_task().apply(TaskChanges(completed=True), LATER)

    assert updated.updated_at == LATER


@pytest.mark.parametrize(
    "now",
    [CREATED, CREATED - timedelta(hours=1), CREATED - TICK],
    ids=["same-instant", "one-hour-back", "one-microsecond-back"],
)
def test_apply_advances_updated_at_when_the_clock_does_not(now: datetime) -> None:
    updated = stored_task().apply(TaskChanges(completed=True), now)

    assert updated.updated_at == CREATED + TICK


def test_apply_keeps_updated_at_strictly_increasing_over_repeated_changes() -> None:
    task = stored_task()
    stamps = [task.updated_at]
    for _ in range(3):
        task = task.apply(TaskChanges(completed=not task.completed), CREATED)
        stamps.append(task.updated_at)

    assert stamps == sorted(set(stamps))
    assert len(stamps) == 4


def test_apply_never_changes_identity_owner_or_creation_time() -> None:
    original = stored_task()

    updated = original.apply(TaskChanges(title="Other", description="other", completed=True), LATER)

    assert (updated.id, updated.owner_id, updated.created_at) == (
        original.id,
        original.owner_id,
        original.created_at,
    )


def test_apply_leaves_the_original_task_untouched() -> None:
    original = stored_task()

    original.apply(TaskChanges(title="Other"), LATER)

    assert (original.title, original.version, original.updated_at) == ("Buy milk", 1, CREATED)


def test_apply_refuses_a_naive_timestamp() -> None:
    with pytest.raises(InvalidTaskError) as caught:
        stored_task().apply(TaskChanges(completed=True), datetime(2025, 2, 1))  # noqa: DTZ001

    assert caught.value.field == "timestamp"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (TaskChanges(title=""), "title"),
        (TaskChanges(title=" \t "), "title"),
        (TaskChanges(title="x" * 256), "title"),
        (TaskChanges(title="a\x00b"), "title"),
        (TaskChanges(description="x" * 10_001), "description"),
        (TaskChanges(description="a\x00b"), "description"),
    ],
    ids=[
        "empty-title",
        "whitespace-title",
        "long-title",
        "nul-title",
        "long-description",
        "nul-description",
    ],
)
def test_apply_refuses_invalid_changes(changes: TaskChanges, field: str) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        stored_task().apply(changes, LATER)

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "empty"),
    [
        (TaskChanges(), True),
        (TaskChanges(title="x"), False),
        (TaskChanges(description=""), False),
        (TaskChanges(completed=False), False),
    ],
    ids=["nothing", "title", "empty-description", "completed-false"],
)
def test_changes_are_empty_only_when_every_field_is_none(changes: TaskChanges, empty: bool) -> None:
    assert changes.is_empty() is empty


def test_ensure_owned_by_accepts_the_owner() -> None:
    task = stored_task()

    task.ensure_owned_by("alice")

    assert task.is_owned_by("alice")


@pytest.mark.parametrize("user_id", ["bob", "", "Alice", "alice "], ids=repr)
def test_ensure_owned_by_raises_for_any_other_user(user_id: str) -> None:
    with pytest.raises(NotTaskOwnerError) as caught:
        stored_task().ensure_owned_by(user_id)

    assert caught.value.task_id == 7
