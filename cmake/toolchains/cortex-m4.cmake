# Cross build for cortex-m4 on QEMU's mps2-an386 board (bare metal, GNU arm-none-eabi):
#   cmake -S . -B build-cortex-m4 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/cortex-m4.cmake \
#         -DMODELC_EXECUTABLE=/path/to/host/modelc
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mthumb -mfloat-abi=hard")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mthumb -mfloat-abi=hard")

# What modelc_add_model compiles models for.
set(MODELC_TARGET_TRIPLE thumbv7em-none-eabihf)
set(MODELC_TARGET_CPU cortex-m4)
# How the firmware is laid out and run (timeouts come from the tests: a broken image spins).
set(MODELC_QEMU_BOARD_SCRIPT mps2.ld)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none
    -semihosting-config enable=on,target=native -kernel)
