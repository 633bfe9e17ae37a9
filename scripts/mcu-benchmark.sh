#!/usr/bin/env bash
# The instruction-count benchmark for microcontrollers (issue #16): builds modelc for
# the host, a calibration image and one bare-metal image per model for the target
# (tools/mcu_benchmark), runs each under qemu-system-arm -icount shift=0, where one
# instruction is one virtual nanosecond, and reads SysTick around one inference. Fails
# when the counter misses its calibration, and reports no figures for a model whose
# output differs from ONNX Runtime's. Prints a table; writes
# build/benchmark/mcu-TARGET.json. Called by scripts/benchmark.sh --target TARGET.
#   scripts/mcu-benchmark.sh --target cortex-m3|cortex-m4|cortex-m7|cortex-m33|cortex-m55 [--optimize memory|balanced|speed|size]
#                            [--requantize float|fixed-point] [MODEL_DIR]
# --optimize is modelc's (default: memory, its default for microcontrollers); a speed or
# balanced or size run writes build/benchmark/mcu-TARGET-speed.json, -balanced.json or -size.json.
# --requantize is modelc's too (default: the target's, fixed point on the FPU-less
# Cortex-M3); given, the file name says it (mcu-TARGET-fixed-point.json).
# MODEL_DIR (default ../shared/models) holds NAME.onnx, NAME.input.bin and
# NAME.ort_out.bin (ONNX Runtime's outputs for that input). The int8 networks of
# tests/data/int8 (NAME_int8.onnx) run beside them, checked against the reference
# evaluator run on the integer ops they compile to (tests/reference_data.cc --networks;
# ORT's own results for them are checked bit for bit by the test suite), so a float
# network's row can give its int8 form's figures.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/benchmark.sh --target cortex-m3|cortex-m4|cortex-m7|cortex-m33|cortex-m55 [--optimize memory|balanced|speed|size] [--requantize float|fixed-point] [MODEL_DIR]" >&2
  exit 2
}
target=""
optimize=memory
requantize=""
models=""
while [ $# -gt 0 ]; do
  case $1 in
    --target)
      [ $# -ge 2 ] || { echo "mcu-benchmark: error: --target needs a value" >&2; usage; }
      target=$2
      shift 2
      ;;
    --target=*) target=${1#--target=}; shift ;;
    --optimize)
      [ $# -ge 2 ] || { echo "mcu-benchmark: error: --optimize needs a value" >&2; usage; }
      optimize=$2
      shift 2
      ;;
    --optimize=*) optimize=${1#--optimize=}; shift ;;
    --requantize)
      [ $# -ge 2 ] || { echo "mcu-benchmark: error: --requantize needs a value" >&2; usage; }
      requantize=$2
      shift 2
      ;;
    --requantize=*) requantize=${1#--requantize=}; shift ;;
    -h | --help) usage ;;
    -*) echo "mcu-benchmark: error: unknown option '$1'" >&2; usage ;;
    *) [ -z "$models" ] || usage; models=$1; shift ;;
  esac
done
case $target in
  cortex-m3 | cortex-m4 | cortex-m7 | cortex-m33 | cortex-m55) ;;
  "") echo "mcu-benchmark: error: --target is required" >&2; usage ;;
  *) echo "mcu-benchmark: error: unknown target '$target' (cortex-m3, cortex-m4, cortex-m7, cortex-m33 or cortex-m55)" >&2; exit 2 ;;
esac
case $optimize in
  memory) suffix="" ;;
  balanced) suffix="-balanced" ;;
  speed) suffix="-speed" ;;
  size) suffix="-size" ;;
  *) echo "mcu-benchmark: error: --optimize takes 'memory', 'balanced', 'speed' or 'size', not '$optimize'" >&2; exit 2 ;;
esac
case $requantize in
  "") ;;
  float | fixed-point) suffix="$suffix-$requantize" ;;
  *) echo "mcu-benchmark: error: --requantize takes 'float' or 'fixed-point', not '$requantize'" >&2; exit 2 ;;
esac
# The int8 networks' references requantise as the images will: fixed point where asked,
# or by default on a core without an FPU (its toolchain file says so).
reference_flags=()
if [ "$requantize" = fixed-point ] ||
   { [ -z "$requantize" ] && grep -q "^set(MODELC_FIXED_POINT_REQUANTIZATION ON)" "cmake/toolchains/$target.cmake"; }; then
  reference_flags=(--requantize fixed-point)
fi
if [ -z "$models" ]; then
  models=../shared/models
  if [ ! -d "$models" ]; then
    echo "mcu-benchmark: no ../shared/models (the shared benchmark models are absent); skipping"
    exit 0
  fi
elif [ ! -d "$models" ]; then
  echo "mcu-benchmark: error: no model folder at $models" >&2
  exit 1
fi
models=$(realpath "$models")
if ! compgen -G "$models/*.onnx" > /dev/null; then
  echo "mcu-benchmark: no .onnx models in $models; skipping"
  exit 0
fi

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --target modelc modelc_reference_data

# One folder with the float networks and the int8 ones with their references.
stage=build/mcu-benchmark/models
rm -rf "$stage"
mkdir -p "$stage"
for model in "$models"/*.onnx; do
  stem=$(basename "$model" .onnx)
  ln -s "$model" "$stage/$stem.onnx"
  for data in input.bin ort_out.bin; do
    [ -f "$models/$stem.$data" ] && ln -s "$models/$stem.$data" "$stage/$stem.$data"
  done
done
int8_networks=(tests/data/int8/*_int8.onnx)
if [ -f "${int8_networks[0]}" ]; then
  build/tests/modelc_reference_data "${reference_flags[@]}" --networks "$stage" "${int8_networks[@]}"
  for model in "${int8_networks[@]}"; do
    stem=$(basename "$model" .onnx)
    ln -s "$PWD/$model" "$stage/$stem.onnx"
    mv "$stage/$stem.reference.bin" "$stage/$stem.ort_out.bin"
  done
fi
# The MLPerf-Tiny-style TFLite models (tests/data/tflite, tests/data/tflite_int8; the
# samples each file holds) and the int8 LSTM test model on their first sample, against
# the TFLite reference kernels' output for it.
for entry in "tflite ds_cnn_kws 3" "tflite_int8 ds_cnn_kws 12" "tflite_int8 resnet8 12" \
             "tflite_int8 mobilenet_v1_025_vww 3" "tflite_int8 fc_autoencoder 12" "tflite_int8 lstm 12"; do
  read -r folder name samples <<< "$entry"
  model=tests/data/$folder/$name.tflite
  [ -f "$model" ] || continue
  stem=${folder}_$name
  ln -s "$PWD/$model" "$stage/$stem.tflite"
  for data in "inputs input" "outputs ort_out"; do
    read -r kind ending <<< "$data"
    file=${model%.tflite}.$kind.bin
    head -c $(( $(stat -c %s "$file") / samples )) "$file" > "$stage/$stem.$ending.bin"
  done
done
models=$(realpath "$stage")

work=build/mcu-benchmark/$target$suffix
mkdir -p "$work" build/benchmark
cmake -S tools/mcu_benchmark -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/$target.cmake" -DMODELC_EXECUTABLE="$PWD/build/modelc" \
  -DMCU_BENCHMARK_MODELS="$models" -DMCU_BENCHMARK_OPTIMIZE="$optimize" -DMCU_BENCHMARK_REQUANTIZE="$requantize" \
  > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; echo "mcu-benchmark: error: configuring $work failed" >&2; exit 1; }
sed -n 's/^-- mcu benchmark: /mcu-benchmark: /p' "$work/configure.log"
# A model modelc cannot compile leaves its image out (no stale image from an earlier
# build stands in for it: images are relinked every time); its row says so.
rm -f "$work"/*.elf
cmake --build "$work" -- -k 0 || echo "mcu-benchmark: some images did not build (above)" >&2

# Each image prints its results through semihosting and exits with its verdict.
logs=$work/logs
rm -rf "$logs"
mkdir -p "$logs"
while IFS=$'\t' read -r name board image _; do
  if [ ! -f "$image" ]; then
    echo "the image did not build" > "$logs/$name.log"
    echo 1 > "$logs/$name.status"
    continue
  fi
  status=0
  timeout 600 qemu-system-arm -M "$board" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 -kernel "$image" \
    < /dev/null > "$logs/$name.log" 2>&1 || status=$?
  echo "$status" > "$logs/$name.status"
done < "$work/images.tsv"

exec /usr/bin/python3 tools/mcu_benchmark/summarize.py --target "$target" --manifest "$work/images.tsv" \
  --logs "$logs" --json "build/benchmark/mcu-$target$suffix.json"
