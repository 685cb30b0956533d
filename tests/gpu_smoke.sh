#!/usr/bin/env bash
# GPU smoke check (not part of pytest): run notebook 04 on a CUDA machine and print device, time, F1.
# Usage, inside the course environment on a machine with an NVIDIA GPU:
#   bash tests/gpu_smoke.sh [extra papermill args, e.g. -p epochs 7]
set -euo pipefail
cd "$(dirname "$0")/.."
python - <<'PY'
import torch
assert torch.cuda.is_available(), "no CUDA device visible to torch"
print("device:", torch.cuda.get_device_name(0), "| torch", torch.__version__)
PY
out=$(mktemp -d)
papermill notebooks/04_ner.ipynb "$out/04_gpu.ipynb" -p output_dir runs/gpu_smoke "$@" >/dev/null
python - <<'PY'
import json
r = json.load(open("runs/gpu_smoke/metrics.json"))
assert r["device"] == "cuda", f"trained on {r['device']}, not cuda"
print(f"device={r['device']} precision={r['precision']} train_seconds={r['train_seconds']} "
      f"samples_per_second={r['samples_per_second']} test_f1={r['test']['f1']:.3f}")
PY
