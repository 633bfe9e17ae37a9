// Flag parsing for `modelc compile`.
#include "compiler/driver/options.h"

#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "compiler/backend/c_names.h"
#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {

const char kUsage[] = R"(usage: modelc compile MODEL [MODEL...] [options]
       modelc run MODEL --input FILE... [run options] [compile options]
       modelc quantize MODEL --calibration DIR -o OUT.onnx [quantize options]
       modelc targets      the targets modelc is tested on, with their CPUs
       modelc --version    modelc's version and commit, LLVM's, and its architectures

Compiles an ONNX model (binary .onnx or ONNX text syntax) or a float32 or int8 TFLite model
(.tflite, told by its content) into NAME.o, NAME.h and NAME.report.txt. The object
needs no allocator, no libm and no runtime library.

options:
  -o, --output-dir DIR   the folder to write the files into, made if missing (default:
                         current directory)
  --name NAME            C symbol prefix, a C identifier (default: the model file's
                         name, sanitised). Symbols: NAME_run, NAME_run_generic,
                         NAME_model_info; macros NAME_SCRATCH_SIZE etc. (upper case)
  --target TRIPLE        LLVM target triple, e.g. thumbv7em-none-eabihf,
                         aarch64-linux-gnu (default: this machine)
  --cpu NAME             LLVM CPU name, e.g. cortex-m4 (default: this machine's CPU
                         for the host target; for Cortex-M triples the usual core
                         with its FPU, e.g. thumbv7em -> cortex-m4, thumbv8.1m.main ->
                         cortex-m55; for bare-metal riscv32 sifive-e20 (RV32IMC); for
                         riscv64 Linux sifive-u74 (RV64GC, lp64d); "generic" otherwise)
  --dim SYMBOL=VALUE     bind a symbolic input dimension, e.g. --dim batch=1
                         (repeatable; every symbolic dimension must be bound)
  --freeze NAME=VALUES   fix the graph input NAME at compile time (a configuration
                         flag, a shape, axes, a step count): VALUES is "v1,v2,..." in
                         the input's declared type and element count, or @FILE with an
                         ONNX TensorProto. Everything computed from it folds; the input
                         leaves the entry point (repeatable)
  --connect A:T=B:U       with several models: model A's output T feeds model B's input
                         U (repeatable; A:T+C:V=B:U concatenates along axis 1). All
                         models become one entry point NAME_run; tensors are named
                         MODEL.TENSOR; a model's name is its file name. Needs --name
  --outputs T1,T2        also return these tensors (any named tensor, e.g. an
                         intermediate activation); each becomes an extra output
  --inputs T3,T4         cut the model at these tensors: each becomes an input and
                         whatever only fed it is dropped; a weight named here becomes
                         a run-time input (update it without recompiling)
  --batch SYMBOL         run-time batch size: the inputs' and outputs' first dimension is
                         the symbolic dimension SYMBOL; compiles one sample and adds
                         NAME_run_batched(batch, ...), with the scratch of one sample.
                         Refused when the model mixes samples (checked at compile time)
  --weights external     put the weights (and everything derived from them) in
                         NAME.weights.bin instead of the object; the entry points take
                         `const void *weights` and refuse a blob of another model
  --weights embedded     the default: weights are read-only data in the object
  --weights-int8 keep    weight-only quantised products (MatMul / Gemm of float data
                         and DequantizeLinear of constant int8 weights) keep their
                         weights int8 in flash, dequantised in the kernel (a quarter
                         of the float weights); the default where the target has an FPU
  --weights-int8 fold    fold such weights into float weights (the default on cores
                         without an FPU: no int-to-float conversion per product)
  --requantize float     int8 convolutions and matrix products scale their int32 sums
                         by a float multiplier, as ONNX Runtime does (bit-exact with
                         it); the default where the target has an FPU
  --requantize fixed-point
                         by an int32 multiplier and shift per output channel, as
                         TFLite's reference kernels do: integers only; the default on
                         cores without an FPU (at most one step from the float form)
  --quantize int8        quantise the float model first, as modelc quantize does (below),
  --calibration DIR      on the samples in DIR, and compile the int8 model; writes
                         NAME_int8.onnx and NAME_int8.quantize.txt beside the object
  --optimize memory      the default on bare-metal targets (microcontrollers): no
                         kernel workspace in proportion to a whole tensor where a
                         smaller one does (e.g. a band of padded rows for a padded
                         convolution, not a padded copy of its input)
  --optimize balanced    as memory, but a kernel's workspace may lift the arena by up
                         to 1/32 of the activation bound (3%) where it buys a faster
                         kernel (e.g. int8 convolutions' DSP-pairs window buffers)
  --optimize speed       the default elsewhere: the fastest kernels, whatever their
                         workspace
  --optimize size        planned as memory, with the least code: scalar tiles, node
                         functions of the same shape shared, no unrolling but of
                         innermost loops of up to four iterations, LLVM's size
                         pipeline (code bytes in the report)
  --trace                also emit NAME_run_traced, which calls a callback after every
                         operator with each tensor it produced (name, shape, data);
                         without the flag nothing of it is in the object
  --report-json          also write NAME.report.json: per node its op, kernel, output
                         shapes, MACs, weight bytes, bytes live and workspace; totals
  --memory-svg           also write NAME.memory.svg, a picture of the memory plan
  --dump-ir              print the graph IR after all passes to standard output
  --dump-ir-after=PASS   print the graph IR after PASS (repeatable): "import", "all",
                         or one of: fuse-quantized-ops, keep-int8-weights, fold-constants,
                         eliminate-common-subexpressions, sink-transposes,
                         fold-batchnorm, fuse-quantized-batchnorm, fuse-matmul-bias,
                         fuse-layernorm, fuse-residual-add, fuse-input-quantize,
                         fuse-input-quantize-matmul, fuse-output-dequantize-matmul,
                         fuse-activations, globalize-pools,
                         absorb-output-transposes, simplify-transposes,
                         eliminate-dead-nodes, requantize-fixed-point,
                         prepare-constants (after the lowering
                         plan: the kernels' repacked and transformed constants)
  --dump-llvm            print the generated LLVM IR (before optimisation)
  --dump-plan            print the lowering plan: per node its kernel, tiles and
                         workspace buffers, per tensor its layout
  --max-ram BYTES        refuse the model when its scratch needs more (a plain number,
                         or with K or M for KiB or MiB), naming the step at the peak
                         and what is live there
  --pool NAME=BYTES      split the scratch over memory regions passed separately
                         (repeatable, fastest first, e.g. --pool dtcm=64K --pool
                         sram=256K): the placement with the fewest bytes in all, ties
                         to the most-touched tensors in the first pool; the entry points
                         take one pointer per pool (void
                         *pool_NAME) instead of the scratch, the generic one an array of
                         them; macros NAME_POOL_<POOL>_SIZE and _ALIGNMENT. Refused,
                         naming a tensor, when the pools are too small
  --max-flash BYTES      refuse the model when its code and read-only data need more,
                         naming the largest weights
  --max-model-size BYTES refuse model files larger than this before reading them
                         (default 512M; at most 2G - 1, protobuf's limit)
  --kernel NODE=VARIANT  run convolution NODE with VARIANT (repeatable; for tests and
                         experiments): direct, blocked, blocked-clipped,
                         channel-tiles, winograd, channels-last-depthwise. Refused
                         when it cannot run the node. For a quantised convolution,
                         workspace-free: the kernel memory mode takes where a
                         workspace would lift the arena above the activation bound

modelc run compiles MODEL for this machine into a temporary folder, runs it on the
given inputs and prints its outputs (it needs a C compiler, $CC or cc, to link the
object into a shared library). Every compile option applies except -o, --target,
--cpu and --weights external. Run options:
  --input FILE           one per model input, in the model's order: a NumPy .npy
                         file or an ONNX TensorProto (.pb, as in ONNX's test data)
  --expect FILE          one per output, in order: the expected tensor; a float
                         element matches within atol + rtol * |expected|, others
                         exactly. Exit status 1 when any output differs
  --rtol R, --atol A     the tolerances (default 1e-3 and 1e-5)
  --save-outputs DIR     write each output as DIR/output_<i>.npy

modelc quantize writes an int8 QDQ ONNX model of a float ONNX model (ONNX Runtime
runs it too; modelc compiles it to integer kernels), calibrated on sample inputs run
through the float model on this machine (it needs cc, as modelc run does):
BatchNormalization folded into the Conv or Gemm before it; Conv, Gemm and MatMul
weights int8, symmetric, per output channel, their biases int32; activations int8
with a zero point (a Relu or Clip from 0 after a layer absorbed into its range); Add,
average pools, Softmax and the ops that pass values through (MaxPool, Flatten,
Reshape, ...) int8.
It writes OUT.quantize.txt beside the model: each int8 tensor's scale, zero point,
range and SQNR (float model against int8 model, on the calibration samples).
  --calibration DIR      the samples, in natural name order (input_2 before input_10):
                         a .npy or .pb file per sample, or raw .bin files of whole
                         samples of the input; a model with several inputs takes a
                         subfolder per sample, one file per input
  -o, --output FILE      the int8 model (and FILE's stem + .quantize.txt)
  --method minmax        ranges from the smallest and largest values seen (default)
  --method percentile    ranges keeping --percentile P percent of the values seen
                         (default 99.999), cutting outliers evenly at both ends
  --dim, --max-model-size  as for modelc compile

other commands:
  modelc --help          this text
  modelc --version       the compiler version

exit status: 0 on success, 1 when the model cannot be compiled, 2 on a usage error.
)";

const char* OptimizeForName(OptimizeFor goal) {
  switch (goal) {
    case OptimizeFor::kMemory:
      return "memory";
    case OptimizeFor::kBalanced:
      return "balanced";
    case OptimizeFor::kSpeed:
      return "speed";
    case OptimizeFor::kSize:
      return "size";
  }
  return "?";
}

std::optional<OptimizeFor> OptimizeForFromName(const std::string& name) {
  for (OptimizeFor goal : {OptimizeFor::kMemory, OptimizeFor::kBalanced, OptimizeFor::kSpeed, OptimizeFor::kSize}) {
    if (name == OptimizeForName(goal)) return goal;
  }
  return std::nullopt;
}

namespace {

// Pools: a parameter and two macros each; more than a handful is a mistake.
constexpr size_t kMaxPools = 8;
constexpr size_t kMaxPoolNameLength = 32;

// A byte count: a plain number, or with K, M or G for KiB, MiB or GiB; at most 1 TiB.
absl::StatusOr<int64_t> ParseBytes(const std::string& flag, std::string digits, const std::string& given) {
  int64_t unit = 1;
  if (!digits.empty() && (digits.back() == 'K' || digits.back() == 'M' || digits.back() == 'G')) {
    unit = int64_t{1} << (digits.back() == 'K' ? 10 : digits.back() == 'M' ? 20 : 30);
    digits.pop_back();
  }
  int64_t bytes = 0;
  if (!absl::SimpleAtoi(digits, &bytes) || bytes < 1 || bytes > (int64_t{1} << 40) / unit) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " expects a positive number of bytes (e.g. 65536 or 64K), got '", given, "'"));
  }
  return bytes * unit;
}

}  // namespace

absl::StatusOr<CompileOptions> ParseCompileOptions(const std::vector<std::string>& args) {
  CompileOptions options;
  std::vector<std::string> positional;
  bool quantize = false;  // --quantize int8, which needs --calibration
  std::set<std::string> given_once;  // flags that take one value: a second one is an error, not "the last wins"
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string flag = arg, value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      flag = arg.substr(0, arg.find('='));
      value = arg.substr(arg.find('=') + 1);
      has_inline_value = true;
    }
    static const std::set<std::string> kSingleValued = {"-o", "--output-dir", "--name", "--target", "--cpu",
                                                         "--weights", "--batch", "--max-ram", "--max-flash", "--max-model-size",
                                                         "--optimize", "--weights-int8", "--requantize", "--quantize",
                                                         "--calibration"};
    if (kSingleValued.count(flag)) {
      const std::string canonical = flag == "-o" ? "--output-dir" : flag;
      if (!given_once.insert(canonical).second) return absl::InvalidArgumentError(absl::StrCat(flag, " is given twice"));
    }
    auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (has_inline_value) return value;
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      return args[++i];
    };
    if (flag == "-o" || flag == "--output-dir") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      options.output_dir = given;
    } else if (flag == "--name") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      if (!IsValidCIdentifier(given)) {
        return absl::InvalidArgumentError(absl::StrCat("--name '", given, "' is not a usable C identifier; try --name ",
                                                       SanitizeCIdentifier(given)));
      }
      options.name = given;
    } else if (flag == "--target") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      options.target = given;
    } else if (flag == "--cpu") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      options.cpu = given;
    } else if (flag == "--dim") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      const size_t equals = given.find('=');
      int64_t dim = 0;
      if (equals == std::string::npos || equals == 0 ||
          !absl::SimpleAtoi(given.substr(equals + 1), &dim) || dim < 1 || dim > (int64_t{1} << 31)) {
        return absl::InvalidArgumentError(absl::StrCat("--dim expects SYMBOL=VALUE with a positive VALUE, got '", given, "'"));
      }
      if (!options.dims.emplace(given.substr(0, equals), dim).second) {
        return absl::InvalidArgumentError(absl::StrCat("--dim binds '", given.substr(0, equals), "' twice"));
      }
    } else if (flag == "--freeze") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      const size_t equals = given.find('=');
      if (equals == std::string::npos || equals == 0 || equals + 1 == given.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--freeze expects NAME=VALUES or NAME=@FILE, got '", given, "'"));
      }
      options.frozen[given.substr(0, equals)] = given.substr(equals + 1);
    } else if (flag == "--dump-ir" && !has_inline_value) {
      options.dump_ir = true;
    } else if (flag == "--outputs" || flag == "--inputs") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      for (const std::string& name : std::vector<std::string>(absl::StrSplit(given, ',', absl::SkipEmpty()))) {
        (flag == "--outputs" ? options.extra_outputs : options.cut_inputs).push_back(name);
      }
    } else if (flag == "--dump-ir-after") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      bool known = given == "import" || given == "all" || given == kPrepareConstantsStage;
      for (const Pass& pass : DefaultPipeline()) known |= given == pass.name;
      if (!known) return absl::InvalidArgumentError(absl::StrCat("--dump-ir-after: no pass named '", given, "'"));
      options.dump_ir_after.push_back(given);
    } else if (flag == "--connect") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      options.connections.push_back(given);
    } else if (flag == "--weights") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      if (given != "external" && given != "embedded") {
        return absl::InvalidArgumentError(absl::StrCat("--weights takes 'external' or 'embedded', not '", given, "'"));
      }
      options.external_weights = given == "external";
    } else if (flag == "--quantize") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      if (given != "int8") return absl::InvalidArgumentError(absl::StrCat("--quantize takes 'int8', not '", given, "'"));
      quantize = true;
    } else if (flag == "--calibration") {
      ASSIGN_OR_RETURN(options.quantize_calibration, take_value());
      if (options.quantize_calibration.empty()) return absl::InvalidArgumentError("--calibration needs a folder");
    } else if (flag == "--weights-int8") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      if (given != "keep" && given != "fold") {
        return absl::InvalidArgumentError(absl::StrCat("--weights-int8 takes 'keep' or 'fold', not '", given, "'"));
      }
      options.keep_int8_weights = given == "keep";
    } else if (flag == "--requantize") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      if (given != "float" && given != "fixed-point") {
        return absl::InvalidArgumentError(
            absl::StrCat("--requantize takes 'float' or 'fixed-point', not '", given, "'"));
      }
      options.fixed_point_requantization = given == "fixed-point";
    } else if (flag == "--optimize") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      const std::optional<OptimizeFor> goal = OptimizeForFromName(given);
      if (!goal) {
        return absl::InvalidArgumentError(
            absl::StrCat("--optimize takes 'memory', 'balanced', 'speed' or 'size', not '", given, "'"));
      }
      options.optimize = goal;
    } else if (flag == "--batch") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      options.batch_symbol = given;
    } else if (flag == "--trace" && !has_inline_value) {
      options.trace = true;
    } else if (flag == "--dump-llvm" && !has_inline_value) {
      options.dump_llvm = true;
    } else if (flag == "--report-json" && !has_inline_value) {
      options.report_json = true;
    } else if (flag == "--memory-svg" && !has_inline_value) {
      options.memory_svg = true;
    } else if (flag == "--dump-plan" && !has_inline_value) {
      options.dump_plan = true;
    } else if (flag == "--max-ram" || flag == "--max-flash" || flag == "--max-model-size") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      ASSIGN_OR_RETURN(const int64_t bytes, ParseBytes(flag, given, given));
      if (flag == "--max-model-size" && bytes > kMaxModelFileBytes) {
        return absl::InvalidArgumentError(absl::StrCat("--max-model-size can be at most ", kMaxModelFileBytes,
                                                       " bytes: protobuf cannot read a larger model file"));
      }
      (flag == "--max-ram" ? options.max_ram : flag == "--max-flash" ? options.max_flash : options.max_model_size) =
          bytes;
    } else if (flag == "--pool") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      const size_t equals = given.find('=');
      if (equals == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("--pool expects NAME=BYTES (e.g. dtcm=64K), got '", given, "'"));
      }
      PoolRequest pool{given.substr(0, equals), 0};
      ASSIGN_OR_RETURN(pool.capacity, ParseBytes(flag, given.substr(equals + 1), given));
      // No trailing '_': NAME_POOL_<POOL>_SIZE would hold "__", reserved to the implementation.
      if (!IsValidCIdentifier(pool.name) || pool.name.back() == '_' || pool.name.size() > kMaxPoolNameLength) {
        return absl::InvalidArgumentError(
            absl::StrCat("--pool: the pool name in '", given, "' must be a C identifier of at most ", kMaxPoolNameLength,
                         " characters, not ending in '_' (it names a parameter and macros)"));
      }
      for (const PoolRequest& other : options.pools) {
        if (absl::AsciiStrToUpper(other.name) == absl::AsciiStrToUpper(pool.name)) {
          return absl::InvalidArgumentError(absl::StrCat("--pool names '", other.name, "' and '", pool.name,
                                                         "' give the same macros: name them apart"));
        }
      }
      if (options.pools.size() == kMaxPools) {
        return absl::InvalidArgumentError(absl::StrCat("--pool: at most ", kMaxPools, " pools"));
      }
      options.pools.push_back(std::move(pool));
    } else if (flag == "--kernel") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      const size_t equals = given.rfind('=');
      if (equals == std::string::npos || equals == 0 || equals + 1 == given.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--kernel expects NODE=VARIANT, got '", given, "'"));
      }
      options.forced_kernels[given.substr(0, equals)] = given.substr(equals + 1);
    } else if (!arg.empty() && arg[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '", arg, "' (see modelc --help)"));
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.empty()) return absl::InvalidArgumentError("no model file given");
  if (positional.size() > 1 && options.name.empty()) {
    return absl::InvalidArgumentError("several models compile into one object: give it a --name");
  }
  if (positional.size() == 1 && !options.connections.empty()) {
    return absl::InvalidArgumentError("--connect needs two or more model files");
  }
  if (quantize != !options.quantize_calibration.empty()) {
    return absl::InvalidArgumentError("--quantize int8 and --calibration DIR go together");
  }
  if (quantize && positional.size() > 1) {
    return absl::InvalidArgumentError("--quantize quantises one model: quantise each with modelc quantize first");
  }
  options.model_path = positional[0];
  options.model_paths = positional;
  if (options.name.empty()) options.name = ModelCNameOfFile(options.model_path);
  return options;
}

std::string ModelStemOfFile(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".onnx") stem.resize(stem.size() - 5);
  return stem;
}

std::string ModelCNameOfFile(const std::string& path) { return SanitizeCIdentifier(ModelStemOfFile(path), "model"); }

}  // namespace modelc
