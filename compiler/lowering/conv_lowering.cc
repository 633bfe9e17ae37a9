// Convolution kernel selection, tiles and workspaces.
#include "compiler/lowering/conv_lowering.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/lowering/linear_lowering.h"
#include "compiler/lowering/vector_epilogue.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int64_t kWinogradPositions = 16;  // the 4x4 transform

bool HasConstantWeights(const Graph& graph, const Node& node) { return graph.IsConstant(node.inputs[1]); }

KernelTiles BlockedTiles(const ConvGeometry& conv, const WindowGeometry& s, const LoweringTarget& target);

// Output channels fill whole vectors of the target's lanes, in one group.
bool HasChannelVectors(const ConvGeometry& conv, int64_t lanes) {
  return lanes >= 2 && conv.groups == 1 && conv.out_channels % lanes == 0;
}

// What each variant needs to run at all (nullopt), or why it cannot.
std::optional<std::string> CannotRun(ConvKernel variant, const Graph& graph, const Node& node,
                                     const ConvGeometry& conv, const LoweringTarget& target) {
  const WindowGeometry& w = conv.window;
  const int64_t lanes = target.vector_lanes;
  const bool constant = HasConstantWeights(graph, node);
  constexpr char kPlanarOnly[] = "reads and writes planar (NCHW) tensors only, and the node reads or writes NHWC";
  switch (variant) {
    case ConvKernel::kDirect:
      return std::nullopt;
    case ConvKernel::kBlocked:  // its copy of the input may transpose an NHWC one
      if (conv.channels_last_output && lanes > 1) {
        return "writes an NHWC output only from scalar tiles (a core without vector lanes)";
      }
      if (!constant) return "needs constant weights";
      return std::nullopt;
    case ConvKernel::kBlockedClipped:
      if (conv.ChannelsLast() && lanes > 1) {
        return "reads and writes NHWC only from scalar tiles (a core without vector lanes)";
      }
      if (!constant || w.spatial_rank > 2) return "needs constant weights and at most two spatial dimensions";
      return std::nullopt;
    case ConvKernel::kChannelTiles:  // the last block of output channels may fill part of a vector
      if (!constant || conv.groups != 1 || lanes < 2) return "needs constant weights, one group and vector lanes";
      return std::nullopt;
    case ConvKernel::kChannelsLastDepthwise:
      if (!constant || lanes < 2 || !IsDepthwise(conv) || w.channels % lanes != 0) {
        return absl::StrCat("needs a depthwise convolution with constant weights and channels in whole vectors of ",
                            lanes, " lanes");
      }
      return std::nullopt;
    case ConvKernel::kWinograd:
      if (conv.ChannelsLast()) return kPlanarOnly;
      if (!constant || w.spatial_rank != 2 || w.kernel_h != 3 || w.kernel_w != 3 || w.stride_h != 1 ||
          w.stride_w != 1 || w.dilation_h != 1 || w.dilation_w != 1 || conv.groups != 1 || w.out_h % 2 != 0 ||
          w.out_w % 2 != 0 || WinogradLanes(w.out_w, lanes) < 2) {
        return "needs constant 3x3 weights, stride and dilation 1, one group, an even output of at least 4 columns "
               "and vectors";
      }
      return std::nullopt;
    case ConvKernel::kPointwiseProduct:
      return "is chosen by the layout of the tensors around the node, not forced";
  }
  return "is unknown";
}

bool PrefersChannelsLastDepthwise(const Graph& graph, const Node& node, const ConvGeometry& conv,
                                  const LoweringTarget& target) {
  return !CannotRun(ConvKernel::kChannelsLastDepthwise, graph, node, conv, target) &&
         IsNarrowRow(conv.window.out_w, target.vector_lanes);
}

bool PrefersWinograd(const Graph& graph, const Node& node, const ConvGeometry& conv, const LoweringTarget& target) {
  const int64_t lanes = target.vector_lanes;
  if (lanes < 4 || CannotRun(ConvKernel::kWinograd, graph, node, conv, target)) return false;
  const WindowGeometry& w = conv.window;
  // A block of tile rows gives the products at least a whole vector of columns, and a
  // tile row fills 80% of its own vectors (the output transform interleaves halves of
  // them); enough channels on both sides for the transforms to cost little next to
  // the products.
  const int64_t tile_lanes = WinogradLanes(w.out_w, lanes);
  const bool whole_columns = WinogradTileRows(w, lanes) * tile_lanes >= lanes;
  return whole_columns && !IsNarrowRow(w.out_w / 2, tile_lanes) && w.channels >= 8 && conv.out_channels >= 8;
}

bool IsChannelVectorPointwise(const Graph& graph, const Node& node, const ConvGeometry& conv, int64_t lanes) {
  return HasConstantWeights(graph, node) && HasChannelVectors(conv, lanes) && IsUnitPointwise(conv.window);
}

// The zero-padded copy of the input planes the taps read.
int64_t CopiedInputBytes(const WindowGeometry& w) {
  return w.batch * w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) * 4 +
         kPaddedCopySlackBytes;
}

// The same where the kernel reads an unpadded input in place (0).
int64_t PaddedInputBytes(const WindowGeometry& w) { return w.HasPadding() ? CopiedInputBytes(w) : 0; }

int64_t RowBandBytes(const WindowGeometry& w, int64_t groups, int64_t output_rows) {
  const int64_t source_w = w.in_w + w.pad_left + w.pad_right;
  return (w.channels / groups * PaddedBandRows(w, output_rows) + 1) * source_w * 4 + kPaddedCopySlackBytes;
}

int64_t PaddedRowBandBytes(const WindowGeometry& w, int64_t groups, int64_t output_rows) {
  if (!w.HasPadding()) return 0;
  return RowBandBytes(w, groups, output_rows);
}

// The tiles of the blocked kernel iterating window `s` (IteratedWindow, or the
// convolution's own window when it writes over its copied input).
KernelTiles BlockedTiles(const ConvGeometry& conv, const WindowGeometry& s, const LoweringTarget& target) {
  // Whole hardware vectors even for narrow rows: the unused lanes are masked off, which
  // costs less than odd-sized vectors (five lanes, say) that the target splits up.
  KernelTiles tiles;
  int64_t lanes = 1;
  while (lanes < s.out_w && lanes < target.vector_lanes) lanes *= 2;
  tiles.lanes = std::min<int64_t>(lanes, std::max<int64_t>(1, target.vector_lanes));
  // Scalar cores: four pixels per tile, or a whole row of up to six (no tile of one or
  // two pixels at each row's end).
  tiles.vectors = tiles.lanes > 1 ? (s.out_w >= 2 * tiles.lanes ? 2 : 1)
                                  : (s.out_w <= 6 ? s.out_w : std::min<int64_t>(4, s.out_w));
  const int64_t free_registers = std::max<int64_t>(1, target.vector_registers - tiles.vectors - 1);
  tiles.channel_block = std::clamp<int64_t>(free_registers / tiles.vectors, 1, 8);
  tiles.channel_block = std::min(tiles.channel_block, conv.OutChannelsPerGroup());
  // Few output channels per group (depthwise): several rows per tile, so that enough
  // independent accumulators hide the FMA latency.
  tiles.rows = std::clamp<int64_t>(8 / (tiles.channel_block * tiles.vectors), 1, std::min<int64_t>(4, s.out_h));
  return tiles;
}

// How many floats ahead of the input the output of a depthwise convolution must start
// in their buffer so that copying bands of `band` output rows' input rows of one channel
// at a time, channel after channel, never writes an output row over input rows a later
// band has yet to copy (planar layout, one image): the most by which what a band writes
// passes the first input row the next band copies, or the next channel's plane.
int64_t DepthwiseBandOverrun(const WindowGeometry& w, int64_t band) {
  const int64_t in_plane = w.in_h * w.in_w, out_plane = w.out_h * w.out_w;
  int64_t overrun = 0;
  for (int64_t c = 0; c < w.channels; ++c) {
    for (int64_t first = 0; first < w.out_h; first += band) {
      const int64_t end = std::min(w.out_h, first + band);
      const int64_t written_end = c * out_plane + end * w.out_w;
      const int64_t next_row = std::clamp<int64_t>(end * w.stride_h - w.pad_top, 0, w.in_h);
      const int64_t uncopied = end == w.out_h ? (c + 1) * in_plane : c * in_plane + next_row * w.in_w;
      overrun = std::max(overrun, written_end - uncopied);
    }
  }
  return overrun;
}

// How the blocked kernel writes over its copied input: the output rows per band of
// copied input rows, and how far ahead of the input the output starts.
struct InPlaceBands {
  int64_t rows = 0;
  int64_t output_lead_bytes = 0;
};

// --optimize memory: how the blocked kernel can write its output over its input
// (NodePlan::writes_over_consumed_input), or nullopt. A pointwise convolution (1x1, stride
// 1, unpadded, one group) by bands of one output row across all input channels: each
// band's outputs land on input rows it has just copied, or past the input. A depthwise
// convolution by bands of its tile's rows, its output starting DepthwiseBandOverrun
// ahead of its input (a row for a stride-1 3x3; nothing for stride 2) when that is less
// than a channel plane, else by whole channel planes when an output plane is no larger
// than an input plane. One image, planar layouts, an input no other node reads and an
// output that is no model output (whose buffer is the caller's).
std::optional<InPlaceBands> PlanInPlaceBands(const Graph& graph, const Node& node, const ConvGeometry& conv,
                                             const KernelTiles& tiles, bool planar) {
  const WindowGeometry& w = conv.window;
  if (!planar || w.batch != 1 || w.spatial_rank != 2 || !InputBufferIsFreeToTake(graph, node) ||
      graph.InputType(node, 0).element_type != graph.value(node.outputs[0]).type.element_type) {
    return std::nullopt;
  }
  // A pointwise convolution's band is one output row: its copy is the workspace at the
  // step, and more rows per tile save little when every tap is one load.
  if (IsUnitPointwise(w) && conv.groups == 1) return InPlaceBands{1, 0};
  if (!IsDepthwise(conv)) return std::nullopt;
  const int64_t overrun = DepthwiseBandOverrun(w, tiles.rows);
  if (overrun < w.in_h * w.in_w) return InPlaceBands{tiles.rows, overrun * 4};
  if (w.out_h * w.out_w <= w.in_h * w.in_w) return InPlaceBands{w.out_h, 0};
  return std::nullopt;
}

// Appends a buffer after the ones already there.
void AddBuffer(NodePlan& plan, std::string name, int64_t bytes) {
  if (bytes <= 0) return;
  plan.workspace.push_back({std::move(name), plan.WorkspaceBytes(), bytes});
}

}  // namespace

bool IsDepthwise(const ConvGeometry& conv) {
  return conv.groups == conv.window.channels && conv.out_channels == conv.window.channels;
}

bool IsUnitPointwise(const WindowGeometry& w) {
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && !w.HasPadding();
}

bool InputBufferIsFreeToTake(const Graph& graph, const Node& node) {
  const ValueId input = node.inputs[0];
  if (graph.IsConstant(input) || graph.IsGraphInput(input) || graph.IsGraphOutput(input) ||
      graph.IsGraphOutput(node.outputs[0])) {
    return false;
  }
  int reads = 0;
  for (const Node& other : graph.nodes()) {
    reads += static_cast<int>(std::count(other.inputs.begin(), other.inputs.end(), input));
  }
  return reads == 1;
}

int64_t PaddedBandRows(const WindowGeometry& w, int64_t output_rows) {
  return (output_rows - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1;
}

bool IsNarrowRow(int64_t width, int64_t lanes) {
  const int64_t padded_row = (width + lanes - 1) / lanes * lanes;
  return width * 5 < padded_row * 4;
}

WindowGeometry IteratedWindow(const WindowGeometry& w) {
  WindowGeometry iterated = w;
  if (w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && !w.HasPadding()) {
    iterated.in_w = iterated.out_w = w.in_h * w.in_w;
    iterated.in_h = iterated.out_h = 1;
  }
  return iterated;
}

ClippedRowTiles SplitClippedRow(const WindowGeometry& w, const KernelTiles& tiles) {
  ClippedRowTiles split;
  split.wide = tiles.vectors * tiles.lanes;
  split.full_tiles = w.out_w / split.wide;
  split.rest = w.out_w % split.wide;
  // Tile t reads columns t * wide * stride - pad_left to ((t + 1) * wide - 1) * stride +
  // (kernel_w - 1) * dilation - pad_left.
  const int64_t step = split.wide * w.stride_w;
  split.interior_begin = std::min(split.full_tiles, (w.pad_left + step - 1) / step);
  const int64_t reach = (split.wide - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w - w.pad_left;
  const int64_t last_fitting = w.in_w - 1 - reach;  // the last first column whose tile fits
  split.interior_end = last_fitting < 0 ? 0 : std::min(split.full_tiles, last_fitting / step + 1);
  split.interior_end = std::max(split.interior_end, split.interior_begin);
  return split;
}

bool ClippedRowEndsAtRunTime(const WindowGeometry& w, const KernelTiles& tiles, const LoweringTarget& target) {
  constexpr int64_t kMostEdgeTilesOneByOne = 4, kMostUnrolledTaps = 7;
  return target.code_size_first || w.kernel_w > kMostUnrolledTaps ||
         SplitClippedRow(w, tiles).EdgeTiles() > kMostEdgeTilesOneByOne;
}

int64_t WinogradLanes(int64_t out_w, int64_t vector_lanes) {
  const int64_t tiles_w = out_w / 2;
  int64_t lanes = 1;
  while (lanes < tiles_w && lanes < vector_lanes) lanes *= 2;
  return lanes;
}

int64_t WinogradTileRows(const WindowGeometry& w, int64_t vector_lanes) {
  const int64_t lanes = WinogradLanes(w.out_w, vector_lanes);
  return std::clamp<int64_t>(vector_lanes / lanes, 1, std::max<int64_t>(1, w.out_h / 2));
}

absl::StatusOr<ChannelsLastRole> ConvChannelsLastRole(const Graph& graph, const Node& node, const ConvGeometry& conv,
                                                      const LoweringTarget& target,
                                                      std::optional<ConvKernel> forced) {
  const int64_t lanes = target.vector_lanes;
  if (forced) {
    if (std::optional<std::string> why = CannotRun(*forced, graph, node, conv, target)) {
      return absl::InvalidArgumentError(absl::StrCat("--kernel: node '", node.name, "' (Conv) cannot run as ",
                                                     KernelVariantName(*forced), ": it ", *why));
    }
  }
  const WindowGeometry& w = conv.window;
  ChannelsLastRole role;
  if (conv.channels_last_output) return role;  // its NHWC output is no planner layout
  role.reads_nhwc = conv.channels_last_input;
  const bool depthwise = forced ? *forced == ConvKernel::kChannelsLastDepthwise
                                : PrefersChannelsLastDepthwise(graph, node, conv, target);
  if (depthwise) {
    role.depthwise = true;
    role.pad_top = w.pad_top, role.pad_left = w.pad_left, role.pad_bottom = w.pad_bottom, role.pad_right = w.pad_right;
    return role;
  }
  if (forced) {
    role.channel_tiled_producer = *forced == ConvKernel::kChannelTiles;
    return role;
  }
  role.pointwise = IsChannelVectorPointwise(graph, node, conv, lanes);
  role.channel_tiled_producer = HasConstantWeights(graph, node) && HasChannelVectors(conv, lanes) &&
                                !PrefersWinograd(graph, node, conv, target) && IsNarrowRow(w.out_w, lanes);
  return role;
}

ConvKernel WorkspaceFreeConvKernel(const Graph& graph, const Node& node, const LoweringTarget& target) {
  const absl::StatusOr<ConvGeometry> conv = ResolveConv(graph, node);
  if (!conv.ok() || CannotRun(ConvKernel::kBlockedClipped, graph, node, *conv, target)) return ConvKernel::kDirect;
  // A fused residual whose epilogue runs on finished planes (a Sigmoid after the sum, say):
  // the direct kernel writes its output over the residual, the blocked ones cannot.
  const absl::StatusOr<Epilogue> epilogue = ResolveEpilogue(graph, node);
  if (!epilogue.ok() || (epilogue->residual && !IsVectorEpilogue(*epilogue))) return ConvKernel::kDirect;
  return ConvKernel::kBlockedClipped;
}

NodePlan PlanConv(const Graph& graph, const Node& node, const ConvGeometry& conv, const LoweringTarget& target,
                  const std::optional<ChannelsLastStorage>& input_layout,
                  const std::optional<ChannelsLastStorage>& output_layout, std::optional<ConvKernel> forced) {
  const int64_t lanes = target.vector_lanes;
  const WindowGeometry& w = conv.window;
  // A node reading or writing NHWC itself: that tensor is channels-last storage without
  // a border (its role kept the planner from giving these values layouts).
  const std::optional<ChannelsLastStorage> input =
      conv.channels_last_input ? std::optional(ChannelsLastStorage{w.batch, w.channels, w.in_h, w.in_w}) : input_layout;
  const std::optional<ChannelsLastStorage> output =
      conv.channels_last_output ? std::optional(ChannelsLastStorage{w.batch, conv.out_channels, w.out_h, w.out_w})
                                : output_layout;
  // The kernels that can read and write NHWC: depthwise with channels in the lanes,
  // pointwise as a matrix product, channel tiles; the blocked one reads NHWC (its copy of
  // the input transposes it) and, from scalar tiles, writes it; else the direct kernel.
  // (A depthwise convolution reading or writing NHWC takes it whatever its rows; its
  // planner role, ConvChannelsLastRole, offers a channels-last layout only for narrow
  // ones, else its output is planar, which the kernel writes too.)
  const bool depthwise = conv.ChannelsLast() ? !CannotRun(ConvKernel::kChannelsLastDepthwise, graph, node, conv, target)
                                             : PrefersChannelsLastDepthwise(graph, node, conv, target);
  // Channel tiles where the output channels fill whole vectors and the layouts or narrow
  // rows ask for them, or where nothing else writes NHWC well.
  const bool channel_tiles =
      !CannotRun(ConvKernel::kChannelTiles, graph, node, conv, target) &&
      (HasChannelVectors(conv, lanes) ? input || output || IsNarrowRow(IteratedWindow(w).out_w, lanes)
                                      : conv.channels_last_output);
  ConvKernel kernel;
  if (forced) {
    kernel = *forced;
  } else if (!HasConstantWeights(graph, node)) {
    kernel = ConvKernel::kDirect;
  } else if (depthwise) {
    kernel = ConvKernel::kChannelsLastDepthwise;
  } else if (PrefersWinograd(graph, node, conv, target)) {
    kernel = ConvKernel::kWinograd;
  } else if (output && IsChannelVectorPointwise(graph, node, conv, lanes)) {
    kernel = ConvKernel::kPointwiseProduct;
  } else if (channel_tiles) {
    kernel = ConvKernel::kChannelTiles;
  } else if (!CannotRun(ConvKernel::kBlocked, graph, node, conv, target)) {
    kernel = ConvKernel::kBlocked;
  } else {
    kernel = ConvKernel::kDirect;
  }

  NodePlan plan;
  plan.kernel = kernel;
  plan.channels_last_input = input;
  plan.channels_last_output = output;
  switch (kernel) {
    case ConvKernel::kDirect:
      break;
    case ConvKernel::kBlockedClipped:  // no workspace: it reads the input where it lies
      plan.tiles = BlockedTiles(conv, w, target);
      plan.row_end_masks_at_run_time = ClippedRowEndsAtRunTime(w, plan.tiles, target);
      break;
    case ConvKernel::kBlocked:
      plan.tiles = BlockedTiles(conv, IteratedWindow(w), target);
      if (conv.channels_last_input) {  // the whole input, transposed to planes as it is copied
        AddBuffer(plan, "padded_input", CopiedInputBytes(w));
      } else if (target.memory_first) {
        const KernelTiles own_window_tiles = BlockedTiles(conv, w, target);
        if (const std::optional<InPlaceBands> bands =
                PlanInPlaceBands(graph, node, conv, own_window_tiles, !input && !output)) {
          plan.tiles = own_window_tiles;
          plan.tiles.rows = std::min(plan.tiles.rows, bands->rows);
          if (bands->rows != plan.tiles.rows) plan.tiles.band_rows = bands->rows;
          plan.writes_over_consumed_input = true;
          plan.output_lead_bytes = bands->output_lead_bytes;
          AddBuffer(plan, "copied_rows", RowBandBytes(w, conv.groups, bands->rows));
        } else {
          AddBuffer(plan, "padded_rows", PaddedRowBandBytes(w, conv.groups, plan.tiles.rows));
        }
      } else {
        AddBuffer(plan, "padded_input", PaddedInputBytes(w));
      }
      break;
    case ConvKernel::kChannelTiles:
      plan.tiles.lanes = plan.tiles.channel_block = lanes;
      AddBuffer(plan, "padded_input", PaddedInputBytes(w));
      break;
    case ConvKernel::kPointwiseProduct:  // per image, [pixels, out channels] = input x W^T
      plan.tiles = MatrixProductTiles(target, w.out_h * w.out_w, conv.out_channels);
      break;
    case ConvKernel::kChannelsLastDepthwise:
      plan.tiles.lanes = lanes;
      plan.reads_input_in_place = input && input->pad_top == w.pad_top && input->pad_bottom == w.pad_bottom &&
                                  input->pad_left == w.pad_left && input->pad_right == w.pad_right;
      if (!plan.reads_input_in_place) {  // one image, padded, channels last
        AddBuffer(plan, "channels_last_image",
                  w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) * 4);
      }
      break;
    case ConvKernel::kWinograd: {
      plan.tiles.lanes = WinogradLanes(w.out_w, lanes);
      plan.tiles.rows = WinogradTileRows(w, lanes);
      // The padded input, then a block of tile rows' transformed input [16][channels]
      // [rows x lanes] and products [16][output channels][rows x lanes].
      const int64_t tiles = plan.tiles.lanes * plan.tiles.rows;
      AddBuffer(plan, "padded_input", PaddedInputBytes(w));
      AddBuffer(plan, "transformed_input", kWinogradPositions * w.channels * tiles * 4);
      AddBuffer(plan, "products", kWinogradPositions * conv.out_channels * tiles * 4);
      break;
    }
  }
  // A fused residual is read at each output position just before the kernel writes it:
  // by the direct kernel (its sums start from bias + residual), and by the others when
  // they apply the epilogue as they store (the matrix product may store partial sums).
  const absl::StatusOr<Epilogue> epilogue = ResolveEpilogue(graph, node);
  if (epilogue.ok() && epilogue->residual &&
      (kernel == ConvKernel::kDirect || (kernel != ConvKernel::kPointwiseProduct && IsVectorEpilogue(*epilogue)))) {
    plan.output_over_input = kConvResidualInput;
  }
  return plan;
}

std::vector<float> TapMajorWeights(const std::vector<float>& weights, int64_t channels, int64_t taps) {
  std::vector<float> by_tap(weights.size());
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t = 0; t < taps; ++t) by_tap[t * channels + c] = weights[c * taps + t];
  return by_tap;
}

std::vector<float> WinogradWeights(const std::vector<float>& weights, int64_t out_channels, int64_t channels) {
  static constexpr double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::vector<float> transformed(kWinogradPositions * out_channels * channels);
  for (int64_t oc = 0; oc < out_channels; ++oc)
    for (int64_t c = 0; c < channels; ++c) {
      const float* g = &weights[(oc * channels + c) * 9];
      double gg[4][3];  // G g
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j) gg[i][j] = kG[i][0] * g[j] + kG[i][1] * g[3 + j] + kG[i][2] * g[6 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          const double u = gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2];
          transformed[((i * 4 + j) * out_channels + oc) * channels + c] = static_cast<float>(u);
        }
    }
  return transformed;
}

absl::Status PrepareConvConstants(Graph& graph, const Node& node, NodePlan& plan) {
  const ConvKernel kernel = std::get<ConvKernel>(plan.kernel);
  if (kernel == ConvKernel::kDirect) return absl::OkStatus();
  ASSIGN_OR_RETURN(ConvGeometry conv, ResolveConv(graph, node));
  const WindowGeometry& w = conv.window;
  const std::vector<float> weights = graph.value(node.inputs[1]).constant->Floats();
  const int64_t taps = conv.InChannelsPerGroup() * w.kernel_h * w.kernel_w;
  switch (kernel) {
    case ConvKernel::kBlocked:
    case ConvKernel::kBlockedClipped: {
      // W[oc][tap] -> per block of output channels, [tap][channel in block].
      std::vector<float> packed(weights.size());
      const int64_t per_group = conv.OutChannelsPerGroup(), block = plan.tiles.channel_block;
      for (int64_t group = 0; group < conv.groups; ++group)
        for (int64_t start = 0; start < per_group; start += block) {
          const int64_t size = std::min(block, per_group - start);
          const int64_t first = group * per_group + start;
          for (int64_t tap = 0; tap < taps; ++tap)
            for (int64_t j = 0; j < size; ++j) packed[first * taps + tap * size + j] = weights[(first + j) * taps + tap];
        }
      AddPreparedConstant(graph, node, "blocked_weights", packed, plan);
      break;
    }
    case ConvKernel::kChannelTiles:
      AddPreparedConstant(graph, node, "channel_tiled_weights", TapMajorWeights(weights, conv.out_channels, taps), plan);
      break;
    case ConvKernel::kChannelsLastDepthwise:
      AddPreparedConstant(graph, node, "depthwise_weights",
                          TapMajorWeights(weights, w.channels, w.kernel_h * w.kernel_w), plan);
      break;
    case ConvKernel::kWinograd:
      AddPreparedConstant(graph, node, "winograd_weights", WinogradWeights(weights, conv.out_channels, w.channels),
                          plan);
      break;
    case ConvKernel::kPointwiseProduct:  // W [out channels, channels] is B^T
      AddPreparedConstant(graph, node, "b_panels",
                          PackPanels(weights, /*transposed=*/true, w.channels, conv.out_channels, plan.tiles), plan);
      break;
    case ConvKernel::kDirect:
      break;
  }
  return absl::OkStatus();
}

}  // namespace modelc
