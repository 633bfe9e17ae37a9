# Cross build for 64-bit RISC-V Linux (rv64gc, SiFive U74 core), run under qemu-riscv64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(MODELC_TARGET_TRIPLE riscv64-linux-gnu)
set(MODELC_TARGET_CPU sifive-u74)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64 -cpu rv64)
