// All-or-nothing output: files are written under temporary names in the destination
// folder and renamed into place only when every one was written.
#ifndef MODELC_DRIVER_OUTPUT_FILES_H_
#define MODELC_DRIVER_OUTPUT_FILES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace modelc {

struct OutputFile {
  std::string path;
  std::string contents;
};

[[nodiscard]] absl::Status WriteOutputFilesAtomically(const std::vector<OutputFile>& files);

}  // namespace modelc

#endif  // MODELC_DRIVER_OUTPUT_FILES_H_
