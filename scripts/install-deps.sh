#!/usr/bin/env bash
# Installs the Debian 12 packages modelc needs to build and test (run as root, or with
# sudo available). Does nothing when they are all installed already.
set -euo pipefail

packages=(
  cmake ninja-build g++ binutils file
  llvm-19-dev libzstd-dev            # LLVM 19 (its CMake package needs zstd)
  libabsl-dev                        # Status/StatusOr, strings
  libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX parsing, checker, shape inference
  nlohmann-json3-dev                 # the JSON report (--report-json)
  libflatbuffers-dev flatbuffers-compiler        # the TFLite frontend (flatc generates its reader)
  libhdf5-dev libzip-dev pkg-config  # the Keras frontend: HDF5 weights (.h5), the .keras zip archive
  googletest libgtest-dev libgmock-dev           # tests
  clang-19 libclang-rt-19-dev        # the sanitizer build and libFuzzer (scripts/sanitize-test.sh)
  libonnx-testdata                   # ONNX's backend conformance test data
  dpkg-dev                           # the Debian package (cpack -G DEB runs dpkg-shlibdeps)
  python3-numpy python3-pytest       # the Python package's tests (python/)
  python3-venv python3-setuptools    # ... in a virtual environment it is pip-installed into
  # cross targets, run under emulation by the tests
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm   # Cortex-M firmware
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user       # AArch64 Linux
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross               # RISC-V Linux (qemu-user)
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc  # RV32IMC firmware
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
