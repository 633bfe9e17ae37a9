# Cross build for 64-bit RISC-V Linux (rv64gc, SiFive U74 core), run under qemu-riscv64.
set(MODELC_TARGET_CPU sifive-u74)
set(QEMU_RISCV_CPU rv64)
include(${CMAKE_CURRENT_LIST_DIR}/riscv64-common.cmake)
