"""Every package and each module directly under it can be the first thing a fresh interpreter
imports (a script, a worker process, `python -c "import shop.staff"`).

The import graph (test_imports.py) sees module-to-module circles; this sees the ones that go
through a package's __init__, which runs when any module under it is imported first:
shop.staff.operations -> shop.regions.models ran shop/regions/__init__.py, which imported
shop.regions.setup -> shop.staff.operations again, half-made.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PACKAGES = ("shop", "kiosk", "hardware", "cjkwidth")
ROOT = Path(__file__).resolve().parents[2]


def _first_imports(names: list[str], path: Path = ROOT) -> dict[str, str]:
    """Import each name first in a fresh interpreter; the names that failed, with the error."""
    env = {**os.environ, "PYTHONPATH": str(path)}

    def attempt(name: str) -> tuple[str, int, str]:
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"],
            cwd=path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = done.stderr.strip().splitlines()
        return name, done.returncode, lines[-1] if lines else ""

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, names))
    return {name: error for name, code, error in results if code != 0}


def _top_level_modules() -> list[str]:
    names = []
    for top in PACKAGES:
        names.append(top)
        package = importlib.import_module(top)
        names += [info.name for info in pkgutil.iter_modules(package.__path__, f"{top}.")]
    return names


def test_each_package_and_module_under_it_imports_first_in_a_fresh_interpreter():
    names = _top_level_modules()
    assert len(names) > 40  # the walk found the packages' modules, not just their names
    assert _first_imports(names) == {}


def test_a_circle_through_a_package_init_is_caught(tmp_path):
    """The same shape as shop.staff and shop.regions had: it must fail here."""
    for name, body in {
        "people/__init__.py": "from people.operations import hire\n",
        "people/operations.py": "from places.models import Place\n\ndef hire(): ...\n",
        "places/__init__.py": "from places.setup import open_place\n",
        "places/models.py": "class Place: ...\n",
        "places/setup.py": "from people.operations import hire\n\ndef open_place(): ...\n",
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(body))
    failed = _first_imports(["people", "places"], tmp_path)
    assert list(failed) == ["people"]
    assert "circular import" in failed["people"]
