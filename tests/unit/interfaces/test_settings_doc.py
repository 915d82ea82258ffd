"""`.env.example` and the README settings table say exactly what the Settings class says."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from interfaces.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
REGENERATE = "out of date: run .venv/bin/python scripts/settings_doc.py write"


@pytest.fixture(scope="module")
def settings_doc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("settings_doc", ROOT / "scripts/settings_doc.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_env_example_lists_every_setting_with_its_default(settings_doc: ModuleType) -> None:
    assert (ROOT / ".env.example").read_text() == settings_doc.env_example(), REGENERATE


def test_readme_settings_table_matches_the_settings_class(settings_doc: ModuleType) -> None:
    readme = (ROOT / "README.md").read_text()

    assert readme == settings_doc.readme_with_table(readme), REGENERATE


def test_env_example_loads_as_the_defaults() -> None:
    from_example = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]

    assert from_example == Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_setting_is_named_in_both_documents() -> None:
    env_example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()

    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in env_example or f"# {name.upper()}=" in env_example
        assert f"| `{name.upper()}` |" in readme


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_has_a_description(name: str) -> None:
    assert Settings.model_fields[name].description
