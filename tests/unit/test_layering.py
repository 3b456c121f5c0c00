"""The packages depend in one direction: dialogs/ may use cards/ and store/, but cards/ (pure card builders) import
neither store/ nor dialogs/, and store/ never imports dialogs/ or cards/. Read from the source, so an import
inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "cards": ("store", "dialogs", "bot", "scheduler"),
    "store": ("dialogs", "cards", "bot", "scheduler"),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(package: str) -> list[str]:
    problems = []
    for path in sorted((REPO / package).rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if "/migrations/" in relative:
            continue
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN[package]:
                problems.append(f"{relative}:{line} imports {module}")
    return problems


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_package_never_imports_a_higher_one(package):
    assert upward_imports(package) == []


def test_the_check_sees_an_import_hidden_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from store.digcomp import load_framework\n    return load_framework\n")
    assert imported_modules(module) == [(2, "store.digcomp")]
