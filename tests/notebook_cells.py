"""Read notebooks' cells for tests: the parameters cell's defaults, and the cells that define the
functions a chapter teaches, run to test them directly.

A chapter writes the function it is about in a cell and asserts, on its own data, that it equals
the helpers version the later chapters import. The tests take the same cells (found by the
``def name(`` they hold) and compare the two on harder or wider cases than the notebook runs.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from helpers.paths import NOTEBOOKS_DIR


def code_cell(notebook: str, marker: str) -> str:
    """The source of the one code cell of ``notebook`` that holds ``marker``."""
    path = NOTEBOOKS_DIR / notebook
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [s for s in found if marker in s]
    assert len(found) == 1, f"{path.name}: expected one code cell with {marker!r}"
    return found[0]


def notebook_namespace(notebook: str, *markers: str, **given: Any) -> dict[str, Any]:
    """Exec, in order, the one code cell of ``notebook`` holding each marker (``"def f("``).

    ``given`` seeds the namespace with what those cells take from the notebook's imports
    (``np=numpy``). The cells are the repository's own code, not data.
    """
    namespace: dict[str, Any] = dict(given)
    for marker in markers:
        source = code_cell(notebook, marker)
        exec(compile(source, f"{notebook}:{marker}", "exec"), namespace)
    return namespace


def parameter_defaults(notebook: str) -> dict[str, Any]:
    """The defaults of ``notebook``'s ``parameters`` cell, read as literals (never run)."""
    cells = json.loads((NOTEBOOKS_DIR / notebook).read_text(encoding="utf-8"))["cells"]
    cell = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    assert all(isinstance(n, ast.Assign | ast.AnnAssign) for n in tree.body), (
        f"{notebook}: its parameters cell should hold assignments only"
    )
    return {
        (n.targets[0] if isinstance(n, ast.Assign) else n.target).id: ast.literal_eval(n.value)
        for n in tree.body
    }
