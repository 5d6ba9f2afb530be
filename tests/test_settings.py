"""The settings module and its documentation: `.env.example` lists every variable read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _string(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _readers(tree) -> set[str]:
    """Calls that read the environment variable named by their first argument:
    ``os.environ.get``, ``os.getenv``, and every helper of the settings that passes its
    own first parameter to one of those (``envbool``, ``envint``, ``envlist``, ...)."""
    readers = {"os.environ.get", "os.getenv"}
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    found = True
    while found:
        found = False
        for function in functions:
            if function.name in readers or not function.args.args:
                continue
            parameter = function.args.args[0].arg
            for node in ast.walk(function):
                passes_it = (
                    isinstance(node, ast.Call)
                    and ast.unparse(node.func) in readers
                    and node.args
                    and ast.unparse(node.args[0]) == parameter
                ) or (
                    isinstance(node, ast.Subscript)
                    and ast.unparse(node.value) == "os.environ"
                    and ast.unparse(node.slice) == parameter
                )
                if passes_it:
                    readers.add(function.name)
                    found = True
                    break
    return readers


def variables_read_by_settings() -> set[str]:
    """Every environment variable portal/settings.py reads by a literal name."""
    tree = ast.parse((ROOT / "portal" / "settings.py").read_text())
    readers = _readers(tree)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(_string(node.slice))
        elif isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in readers:
            names.add(_string(node.args[0]))
    return names - {None}


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
