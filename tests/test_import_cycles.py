"""`make lint` fails on an import cycle (scripts/import_cycles.py), function-level
imports included, and the project has none."""

import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SCRIPT = BASE_DIR / "scripts" / "import_cycles.py"


def check(root):
    return subprocess.run(
        [sys.executable, SCRIPT, root], capture_output=True, text=True, check=False
    )


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_project_has_no_import_cycle():
    result = check(BASE_DIR)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("no import cycles")


def test_a_cycle_hidden_in_a_function_is_found(tmp_path):
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models.py": "from .emails import notify\n",
            "shop/emails.py": "def send(pk):\n    from .models import Order\n",
            "shop/views.py": "from shop.models import Order\n",
        },
    )
    result = check(tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "import cycle between modules: shop.emails -> shop.models -> shop.emails"
    ]


def test_packages_that_import_each_other_are_a_cycle(tmp_path):
    write(
        tmp_path,
        {
            "project/__init__.py": "",
            "project/settings.py": "from app.rules import PATTERN\n",
            "app/__init__.py": "",
            "app/rules.py": "PATTERN = 1\n",
            "app/views.py": "from project import settings\n",
        },
    )
    result = check(tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["import cycle between packages: app -> project -> app"]


def test_imports_only_for_type_checkers_and_submodules_of_a_package_are_no_cycle(tmp_path):
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/models/__init__.py": "from .orders import Order\nfrom .lines import Line\n",
            "shop/models/orders.py": "from . import lines\n",
            "shop/models/lines.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .orders import Order\n"
            ),
        },
    )
    result = check(tmp_path)
    assert result.returncode == 0, result.stdout
