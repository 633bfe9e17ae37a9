# Shared by the Cortex-M toolchain files: bare metal with the GNU arm-none-eabi
# toolchain, models compiled by modelc for MODELC_TARGET_TRIPLE / MODELC_TARGET_CPU,
# firmware run on QEMU_BOARD under semihosting. The including file sets CORTEX_M_FLAGS,
# MODELC_TARGET_TRIPLE, MODELC_TARGET_CPU, MODELC_QEMU_BOARD_SCRIPT and QEMU_BOARD, and
# CORTEX_M_FLOAT_ABI for a core without an FPU (soft; default hard), and may set
# MODELC_FIRMWARE_LIBRARY_STACK and MODELC_FIRMWARE_STACK_BOUND_SLACK (the firmware
# checks' limits on the measured stack above and below modelc's bound; see
# tests/cross/cortex_m/check_model.c).
if(NOT CORTEX_M_FLOAT_ABI)
  set(CORTEX_M_FLOAT_ABI hard)
endif()
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "${CORTEX_M_FLAGS} -mthumb -mfloat-abi=${CORTEX_M_FLOAT_ABI}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${CORTEX_M_FLAGS} -mthumb -mfloat-abi=${CORTEX_M_FLOAT_ABI}")
# Timeouts come from the tests: a broken image spins forever.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-system-arm -M ${QEMU_BOARD} -nographic -monitor none -serial none
    -semihosting-config enable=on,target=native -kernel)
