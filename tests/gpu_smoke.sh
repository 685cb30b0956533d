#!/usr/bin/env bash
# GPU smoke check (not part of pytest): on a CUDA machine, run notebook 04 and the command-line
# trainer (python -m helpers.ner train, same recipe) and print device, precision, samples/s, F1.
# With more than one GPU it also runs the command under torchrun, one process per GPU (nccl).
# Usage, inside the course environment on a machine with an NVIDIA GPU:
#   bash tests/gpu_smoke.sh [extra papermill args, e.g. -p epochs 7]
set -euo pipefail
cd "$(dirname "$0")/.."
gpus=$(python - <<'PY'
import torch
assert torch.cuda.is_available(), "no CUDA device visible to torch"
print(torch.cuda.device_count())
PY
)
python -c "import torch; print('device:', torch.cuda.get_device_name(0), '| GPUs:', torch.cuda.device_count(), '| torch', torch.__version__)"

report() {  # report NAME metrics.json
  python - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
assert r["device"] == "cuda", f"{name} trained on {r['device']}, not cuda"
p = r["parameters"]
print(f"{name:<22} device={r['device']} precision={r['precision']} "
      f"processes={p.get('processes', 1)} batch={p['batch_size']} "
      f"train_seconds={r['train_seconds']} samples_per_second={r['samples_per_second']} "
      f"test_f1={r['test']['f1']:.3f}")
PY
}

out=$(mktemp -d)
papermill notebooks/04_ner.ipynb "$out/04_gpu.ipynb" -p output_dir runs/gpu_smoke "$@" >/dev/null
report "notebook 04" runs/gpu_smoke/metrics.json

python -m helpers.ner train --no-progress --output-dir runs/gpu_smoke_cli >"$out/cli.log"
report "python -m helpers.ner" runs/gpu_smoke_cli/metrics.json

if [ "$gpus" -gt 1 ]; then
  # --batch-size is the global batch (default 8): use 2, 4 or 8 processes so that it divides
  n=2; for k in 4 8; do [ "$gpus" -ge "$k" ] && n=$k; done
  torchrun --standalone --nproc_per_node "$n" -m helpers.ner train --no-progress \
    --output-dir runs/gpu_smoke_ddp >"$out/ddp.log"
  report "torchrun x$n" runs/gpu_smoke_ddp/metrics.json
fi
