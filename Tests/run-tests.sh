#!/usr/bin/env bash
# FlowGen's test command (the README's second command). Builds once, runs every xunit project, reruns
# the SIMD kernel tests with AVX-512, AVX2 and all hardware intrinsics disabled, and prints one closing
# line "N passed, N failed[, N skipped]" summed over all runs. FLOWGEN_SLOW_TESTS=1 adds the slow suites.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

# Native test dependencies bundled by .ci/run (ONNX Runtime from npm); tests skip with a reason if absent.
ort="$root/.ci/ort/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
[ -f "$ort" ] && export FLOWGEN_ORT_LIB="${FLOWGEN_ORT_LIB:-$ort}"
[ -f /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ] && export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}"
export MESA_SHADER_CACHE_DISABLE=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! dotnet build FlowGen.sln -c Release -v quiet -nologo; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The C ABI: libflowgen.so (NativeAOT) + include/flowgen.h, which a C test program links (Runtime.Tests/Native).
native="$root/artifacts/native"
if dotnet publish Runtime/FlowGen.Native/FlowGen.Native.csproj -c Release -r linux-x64 -o "$native" -v quiet -nologo >"$results/native-publish.log" 2>&1; then
  export FLOWGEN_NATIVE_DIR="$native"
else
  tail -n 20 "$results/native-publish.log"
  echo "native library publish failed: counted as one failure"
  echo 1 > "$results/native-publish.rc"
fi

run() { # name, project, extra args... A run that crashes (non-zero exit, no failures in its TRX) counts as one failure.
  local name=$1 proj=$2; shift 2
  dotnet test "$proj" -c Release --no-build --nologo -v quiet \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" \
    | grep -vE '^\s*$|TestAdapterPath|test files matched' | tail -n 40
  echo "${PIPESTATUS[0]}" > "$results/$name.rc"
}

for proj in Tests/FlowGen.*.Tests/FlowGen.*.Tests.csproj; do
  run "$(basename "$proj" .csproj)" "$proj"
done
# The same kernel tests on narrower SIMD paths (ImageSharp's FeatureTestRunner idea, as separate runs).
for flag in EnableAVX512F EnableAVX2 EnableHWIntrinsic; do
  env "DOTNET_$flag=0" bash -c "$(declare -f run); results='$results'; run 'kernels-no-$flag' Tests/FlowGen.Runtime.Tests/FlowGen.Runtime.Tests.csproj --filter Category=Kernels"
done

python3 - "$results" <<'PY'
import sys, glob, re
import os
p = f = s = 0
for rc_path in glob.glob(sys.argv[1] + "/*.rc"):
    name = rc_path[:-3]
    rc = int(open(rc_path).read().strip() or 1)
    c = {}
    if os.path.exists(name + ".trx"):
        text = open(name + ".trx", encoding="utf-8", errors="replace").read()
        m = re.search(r"<Counters ([^>]*)/>", text)
        if m: c = dict(re.findall(r'(\w+)="(\d+)"', m.group(1)))
    failed = int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    if rc != 0 and failed == 0:
        print(f"{os.path.basename(name)}: test run exited with {rc} without reporting a failed test (crash?)")
        failed = 1
    p += int(c.get("passed", 0)); f += failed; s += int(c.get("notExecuted", 0))
line = f"{p} passed, {f} failed" + (f", {s} skipped" if s else "")
print(line)
sys.exit(1 if f else 0)
PY
