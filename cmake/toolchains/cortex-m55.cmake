# Cross build for cortex-m55 on QEMU's mps3-an547 board (bare metal, GNU arm-none-eabi):
#   cmake -S . -B build-cortex-m55 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cortex-m55.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CORTEX_M_FLAGS "-mcpu=cortex-m55")
set(MODELC_TARGET_TRIPLE thumbv8.1m.main-none-eabihf)
set(MODELC_TARGET_CPU cortex-m55)
set(MODELC_QEMU_BOARD_SCRIPT mps3_an547.ld)
set(QEMU_BOARD mps3-an547)
# A 64-bit division (a QLinearSoftmax's under --optimize size) calls libgcc's
# __aeabi_ldivmod, whose frames (with __udivmoddi4's) the bound leaves out:
# size_tflite_int8_softmax measured 52 bytes beyond the generated frames at the call.
set(MODELC_FIRMWARE_LIBRARY_STACK 52)
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
