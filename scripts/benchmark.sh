#!/usr/bin/env bash
# The benchmark (issue: fast generated code): builds modelc, installs ONNX Runtime for
# Node (npm, --ignore-scripts: its install script wants to download GPU files), and
# times modelc against ORT on every model in the given folders (default: ../shared/models
# and models/). Prints a table; writes build/benchmark/benchmark.json.
#   scripts/benchmark.sh [--runs N] [MODEL_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if ! command -v npm >/dev/null; then apt-get install -y -qq npm; fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --target modelc
(cd tools/ort && npm install --ignore-scripts --no-audit --no-fund > /dev/null)
exec node tools/ort/benchmark.js --modelc build/modelc --work build/benchmark "$@"
