#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds and runs tests/install against it
# with find_package(modelc) alone: the package is complete without the source tree.
# With --deb, the Debian package instead: built with cpack, its dependencies checked and
# resolved by apt (a simulated install), and unpacked (not installed: the test must not
# change the machine) as the prefix.
#   tests/install/run.sh [--deb] BUILD_DIR MODEL WORK_DIR
set -euo pipefail
deb=false
if [ "$1" = --deb ]; then deb=true; shift; fi
build=$(realpath "$1")
model=$(realpath "$2")
work=$3
source_dir=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
if $deb; then
  (cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" > cpack.log 2>&1) || { cat "$work/cpack.log"; exit 1; }
  package_file=$(ls "$work"/modelc_*.deb)
  depends=$(dpkg-deb -f "$package_file" Depends)
  echo "package: $(basename "$package_file"), depends: $depends"
  for library in libllvm19 libprotobuf libonnx libabsl; do
    [[ $depends == *"$library"* ]] || { echo "the package does not depend on $library"; exit 1; }
  done
  # apt resolves its dependencies on this machine (simulated: the machine is not changed)
  apt-get install -s -q "$package_file" > "$work/apt-simulation.log" 2>&1 \
    && grep -qE "^Inst modelc |modelc is already the newest version" "$work/apt-simulation.log" \
    || { cat "$work/apt-simulation.log"; echo "apt would not install the package"; exit 1; }
  echo "apt would install it: $(grep -E '^Inst modelc |already the newest' "$work/apt-simulation.log")"
  dpkg-deb -x "$package_file" "$work/root"
  prefix=$work/root/usr
else
  prefix=$work/prefix
  cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
fi
package=$(dirname "$(find "$prefix" -name modelcConfig.cmake | head -1)")
for file in "$prefix/bin/modelc" "$prefix/include/modelc/abi.h" "$package/modelcConfigVersion.cmake" \
            "$package/modelcTargets.cmake" "$package/ModelcAddModel.cmake" "$package/toolchains/cortex-m4.cmake"; do
  [ -e "$file" ] || { echo "not installed: $file"; exit 1; }
done
cmake -S "$source_dir" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model"
cmake --build "$work/consumer"
"$work/consumer/consumer"
# A toolchain file that names only the triple (no CPU) gets that triple's usual core with
# its FPU, not LLVM's FPU-less generic CPU.
echo 'set(MODELC_TARGET_TRIPLE thumbv7em-none-eabihf)' > "$work/triple-only.cmake"
{ cmake -S "$source_dir" -B "$work/triple-only" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model" \
    -DCMAKE_TOOLCHAIN_FILE="$work/triple-only.cmake" -DMODEL_ONLY=ON \
  && cmake --build "$work/triple-only" --target digits; } > "$work/triple-only.log" 2>&1 \
  || { cat "$work/triple-only.log"; exit 1; }
report=$work/triple-only/modelc/digits/digits.report.txt
grep -q "^target: *thumbv7em-.*-eabihf (cpu cortex-m4)" "$report" \
  || { echo "a toolchain file with only MODELC_TARGET_TRIPLE did not compile for the Cortex-M4:"; grep -m1 target "$report"; exit 1; }
echo "toolchain file naming only the triple: $(grep -m1 -o 'thumbv7em-.*-eabihf (cpu [a-z0-9-]*)' "$report")"
