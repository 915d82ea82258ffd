"""Value rules for task text: what a valid title and description are, and how search folds case."""

import unicodedata

from domain.errors import InvalidTaskError

TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 10_000
SEARCH_TEXT_MAX_LENGTH = 1_000

# NUL cannot be stored by PostgreSQL and is never meaningful in a title, so it is refused
# everywhere: one rule for every backend. Tab and newline stay valid.
_FORBIDDEN_CHARACTERS = "\x00"


def _refuse_forbidden_characters(field: str, text: str) -> None:
    if any(character in text for character in _FORBIDDEN_CHARACTERS):
        raise InvalidTaskError(field, "must not contain NUL characters")


def normalize_title(title: str) -> str:
    """Trim the title and check it is 1..255 characters, so storage never holds a blank one."""
    trimmed = title.strip()
    if not trimmed:
        raise InvalidTaskError("title", "must not be blank")
    if len(trimmed) > TITLE_MAX_LENGTH:
        raise InvalidTaskError("title", f"must be at most {TITLE_MAX_LENGTH} characters")
    _refuse_forbidden_characters("title", trimmed)
    return trimmed


def normalize_description(description: str) -> str:
    """Check the description length; it is kept verbatim (whitespace may be meaningful)."""
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidTaskError(
            "description", f"must be at most {DESCRIPTION_MAX_LENGTH} characters"
        )
    _refuse_forbidden_characters("description", description)
    return description


def fold_for_search(text: str) -> str:
    """Fold case the same way for stored titles and queries.

    Databases disagree on case folding (SQLite's ``lower()`` is ASCII-only, PostgreSQL's
    ``LIKE`` is case-sensitive), so the fold happens here, once, with Python's full Unicode
    ``casefold`` (plus normalisation) and every backend compares already-folded text.
    """
    # NFKC on both sides of casefold is Unicode's "compatibility caseless match": "é" typed
    # as one character or as "e" + accent, and "ﬁ" or full-width letters, all compare equal.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def normalize_search_text(text: str) -> str:
    """Check a search text and fold it; an empty text matches every task."""
    if len(text) > SEARCH_TEXT_MAX_LENGTH:
        raise InvalidTaskError("q", f"must be at most {SEARCH_TEXT_MAX_LENGTH} characters")
    _refuse_forbidden_characters("q", text)
    return fold_for_search(text)
