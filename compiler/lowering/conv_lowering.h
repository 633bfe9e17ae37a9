// The convolution kernel family's part of the lowering plan: which variant runs a
// Conv, with which tiles, and the workspace buffers that variant asks for. The
// emitters (backend/kernels_window.cc and kernels_conv_*.cc) read these decisions from
// the plan and never make them again.
//
// Selection, in order: weights given at run time run directly; a depthwise
// convolution whose channels fill whole vectors and whose rows are narrow runs
// channels-last; a 3x3 stride-1 one with enough channels and wide enough tile rows by
// Winograd; a 1x1 one writing a channels-last tensor as a matrix product; one reading
// or writing a channels-last tensor, or whose rows are narrow, with output channels in
// the lanes; any other by pixel vectors in register tiles. A convolution that reads or
// writes an NHWC tensor itself (kFusedChannelsLastInput/Output) takes only the kernels
// that can: depthwise channels-last whatever its rows, the matrix product, channel
// tiles (also with a last partial block of output channels), pixel tiles reading NHWC
// (their copy transposes it) and, on scalar cores, writing it, else the direct kernel
// (CannotRun says which refuse). --optimize memory plans again a convolution whose
// workspace lifts the arena above the activation bound with blocked-clipped
// (WorkspaceFreeConvKernel; compiler/driver/memory_first.h; scalar cores only for NHWC).
#ifndef MODELC_LOWERING_CONV_LOWERING_H_
#define MODELC_LOWERING_CONV_LOWERING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/channels_last.h"
#include "compiler/lowering/lowering_plan.h"

namespace modelc {

// Bytes a vector load may read past the last float of a padded input copy (stride-2
// loads of the last pixels): the copy has this much slack after it.
inline constexpr int64_t kPaddedCopySlackBytes = 64;

// The blocked convolution under --optimize memory pads one band of input rows at a time
// instead of copying the whole input: the rows `output_rows` output rows read (workspace
// "padded_rows": the band of each input channel of one group, then one row of zeros,
// then the slack).
int64_t PaddedBandRows(const WindowGeometry& w, int64_t output_rows);

// One output channel per input channel, each from its own input channel.
bool IsDepthwise(const ConvGeometry& conv);
// 1x1, stride 1, no padding: each output pixel from the same input pixel.
bool IsUnitPointwise(const WindowGeometry& w);

// Input 0 is an intermediate tensor that this node alone reads and the output is no
// model output (whose buffer is the caller's): the output may take input 0's buffer
// (NodePlan::writes_over_consumed_input).
bool InputBufferIsFreeToTake(const Graph& graph, const Node& node);

// Whether output rows of `width` pixels would fill vectors of `lanes` pixels under 80%:
// the convolution kernels then put channels, not pixels, in the lanes.
bool IsNarrowRow(int64_t width, int64_t lanes);

// The window the blocked kernels iterate: a 1x1, stride-1, unpadded convolution reads
// each input plane exactly like its output plane, so its plane is one long row (small
// images still fill whole vectors).
WindowGeometry IteratedWindow(const WindowGeometry& w);

// The blocked-clipped kernel's tiles along an output row: `full_tiles` tiles of `wide`
// (vectors x lanes) columns, then one of `rest` columns. Those of [interior_begin,
// interior_end) read only columns inside the input (whole vectors, in a loop); the
// others, at the row's ends, load only the lanes inside it (ClippedRowEndsAtRunTime says
// how).
struct ClippedRowTiles {
  int64_t wide = 0, full_tiles = 0, rest = 0;
  int64_t interior_begin = 0, interior_end = 0;
  int64_t EdgeTiles() const { return full_tiles - (interior_end - interior_begin) + (rest > 0 ? 1 : 0); }
};
ClippedRowTiles SplitClippedRow(const WindowGeometry& w, const KernelTiles& tiles);
// Whether the row ends' tiles run in one loop with lane masks computed at run time
// (NodePlan::row_end_masks_at_run_time): under --optimize size, and where emitting them
// one by one with their taps unrolled would cost much code (more than four such tiles
// per row, or kernels more than seven taps wide).
bool ClippedRowEndsAtRunTime(const WindowGeometry& w, const KernelTiles& tiles, const LoweringTarget& target);

// Winograd's vectors: `lanes` tiles of one tile row (a power of two, at most the
// target's), and how many tile rows one block of products covers.
int64_t WinogradLanes(int64_t out_w, int64_t vector_lanes);
int64_t WinogradTileRows(const WindowGeometry& w, int64_t vector_lanes);

// What a convolution's kernel choice allows for the layout of its input and output
// (before layouts are chosen). A forced variant allows only what that variant does.
absl::StatusOr<ChannelsLastRole> ConvChannelsLastRole(const Graph& graph, const Node& node, const ConvGeometry& conv,
                                                      const LoweringTarget& target,
                                                      std::optional<ConvKernel> forced);

// The constants the planned variant reads, as graph constants (prepare-constants):
// blocked: weights per block of output channels as [tap][channel in block];
// channel tiles and channels-last depthwise: weights as [tap][channel]; Winograd:
// U = G g G^T per filter as [16][output channel][channel]; pointwise product: W^T in
// the matrix product's panels.
absl::Status PrepareConvConstants(Graph& graph, const Node& node, NodePlan& plan);

// Weights [channel][tap] as [tap][channel] (a tap's weights for consecutive channels
// are one vector).
std::vector<float> TapMajorWeights(const std::vector<float>& weights, int64_t channels, int64_t taps);
// Winograd's U_xi[oc][c] = (G g G^T)[xi / 4][xi % 4] for each 3x3 filter g of (oc, c),
// as [16][out_channels][channels], computed in double precision.
std::vector<float> WinogradWeights(const std::vector<float>& weights, int64_t out_channels, int64_t channels);

// The variant without a workspace that --optimize memory runs where another's would
// lift the scratch above the activation bound: blocked-clipped where it can run, else
// direct (also where the direct kernel writes over a fused residual whose epilogue runs
// on finished planes, which blocked-clipped cannot).
ConvKernel WorkspaceFreeConvKernel(const Graph& graph, const Node& node, const LoweringTarget& target);

// The variant that runs the convolution, once the layouts of its input and output are
// known, with its tiles and workspace.
NodePlan PlanConv(const Graph& graph, const Node& node, const ConvGeometry& conv, const LoweringTarget& target,
                  const std::optional<ChannelsLastStorage>& input, const std::optional<ChannelsLastStorage>& output,
                  std::optional<ConvKernel> forced);

}  // namespace modelc

#endif  // MODELC_LOWERING_CONV_LOWERING_H_
