"""Value rules: title and description bounds, forbidden characters, and search case folding."""

import pytest

from domain.errors import InvalidTaskError
from domain.rules import (
    DESCRIPTION_MAX_LENGTH,
    SEARCH_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    fold_for_search,
    normalize_description,
    normalize_search_text,
    normalize_title,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Buy milk", "Buy milk"),
        ("  Buy milk  ", "Buy milk"),
        ("\tBuy milk\n", "Buy milk"),
        ("Buy  milk", "Buy  milk"),
        ("x", "x"),
        ("x" * TITLE_MAX_LENGTH, "x" * TITLE_MAX_LENGTH),
        ("  " + "x" * TITLE_MAX_LENGTH + "  ", "x" * TITLE_MAX_LENGTH),
        ("é" * TITLE_MAX_LENGTH, "é" * TITLE_MAX_LENGTH),
        ("line one\tline two", "line one\tline two"),
    ],
    ids=[
        "plain",
        "spaces-trimmed",
        "tab-and-newline-trimmed",
        "inner-whitespace-kept",
        "one-character",
        "255-characters",
        "255-after-trimming",
        "255-non-ascii-characters",
        "inner-tab-kept",
    ],
)
def test_normalize_title_accepts_and_trims(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "blank"),
        ("   ", "blank"),
        ("\t\n \r", "blank"),
        ("\u3000\u00a0", "blank"),
        ("x" * (TITLE_MAX_LENGTH + 1), "at most 255"),
        ("é" * (TITLE_MAX_LENGTH + 1), "at most 255"),
        ("Buy\x00milk", "NUL"),
        ("\x00", "NUL"),
    ],
    ids=[
        "empty",
        "spaces-only",
        "mixed-whitespace-only",
        "unicode-whitespace-only",
        "256-characters",
        "256-non-ascii-characters",
        "inner-nul",
        "nul-only",
    ],
)
def test_normalize_title_refuses_invalid_title(raw: str, reason: str) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        normalize_title(raw)

    assert caught.value.field == "title"
    assert reason in caught.value.message


@pytest.mark.parametrize(
    "description",
    [
        "",
        "  leading and trailing spaces are kept  ",
        "first line\nsecond line\twith a tab",
        "x" * DESCRIPTION_MAX_LENGTH,
    ],
    ids=["empty", "whitespace-kept", "newline-and-tab-kept", "10000-characters"],
)
def test_normalize_description_keeps_text_verbatim(description: str) -> None:
    assert normalize_description(description) == description


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("x" * (DESCRIPTION_MAX_LENGTH + 1), "at most 10000"),
        ("before\x00after", "NUL"),
    ],
    ids=["10001-characters", "nul"],
)
def test_normalize_description_refuses_invalid_description(description: str, reason: str) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        normalize_description(description)

    assert caught.value.field == "description"
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Straße", "STRASSE"),
        ("STRASSE", "straße"),
        ("ÉCOLE", "école"),
        ("école", "ÉCOLE"),
        ("ΟΔΟΣ", "οδος"),
        ("οδος", "ΟΔΟΣ"),
        ("Σίσυφος", "ΣΊΣΥΦΟΣ"),
        ("\u0130stanbul", "i\u0307stanbul"),
        ("Buy MILK", "buy milk"),
    ],
    ids=[
        "sharp-s-vs-ss",
        "ss-vs-sharp-s",
        "upper-accented",
        "lower-accented",
        "greek-capital-sigma-vs-final-sigma",
        "greek-final-sigma-vs-capital-sigma",
        "greek-medial-and-final-sigma",
        "turkish-dotted-capital-i",
        "ascii",
    ],
)
def test_fold_for_search_folds_both_sides_to_the_same_text(stored: str, query: str) -> None:
    assert fold_for_search(stored) == fold_for_search(query)


@pytest.mark.parametrize(
    ("first", "second"),
    [("école", "ecole"), ("straße", "strase"), ("a", "b")],
    ids=["accent-is-not-dropped", "sharp-s-is-not-single-s", "different-letters"],
)
def test_fold_for_search_keeps_different_letters_apart(first: str, second: str) -> None:
    assert fold_for_search(first) != fold_for_search(second)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("MILK", "milk"),
        ("50%_off\\", "50%_off\\"),
        ("tab\there\nnewline", "tab\there\nnewline"),
        ("x" * SEARCH_TEXT_MAX_LENGTH, "x" * SEARCH_TEXT_MAX_LENGTH),
    ],
    ids=["empty", "folded", "wildcards-kept-literally", "tab-and-newline-kept", "1000-characters"],
)
def test_normalize_search_text_returns_folded_text(text: str, expected: str) -> None:
    assert normalize_search_text(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x" * (SEARCH_TEXT_MAX_LENGTH + 1), "at most 1000"),
        ("milk\x00", "NUL"),
    ],
    ids=["1001-characters", "nul"],
)
def test_normalize_search_text_refuses_invalid_text(text: str, reason: str) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        normalize_search_text(text)

    assert caught.value.field == "q"
    assert reason in caught.value.message


def test_search_folding_matches_composed_and_decomposed_accents() -> None:
    composed, decomposed = "\u00e9cole", "e\u0301cole"

    assert fold_for_search(composed) == fold_for_search(decomposed.upper())
