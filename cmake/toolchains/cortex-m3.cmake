# Cross build for cortex-m3 on QEMU's mps2-an385 board (bare metal, GNU arm-none-eabi):
# no FPU, so floats are passed in integer registers (thumbv7m-none-eabi, soft float) and
# every float operation is a call into libgcc (__aeabi_fadd, __aeabi_fmul, ...). QEMU
# 7.2 has no board with a Cortex-M0+ large enough for the models; the M3 is the
# FPU-less core it can run.
#   cmake -S . -B build-cortex-m3 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cortex-m3.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CORTEX_M_FLAGS "-mcpu=cortex-m3")
set(CORTEX_M_FLOAT_ABI soft)
# The stack measured on QEMU is at most 40 bytes above modelc's bound (the generated
# frames): libgcc's float helpers' frames, which the bound leaves out; never below it.
# The deepest: a cast from float to int64 (__aeabi_f2lz through __aeabi_f2ulz's soft
# double arithmetic; op_reverse_sequence and op_run_time_selection, 40 bytes).
set(MODELC_FIRMWARE_LIBRARY_STACK 40)
# Below the bound by at most 64 bytes: with soft float, LLVM keeps spill slots in a fully
# unrolled kernel's frame that the path taken never writes, and painting cannot see an
# unwritten word (RMSNormalization over [3, 4] groups, tests/models/bitwise_and_rms:
# frame 128 bytes, 56 of them never written; the bound of 224 is the frames' sum).
set(MODELC_FIRMWARE_STACK_BOUND_SLACK 64)
set(MODELC_TARGET_TRIPLE thumbv7m-none-eabi)
set(MODELC_TARGET_CPU cortex-m3)
# No FPU: compiled models requantise int8 sums in fixed point (modelc's default here),
# so the firmware checks compare with the fixed-point references.
set(MODELC_FIXED_POINT_REQUANTIZATION ON)
set(MODELC_QEMU_BOARD_SCRIPT mps2.ld)
set(QEMU_BOARD mps2-an385)
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
