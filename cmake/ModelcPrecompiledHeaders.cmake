# Precompiled headers. Most of a translation unit's compile time here is parsing
# third-party headers, not our code: LLVM's IRBuilder.h alone is about half of a
# kernel file's time (compiler/ops/lrn/lrn.cc: 6.8 s of CPU without, 2.4 s with; the
# `modelc` target from clean, Release with GCC 12: 862 s of CPU without, 522 s with). Each
# target precompiles the headers its sources share once; every source still includes
# what it uses, so a build without them (-DMODELC_PRECOMPILED_HEADERS=OFF) is the same
# program.
option(MODELC_PRECOMPILED_HEADERS "Precompile the third-party headers each target's sources share" ON)

set(MODELC_COMMON_HEADERS
  <algorithm> <cstdint> <functional> <map> <memory> <optional> <string> <string_view> <utility> <vector>
  [["absl/status/status.h"]] [["absl/status/statusor.h"]] [["absl/strings/str_cat.h"]])

# modelc_precompile_headers(target [extra headers...]): the common headers and the
# target's own heavy ones (LLVM's for the backend, ONNX's protobuf for the frontend).
function(modelc_precompile_headers target)
  if(MODELC_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} PRIVATE ${MODELC_COMMON_HEADERS} ${ARGN})
  endif()
endfunction()
