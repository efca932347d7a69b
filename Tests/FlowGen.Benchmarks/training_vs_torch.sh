#!/usr/bin/env bash
# Training throughput, FlowGen vs PyTorch 1.13, reference config (glow L=3 K=4 hidden 64, batch 64, 2 threads),
# measured side by side in one run: the two trainers alternate ROUNDS times and the script prints each
# run's samples/s and the ratio of the medians. Usage: Tests/FlowGen.Benchmarks/training_vs_torch.sh [STEPS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-150}; rounds=${2:-2}
out=$(mktemp -d)
dotnet build Training/FlowGen.Cli -c Release -v quiet -nologo >/dev/null
for r in $(seq 1 "$rounds"); do
  /usr/bin/python3 Tests/FlowGen.Benchmarks/training_throughput_torch.py --dem data/jacksboro_fault_dem.npz --steps "$steps" --threads 2 | tee -a "$out/torch.jsonl"
  dotnet Training/FlowGen.Cli/bin/Release/net10.0/flowgen.dll train --data data/jacksboro_fault_dem.npz --out "$out/fg$r" \
    --steps "$steps" --threads 2 --eval-every 100000 --test-count 256 --sample-every 0 --checkpoint-every 100000 --no-export --json \
    | tee -a "$out/flowgen.jsonl"
done
python3 - "$out" <<'PY'
import json, statistics, sys
d = sys.argv[1]
t = [json.loads(l)["samples_per_s"] for l in open(d + "/torch.jsonl")]
f = [json.loads(l)["samples_per_s"] for l in open(d + "/flowgen.jsonl")]
rss = [json.loads(l)["peak_rss_mb"] for l in open(d + "/flowgen.jsonl")]
print(json.dumps(dict(pytorch_samples_per_s=t, flowgen_samples_per_s=f, flowgen_peak_rss_mb=max(rss),
                      ratio_flowgen_over_pytorch=statistics.median(f) / statistics.median(t))))
PY
