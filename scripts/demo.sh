#!/usr/bin/env bash
# The main job: install dependencies, build modelc, compile the shipped digit models
# with it (through the CMake function modelc_add_model) and run the firmware-style
# sample that links them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target digits_sample
echo
echo "== compile report of digits_cnn (build/samples/modelc/digits_cnn/digits_cnn.report.txt) =="
sed -n '1,12p' build/samples/modelc/digits_cnn/digits_cnn.report.txt
echo
echo "== samples/digits: both models on held-out images =="
build/samples/digits_sample
