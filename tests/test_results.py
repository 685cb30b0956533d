"""Results files say how they were made, and go stale loudly when a default changes."""

import json
from dataclasses import asdict, replace

import pytest

from helpers import bench
from helpers.paths import REPO_ROOT
from helpers.results import command_line, provenance, stale_fields, write_results
from helpers.train import TrainConfig

RESULTS = sorted((REPO_ROOT / "notebooks" / "results").glob("*.json"))


def test_there_are_results_files():
    assert len(RESULTS) >= 5


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.name)
def test_results_file_records_command_and_current_configuration(path):
    record = json.loads(path.read_text())
    assert record["command"].startswith("python -m helpers."), record.get("command")
    assert stale_fields(record) == [], (
        f"{path.name} ran with a configuration that is no longer the default: rerun "
        f"`{record['command']}` (or list the field in config_overrides if the study sets it)"
    )


def test_a_changed_default_makes_a_file_stale():
    record = provenance("python -m helpers.bench recipe", TrainConfig(seed=3), ["seed"])
    assert stale_fields(record) == []
    old = json.loads(json.dumps(record))
    old["config"]["learning_rate"] = 2e-5  # as if the default had been 2e-5 when it ran
    assert stale_fields(old) == ["learning_rate: ran with 2e-05, the default is now 0.0003"]
    old["config_overrides"].append("learning_rate")  # a study that sets it itself is not stale
    assert stale_fields(old) == []
    del old["config"]["warmup"]
    old["config"]["retired_knob"] = 1
    assert stale_fields(old) == [
        "warmup: not in the file (new TrainConfig field)",
        "retired_knob: no longer a TrainConfig field",
    ]
    assert stale_fields({"command": "x"}) != []


def test_provenance_rejects_an_unknown_override():
    with pytest.raises(ValueError, match=r"^overrides \['learning_rat'\]: not TrainConfig fields"):
        provenance("python -m helpers.x", TrainConfig(), ["learning_rat"])


def test_command_line_quotes_arguments():
    assert command_line("helpers.bench", ["ner", "--out", "a b.json"]) == (
        "python -m helpers.bench ner --out 'a b.json'"
    )


def test_write_results_needs_the_provenance(tmp_path):
    with pytest.raises(ValueError, match=r"^a results file needs 'config' \("):
        write_results(tmp_path / "x.json", {"command": "python -m helpers.x"})
    with pytest.raises(ValueError, match=r"^a results file needs 'config_overrides' \("):
        write_results(tmp_path / "x.json", {"command": "python -m helpers.x", "config": {}})
    path = write_results(tmp_path / "x.json", provenance("python -m helpers.x", TrainConfig()))
    assert json.loads(path.read_text())["config"] == asdict(TrainConfig())


def test_a_nan_is_refused_by_where_it_sits_and_nothing_is_written(tmp_path):
    """The old error was json's bare "Out of range float values are not JSON compliant"."""
    report = {
        **provenance("python -m helpers.x", TrainConfig()),
        "runs": [{"seed": 0, "perplexity": 3.5}, {"seed": 1, "perplexity": float("nan")}],
        "best": {"loss": float("inf")},
    }
    path = tmp_path / "r.json"
    with pytest.raises(ValueError, match=r"r\.json: not written: .* 2 \(runs\[1\]\.perplexity "
                       r"= nan, best\.loss = inf\)"):  # fmt: skip
        write_results(path, report)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_the_earlier_results_whole(tmp_path, monkeypatch):
    """write_text used to truncate the file in place: a write stopped halfway (full disk,
    Ctrl-C) left half a JSON file where the earlier results had been."""
    from pathlib import Path

    path = write_results(tmp_path / "r.json", provenance("python -m helpers.x", TrainConfig()))
    before = path.read_text()
    real = Path.write_text

    def half_then_fail(self, data, *args, **kwargs):
        real(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        write_results(path, {**provenance("python -m helpers.y", TrainConfig()), "more": 1})
    monkeypatch.undo()
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no partial file left


def test_a_rewrite_keeps_the_files_permissions_and_follows_a_symlink(tmp_path):
    """Moving a new file into place must not change what the old one was: its mode (mkstemp
    makes private files), or a symlink (replaced by a plain file, its target left stale)."""
    import os

    report = provenance("python -m helpers.x", TrainConfig())
    path = write_results(tmp_path / "r.json", report)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # a new file, as open() makes one
    path.chmod(0o640)
    write_results(path, {**report, "more": 1})
    assert path.stat().st_mode & 0o777 == 0o640 and '"more": 1' in path.read_text()
    link = tmp_path / "link.json"
    link.symlink_to(path)
    write_results(link, {**report, "more": 2})
    assert link.is_symlink() and '"more": 2' in path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "r.json"]


def test_bench_writes_command_and_configuration(tmp_path):
    cfg = replace(TrainConfig(), seed=43, precision="fp32")
    what = {"command": "python -m helpers.bench x", "rows": [1]}
    bench._write_results(str(tmp_path / "r.json"), what, cfg, ["precision", "seed"])
    record = json.loads((tmp_path / "r.json").read_text())
    assert record["command"] == "python -m helpers.bench x" and record["rows"] == [1]
    assert record["config"] == asdict(cfg) and record["config_overrides"] == ["precision", "seed"]
    assert stale_fields(record) == []


def test_a_file_written_before_a_field_existed_ran_with_its_listed_value(monkeypatch):
    """A results file without ``casing`` ran before the casing feature existed, i.e. with it
    off: current while the default is off, stale once the default changes."""
    import functools

    from helpers import results

    assert results.ADDED_FIELDS == {"casing": "off"}
    record = provenance("python -m helpers.bench recipe", TrainConfig(casing="off"), [])
    del record["config"]["casing"]
    monkeypatch.setattr(results, "TrainConfig", functools.partial(TrainConfig, casing="off"))
    assert stale_fields(record) == []
    monkeypatch.setattr(results, "TrainConfig", functools.partial(TrainConfig, casing="auto"))
    assert stale_fields(record) == ["casing: ran with 'off', the default is now 'auto'"]
    record["config_overrides"].append("casing")  # a study that sets it itself is not stale
    assert stale_fields(record) == []


def test_each_study_writes_by_default_the_file_its_notebook_shows():
    """A study's --out default and the file its notebook reads were two literals: renaming one
    would leave the notebook showing the old committed file while the command wrote a new one."""
    import re

    from helpers.paths import NOTEBOOKS_DIR, REPO_ROOT

    def written(module: str) -> set[str]:
        text = (REPO_ROOT / "helpers" / f"{module}.py").read_text()
        return set(re.findall(r'"--out", default="notebooks/results/([\w.]+)"', text))

    def read(notebook: str) -> set[str]:
        cells = json.loads((NOTEBOOKS_DIR / notebook).read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        found = re.findall(r'NOTEBOOKS_DIR / "results" / "([\w.]+)"', code)
        return set(found + re.findall(r'"notebooks/results/([\w.]+)"  #', code))

    studies = ("ablation", "recipe", "frozen", "casing", "levers")
    assert written("bench") == {f"ner_{s}.json" for s in studies}
    # the levers study is quoted in 04's prose and the README, not loaded by a cell
    assert read("04_ner.ipynb") == written("bench") - {"ner_levers.json"}
    assert written("mlm") == read("05_mlm.ipynb") == {"mlm_downstream.json"}
    assert written("pseudo_label") == read("08_pseudo_labelling.ipynb") == {"pseudo_labelling.json"}


def test_the_committed_casing_study_decided_what_casing_auto_does():
    """casing="auto" places the feature at AUTO_PLACEMENT "following" the casing study; a rerun
    of the study that decided otherwise would leave notebook 04 printing one decision while
    training did the other."""
    from helpers.casing import AUTO_PLACEMENT
    from helpers.paths import NOTEBOOKS_DIR

    study = json.loads((NOTEBOOKS_DIR / "results" / "ner_casing.json").read_text())
    assert TrainConfig().casing == "auto"
    assert study["decision"] == AUTO_PLACEMENT
