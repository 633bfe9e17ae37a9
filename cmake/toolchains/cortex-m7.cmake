# Cross build for cortex-m7 on QEMU's mps2-an500 board (bare metal, GNU arm-none-eabi):
#   cmake -S . -B build-cortex-m7 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cortex-m7.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CORTEX_M_FLAGS "-mcpu=cortex-m7 -mfpu=fpv5-d16")
set(MODELC_TARGET_TRIPLE thumbv7em-none-eabihf)
set(MODELC_TARGET_CPU cortex-m7)
set(MODELC_QEMU_BOARD_SCRIPT mps2.ld)
set(QEMU_BOARD mps2-an500)
set(MODELC_FIRMWARE_STACK_BOUND_SLACK 16)  # measured stack at most this far below modelc's bound
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
