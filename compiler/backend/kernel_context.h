// Backend-internal: what a kernel emitter works with while it writes the LLVM IR of
// one node: the builder positioned inside the node's function, the node, pointers to
// its inputs and outputs, and small helpers for loops, loads and constants.
#ifndef MODELC_BACKEND_KERNEL_CONTEXT_H_
#define MODELC_BACKEND_KERNEL_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/backend/constant_store.h"
#include "compiler/backend/target.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/lowering/vector_epilogue.h"
#include "compiler/ops/own_op_hooks.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

namespace modelc {

// for (i = begin; i < end; ++i) body(i) at the builder's position, the induction
// variable of begin's type; returns the loop's latch branch (for loop metadata).
// `rotated` (--optimize size): what LLVM's size pipeline would leave undone, done here.
// The loop tests at the bottom only (run-time bounds: after a test before it); with
// constant bounds no iteration emits nothing and one emits the body once (no latch:
// nullptr). O3 does the same its own way (measured: doing it here costs up to 1.4% on
// Cortex-M4 there).
llvm::BranchInst* EmitCountedLoop(llvm::IRBuilder<>& b, llvm::Value* begin, llvm::Value* end,
                                  const std::function<void(llvm::Value*)>& body, bool rotated = false);

// `value` through an empty inline assembly statement: the same value, which LLVM cannot
// see through (nor hoist what is computed from it out of the loop it is made in).
llvm::Value* OpaqueToOptimizer(llvm::IRBuilder<>& b, llvm::Value* value);

// What a node's kernels asked of its plan (the kernel, and in trace builds the planar
// copy after it), checked against the lowering plan once the module is built: every
// workspace buffer used is planned with exactly the bytes the emitter addresses, every
// prepared constant read exists, and every planned buffer and constant is used.
struct PlanUse {
  std::vector<std::string> workspace;
  std::vector<std::string> constants;
  std::vector<std::string> errors;
  // The first constant a kernel asked for that the target's index type cannot hold (a
  // stride of 2^32 on a 32-bit core would wrap to 0): the node is refused, not compiled.
  std::optional<int64_t> index_overflow;
};

// The error for `node` when its kernels' use of the plan and `plan` disagree, or when
// one of its numbers does not fit the target's `index_bits`-bit index.
absl::Status CheckPlanUse(const Node& node, const NodePlan& plan, const PlanUse& use, int index_bits);

struct ValidRange {
  llvm::Value* begin;
  llvm::Value* end;
};

struct QuantizationParameters;  // compiler/ops/quantize/quantization.h

class KernelContext {
 public:
  KernelContext(llvm::IRBuilder<>& builder, llvm::Module& module, const Graph& graph,
                const Node& node, std::vector<llvm::Value*> inputs, std::vector<llvm::Value*> outputs,
                std::string symbol_prefix, llvm::Value* workspace, const LoweringPlan& lowering,
                const NodePlan& plan, PlanUse& plan_use, const TargetDescription& target,
                ConstantStore& constants, llvm::Value* weights)
      : b(builder), module(module), graph(graph), node(node), in(std::move(inputs)),
        out(std::move(outputs)), plan(plan), lowering(lowering), target(target), workspace_(workspace),
        plan_use_(plan_use), symbol_prefix_(std::move(symbol_prefix)), constants_(constants),
        weights_(weights) {}

  llvm::IRBuilder<>& b;
  llvm::Module& module;
  const Graph& graph;
  const Node& node;
  std::vector<llvm::Value*> in;   // one pointer per node input; nullptr when omitted
  std::vector<llvm::Value*> out;  // one pointer per node output
  const NodePlan& plan;           // the node's kernel variant, tiles and workspace
  const LoweringPlan& lowering;   // the whole plan (layouts of every value)
  const TargetDescription& target;

  // The start of the node's workspace buffer `name`, of which the kernel addresses
  // `bytes` (checked against the plan: CheckPlanUse).
  llvm::Value* Workspace(std::string_view name, int64_t bytes);
  // Tells LLVM, by alias scopes on the loads and stores emitted so far, that the
  // workspace shares no byte with the tensors and the stack slots they reach, as the
  // plan places it (the node function's workspace argument says so only where no output
  // is written over an input: module_builder.cc). For kernels whose copies into or out
  // of the workspace are loops for LLVM to vectorise. An access whose object is unknown
  // (a pointer selected at run time) is left as it is.
  void KeepWorkspaceApart();
  // The constant the plan prepared for this kernel under `role` (repacked or
  // transformed weights, a folded scale), placed like the model's weights, or the
  // node function's argument for it (TakePreparedConstantsAsArguments).
  llvm::Value* PreparedConstant(std::string_view role);
  // The node's function receives its prepared constants as arguments, one per
  // constant of the plan in its order (--optimize size: module_builder.cc).
  void TakePreparedConstantsAsArguments(std::vector<llvm::Value*> arguments) {
    prepared_arguments_ = std::move(arguments);
  }
  // A number of the kernel's shape (a loop bound, a stride) as an index value: the
  // constant, or, once the node's function takes a shape table (--optimize size), the
  // table's next entry, read at the function's entry. Nodes whose kernels differ only in
  // such numbers then have the same body, and share one function.
  llvm::Value* ShapeParameter(int64_t value);
  void TakeShapeTable(llvm::Value* table) { shape_table_ = table; }
  // The entries ShapeParameter gave out, in order: the table the node's call passes.
  const std::vector<int64_t>& shape_table_entries() const { return shape_table_entries_; }

  llvm::Type* F32() { return b.getFloatTy(); }
  llvm::Type* I64() { return b.getInt64Ty(); }
  // Loop indices, element offsets and sizes are integers of the target's pointer width
  // (32 bits on Cortex-M; the driver refuses tensors a 32-bit index cannot address).
  llvm::Type* Index() { return b.getIntNTy(target.index_bits); }
  // The index constant v; one the index type cannot hold is recorded (PlanUse) and the
  // node refused after it is emitted.
  llvm::Value* Int(int64_t v);
  llvm::Value* Float(float v) { return llvm::ConstantFP::get(F32(), v); }
  // The constant v of `like`'s floating-point type (float or double, or a vector of
  // them: then splat), for code written once for both precisions.
  static llvm::Value* FloatLike(llvm::Value* like, double v) { return llvm::ConstantFP::get(like->getType(), v); }

  llvm::Value* Address(llvm::Value* base, llvm::Value* index);
  llvm::Value* Load(llvm::Value* base, llvm::Value* index);  // float32
  void Store(llvm::Value* value, llvm::Value* base, llvm::Value* index);

  // Element types: bool is i8 holding 0 or 1; signedness lives in the DataType.
  llvm::Type* Elem(DataType type);
  DataType InType(int i) const { return graph.InputType(node, i).element_type; }
  DataType OutType(int o = 0) const { return graph.value(node.outputs[o]).type.element_type; }
  llvm::Value* LoadAs(DataType type, llvm::Value* base, llvm::Value* index);
  // Stores `value` as element `index` of `base`; a wider integer keeps its low bits.
  void StoreAs(DataType type, llvm::Value* value, llvm::Value* base, llvm::Value* index);
  // A constant of the given element type.
  llvm::Value* Constant(DataType type, double value);
  // <lanes x i1> with the first `valid` lanes set (masked loads and stores).
  llvm::Value* LaneMask(int64_t lanes, int64_t valid);
  // A `type` value (a vector of `lanes` floats, or a float when lanes is 1; or of other
  // elements, `align` theirs) from `at`, only the first `valid` lanes read (the rest
  // zero); StoreLanes writes only those.
  llvm::Value* LoadLanes(llvm::Type* type, llvm::Value* at, int64_t valid, int64_t lanes,
                         llvm::Align align = llvm::Align(4));
  void StoreLanes(llvm::Value* value, llvm::Value* at, int64_t valid, int64_t lanes, llvm::Align align = llvm::Align(4));
  // The same for elements `stride` apart from `at` (lane l reads at[l * stride]): one
  // load when contiguous, two loads and the even lanes for stride 2, single loads
  // otherwise. Reads nothing past the last valid element, unless `may_overread_one`
  // says the float after it is inside the buffer (then stride 2 needs no mask).
  llvm::Value* LoadStridedLanes(llvm::Type* type, llvm::Value* at, int64_t stride, int64_t valid, int64_t lanes,
                                bool may_overread_one = false);

  // for (i = begin; i < end; ++i) body(i), the induction variable of begin's type. A loop
  // whose body is already large can ask LLVM not to unroll it (compile time, code size).
  void Loop(llvm::Value* begin, llvm::Value* end, const std::function<void(llvm::Value*)>& body,
            bool allow_unrolling = true);
  void Loop(int64_t count, const std::function<void(llvm::Value*)>& body, bool allow_unrolling = true) {
    Loop(Int(0), Int(count), body, allow_unrolling);
  }

  // A loop of `count` iterations (count >= 1) that walks pointers: iteration i calls
  // body(at), at[j] = starts[j] + i * steps[j] bytes, each pointer in a register of its
  // own. Each step passes through OpaqueToOptimizer: else LLVM's loop strength reduction
  // rewrites the pointers as one index and their bases, two registers more. LLVM cannot
  // count such a loop's iterations, so it unrolls none: a body wanting it unrolled is.
  void WalkingLoop(int64_t count, const std::vector<llvm::Value*>& starts, const std::vector<int64_t>& steps,
                   const std::function<void(const std::vector<llvm::Value*>&)>& body);

  // Loop(count, body) whose iterations share no memory one of them writes: iteration i
  // reads and writes its own elements, also where the output is written over the input
  // (the same pointer). Said to LLVM (llvm.loop.parallel_accesses on the loop, its loads
  // and stores in one access group), it vectorises the loop without the run-time check
  // that the output starts a vector away from the input, which an op in place fails.
  // Every load and store of the body joins that promise: no value may pass from one
  // iteration to the next through memory (a stack slot, a workspace).
  void IndependentLoop(int64_t count, const std::function<void(llvm::Value*)>& body);

  // if (condition) body() at the builder's position; the builder continues after it.
  void When(llvm::Value* condition, const std::function<void()>& body);
  // condition ? then() : otherwise(), two lists of values of the same types made on
  // either branch, as one list where the branches join (where the builder continues).
  std::vector<llvm::Value*> Either(llvm::Value* condition, const std::function<std::vector<llvm::Value*>()>& then,
                                   const std::function<std::vector<llvm::Value*>()>& otherwise);

  // Loops over every index of `dims` in row-major order and calls
  // body(linear index, offsets), where offsets[o] = sum over d of index[d] * strides[o][d].
  void LoopNest(const Shape& dims, const std::vector<std::vector<int64_t>>& strides,
                const std::function<void(llvm::Value*, const std::vector<llvm::Value*>&)>& body);

  // A stack slot for an accumulator, created in the function's entry block; a vector's
  // with `align` 16 (the generated functions do not realign the stack for a vector
  // type's natural, wider alignment).
  llvm::Value* EntryAlloca(llvm::Type* type, llvm::MaybeAlign align = std::nullopt);

  // A constant float array in read-only data (a table the kernel computes from the
// geometry; weights the kernel reads repacked come from PreparedConstant), as a pointer.
  llvm::Value* ConstantFloats(const std::vector<float>& values, const std::string& purpose);
  // The same for int32 values (fixed-point tables).
  llvm::Value* ConstantInt32s(const std::vector<int32_t>& values, const std::string& purpose);
  // The same for offsets and flags, as Index() integers.
  llvm::Value* ConstantIndices(const std::vector<int64_t>& values, const std::string& purpose);

  // The t in [0, count) for which 0 <= base + t * step < limit, as [begin, end)
  // (end <= begin when there is none). step > 0.
  ValidRange ValidIndices(llvm::Value* base, int64_t step, int64_t limit, int64_t count);

  // a + c that the vectoriser may reassociate (splitting a reduction into lanes).
  llvm::Value* ReassociableAdd(llvm::Value* a, llvm::Value* c);

  llvm::Value* Min(llvm::Value* a, llvm::Value* b) { return this->b.CreateSelect(this->b.CreateICmpSLT(a, b), a, b); }
  llvm::Value* Max(llvm::Value* a, llvm::Value* b) { return this->b.CreateSelect(this->b.CreateICmpSGT(a, b), a, b); }

 private:
  llvm::Value* workspace_;  // the node's workspace, or nullptr when the plan gives it none
  PlanUse& plan_use_;
  std::string symbol_prefix_;
  ConstantStore& constants_;
  llvm::Value* weights_;  // the node function's blob pointer (--weights external), or nullptr
  int64_t loops_emitted_ = 0;  // by Loop, to tell an innermost loop
  // --optimize size unrolls an innermost loop of at most this many iterations, fully (a
  // row of 3x3 taps; on Cortex-M4, when it was chosen: resnet8 66.5M -> 61.7M
  // instructions for 456 bytes of code, ds_cnn_kws 9.40M -> 8.69M for 60).
  static constexpr int64_t kSizeModeFullUnroll = 4;
  std::vector<llvm::Value*> prepared_arguments_;  // empty: the kernel places its prepared constants
  llvm::Value* shape_table_ = nullptr;             // nullptr: ShapeParameter gives constants
  std::vector<int64_t> shape_table_entries_;
};

// Places node `node`'s prepared constant (embedded, or in the blob through `weights`)
// under its symbol: `symbol_prefix` is the node's (MODEL.NODE).
llvm::Value* PlacePreparedConstant(ConstantStore& constants, llvm::IRBuilder<>& builder, llvm::Value* weights,
                                   const Graph& graph, const std::string& symbol_prefix, const Node& node,
                                   const PreparedConstant& constant);

// Inline math: no libm calls may appear in generated code.
// sqrt: one instruction with an FPU, else the object's own function (soft_sqrt.cc).
llvm::Value* EmitSqrt(KernelContext& k, llvm::Value* x);
llvm::Value* EmitExp(KernelContext& k, llvm::Value* x);
llvm::Value* EmitSigmoid(KernelContext& k, llvm::Value* x);
llvm::Value* EmitTanh(KernelContext& k, llvm::Value* x);

llvm::Value* EmitLog(KernelContext& k, llvm::Value* x);
llvm::Value* EmitErf(KernelContext& k, llvm::Value* x);
llvm::Value* EmitFloorOrCeil(KernelContext& k, llvm::Value* x, bool ceil);
llvm::Value* EmitRoundHalfEven(KernelContext& k, llvm::Value* x);
llvm::Value* EmitPow(KernelContext& k, llvm::Value* base, llvm::Value* exponent);
llvm::Value* EmitLog1p(KernelContext& k, llvm::Value* u);
// exp and log of a double to double precision (inline_math_double.cc); EmitExp and
// EmitLog send a double here.
llvm::Value* EmitExpDouble(KernelContext& k, llvm::Value* x);
llvm::Value* EmitLogDouble(KernelContext& k, llvm::Value* x);
// Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh (inline_trig.cc).
llvm::Value* EmitTrigonometric(KernelContext& k, OpKind op, llvm::Value* x);
// min(max(x, low), high) where NaN passes through (as ONNX's Clip).
llvm::Value* EmitClamp(KernelContext& k, llvm::Value* x, llvm::Value* low, llvm::Value* high);

struct WindowGeometry;
// Zeroes the padding border of a zero-padded copy of one input plane (pixel_floats = 1)
// or of one channels-last image (pixel_floats = channels) at `base`: the rows above,
// each gap between a row's right padding and the next row's left padding, the rows
// below. The interior is left for the copy.
void EmitZeroPaddingBorder(KernelContext& k, llvm::Value* base, const WindowGeometry& w, int64_t pixel_floats);
// The same for one image of a channels-last tensor stored with a border.
void EmitZeroBorder(KernelContext& k, llvm::Value* image, const ChannelsLastStorage& storage);
// Where pixel `pixel` (row-major over height x width) of an image is stored, in pixels
// from the image's start.
llvm::Value* EmitStoredPixel(KernelContext& k, const ChannelsLastStorage& storage, llvm::Value* pixel);

// How a convolution's input is stored, and how its taps read it.
enum class PaddedCopy {
  kPlanar,                // NCHW, read as NCHW
  kChannelsLast,          // NHWC, read as NHWC
  kChannelsLastToPlanar,  // NHWC, read as NCHW: the copy transposes, padded or not
};
// What a convolution's taps read: its input itself when there is no padding (and
// nothing to transpose), otherwise a copy in the workspace buffer "padded_input" with
// the padding border zeroed (lowering/conv_lowering.h plans it).
llvm::Value* EmitZeroPaddedCopy(KernelContext& k, const WindowGeometry& w, PaddedCopy layout = PaddedCopy::kPlanar);

// out[M, N] = A[M, K] x B[K, N], all row-major, B given at run time: the register
// tiles of the matrix product kernel (kernels_linear.cc), no epilogue.
void EmitRunTimeMatrixProduct(KernelContext& k, llvm::Value* a, llvm::Value* b, llvm::Value* out, int64_t m,
                              int64_t n, int64_t inner);

struct Epilogue;
// out[M, N] = A[M, K] x W^T (+ bias[N]) with the fused epilogue (no residual), W a
// constant [N, K] (a pointwise convolution's weights): the node's planned tiles over
// W^T in the panels the plan prepared ("b_panels"). `a_transposed`: A is given as
// [K, M]. M is one image's pixels. The output's rows may be stored with gaps
// (`placement`): a channels-last image with a border.
void EmitConstantWeightsProduct(KernelContext& k, llvm::Value* a, bool a_transposed, llvm::Value* out,
                                const ChannelsLastStorage& placement, int64_t n, int64_t inner, llvm::Value* bias,
                                const Epilogue& epilogue);

// Copies a float tensor stored channels-last (planning/layout.h) into ONNX's planar
// layout.
void EmitChannelsLastToPlanar(KernelContext& k, llvm::Value* from, llvm::Value* to, const ChannelsLastStorage& storage);

// Transposes a square block held as `rows` vectors of rows.size() lanes (a power of
// two): a butterfly of shuffles, log2(n) rounds of n. Returns the columns.
std::vector<llvm::Value*> EmitTransposeSquare(llvm::IRBuilder<>& b, std::vector<llvm::Value*> rows);

struct ElementwiseFunction;
struct Epilogue;
// y = f(x): a standalone unary op, a constant Clip or a fused activation.
llvm::Value* EmitElementwiseFunction(KernelContext& k, const ElementwiseFunction& f, llvm::Value* x);
// Applies such an epilogue to `value` (a vector or a scalar); `residual` is the residual
// at the same positions, or nullptr.
llvm::Value* EmitVectorEpilogue(KernelContext& k, const Epilogue& epilogue, llvm::Value* value, llvm::Value* residual);
// Stores `value` (a vector of `lanes` floats, or a float) at element `element` of the
// node's first output, only its first `valid` lanes, after applying the fused epilogue
// when IsVectorEpilogue (the residual read at the same positions).
void EmitStoreWithEpilogue(KernelContext& k, const Epilogue& epilogue, llvm::Value* value, llvm::Value* element,
                           int64_t valid, int64_t lanes);
// Applies a node's fused epilogue to `count` contiguous outputs at `out` (the residual,
// if any, read at the same positions from `residual`).
void EmitEpilogueLoop(KernelContext& k, const Epilogue& epilogue, llvm::Value* out,
                      llvm::Value* residual, int64_t count);

// Writes the node's outputs: the kernel registry (kernel_registry.cc) picks the
// emitter of the node's op.
absl::Status EmitKernel(KernelContext& k);

// The emitters the registry picks from, each writing the node's outputs: a family's,
// and those several ops of their own share (their Emit hooks, own_op_hooks.h, call them).
absl::Status EmitElementwiseKernel(KernelContext& k);  // Unary, Binary, Clip, View copies (elementwise.cc)
absl::Status EmitReduceKernel(KernelContext& k);       // the Reduce family (kernels_reduce.cc)
absl::Status EmitIndexMapKernel(KernelContext& k);     // the IndexMap family (kernels_data_movement.cc)
// MaxPool, AveragePool (kernels_window.cc); with `quantized_average`, QLinearAveragePool:
// the windows' sums of x - x_zero_point in int32, requantised (`integer_average`:
// TFLite's int8 average instead, for y quantised as x: the sum of the x values
// divided by the count in integers, halves away from zero).
struct QuantizedAverage {
  const QuantizationParameters& x;
  const QuantizationParameters& y;
  bool integer_average = false;
  // ONNX Runtime's QLinearGlobalAveragePool instead: each sum times x_scale / (y_scale *
  // count), one multiplier.
  bool one_multiplier = false;
  // TFLite's int8 MEAN instead (windows without padding): each sum of x - x_zero_point
  // times this Q31 multiplier and shift (1 / count folded in: TfliteMeanMultiplier),
  // two roundings, plus y's zero point.
  std::optional<std::pair<int32_t, int32_t>> mean_multiplier_and_shift;
};
absl::Status EmitPoolKernel(KernelContext& k, const QuantizedAverage* quantized_average = nullptr);
absl::Status EmitGlobalPoolKernel(KernelContext& k);   // GlobalAveragePool, GlobalMaxPool
absl::Status EmitArgReduceKernel(KernelContext& k);    // ArgMax, ArgMin, Hardmax (kernels_arg_reduce.cc)
struct ConvGeometry;
// The convolution variants (EmitConvKernel's): blocked, channel tiles and the
// pointwise product; channels-last depthwise; Winograd's F(2x2, 3x3).
void EmitBlockedConv(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue);
void EmitChannelsLastDepthwise(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue);
void EmitWinogradConv(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue);

}  // namespace modelc

#endif  // MODELC_BACKEND_KERNEL_CONTEXT_H_
