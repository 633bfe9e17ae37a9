// The lowering plan: every decision about how a graph runs on a target, made once,
// after the graph passes and before memory planning. For every node, the kernel
// variant that runs it, that kernel's tile sizes and its named workspace buffers (as
// the kernel family asks for them, beside its selection rule); for every value, its
// storage layout. Buffer assignment, the backend, the report and `--dump-plan` read the
// plan; nobody recomputes a decision in it.
#ifndef MODELC_LOWERING_LOWERING_PLAN_H_
#define MODELC_LOWERING_LOWERING_PLAN_H_

#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/channels_last.h"

namespace modelc {

// How a node is run, per kernel family; operators with a single kernel have none
// (std::monostate). Each family's enum is switched over without `default:`.
enum class ConvKernel {          // lowering/conv_lowering.h
  kDirect,                       // weights given at run time: one tap at a time over valid outputs
  kBlocked,                      // pixel vectors x a block of output channels in registers
  kBlockedClipped,               // the same tiles reading the input where it lies: rows outside
                                 // it read a zero row, lanes outside it are masked (no padded
                                 // copy, no workspace: --optimize memory)
  kChannelTiles,                 // output channels in the lanes (narrow rows, channels-last ends)
  kPointwiseProduct,             // 1x1 with a channels-last output: a register-tiled matrix product
  kChannelsLastDepthwise,        // depthwise with channels in the lanes
  kWinograd,                     // 3x3 stride 1 by Winograd's F(2x2, 3x3)
};
enum class MatrixProductKernel {  // Gemm, MatMul (lowering/linear_lowering.h)
  kPanels,                        // a constant B repacked into panels for the register tiles
  kRunTimeB,                      // B given at run time, read in place
  kRankOneUpdates,                // a run-time B^T: rank-1 row updates
};
enum class PoolKernel {  // MaxPool, AveragePool (lowering/pool_lowering.h)
  kVectorRows,           // every window inside: vectors of output columns
  kClippedWindows,       // each window clipped to the image
};
enum class QuantizedProductKernel {  // QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger
  kDirect,                            // (lowering/quantized_product_lowering.h): one int32 dot
                                      // product per output over the valid taps
  kDspPairs,                          // a window (a row of A) as int16 pairs, two products per SMLAD
  kDspPairsInRegisters,               // QLinearMatMul: the same pairs unpacked from A in registers
                                      // (SXTB16), no workspace
  kWindowDot,                         // convolutions with vector units: a window as int16 (or int8
                                      // codes), then vector dot products per output channel
  kPlaneRows,                         // with vector units: the group's input channels as padded
                                      // int16 planes, vectors of output positions
  kChannelLanes,                      // x86 with VPDPBUSD: a window as uint8 codes, output channels
                                      // in the lanes, four taps a lane per instruction
  kPixelLanes,                        // x86 with VPDPBUSD: pixels of an output row (a pointwise
                                      // convolution's plane) in the lanes, four taps a lane per
                                      // instruction
  kRowDot,                            // QLinearMatMul on Helium: A's int8 codes read in place, 16
                                      // products a VMLADAVA, four columns at a time, no workspace
};
using KernelVariant = std::variant<std::monostate, ConvKernel, MatrixProductKernel, PoolKernel, QuantizedProductKernel>;

// The variant's name in the report, --dump-plan and --kernel ("winograd", ...;
// "default" for an op with one kernel).
const char* KernelVariantName(const KernelVariant& variant);
std::optional<ConvKernel> ConvKernelFromName(std::string_view name);

// Tile sizes a kernel runs with (0: not used by that kernel).
struct KernelTiles {
  int64_t lanes = 0;          // floats per vector (int8 kernels: pixels in a vector's lanes)
  int64_t vectors = 0;        // vectors per tile row
  int64_t channel_block = 0;  // output channels per tile
  int64_t rows = 0;           // output rows (Winograd: tile rows) per tile
  int64_t band_rows = 0;      // output rows per band of copied input rows (0: a tile's rows)
  int64_t pixels = 0;         // output pixels per tile (dsp-pairs: windows filled at once)
};

// One temporary buffer of a node, inside its workspace (which the memory planner
// places in the scratch arena, live only during the node). Buffers may overlap when
// they are used one after the other (a trace copy after the kernel).
struct WorkspaceBuffer {
  std::string name;
  int64_t offset = 0;  // bytes from the start of the node's workspace
  int64_t bytes = 0;
};

// A constant the kernel reads instead of (or besides) the node's own inputs: weights
// repacked for its tiles, Winograd-transformed weights, a BatchNorm's scale and shift.
// Made by PrepareConstants (a graph constant, so --dump-ir-after=prepare-constants
// shows it); the kernel only reads it.
struct PreparedConstant {
  std::string role;  // what the kernel asks for, e.g. "winograd_weights"
  ValueId value;
};

struct NodePlan {
  // Whether the kernel has a form of less workspace to take before a workspace-free one
  // (RefineWithinTheBound): dsp-pairs' two int16 windows (two windows of codes in the
  // bytes of one, else one window); window-dot's tile of two pixels' windows (one
  // window); a quantised band (window-dot's window copy; the DSP pairs' narrower
  // windows).
  bool HasNarrowerWorkspace() const;

  KernelVariant kernel;
  KernelTiles tiles;
  std::vector<WorkspaceBuffer> workspace;
  std::vector<PreparedConstant> constants;
  // A float convolution's data input and output where they are stored channels-last:
  // the value's planner layout (ChooseChannelsLastStorage), or, for a node that reads or
  // writes an NHWC tensor itself (kFusedChannelsLastInput/Output), that tensor, seen as
  // channels-last storage without a border. nullopt: planar. Its kernels read these.
  std::optional<ChannelsLastStorage> channels_last_input, channels_last_output;
  // A channels-last depthwise convolution whose input is stored with exactly its
  // padding, a pointwise int8 convolution with pixels in the lanes (kPixelLanes, which
  // otherwise gathers its taps from a padded copy), or Helium's window-dot on int8 codes
  // gathering each small window straight into vector registers, or each window by
  // channel runs (window_channel_runs; both instead of "window_codes",
  // quantized_product_lowering.h): it reads its input in place (no copy, no workspace
  // for one).
  bool reads_input_in_place = false;
  // blocked-clipped: the tiles at the row ends run in one loop with their lane masks
  // computed at run time, instead of one by one with their taps unrolled and constant
  // masks (ClippedRowEndsAtRunTime, conv_lowering.h).
  bool row_end_masks_at_run_time = false;
  // The kernel reads this input at each output position before it writes there, and
  // nowhere else (a Conv's fused residual): the output may take the input's buffer
  // when the input dies here.
  std::optional<int> output_over_input;
  // In place by order (--optimize memory): the kernel writes each output only over bytes
  // of input 0 that no later output reads, having read them or copied them to its
  // workspace first. The blocked float kernel copies bands of input rows (a pointwise
  // convolution's rows across its channels; a depthwise convolution's band of one
  // channel's rows, or its whole plane); the int8 pointwise kernel copies each pixel's
  // channels (its window pairs); the int8 depthwise kernel reads each window (or pair of
  // windows) just before writing its pixel (or pair). The output may take input 0's
  // buffer when the input dies here, also when the two sizes differ (the buffer is the
  // larger).
  bool writes_over_consumed_input = false;
  // The direct int8 kernel of a pointwise convolution writing over its input (memory
  // first: on cores with neither DSP pairs nor vector lanes, Cortex-M3 and RV32IMC, every
  // int8 pointwise layer; elsewhere those the faster kernels do not take, as 1x1 layers of
  // fewer than 4 input channels on the DSP pairs, or size mode's): pixel by pixel, the
  // pixel's input codes copied into the workspace "pixel_codes" first, then every output
  // channel from the copy ("copies each pixel's inputs" in --dump-plan).
  bool pixel_inputs_copied = false;
  // With writes_over_consumed_input: the output starts this many bytes before input 0 in
  // their buffer (a stride-1 depthwise convolution's outputs land this far ahead of the
  // input its next band or pixel reads).
  int64_t output_lead_bytes = 0;
  // kWindowDot: its weights stay int8 where they fit, widened as they are loaded (flash
  // first), instead of an int16 copy of twice the bytes, which is faster on x86
  // (resnet8_int8: 581 against 680 us) and for some networks on Cortex-M55.
  bool int8_window_weights = false;
  // kWindowDot on a target whose vector dot product takes int8 (LoweringTarget::
  // int8_vector_dot), with an int8 or uint8 input and int8 weights: the window holds the
  // input's codes as int8 ("window_codes": uint8 ones minus 128; the zero point's code
  // where a tap is padding), half the int16 window, sixteen products an instruction; the
  // zero point's share of each sum, its code times the row's weight sum, comes off the
  // bias ("bias_folded", made while compiling: the input zero point and the bias are
  // constants). kDspPairs whose two int16 windows would lift the arena: two windows of
  // the input's codes in the bytes of one ("window_codes", unpacked by SXTB16 or UXTB16
  // as the weights are; quantized_product_lowering.h), the zero point's share off
  // "bias_folded" the same way.
  bool int8_window_codes = false;
  // kPixelLanes and kChannelLanes by VPDPBUSD's VPMADDWD form (LoweringTarget::
  // byte_quads_by_pairs): the centred weights as int16 pairs, "weight_pairs", not
  // "weights_int8" or "weights_quads" (whose bytes the kernel would widen for every
  // channel and quad). Pixel-lanes: each quad of a row as its even taps' pair, w0 and
  // w2, then its odd taps', w1 and w3 (two 32-bit words, each broadcast); channel-lanes:
  // a vector of every lane's even pair, then one of its odd pairs
  // (quantized_product_lowering.cc).
  bool byte_quad_weight_pairs = false;
  // kDspPairsInRegisters with A's zero point one constant (or none) and a constant bias
  // (or none): A's words unpacked into pairs of its codes as they are (SXTB16, UXTB16
  // for uint8), no SSUB16 of the zero point; its share of each sum, the zero point times
  // the column's weight sum, comes off the bias ("bias_folded", made while compiling).
  bool zero_point_in_bias = false;
  // Window-dot on int8 codes reading its input in place by runs of 16 input channels at
  // each kernel position, its weights' rows in that order (quantized_product_lowering.h),
  // instead of a small window gathered whole ("gather_masks").
  bool window_channel_runs = false;
  // A small window gathered whole whose farthest tap lies more than 255 bytes past its
  // corner (at most 65,535): each 16 taps two gathers of halfword offsets, the even
  // taps' and the odd ones', joined (quantized_product_lowering.h), not one of bytes.
  bool window_gather_halfwords = false;
  // Window-dot on int8 codes, or the DSP pairs, of a float input it quantises as it reads
  // it: a band of the input's rows quantised once per element into "quantized_band", the
  // windows gathered or copied from it (quantized_product_lowering.h), not each window's
  // taps quantised as copied.
  bool quantized_band = false;
  // Window-dot's window of a planar input's int8 codes copied 16 input channels at a
  // kernel position at a time, by two VLDRB.U16 gathers of 8 codes a plane apart and
  // one VSTRB.8 scatter (quantized_product_lowering.h: whole runs of 16 channels a
  // group, at most 17 kernel positions), not code by code.
  bool window_copy_gathers = false;
  // What a codes kernel (int8_window_codes, kChannelLanes, kPixelLanes, window_dots) subtracts from each input code
  // to store it in its window, and so how much of each sum the prepared bias
  // "bias_folded" takes off with the zero point's share: 128 for uint8 codes kept as
  // int8 (Helium's signed products), -128 for int8 codes kept as uint8 (VPDPBUSD's
  // unsigned operand), else 0. Decided with the kernel, read by both.
  int32_t window_code_offset = 0;
  // A quantised convolution's direct kernel on a core without vector lanes (float or
  // integer), not under --optimize size, with windows of at most kDirectUnrolledTaps
  // taps a plane: the pixels whose window lies inside the image run their taps unrolled
  // (resnet8_int8 on Cortex-M4, memory mode: 75.2 -> 44.7 M instructions, 0.9 KB more
  // code; on Cortex-M55 the same ran slower, 23.8 -> 28.9 M).
  bool unrolled_interior = false;
  // The DSP pairs' window copy, not under --optimize size: a window inside the image
  // copied without the padding checks, and where the input channels stay a loop (more
  // than 64 taps) and come in fours, four of them a step, unrolled, so that each tap's
  // place in the pairs' order (StoredTap) is a constant offset (Cortex-M4, resnet8_int8:
  // 23.84 -> 22.70 M instructions for 5.6 KB more code; lenet_int8 -10%).
  bool window_copy_unrolled = false;
  // The direct kernel on Arm's DSP extension without vector lanes, kernels 4 wide
  // (DS-CNN's 10x4 first layer): each kernel row of an input channel one 32-bit load of
  // four codes and one of four weights, two SMLADs (DirectKernelWordRows,
  // quantized_product_lowering.h); "word rows" in --dump-plan.
  bool word_rows = false;
  // The direct kernel's pixel pairs (tiles.pixels 2) also where a window reaches over the
  // image's border, at stride 1 across (DirectKernelPairsAtBorders,
  // quantized_product_lowering.h); "pairs to the borders" in --dump-plan.
  bool pairs_at_borders = false;
  // The direct kernel's row lanes on Helium (tiles.lanes) through a depthwise layer at
  // stride 1 whose output plane is its input's size and whose rows leave lanes idle
  // (DS-CNN's 5 columns): consecutive pixels of the plane in the lanes, across rows
  // (DirectKernelLanesAcrossRows, quantized_product_lowering.h); "lanes across rows" in
  // --dump-plan.
  bool lanes_across_rows = false;
  // The direct kernel on Helium through a depthwise layer whose windows each lie within
  // 16 consecutive codes of their plane (DS-CNN's 3x3 on rows of 5; MobileNet's 6x6 and
  // 3x3 planes): each channel's plane copied into "plane_codes" between margins of the
  // zero point's code, each output pixel's window one load of 16 codes from its corner
  // there and one VMLADAVA.S8 against the channel's weights spread over those lanes,
  // four pixels' sums requantised as a vector (DirectKernelWindowDots,
  // quantized_product_lowering.h; uint8 codes less window_code_offset, 128); "window
  // dots" in --dump-plan.
  bool window_dots = false;
  // A quantised product requantised in TFLite's fixed point whose every accumulator is below 2^30
  // in magnitude (bounded from its constant weights, zero points and bias): TFLite's
  // doubled high product is then one rounding multiply of 2x (SMMULR on Arm) and its
  // division by 2^e one add and shift (product_requantizer.h).
  bool accumulators_below_2_30 = false;
  // A quantised product's fixed-point table ("requantization") as two planes, every
  // channel's multiplier then every channel's shift, in place of (multiplier, shift)
  // pairs: on Helium (LoweringTarget::int8_vector_dot) 4 channels' multipliers are one
  // VLDRW and their shifts another. (The pairs' VLD20/VLD21 write a pair of adjacent
  // vector registers, around which LLVM moved the others.) Not under --optimize size,
  // where the pairs' code is smaller (TFLite MobileNet on a Cortex-M55: 66 bytes).
  bool requantization_planes = false;

  // Whether the plan's refinement may take this kernel's workspace away where it lifts
  // the arena above the activation bound, the workspace-free form writing over the input
  // too: plane rows and window dots, whose workspace-free form is the depthwise layer's
  // direct kernel (driver/memory_first.cc).
  bool WorkspaceFreeFormWritesOver() const;
  int64_t WorkspaceBytes() const;
  const WorkspaceBuffer* FindWorkspace(std::string_view name) const;
  const PreparedConstant* FindConstant(std::string_view role) const;
};

struct ValuePlan {
  std::optional<ChannelsLastStorage> channels_last;  // nullopt: ONNX's planar layout
  int64_t stored_bytes = 0;  // bytes it occupies where it lives (more than its type's with a border)
};

// What the plan needs to know of the target.
struct LoweringTarget {
  int64_t vector_lanes = 1;       // float32 lanes of the widest vectors
  int64_t vector_registers = 16;  // how many such registers
  // --optimize memory (the default on bare-metal targets): no kernel workspace in
  // proportion to a whole tensor where a smaller one does, e.g. a band of padded input
  // rows instead of a padded copy of the input.
  bool memory_first = false;
  // Arm's DSP extension (Cortex-M4, M7, M33, M55): int8 products in pairs (SMLAD).
  bool dsp_pairs = false;
  // --optimize size (memory-first too): the least code. Here, matrix tiles of at most
  // four vectors, without a remainder tile where a divisor allows (linear_lowering.cc);
  // the backend reads the flag for the rest: node functions shared between nodes of the
  // same shape (module_builder.cc), the loops' form (kernel_context.cc), LLVM's size
  // pipeline (object_emitter.cc). docs/memory-planning.md lists every piece.
  bool code_size_first = false;
  // Bare-metal targets: the weights live in a microcontroller's flash, where their bytes
  // count for more than a widening load's instructions (window-dot keeps int8 weights).
  bool flash_first = false;
  // Helium: a vector of sixteen int8 products summed into a scalar by one instruction
  // (VMLADAVA.S8); window-dot keeps its window as int8 codes (NodePlan::int8_window_codes).
  bool int8_vector_dot = false;
  // x86's VPDPBUSD: four uint8 x int8 products summed into each int32 lane, in vectors of
  // up to this many lanes (0: none); quantised convolutions put pixels or output channels
  // in the lanes (QuantizedProductKernel::kPixelLanes, kChannelLanes), a quantised
  // Gemm's matrix product its columns (kChannelLanes).
  int64_t byte_quad_lanes = 0;
  // x86 with AVX2 and no VNNI: each VPDPBUSD by its exact VPMADDWD form
  // (TargetDescription::x86_byte_quads_by_pairs); pixel-lanes' and channel-lanes' weights
  // come prepared as int16 pairs (NodePlan::byte_quad_weight_pairs).
  bool byte_quads_by_pairs = false;
};

// --kernel NODE=workspace-free: a quantised convolution planned as memory mode plans it
// where its workspace would lift the arena above the activation bound.
inline constexpr char kWorkspaceFreeVariant[] = "workspace-free";

struct LoweringOptions {
  LoweringTarget target;
  // With trace, a node that writes a channels-last tensor gets workspace for a planar
  // copy of it: the trace callback sees every tensor in ONNX's layout.
  bool trace = false;
  // Convolution kernels forced by node name (tests, --kernel); each must run its node.
  std::map<std::string, ConvKernel> forced_kernels;
  // Quantised convolutions to run without workspace, by node name (--optimize memory,
  // where their window buffer would lift the arena above the activation bound; tests:
  // --kernel NODE=workspace-free, kWorkspaceFreeVariant).
  std::set<std::string> workspace_free;
  // Quantised convolutions to run with their smallest workspace, by node name: one
  // pixel's window instead of two (memory and balanced modes, where two lift the arena
  // above the activation bound by more than the mode allows).
  std::set<std::string> narrow_workspace;
};

struct LoweringPlan {
  LoweringTarget target;
  bool trace = false;
  std::vector<NodePlan> nodes;    // one per graph node, in execution order
  std::vector<ValuePlan> values;  // one per graph value
};

// Decides the plan. Fails only for a forced kernel that names no node, a node that is
// no convolution, or a kernel that cannot run its node.
absl::StatusOr<LoweringPlan> PlanLowering(const Graph& graph, const LoweringOptions& options);

// The prepare-constants pass: each kernel's constants (repacked or transformed
// weights, folded scale and shift) become graph constants recorded in its node's plan,
// so emission only reads constants. Run once, after PlanLowering.
absl::Status PrepareConstants(Graph& graph, LoweringPlan& plan);

// Adds `values` to `graph` as the constant `role` of `node`'s kernel (named
// NODE.ROLE, float32[count], or the tensor given) and records it in `plan`.
void AddPreparedConstant(Graph& graph, const Node& node, const std::string& role, const std::vector<float>& values,
                         NodePlan& plan);
void AddPreparedConstant(Graph& graph, const Node& node, const std::string& role, TensorData data, NodePlan& plan);

// The prepared constants as text (--dump-ir-after=prepare-constants): which node's
// kernel reads each, and its type.
std::string PrintPreparedConstants(const Graph& graph, const LoweringPlan& plan);

// The plan as text (--dump-plan): per node its kernel, tiles and workspace buffers; per
// non-constant value its layout.
std::string PrintLoweringPlan(const Graph& graph, const LoweringPlan& plan);

}  // namespace modelc

#endif  // MODELC_LOWERING_LOWERING_PLAN_H_
