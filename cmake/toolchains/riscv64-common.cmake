# Shared by the RISC-V Linux toolchain files: static binaries from Debian's
# riscv64-linux-gnu GCC, run under qemu-riscv64 with QEMU_RISCV_CPU. The including file
# sets MODELC_TARGET_CPU and QEMU_RISCV_CPU.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(MODELC_TARGET_TRIPLE riscv64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64 -cpu ${QEMU_RISCV_CPU})
