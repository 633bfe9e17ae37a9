# Cross build for 64-bit RISC-V Linux with the vector extension (SiFive X280: RVV 1.0,
# VLEN 512), run under qemu-riscv64 with a matching vector unit.
set(MODELC_TARGET_CPU sifive-x280)
set(QEMU_RISCV_CPU rv64,v=true,vlen=512,elen=64)
include(${CMAKE_CURRENT_LIST_DIR}/riscv64-common.cmake)
