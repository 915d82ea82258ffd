"""Writes `.env.example` and the README settings table from the Settings class, or checks them.

.venv/bin/python scripts/settings_doc.py env     # print .env.example
.venv/bin/python scripts/settings_doc.py table   # print the README table
.venv/bin/python scripts/settings_doc.py write   # rewrite both files
.venv/bin/python scripts/settings_doc.py check   # exit 1 when either disagrees with Settings
"""

import argparse
import sys
from pathlib import Path

from pydantic.fields import FieldInfo

from interfaces.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
README = ROOT / "README.md"
TABLE_START = "<!-- section:settings -->"
TABLE_END = "<!-- /section:settings -->"
_ENV_HEADER = """\
# Every setting of the Tasks API with its default; copy to .env (or set in the environment)
# and change what you need. Generated from interfaces/settings.py by scripts/settings_doc.py:
# edit the Settings class, then run `.venv/bin/python scripts/settings_doc.py write`.
"""


def env_example() -> str:
    blocks = [_ENV_HEADER]
    for name, field in Settings.model_fields.items():
        value = _default_text(field)
        # An empty value is not "unset" for an optional bool: leave such a line commented out.
        line = f"# {name.upper()}=" if value is None else f"{name.upper()}={value}"
        blocks.append(f"# {_description(name, field)}\n{line}\n")
    return "\n".join(blocks)


def readme_table() -> str:
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        value = _default_text(field)
        shown = "*(unset)*" if value is None else f"`{value}`" if value else "*(empty)*"
        description = _description(name, field).replace("|", "\\|")
        rows.append(f"| `{name.upper()}` | {shown} | {description} |")
    return "\n".join(rows) + "\n"


def readme_with_table(readme: str) -> str:
    """The README with the text between the two settings markers replaced by the table."""
    before, start, rest = readme.partition(TABLE_START)
    _, end, after = rest.partition(TABLE_END)
    if not start or not end:
        raise ValueError(f"README.md needs {TABLE_START} ... {TABLE_END} around the table")
    return f"{before}{TABLE_START}\n{readme_table()}{TABLE_END}{after}"


def _default_text(field: FieldInfo) -> str | None:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _description(name: str, field: FieldInfo) -> str:
    if not field.description:
        raise ValueError(f"Settings.{name} has no description=")
    return " ".join(field.description.split())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=["env", "table", "write", "check"])
    action = parser.parse_args(argv).action
    if action == "env":
        sys.stdout.write(env_example())
    elif action == "table":
        sys.stdout.write(readme_table())
    elif action == "write":
        ENV_EXAMPLE.write_text(env_example())
        README.write_text(readme_with_table(README.read_text()))
    else:
        stale = [
            path.name
            for path, expected in (
                (ENV_EXAMPLE, env_example()),
                (README, readme_with_table(README.read_text())),
            )
            if not path.exists() or path.read_text() != expected
        ]
        if stale:
            print(f"out of date: {', '.join(stale)}; run scripts/settings_doc.py write")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
