"""The direction of the code, checked import by import (ruff's banned-api checks the same
map module by module): each outside library has one home, and nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "compartment"

# library -> the modules (relative to the package) allowed to import it; "cli/" is the package.
HOMES = {
    "typer": ("cli/",),
    "click": (),  # Typer vendors what it needs; use typer.Exit and friends
    "rich": ("views/render.py", "views/layout.py", "cli/"),
    "yaml": ("data/yamlsource.py",),
    "ruamel": (),  # the canonical writer is ours (edit/canonical.py)
    "subprocess": ("history/revisions.py",),
    # Optional extras, each imported in one place only and lazily (test_cache checks start-up).
    "httpx": ("linkcheck.py",),
    "jinja2": ("site/",),
    "matplotlib": ("views/chart.py",),
    "compartment.cli": ("cli/", "__main__.py"),
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def allowed(relative: str, homes: tuple[str, ...]) -> bool:
    return any(relative == h or (h.endswith("/") and relative.startswith(h)) for h in homes)


@pytest.mark.parametrize("library", sorted(HOMES))
def test_each_library_stays_in_its_home(library: str) -> None:
    misplaced = []
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        uses = any(n == library or n.startswith(library + ".") for n in imported(path))
        if uses and not allowed(relative, HOMES[library]):
            misplaced.append(relative)
    assert misplaced == [], f"{library} imported outside {HOMES[library]}"


def test_the_checker_sees_imports() -> None:
    # Guard against a test that cannot fail: the map above does find real imports.
    assert "typer" in imported(PACKAGE / "cli" / "__init__.py")
    assert "yaml" in imported(PACKAGE / "data" / "yamlsource.py")
    assert not allowed("views/render.py", HOMES["typer"])


# The rooms, from the ground up: a module imports only from its own room or those below it.
# `errors` is the ground; `linkcheck` (the link check, an optional extra) stands beside the
# views and imports only the ground and the data.
FLOORS = ("errors", "data", "store", "edit", "history", "views", "linkcheck", "site", "cli",
          "__main__")
# Imports that run back up, each with its reason: none today.
BACK_UP: set[tuple[str, str]] = set()


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_imports_run_one_way() -> None:
    upward = set()
    for path in modules():
        relative = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
        mine = room(f"compartment.{relative}")
        if mine in ("", "__init__"):
            continue
        for name in imported(path):
            if not name.startswith("compartment."):
                continue
            theirs = room(name)
            if theirs in FLOORS and FLOORS.index(theirs) > FLOORS.index(mine):
                upward.add((f"compartment.{relative}", name))
    assert {(a, room(b)) for a, b in upward} <= BACK_UP, sorted(upward)


def test_at_most_ten_modules_stand_beside_the_rooms() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    rooms = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    assert len(top) <= 10, top
    assert {"data", "store", "edit", "history", "views", "site", "cli"} <= set(rooms)
