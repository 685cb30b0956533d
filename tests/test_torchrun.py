"""``torchrun --nproc_per_node 2 -m helpers.ner train``: distributed data parallel on CPU (gloo).

Each process reports (``--rank-report``) its world size, backend, optimizer steps, a SHA-256 of
its final weights and every path it wrote; the test checks DDP really ran, that ``--batch-size``
is the global batch, and that only rank 0 writes the run's outputs.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from helpers.paths import CORPUS_TEST, CORPUS_TRAIN, REPO_ROOT

N_TRAIN, BATCH, EPOCHS, PROCESSES = 22, 4, 2, 2


ARGS = ["--n-sentences", str(N_TRAIN), "--validation-size", "0", "--epochs", str(EPOCHS)]
ARGS += ["--batch-size", str(BATCH), "--learning-rate", "1e-3", "--precision", "fp32"]
ARGS += ["--data", str(CORPUS_TRAIN), "--test", str(CORPUS_TEST), "--no-progress"]


@pytest.fixture(scope="module")
def ddp_run(tiny_model_dir, module_dir):
    """One ``torchrun --nproc_per_node 2`` run of the tiny model: (process, output dir, reports)."""
    tmp_path = module_dir("ddp")
    out_dir, reports = tmp_path / "run", tmp_path / "ranks"
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "CUDA_VISIBLE_DEVICES": "",  # two CPU processes (gloo) on any machine, GPUs or not
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    cmd += ["--nproc_per_node", str(PROCESSES), "-m", "helpers.ner", "train", *ARGS]
    cmd += ["--model", tiny_model_dir, "--output-dir", str(out_dir), "--rank-report", str(reports)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, out_dir, reports


@pytest.mark.slow
def test_two_processes_train_one_model_with_the_global_batch(ddp_run):
    proc, out_dir, reports = ddp_run
    r0, r1 = (json.loads((reports / f"rank{r}.json").read_text()) for r in (0, 1))
    assert [r0["rank"], r1["rank"]] == [0, 1]
    assert r0["world_size"] == r1["world_size"] == PROCESSES
    assert r0["backend"] == r1["backend"] == "gloo"  # the Trainer's choice on CPU
    assert r0["n_train"] == N_TRAIN
    # one model: gradients were averaged every step, so both replicas end bit-identical
    assert r0["weights_sha256"] == r1["weights_sha256"]
    # --batch-size is global: each process takes BATCH / PROCESSES sentences per step, and the
    # number of optimizer steps is what one process with batch BATCH would take
    assert r0["per_device_batch"] == r1["per_device_batch"] == BATCH // PROCESSES
    steps = math.ceil(N_TRAIN / BATCH) * EPOCHS
    assert r0["global_step"] == r1["global_step"] == r0["max_steps"] == steps
    # (per-device semantics would give ceil(22 / 8) * 2 = 6 steps; two independent
    # single-process runs with batch 2 would give 22 steps each)

    # only rank 0 writes the run's outputs; rank 1 wrote nothing there at all
    assert sorted(p.name for p in out_dir.iterdir()) == ["metrics.json", "model"]
    assert str(out_dir / "metrics.json") in r0["writes"]
    assert not [p for p in r1["writes"] if p.startswith(str(out_dir))], r1["writes"]
    report = json.loads((out_dir / "metrics.json").read_text())
    assert report["parameters"]["batch_size"] == BATCH
    assert report["parameters"]["processes"] == PROCESSES
    assert report["parameters"]["per_device_batch_size"] == BATCH // PROCESSES
    assert proc.stdout.count("overall") == 1  # one metrics table, printed by rank 0


@pytest.mark.slow
def test_two_processes_log_the_loss_one_process_logs(ddp_run, tiny_model_dir, tmp_path):
    """Same global batch, same data: the per-epoch train loss of DDP is close to one process's
    (not equal: the batch is split and the length-grouped order is sharded)."""
    from helpers import ner

    _, out_dir, _ = ddp_run
    assert ner.main(["train", *ARGS, "--model", tiny_model_dir, "--output-dir", str(tmp_path)]) == 0
    one = json.loads((tmp_path / "metrics.json").read_text())["history"]
    two = json.loads((out_dir / "metrics.json").read_text())["history"]
    assert [h["train_loss"] for h in two] == pytest.approx([h["train_loss"] for h in one], rel=0.1)
