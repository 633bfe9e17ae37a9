// What every frontend takes besides the model file: the user's bindings of symbolic
// dimensions, frozen inputs and the cap on a model file's size.
#ifndef MODELC_FRONTEND_IMPORT_OPTIONS_H_
#define MODELC_FRONTEND_IMPORT_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>

namespace modelc {

// The default cap on a model file's size (--max-model-size), and the most any cap may
// be: protobuf cannot parse a message of 2 GiB or more (weights that large belong in
// external data files, which have limits of their own).
inline constexpr int64_t kDefaultMaxModelFileBytes = int64_t{512} << 20;
inline constexpr int64_t kMaxModelFileBytes = (int64_t{2} << 30) - 1;

struct ImportOptions {
  // Values for symbolic dimensions (ONNX dim_param), e.g. {"batch", 1}.
  std::map<std::string, int64_t> dims;
  // Graph inputs fixed at compile time (a configuration flag, a shape, an axis): the
  // input's name -> its values, as "v1,v2,..." in the input's declared type and
  // element count, or "@FILE" naming an ONNX TensorProto file. The input becomes a
  // constant, so everything computed from it folds.
  std::map<std::string, std::string> frozen;
  // Model files larger than this are refused before any byte is read.
  int64_t max_file_bytes = kDefaultMaxModelFileBytes;
  // The symbol --batch named (bound in `dims` too, to one or two samples), or empty;
  // messages about it then name --batch, the flag the user gave, not --dim.
  std::string batch_symbol;
};

// The flag that bound `symbol`, as a user wrote it: "--batch SYMBOL" or "--dim SYMBOL".
inline std::string DimensionFlag(const ImportOptions& options, const std::string& symbol) {
  return (symbol == options.batch_symbol ? "--batch " : "--dim ") + symbol;
}

}  // namespace modelc

#endif  // MODELC_FRONTEND_IMPORT_OPTIONS_H_
