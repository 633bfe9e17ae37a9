# Cross build for cortex-m33 (Armv8-M mainline, single-precision FPU, DSP) on QEMU's
# mps2-an505 board (bare metal, GNU arm-none-eabi):
#   cmake -S . -B build-cortex-m33 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cortex-m33.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CORTEX_M_FLAGS "-mcpu=cortex-m33 -mfpu=fpv5-sp-d16")
set(MODELC_TARGET_TRIPLE thumbv8m.main-none-eabihf)
set(MODELC_TARGET_CPU cortex-m33)
set(MODELC_QEMU_BOARD_SCRIPT mps2_an505.ld)
set(QEMU_BOARD mps2-an505)
set(MODELC_FIRMWARE_STACK_BOUND_SLACK 16)  # measured stack at most this far below modelc's bound
# The FPU is single precision: a float64 model calls libgcc's soft-double helpers
# (__aeabi_dadd, __aeabi_ddiv, ...), whose frames the bound leaves out, as on a core
# without an FPU (op_float64_ops measured 20 bytes above the bound on the M4); a cast
# from float to int64 calls __aeabi_f2lz, which computes through __aeabi_f2ulz's soft
# double arithmetic (op_reverse_sequence and op_run_time_selection: 40 bytes above).
set(MODELC_FIRMWARE_LIBRARY_STACK 40)
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
