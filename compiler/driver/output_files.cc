// Atomic multi-file output.
#include "compiler/driver/output_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace modelc {

absl::Status WriteOutputFilesAtomically(const std::vector<OutputFile>& files) {
  namespace fs = std::filesystem;
  // A missing output folder is made now that everything else has succeeded, and
  // removed again if writing fails.
  std::vector<fs::path> made;
  for (const OutputFile& file : files) {
    for (fs::path folder = fs::path(file.path).parent_path(); !folder.empty() && !fs::exists(folder);
         folder = folder.parent_path()) {
      made.insert(made.begin(), folder);
    }
  }
  for (const fs::path& folder : made) {
    std::error_code error;
    if (!fs::create_directory(folder, error) && error) {
      return absl::UnavailableError(absl::StrCat("cannot create folder '", folder.string(), "': ", error.message()));
    }
  }
  std::vector<std::string> temporaries;
  auto clean_up = [&] {
    std::error_code ignored;
    for (const std::string& path : temporaries) fs::remove(path, ignored);
    for (auto folder = made.rbegin(); folder != made.rend(); ++folder) fs::remove(*folder, ignored);
  };
  for (const OutputFile& file : files) {
    const std::string temporary = absl::StrCat(file.path, ".tmp.", getpid());
    temporaries.push_back(temporary);
    std::ofstream stream(temporary, std::ios::binary | std::ios::trunc);
    stream.write(file.contents.data(), static_cast<std::streamsize>(file.contents.size()));
    stream.close();
    if (!stream) {
      clean_up();
      return absl::UnavailableError(absl::StrCat("cannot write '", file.path, "'"));
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::error_code error;
    fs::rename(temporaries[i], files[i].path, error);
    if (error) {
      clean_up();
      return absl::UnavailableError(absl::StrCat("cannot create '", files[i].path, "': ", error.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace modelc
