"""helpers/__init__.py's description of the layers is true: every import goes one way."""

import ast
import subprocess
import sys
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


def helpers_targets(node: ast.AST, package: tuple[str, ...] = ("helpers",)) -> set[str]:
    """The top-level helpers modules one import statement names (empty for other imports);
    ``package`` is the dotted package of the file, for relative imports (``from .train ...``)."""
    if isinstance(node, ast.ImportFrom):
        base = package[: len(package) - node.level + 1] if node.level else ()
        parts = [*base, *(node.module.split(".") if node.module else [])]
        if parts[:1] == ["helpers"]:
            return {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
    elif isinstance(node, ast.Import):
        return {a.name.split(".")[1] for a in node.names if a.name.startswith("helpers.")}
    return set()


def helpers_imports(path: Path, package: tuple[str, ...] | None = None) -> set[str]:
    """The top-level helpers modules ``path`` imports, at any depth of the file."""
    if package is None:
        package = path.relative_to(HELPERS.parent).parent.parts
    nodes = ast.walk(ast.parse(path.read_text()))
    return set().union(*(helpers_targets(n, package) for n in nodes))


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
    assert helpers_imports(bad, ("helpers",)) == {"train"}
    # relative imports name the same modules (they used to be missed)
    bad.write_text("from .train import train_ner\nfrom . import data\n")
    assert helpers_imports(bad, ("helpers",)) == {"train", "data"}
    bad.write_text("from ..train import train_ner\nfrom .common import plain\n")
    assert helpers_imports(bad, ("helpers", "exercises")) == {"train", "exercises"}


# Libraries that take seconds to import: a helpers module that loads one when imported is heavy.
LIBRARIES = {"torch", "transformers", "datasets", "evaluate", "accelerate"}


def heavy_modules() -> set[str]:
    """The helpers modules whose import loads one of :data:`LIBRARIES`: at their top, or through
    a helpers module they import at their top."""
    libraries, uses = {}, {}
    for module, paths in _module_files().items():
        top = [node for path in paths for node in ast.parse(path.read_text()).body]
        names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in top if isinstance(n, ast.ImportFrom) and n.level == 0]
        libraries[module] = {name.split(".")[0] for name in names if name}
        uses[module] = set().union(*map(helpers_targets, top))
    heavy = {m for m, libs in libraries.items() if libs & LIBRARIES}
    while more := {m for m, used in uses.items() if m not in heavy and used & heavy}:
        heavy |= more
    return heavy


def test_helpers_imports_sit_at_the_top_of_each_file():
    """No helpers import hides inside a function: what a module needs is read at its top. One
    exception: a heavy module (:func:`heavy_modules`) may be imported inside the function that
    needs it, so that a light module stays fast to import (helpers.train, whose ``TrainConfig``
    the command line reads before it checks its options)."""
    heavy = heavy_modules()
    inside = []
    for paths in _module_files().values():
        for path in paths:
            tree = ast.parse(path.read_text())
            top = {id(n) for n in tree.body}
            inside += [
                f"{path.relative_to(HELPERS.parent)}:{node.lineno}"
                for node in ast.walk(tree)
                if id(node) not in top and helpers_targets(node) - heavy
            ]
    assert not inside, f"helpers imports inside functions (move them to the top): {inside}"


def test_the_heavy_modules_are_the_ones_that_load_the_libraries():
    """The AST's view holds at run time: importing every light module, in a fresh process, loads
    none of the libraries. ``ner`` and ``train`` are among the light ones, so a mistyped option
    is reported at once (tests/test_cli.py)."""
    heavy = heavy_modules()
    light = sorted(set(_module_files()) - heavy)
    # the list helpers/__init__.py gives; the command line's modules are light
    assert heavy == {"casing", "mlm", "seqeval_metric", "exercises", "bench"}
    code = "import sys\n" + "".join(f"import helpers.{m}\n" for m in light)
    code += f"print(sorted(set(sys.modules) & set({sorted(LIBRARIES)!r})))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=HELPERS.parent
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", f"light modules {light} loaded {proc.stdout.strip()}"
