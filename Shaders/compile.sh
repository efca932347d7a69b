#!/usr/bin/env bash
# Recompiles every GLSL shader here to SPIR-V (committed next to its source; the demo embeds the .spv).
# Tests/FlowGen.Demo.Tests/ShaderFreshnessTests checks the committed files match this script's output.
set -euo pipefail
cd "$(dirname "$0")"
for f in *.vert *.frag *.comp; do
  [ -e "$f" ] || continue
  glslc -O "$f" -o "$f.spv"
done
