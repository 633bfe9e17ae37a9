# Cross build for 64-bit RISC-V Linux with the vector extension (SiFive X280: RVV 1.0,
# VLEN 512), run under qemu-riscv64 with a matching vector unit.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

set(MODELC_TARGET_TRIPLE riscv64-linux-gnu)
set(MODELC_TARGET_CPU sifive-x280)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64 -cpu rv64,v=true,vlen=512,elen=64)
