"""helpers/__init__.py's description of the layers is true: every import goes one way."""

import ast
from pathlib import Path

import pytest

import helpers

HELPERS = Path(helpers.__file__).parent


def _module_files() -> dict[str, list[Path]]:
    """Top-level helpers module name -> its files (a package counts as one module)."""
    out: dict[str, list[Path]] = {}
    for path in sorted(HELPERS.rglob("*.py")):
        rel = path.relative_to(HELPERS)
        if rel.name == "__init__.py" and len(rel.parts) == 1:
            continue
        out.setdefault(rel.parts[0].removesuffix(".py"), []).append(path)
    return out


def helpers_imports(path: Path) -> set[str]:
    """The top-level helpers modules ``path`` imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "helpers":
                found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "helpers" and len(parts) > 1:
                    found.add(parts[1])
    return found


def test_every_module_has_a_layer():
    assert sorted(_module_files()) == sorted(helpers.LAYERS)


@pytest.mark.parametrize("module", sorted(_module_files()))
def test_imports_go_down_the_layers(module):
    layer = helpers.LAYERS[module]
    for path in _module_files()[module]:
        for target in helpers_imports(path) - {module}:
            assert helpers.LAYERS[target] < layer, (
                f"{path.relative_to(HELPERS.parent)} imports helpers.{target} "
                f"(layer {helpers.LAYERS[target]}), not below its own layer {layer}"
            )


def test_the_checker_sees_an_upward_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from helpers.train import train_ner\n")
    assert helpers_imports(bad) == {"train"}


def test_helpers_imports_sit_at_the_top_of_each_file():
    """No helpers import hides inside a function: what a module needs is read at its top."""
    inside = []
    for paths in _module_files().values():
        for path in paths:
            tree = ast.parse(path.read_text())
            top = {id(n) for n in tree.body}
            inside += [
                f"{path.relative_to(HELPERS.parent)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("helpers")
                and id(node) not in top
            ]
    assert not inside, f"helpers imports inside functions (move them to the top): {inside}"
