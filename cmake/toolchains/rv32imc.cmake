# Cross build for 32-bit RISC-V bare metal without FPU or atomics: RV32IMC, ilp32 (soft
# float: every float operation is a call into libgcc, __addsf3, __mulsf3, ...), the
# SiFive E20's instruction set. Firmware from Debian's riscv64-unknown-elf GCC with
# picolibc, run on QEMU's virt board in machine mode (-bios none) with a CPU whose F, D
# and A extensions are off, so an instruction outside RV32IMC traps, under semihosting:
#   cmake -S . -B build-rv32imc -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/rv32imc.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# picolibc's headers here; its library and link specs come with MODELC_FIRMWARE_LIBC_SPECS.
set(CMAKE_C_FLAGS_INIT "-march=rv32imc -mabi=ilp32 -isystem /usr/lib/picolibc/riscv64-unknown-elf/include")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-march=rv32imc -mabi=ilp32")

set(MODELC_TARGET_TRIPLE riscv32-unknown-elf)
set(MODELC_TARGET_CPU sifive-e20)
# No FPU: compiled models requantise int8 sums in fixed point (modelc's default here),
# so the firmware checks compare with the fixed-point references.
set(MODELC_FIXED_POINT_REQUANTIZATION ON)
set(MODELC_QEMU_BOARD_SCRIPT riscv_virt.ld)
set(MODELC_FIRMWARE_STARTUP startup_riscv.c)
set(MODELC_FIRMWARE_LIBC_SPECS picolibc.specs)
set(QEMU_BOARD virt)
# The stack measured on QEMU lies within 16 bytes below modelc's bound (the generated
# frames) and at most 48 above it: the frames of libgcc's __mulsf3 and __divsf3 (32
# bytes each; __addsf3 16) and, in a float64 model, __muldf3 and __divdf3 (48), which
# the bound leaves out.
set(MODELC_FIRMWARE_LIBRARY_STACK 48)
set(MODELC_FIRMWARE_STACK_BOUND_SLACK 16)
# libgcc's float helpers' frames (Debian 12's GCC 12, rv32im/ilp32 multilib, read with
# objdump: `addi sp,sp,-N`; the comparisons, __fixsfsi and picolibc's memset/memcpy
# take none), and its soft-double helpers' (a float64 model's). With them, the report's
# bound through each library call (the generated frames in use there plus the helper's)
# bounds the measured peak too, and the measured peak lies at most
# MODELC_FIRMWARE_STACK_BOUND_SLACK bytes below it.
set(MODELC_FIRMWARE_LIBRARY_FRAMES "__addsf3=16,__subsf3=16,__mulsf3=32,__divsf3=32,__floatsisf=16,__floatunsisf=16,\
__fixsfdi=16,__floatdisf=32,__adddf3=32,__subdf3=32,__muldf3=48,__divdf3=48,__floatsidf=16,__floatdidf=32,__fixdfdi=16,__extendsfdf2=16")
# Timeouts come from the tests: a broken image spins forever.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-system-riscv32 -M virt -cpu rv32,a=false,f=false,d=false -bios none
    -nographic -monitor none -serial none -semihosting-config enable=on,target=native -kernel)
