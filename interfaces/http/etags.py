"""Entity tags from task versions, and reading the precondition headers that carry them."""

from domain.task import Task


def etag_of(task: Task) -> str:
    return f'"{task.version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version named by ``If-Match``; -1 when it names none we could ever have (-> 412).

    ``*`` (any current representation) and an absent header impose no version.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    for candidate in if_match.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        if tag.isdigit() and len(tag) <= 18:
            return int(tag)
    return -1


def matches_none(if_none_match: str | None, task: Task) -> bool:
    """True when ``If-None-Match`` names the current version (answer 304)."""
    if if_none_match is None:
        return False
    tags = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in tags or etag_of(task) in tags
