"""The settings module and its documentation: `.env.example` lists every variable read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Calls whose first argument names an environment variable.
READERS = {"envbool", "envint", "envlist", "os.environ.get", "os.getenv"}


def _string(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _variable_read(node) -> str | None:
    """The environment variable an expression reads, if it reads one by a literal name."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        return _string(node.slice)
    if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in READERS:
        return _string(node.args[0])
    return None


def variables_read_by_settings() -> set[str]:
    tree = ast.parse((ROOT / "portal" / "settings.py").read_text())
    return {name for node in ast.walk(tree) if (name := _variable_read(node))}


def variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_variable_the_settings_read():
    read = variables_read_by_settings()
    assert {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL", "EMAIL_HOST"} <= read
    missing = read - variables_in_env_example()
    assert not missing, f"read by portal/settings.py but not in .env.example: {sorted(missing)}"


def test_env_example_lists_only_variables_the_settings_read():
    unread = variables_in_env_example() - variables_read_by_settings()
    assert not unread, f"in .env.example but never read by portal/settings.py: {sorted(unread)}"
