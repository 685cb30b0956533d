"""Results files of the repo's study commands: what ran, with which configuration.

Every ``notebooks/results/*.json`` records the ``command`` that wrote it and the training
configuration it ran with (``config``: every field of :class:`helpers.train.TrainConfig`), and
``config_overrides``: the fields the study set on purpose (its own epochs, seeds, precision, the
settings it compares), or ran with before that field existed (its ``notes`` must say so).
Every other field claims to be the current default, and
:func:`stale_fields` lists those that no longer are: tests/test_results.py fails on them, so a
change of default cannot leave a study silently describing another recipe.
Shown in notebooks 04, 05 and 08, which load these files.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from helpers.paths import REPO_ROOT, current_umask
from helpers.train import TrainConfig, folder_problem

# TrainConfig fields added after results files were written, with the value those files ran with
# (the behaviour before the field existed): a file without the field claims that value.
ADDED_FIELDS: dict[str, Any] = {"casing": "off"}


def command_line(module: str, argv: Sequence[str] | None = None) -> str:
    """The command that is running, as a learner would type it: ``python -m MODULE ARGS``."""
    args = sys.argv[1:] if argv is None else argv
    return " ".join(["python", "-m", module, *(shlex.quote(a) for a in args)])


def provenance(command: str, config: TrainConfig, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The fields every results file starts with: command, configuration, deliberate overrides.

    ``overrides`` names the ``TrainConfig`` fields the study sets itself; an unknown name is an
    error (a typo would otherwise hide a stale default).
    """
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"overrides {unknown}: not TrainConfig fields (expected some of {sorted(known)})"
        )
    return {
        "command": command,
        "config": asdict(config),
        "config_overrides": sorted(set(overrides)),
    }


def stale_fields(record: dict[str, Any]) -> list[str]:
    """Fields of ``record["config"]`` that claim the default but differ from today's default.

    Also reports fields ``TrainConfig`` gained or lost since the file was written; a field of
    :data:`ADDED_FIELDS` missing from the file counts as the value it lists (what every run did
    before the field existed), stale only if that is no longer the default. Empty when the file
    still describes the current recipe.
    """
    if "config" not in record or "config_overrides" not in record:
        return ["config/config_overrides missing: the file does not say how it ran"]
    defaults = asdict(TrainConfig())
    overrides = set(record["config_overrides"])
    recorded = {**{k: v for k, v in ADDED_FIELDS.items() if k in defaults}, **record["config"]}
    out = [f"{k}: not in the file (new TrainConfig field)" for k in defaults if k not in recorded]
    out += [f"{k}: no longer a TrainConfig field" for k in recorded if k not in defaults]
    out += [
        f"{k}: ran with {recorded[k]!r}, the default is now {defaults[k]!r}"
        for k in defaults
        if k in recorded and k not in overrides and recorded[k] != defaults[k]
    ]
    return out


def results_path(out: str | Path) -> Path:
    """Where ``--out`` writes: relative paths are under the repo root."""
    path = Path(out)
    return path if path.is_absolute() else REPO_ROOT / path


def check_results_path(out: str | Path) -> Path:
    """Refuse, before a study runs, an ``--out`` it could not write at the end (``ValueError``
    naming ``--out``): a folder, a file where a folder must be made, a folder not writable."""
    path = results_path(out)
    if path.is_dir():
        raise ValueError(f"--out {out}: it is a folder; expected the path of a .json file")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(
            f"--out {out}: {path.parent} is a file, so the folder cannot be made there"
        )
    problem = folder_problem(path.parent)  # tries for real: permission bits do not tell root
    if problem:
        raise ValueError(f"--out {out}: {problem}")
    return path


def non_finite(value: Any, where: str = "") -> list[tuple[str, float]]:
    """``(path, value)`` of every NaN or infinite float in ``value`` (dicts, lists, tuples),
    paths written as ``runs[0].perplexity``."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [(where or "the value", value)]
    if isinstance(value, dict):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    else:
        return []
    return [found for path, v in items for found in non_finite(v, path)]


def write_results(out: str | Path, report: dict[str, Any]) -> Path:
    """Write ``report`` as strict JSON (relative paths: to the repo root); return the path.
    A NaN or infinite number is refused before anything is written, naming where it sits.

    The file is written next to its place and moved there when complete: an interrupted write
    (a full disk, Ctrl-C) leaves the earlier results as they were, never half a file."""
    for key in ("command", "config", "config_overrides"):
        if key not in report:
            raise ValueError(f"a results file needs {key!r} (see helpers.results.provenance)")
    path = results_path(out).resolve()  # a symlinked results file: its target is rewritten
    bad = non_finite(report)
    if bad:
        shown = ", ".join(f"{where} = {value}" for where, value in bad[:5])
        raise ValueError(
            f"{path}: not written: strict JSON has no NaN or infinity, and the results hold "
            f"{len(bad)} ({shown}); a NaN loss usually means training diverged (try a smaller "
            "learning rate)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=1, allow_nan=False) + "\n"
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    partial = Path(name)  # its own name: two writers never share one
    try:
        partial.write_text(text)
        if path.exists():
            shutil.copymode(path, partial)  # the file keeps its permissions
        else:
            partial.chmod(0o666 & ~current_umask())  # as a new file (mkstemp's is private)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
