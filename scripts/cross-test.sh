#!/usr/bin/env bash
# Builds and runs the checks for one cross target under QEMU:
#   scripts/cross-test.sh [--lower-only] TARGET MODELC [BUILD_ROOT] [SHARED_MODELS] [REFERENCE_DATA]
# TARGET is a toolchain file name in cmake/toolchains (cortex-m3, cortex-m4, cortex-m7,
# cortex-m33, cortex-m55, rv32imc, aarch64-linux, riscv64-linux, riscv64v-linux); MODELC
# the host compiler; REFERENCE_DATA the host build's reference_data folder (the
# operator models' inputs and reference outputs), which adds a firmware check per
# operator model on the bare-metal targets. Exit status 0 only when every check passes.
# With --lower-only, MODELC is tests/lower_only.cc's modelc_lower_only, and it takes
# every model of the checks for the target with modelc's arguments, up to the verified
# LLVM IR; nothing is built or run: the sanitizer build's test suite
# (scripts/sanitize-test.sh) checks modelc's own code there, and LLVM's code generation
# and QEMU would only run again what the normal build's tests run.
set -euo pipefail
lower_only=false
if [ "$1" = --lower-only ]; then lower_only=true; shift; fi
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
if $lower_only; then
  # The models' modelc commands (ninja lists each report twice, relative and under the
  # build folder's absolute path), each "cd FOLDER && MODELC compile ARGUMENTS" with
  # absolute paths and no quoting, as MODELC's argument lists, ';' after each
  # (scripts/lower-models.sh takes them).
  absolute=$(cd "$build" && pwd -P)
  mapfile -t reports < <(ninja -C "$build" -t targets all | sed -n 's|^\(.*\.report\.txt\): CUSTOM_COMMAND$|\1|p' |
                         while IFS= read -r report; do echo "${report#"$absolute"/}"; done | sort -u)
  [ "${#reports[@]}" -gt 0 ] || { echo "cross-test: no models to compile in $build" >&2; exit 1; }
  commands="$build_root-$target.commands"
  ninja -C "$build" -t commands "${reports[@]}" | sed -n 's|^cd [^ ]* && [^ ]* \(compile .*\)$|\1 ;|p' > "$commands"
  if [ "$(wc -l < "$commands")" -ne "${#reports[@]}" ] || grep -q "[\"'\\]" "$commands"; then
    echo "cross-test: the models' commands in $build are not one plain modelc command each" >&2
    exit 1
  fi
  "$root/scripts/lower-models.sh" "$modelc" "$commands"
  echo "$(basename "$modelc") took the ${#reports[@]} models of $target's checks and samples (not run: --lower-only)"
  exit 0
fi
cmake --build "$build"
# Two QEMU runs per core: a firmware image's run takes about 0.1 s, two thirds of it
# QEMU waiting (its start-up and exit), not computing.
ctest --test-dir "$build" --output-on-failure --verbose -j "$(($(nproc) * 2))"
