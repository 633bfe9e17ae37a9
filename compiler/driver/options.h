// Command-line options of `modelc compile` and their parsing.
#ifndef MODELC_DRIVER_OPTIONS_H_
#define MODELC_DRIVER_OPTIONS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/planning/pool_planner.h"

namespace modelc {

// What --optimize favours (memory_first.h says how each plans kernels).
enum class OptimizeFor { kMemory, kBalanced, kSpeed, kSize };
// The flag's word for each ("memory", ...), and back (nullopt for any other word).
const char* OptimizeForName(OptimizeFor goal);
std::optional<OptimizeFor> OptimizeForFromName(const std::string& name);

struct CompileOptions {
  std::string model_path;                // the first model (messages, report)
  std::vector<std::string> model_paths;  // all models; several are linked by --connect
  std::vector<std::string> connections;  // --connect
  std::string output_dir = ".";
  std::string name;    // C symbol prefix; derived from the file name when empty
  std::string target;  // LLVM triple; host when empty
  std::string cpu;
  std::map<std::string, int64_t> dims;
  std::map<std::string, std::string> frozen;  // --freeze NAME=VALUES
  bool dump_ir = false;                    // the graph after all passes
  std::vector<std::string> dump_ir_after;  // "import", pass names, or "all"
  bool dump_llvm = false;
  bool dump_plan = false;                  // the lowering plan
  std::map<std::string, std::string> forced_kernels;  // --kernel NODE=VARIANT
  std::optional<int64_t> max_ram;    // --max-ram: bytes of scratch the model may need
  std::optional<int64_t> max_flash;  // --max-flash: bytes of code and read-only data
  std::optional<int64_t> max_model_size;  // --max-model-size: bytes a model file may hold
  std::vector<PoolRequest> pools;          // --pool NAME=BYTES, in the order given (fastest first)
  bool report_json = false;          // --report-json: also NAME.report.json
  bool memory_svg = false;           // --memory-svg: also NAME.memory.svg
  std::vector<std::string> extra_outputs;  // --outputs
  std::vector<std::string> cut_inputs;     // --inputs
  bool trace = false;                      // --trace
  std::string batch_symbol;                // --batch: a run-time batch over this symbolic dimension
  bool external_weights = false;           // --weights external
  // --optimize memory|balanced|speed|size; unset: memory on bare-metal targets, speed elsewhere.
  std::optional<OptimizeFor> optimize;
  // --weights-int8 keep|fold: weight-only int8 weights (DequantizeLinear of constant
  // int8 weights before a float product) kept int8 and dequantised in the kernel, or
  // folded into float weights; unset: keep where the target has an FPU.
  std::optional<bool> keep_int8_weights;
  // --requantize float|fixed-point: how quantised convolutions and matrix products scale
  // their int32 sums to int8 (ONNX Runtime's float multiplier, or TFLite's int32
  // multiplier and shift); unset: float where the target has an FPU, else fixed point.
  std::optional<bool> fixed_point_requantization;
  // --quantize int8 --calibration DIR: the float model quantised first (as modelc
  // quantize does, into NAME_int8.onnx and NAME_int8.quantize.txt beside the object),
  // and that model compiled. Empty: the model compiles as given.
  std::string quantize_calibration;
};

// Parses the arguments after "compile". Errors are InvalidArgument with a message
// fit for the user.
absl::StatusOr<CompileOptions> ParseCompileOptions(const std::vector<std::string>& args);

// A model's name from its file: the file name without its extension (and without a
// second ".onnx", as in kws.onnx.txt), e.g. for MODEL.TENSOR names under --connect.
std::string ModelStemOfFile(const std::string& path);
// The C identifier a model's file name gives (the default --name): its stem sanitised,
// "model" when no letter or digit of it is left (a file named in another script).
std::string ModelCNameOfFile(const std::string& path);

extern const char kUsage[];

// The --dump-ir-after stage after the lowering plan's constant preparation.
inline constexpr char kPrepareConstantsStage[] = "prepare-constants";

}  // namespace modelc

#endif  // MODELC_DRIVER_OPTIONS_H_
