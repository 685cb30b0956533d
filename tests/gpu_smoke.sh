#!/usr/bin/env bash
# GPU smoke check (not part of pytest): on a CUDA machine, run notebook 04 and the command-line
# trainer (python -m helpers.ner train, same recipe) and print device, precision, samples/s, F1;
# then tag a sentence with python -m helpers.ner predict; train once more in fp16 (what GPUs
# without bf16 get: GradScaler, fp16 autocast); then run the other chapters that train (01, 05,
# 06, 07, 08) with their default parameters, their quality bars included.
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

# fp16, as picked on GPUs without native bf16 (T4, V100); forced here on any GPU
COURSE_PRECISION=fp16 python -m helpers.ner train --no-progress --output-dir "$out/cli_fp16" \
  >"$out/cli_fp16.log"
report "helpers.ner, fp16" "$out/cli_fp16/metrics.json"

# the other chapters that train: each must run to its end (asserts and quality bars included)
for nb in 01_concepts 05_mlm 06_nsp 07_clm_vs_mlm 08_pseudo_labelling; do
  extra=()
  [ "$nb" = 05_mlm ] && extra=(-p output_dir "$out/mlm")  # 05 saves its adapted model
  if papermill "notebooks/$nb.ipynb" "$out/$nb.ipynb" "${extra[@]}" >"$out/$nb.log" 2>&1; then
    echo "notebook $nb: ran to its end on the GPU"
  else
    echo "notebook $nb FAILED: see $out/$nb.log and $out/$nb.ipynb"; tail -20 "$out/$nb.log"; exit 1
  fi
done
