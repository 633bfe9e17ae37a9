#!/usr/bin/env bash
# Builds and runs the checks for one cross target under QEMU:
#   scripts/cross-test.sh [--build-only] TARGET MODELC [BUILD_ROOT] [SHARED_MODELS] [REFERENCE_DATA]
# TARGET is a toolchain file name in cmake/toolchains (cortex-m3, cortex-m4, cortex-m7,
# cortex-m33, cortex-m55, rv32imc, aarch64-linux, riscv64-linux, riscv64v-linux); MODELC
# the host compiler; REFERENCE_DATA the host build's reference_data folder (the
# operator models' inputs and reference outputs), which adds a firmware check per
# operator model on the bare-metal targets. Exit status 0 only when every check passes.
# With --build-only, modelc compiles every model of the checks for the target, and
# nothing else is built or run: the sanitizer build's test suite
# (scripts/sanitize-test.sh) checks modelc itself, and QEMU would only run again the
# code that the normal build's tests run.
set -euo pipefail
build_only=false
if [ "$1" = --build-only ]; then build_only=true; shift; fi
target=$1
modelc=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
build_root=${3:-$root/build/cross}
shared=${4:-$root/../shared/models}
reference_data=${5:+$(realpath "$5")}
build="$build_root/$target"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$target.cmake" \
  -DMODELC_EXECUTABLE="$modelc" -DMODELC_SHARED_MODELS="$shared" -DMODELC_REFERENCE_DATA="$reference_data" > "$build_root-$target.configure.log" 2>&1 ||
  { cat "$build_root-$target.configure.log"; exit 1; }
if $build_only; then
  # Only modelc's outputs (each model's object, header and report): the firmware's C
  # code, its embedded data and its static libraries are the cross toolchain's work,
  # which the normal build does (about half of a bare-metal suite's build time).
  # Ninja lists each output twice, relative and under the build folder's absolute path.
  absolute=$(cd "$build" && pwd -P)
  mapfile -t reports < <(ninja -C "$build" -t targets all | sed -n 's|^\(.*\.report\.txt\): CUSTOM_COMMAND$|\1|p' |
                         while IFS= read -r report; do echo "${report#"$absolute"/}"; done | sort -u)
  [ "${#reports[@]}" -gt 0 ] || { echo "cross-test: no models to compile in $build" >&2; exit 1; }
  ninja -C "$build" "${reports[@]}"
  echo "compiled the ${#reports[@]} models of $target's checks and samples (not run: --build-only)"
  exit 0
fi
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure --verbose
