# Cross build for AArch64 Linux, run under qemu-aarch64 (user mode). The CPU is a
# Cortex-A53: no dot product, no SVE, so code gated on optional features is proven to
# respect --cpu.
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-a53")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(MODELC_TARGET_TRIPLE aarch64-linux-gnu)
set(MODELC_TARGET_CPU cortex-a53)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -cpu cortex-a53)
