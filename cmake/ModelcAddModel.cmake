# modelc_add_model(<target> MODEL <file.onnx>
#                  [NAME <c-identifier>] [TARGET_TRIPLE <triple>] [CPU <cpu>]
#                  [DIMS <symbol=value>...] [FREEZE <input=values>...] [OUTPUT_DIR <dir>]
#                  [OUTPUTS <tensor>...] [INPUTS <tensor>...] [BATCH <symbol>]
#                  [WEIGHTS external|embedded] [TRACE] [LINK <more.onnx>...]
#                  [CONNECT <model:tensor=model:tensor>...] [POOLS <name=bytes>...]
#                  [OPTIONS <extra flags>...])
#
# Compiles an ONNX model with modelc at build time and makes <target> a static library
# holding the generated object; linking <target> also puts the folder of NAME.h on the
# include path. The model is recompiled when the model file or the compiler changes.
# NAME defaults to <target>. TARGET_TRIPLE / CPU default to MODELC_TARGET_TRIPLE /
# MODELC_TARGET_CPU when set (e.g. by a cross toolchain file), otherwise the host.
# The compiler is the in-tree `modelc` target if there is one, else MODELC_EXECUTABLE,
# else the installed package's modelc::modelc (find_package(modelc)).
# FREEZE, OUTPUTS, INPUTS, BATCH, WEIGHTS and TRACE are modelc's --freeze, --outputs,
# --inputs, --batch, --weights and --trace (see `modelc --help`); LINK adds models compiled into the same
# object, CONNECT (modelc's --connect) feeds outputs of one into inputs of another; with WEIGHTS external the target property
# MODELC_WEIGHTS_FILE names the blob to pass at run time. POOLS (modelc's --pool, fastest
# first, e.g. POOLS dtcm=64K sram=256K) splits the scratch over memory regions the
# firmware places itself: the entry points then take one pointer per pool. The target
# properties MODELC_OBJECT and MODELC_REPORT name the object and the report, and
# MODELC_ARGUMENTS holds modelc's arguments (compile MODEL ... flags).
function(modelc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "TRACE" "MODEL;NAME;TARGET_TRIPLE;CPU;OUTPUT_DIR;BATCH;WEIGHTS"
                        "DIMS;FREEZE;OPTIONS;OUTPUTS;INPUTS;LINK;CONNECT;POOLS")
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "modelc_add_model(${target}): MODEL is required")
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${target})
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/modelc/${target})
  endif()
  if(NOT ARG_TARGET_TRIPLE AND DEFINED MODELC_TARGET_TRIPLE)
    set(ARG_TARGET_TRIPLE ${MODELC_TARGET_TRIPLE})
  endif()
  if(NOT ARG_CPU AND DEFINED MODELC_TARGET_CPU)
    set(ARG_CPU ${MODELC_TARGET_CPU})
  endif()
  get_filename_component(model ${ARG_MODEL} ABSOLUTE)

  if(TARGET modelc)
    set(compiler $<TARGET_FILE:modelc>)
    set(compiler_dependency modelc)
  elseif(MODELC_EXECUTABLE)
    set(compiler ${MODELC_EXECUTABLE})
    set(compiler_dependency ${MODELC_EXECUTABLE})
  elseif(TARGET modelc::modelc)
    set(compiler $<TARGET_FILE:modelc::modelc>)
    set(compiler_dependency $<TARGET_FILE:modelc::modelc>)
  else()
    message(FATAL_ERROR "modelc_add_model: no modelc: find_package(modelc), or set MODELC_EXECUTABLE")
  endif()

  set(flags --name ${ARG_NAME} -o ${ARG_OUTPUT_DIR})
  if(ARG_TARGET_TRIPLE)
    list(APPEND flags --target ${ARG_TARGET_TRIPLE})
  endif()
  if(ARG_CPU)
    list(APPEND flags --cpu ${ARG_CPU})
  endif()
  foreach(dim IN LISTS ARG_DIMS)
    list(APPEND flags --dim ${dim})
  endforeach()
  foreach(pool IN LISTS ARG_POOLS)
    list(APPEND flags --pool ${pool})
  endforeach()
  foreach(frozen IN LISTS ARG_FREEZE)
    list(APPEND flags --freeze ${frozen})
  endforeach()
  if(ARG_OUTPUTS)
    list(JOIN ARG_OUTPUTS "," outputs)
    list(APPEND flags --outputs ${outputs})
  endif()
  if(ARG_INPUTS)
    list(JOIN ARG_INPUTS "," inputs)
    list(APPEND flags --inputs ${inputs})
  endif()
  if(ARG_BATCH)
    list(APPEND flags --batch ${ARG_BATCH})
  endif()
  if(ARG_WEIGHTS)
    list(APPEND flags --weights ${ARG_WEIGHTS})
  endif()
  if(ARG_TRACE)
    list(APPEND flags --trace)
  endif()
  set(linked)
  foreach(extra IN LISTS ARG_LINK)
    get_filename_component(extra ${extra} ABSOLUTE)
    list(APPEND linked ${extra})
  endforeach()
  foreach(connection IN LISTS ARG_CONNECT)
    list(APPEND flags --connect ${connection})
  endforeach()
  list(APPEND flags ${ARG_OPTIONS})

  set(object ${ARG_OUTPUT_DIR}/${ARG_NAME}.o)
  set(header ${ARG_OUTPUT_DIR}/${ARG_NAME}.h)
  set(report ${ARG_OUTPUT_DIR}/${ARG_NAME}.report.txt)
  set(weights)
  if(ARG_WEIGHTS STREQUAL "external" OR ARG_OPTIONS MATCHES "--weights;external")
    set(weights ${ARG_OUTPUT_DIR}/${ARG_NAME}.weights.bin)
  endif()
  file(MAKE_DIRECTORY ${ARG_OUTPUT_DIR})
  add_custom_command(
    OUTPUT ${object} ${header} ${report} ${weights}
    COMMAND ${compiler} compile ${model} ${linked} ${flags}
    DEPENDS ${model} ${linked} ${compiler_dependency}
    COMMENT "modelc: compiling ${ARG_MODEL} as ${ARG_NAME}"
    VERBATIM)
  set_source_files_properties(${object} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC ${object} ${header})
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} INTERFACE ${ARG_OUTPUT_DIR})
  set_property(TARGET ${target} PROPERTY MODELC_REPORT ${report})
  set_property(TARGET ${target} PROPERTY MODELC_OBJECT ${object})
  set_property(TARGET ${target} PROPERTY MODELC_ARGUMENTS compile ${model} ${linked} ${flags})
  # With OPTIONS --weights external: the blob the program must pass at run time.
  set_property(TARGET ${target} PROPERTY MODELC_WEIGHTS_FILE "${weights}")
endfunction()
