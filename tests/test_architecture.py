"""The layer rule, enforced by the test suite itself (contracts live in pyproject.toml)."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def logging_left_alone() -> Iterator[None]:
    """import-linter configures logging (disabling every existing logger, raising the root
    level), which would silence the log-capturing tests that run after this one."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    loggers = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    disabled = {logger.name: logger.disabled for logger in loggers}
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
    for logger in loggers:
        logger.disabled = disabled[logger.name]


@pytest.mark.usefixtures("logging_left_alone")
def test_import_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    assert lint_imports() == 0
