#!/usr/bin/env bash
# GPU smoke check (not part of pytest): on a CUDA machine, run notebook 04 and the command-line
# trainer (python -m helpers.ner train, same recipe) and print device, precision, samples/s, F1;
# then tag a sentence with python -m helpers.ner predict.
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

# every run writes into a new temporary folder: a folder holding an earlier run would be kept and
# the new run saved beside it (X-2), so a fixed folder could report an old run
out=$(mktemp -d)
echo "runs and logs: $out"
papermill notebooks/04_ner.ipynb "$out/04_gpu.ipynb" -p output_dir "$out/notebook" "$@" >/dev/null
report "notebook 04" "$out/notebook/metrics.json"

python -m helpers.ner train --no-progress --output-dir "$out/cli" >"$out/cli.log"
report "python -m helpers.ner" "$out/cli/metrics.json"
# the predict command tags on the GPU too (one JSON line per text)
python -m helpers.ner predict --model "$out/cli" "Leila Haddad flew from Tunis to Brussels on Monday ."

if [ "$gpus" -gt 1 ]; then
  # --batch-size is the global batch (default 8): use 2, 4 or 8 processes so that it divides
  n=2; for k in 4 8; do [ "$gpus" -ge "$k" ] && n=$k; done
  torchrun --standalone --nproc_per_node "$n" -m helpers.ner train --no-progress \
    --output-dir "$out/ddp" >"$out/ddp.log"
  report "torchrun x$n" "$out/ddp/metrics.json"
fi
