// Builds the lowering plan: roles of the nodes, then value layouts, then each node's
// kernel, tiles and workspace from its family's planner.
#include "compiler/lowering/lowering_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/uses.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/lowering/linear_lowering.h"
#include "compiler/lowering/pool_lowering.h"
#include "compiler/lowering/quantized_product_lowering.h"
#include "compiler/lowering/recurrent_lowering.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/recurrent/recurrent.h"
#include "compiler/util/status_macros.h"

namespace modelc {

bool NodePlan::WorkspaceFreeFormWritesOver() const {
  const auto* quantized = std::get_if<QuantizedProductKernel>(&kernel);
  return quantized && (*quantized == QuantizedProductKernel::kPlaneRows || window_dots);
}

bool NodePlan::HasNarrowerWorkspace() const {
  const auto* quantized = std::get_if<QuantizedProductKernel>(&kernel);
  return quantized && ((*quantized == QuantizedProductKernel::kDspPairs && tiles.pixels > 1 && !int8_window_codes) ||
                        (*quantized == QuantizedProductKernel::kWindowDot && tiles.pixels > 1) || quantized_band);
}

namespace {

constexpr ConvKernel kConvKernels[] = {ConvKernel::kDirect, ConvKernel::kBlocked, ConvKernel::kBlockedClipped,
                                       ConvKernel::kChannelTiles,
                                       ConvKernel::kPointwiseProduct, ConvKernel::kChannelsLastDepthwise,
                                       ConvKernel::kWinograd};

const char* Name(std::monostate) { return "default"; }

const char* Name(ConvKernel kernel) {
  switch (kernel) {
    case ConvKernel::kDirect:
      return "direct";
    case ConvKernel::kBlocked:
      return "blocked";
    case ConvKernel::kBlockedClipped:
      return "blocked-clipped";
    case ConvKernel::kChannelTiles:
      return "channel-tiles";
    case ConvKernel::kPointwiseProduct:
      return "pointwise-product";
    case ConvKernel::kChannelsLastDepthwise:
      return "channels-last-depthwise";
    case ConvKernel::kWinograd:
      return "winograd";
  }
  return "unknown";
}

const char* Name(MatrixProductKernel kernel) {
  switch (kernel) {
    case MatrixProductKernel::kPanels:
      return "panels";
    case MatrixProductKernel::kRunTimeB:
      return "run-time-b";
    case MatrixProductKernel::kRankOneUpdates:
      return "rank-one";
  }
  return "unknown";
}

const char* Name(PoolKernel kernel) {
  switch (kernel) {
    case PoolKernel::kVectorRows:
      return "vector-rows";
    case PoolKernel::kClippedWindows:
      return "clipped-windows";
  }
  return "unknown";
}

const char* Name(QuantizedProductKernel kernel) {
  switch (kernel) {
    case QuantizedProductKernel::kDirect:
      return "direct";
    case QuantizedProductKernel::kDspPairs:
      return "dsp-pairs";
    case QuantizedProductKernel::kDspPairsInRegisters:
      return "dsp-pairs-registers";
    case QuantizedProductKernel::kWindowDot:
      return "window-dot";
    case QuantizedProductKernel::kPlaneRows:
      return "plane-rows";
    case QuantizedProductKernel::kChannelLanes:
      return "channel-lanes";
    case QuantizedProductKernel::kPixelLanes:
      return "pixel-lanes";
    case QuantizedProductKernel::kRowDot:
      return "row-dot";
  }
  return "unknown";
}

bool IsRecurrent(OpKind op) { return op == OpKind::kRNN || op == OpKind::kGRU || op == OpKind::kLSTM; }

std::string TilesText(const KernelTiles& tiles) {
  std::string text;
  auto add = [&](const char* name, int64_t value) {
    if (value > 0) absl::StrAppend(&text, text.empty() ? "" : ", ", name, " ", value);
  };
  add("lanes", tiles.lanes);
  add("vectors", tiles.vectors);
  add("channel block", tiles.channel_block);
  add("rows", tiles.rows);
  add("band rows", tiles.band_rows);
  add("pixels", tiles.pixels);
  return text.empty() ? text : absl::StrCat(" (", text, ")");
}

}  // namespace

const char* KernelVariantName(const KernelVariant& variant) {
  return std::visit([](auto kernel) { return Name(kernel); }, variant);
}

std::optional<ConvKernel> ConvKernelFromName(std::string_view name) {
  for (ConvKernel kernel : kConvKernels) {
    if (name == Name(kernel)) return kernel;
  }
  return std::nullopt;
}

int64_t NodePlan::WorkspaceBytes() const {
  int64_t bytes = 0;
  for (const WorkspaceBuffer& buffer : workspace) bytes = std::max(bytes, buffer.offset + buffer.bytes);
  return bytes;
}

const PreparedConstant* NodePlan::FindConstant(std::string_view role) const {
  for (const PreparedConstant& constant : constants) {
    if (constant.role == role) return &constant;
  }
  return nullptr;
}

const WorkspaceBuffer* NodePlan::FindWorkspace(std::string_view name) const {
  for (const WorkspaceBuffer& buffer : workspace) {
    if (buffer.name == name) return &buffer;
  }
  return nullptr;
}

absl::StatusOr<LoweringPlan> PlanLowering(const Graph& graph, const LoweringOptions& options) {
  const size_t node_count = graph.nodes().size();
  LoweringPlan plan;
  plan.target = options.target;
  plan.trace = options.trace;
  plan.nodes.resize(node_count);
  plan.values.resize(graph.values().size());

  std::vector<std::optional<ConvKernel>> forced(node_count);
  for (const auto& [name, variant] : options.forced_kernels) {
    bool found = false;
    for (size_t n = 0; n < node_count; ++n) {
      if (graph.nodes()[n].name != name) continue;
      forced[n] = variant;
      found = true;
    }
    if (!found) return absl::InvalidArgumentError(absl::StrCat("--kernel: no node named '", name, "'"));
  }

  // What each node's kernel allows for the layouts around it, then the layouts.
  std::vector<std::optional<ConvGeometry>> convs(node_count);
  std::vector<ChannelsLastRole> roles(node_count);
  for (size_t n = 0; n < node_count; ++n) {
    const Node& node = graph.nodes()[n];
    if (node.op != OpKind::kConv) {
      if (forced[n]) {
        return absl::InvalidArgumentError(absl::StrCat("--kernel: node '", node.name, "' (", OpName(node.op),
                                                       ") is no convolution; --kernel forces convolution kernels"));
      }
      continue;
    }
    ASSIGN_OR_RETURN(convs[n], ResolveConv(graph, node));
    ASSIGN_OR_RETURN(roles[n], ConvChannelsLastRole(graph, node, *convs[n], options.target, forced[n]));
  }
  const std::vector<std::optional<ChannelsLastStorage>> layouts = ChooseChannelsLastStorage(graph, roles);
  for (ValueId id = 0; id < static_cast<ValueId>(plan.values.size()); ++id) {
    ValuePlan& value = plan.values[id];
    value.channels_last = layouts[id];
    value.stored_bytes = value.channels_last ? value.channels_last->batch * value.channels_last->ImageFloats() * 4
                                             : graph.value(id).type.ByteSize();
  }

  for (size_t n = 0; n < node_count; ++n) {
    const Node& node = graph.nodes()[n];
    NodePlan& node_plan = plan.nodes[n];
    if (convs[n]) {
      node_plan = PlanConv(graph, node, *convs[n], options.target, layouts[node.inputs[0]], layouts[node.outputs[0]],
                           forced[n]);
    } else if (node.op == OpKind::kGemm || node.op == OpKind::kMatMul) {
      ASSIGN_OR_RETURN(node_plan, PlanMatrixProduct(graph, node, options.target));
    } else if (node.op == OpKind::kMaxPool || node.op == OpKind::kAveragePool || node.op == OpKind::kLpPool ||
               node.op == OpKind::kQLinearAveragePool) {
      ASSIGN_OR_RETURN(node_plan, PlanPool(graph, node, options.target));
    } else if (node.op == OpKind::kQLinearConv || node.op == OpKind::kConvInteger) {
      ASSIGN_OR_RETURN(node_plan,
                       PlanQuantizedConv(graph, node, options.target, options.workspace_free.count(node.name) > 0,
                                         options.narrow_workspace.count(node.name) > 0));
    } else if (node.op == OpKind::kQLinearMatMul || node.op == OpKind::kMatMulInteger) {
      ASSIGN_OR_RETURN(node_plan,
                       PlanQuantizedMatMul(graph, node, options.target, options.workspace_free.count(node.name) > 0));
    } else if (IsRecurrent(node.op)) {
      ASSIGN_OR_RETURN(RecurrentGeometry recurrent, ResolveRecurrent(graph, node));
      node_plan = PlanRecurrent(recurrent);
    } else if (node.op == OpKind::kQuantizedLstm) {
      ASSIGN_OR_RETURN(QuantizedLstmGeometry lstm, ResolveQuantizedLstm(graph, node));
      node_plan = PlanQuantizedLstm(lstm);
    }
    if (node.op == OpKind::kQLinearConv || node.op == OpKind::kQLinearMatMul) {
      node_plan.requantization_planes = options.target.int8_vector_dot && !options.target.code_size_first;
    }
    if (!options.trace) continue;
    for (ValueId output : node.outputs) {  // the planar copy runs after the kernel: the same bytes serve
      if (layouts[output]) node_plan.workspace.push_back({"planar_copy", 0, graph.value(output).type.ByteSize()});
    }
  }
  return plan;
}

void AddPreparedConstant(Graph& graph, const Node& node, const std::string& role, const std::vector<float>& values,
                         NodePlan& plan) {
  AddPreparedConstant(graph, node, role, TensorData::FromFloats({static_cast<int64_t>(values.size())}, values), plan);
}

void AddPreparedConstant(Graph& graph, const Node& node, const std::string& role, TensorData data, NodePlan& plan) {
  const ValueId value = graph.AddConstant(absl::StrCat(node.name, ".", role), std::move(data));
  plan.constants.push_back({role, value});
}

absl::Status PrepareConstants(Graph& graph, LoweringPlan& plan) {
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];  // adding constants appends values, never nodes
    NodePlan& node_plan = plan.nodes[n];
    if (node.op == OpKind::kConv) {
      RETURN_IF_ERROR(PrepareConvConstants(graph, node, node_plan));
    } else if (node.op == OpKind::kGemm || node.op == OpKind::kMatMul) {
      RETURN_IF_ERROR(PrepareMatrixProductConstants(graph, node, node_plan));
    } else if (node.op == OpKind::kQLinearConv || node.op == OpKind::kConvInteger ||
               node.op == OpKind::kQLinearMatMul) {
      RETURN_IF_ERROR(PrepareQuantizedProductConstants(graph, node, node_plan));
    } else if (node.op == OpKind::kBatchNormalization && graph.IsConstant(node.inputs[1]) &&
               graph.IsConstant(node.inputs[2]) && graph.IsConstant(node.inputs[3]) && graph.IsConstant(node.inputs[4])) {
      ASSIGN_OR_RETURN(BatchNormGeometry g, ResolveBatchNorm(graph, node));
      const BatchNormScaleShift folded = ResolveBatchNormScaleShift(graph, node, g.epsilon);
      AddPreparedConstant(graph, node, "scale", folded.scale, node_plan);
      AddPreparedConstant(graph, node, "shift", folded.shift, node_plan);
    }
  }
  for (ValueId id = static_cast<ValueId>(plan.values.size()); id < static_cast<ValueId>(graph.values().size()); ++id) {
    plan.values.push_back({std::nullopt, graph.value(id).type.ByteSize()});
  }
  return absl::OkStatus();
}

std::string PrintPreparedConstants(const Graph& graph, const LoweringPlan& plan) {
  std::string text = "prepared constants (read by the kernel of the node named, instead of its inputs):\n";
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (const PreparedConstant& constant : plan.nodes[n].constants) {
      absl::StrAppend(&text, "  const %", graph.value(constant.value).name, ": ",
                      graph.value(constant.value).type.ToString(), "  # ", graph.nodes()[n].name, " (",
                      KernelVariantName(plan.nodes[n].kernel), ")\n");
    }
  }
  return text;
}

std::string PrintLoweringPlan(const Graph& graph, const LoweringPlan& plan) {
  std::string text = absl::StrCat("lowering plan (vector lanes ", plan.target.vector_lanes, ", vector registers ",
                                  plan.target.vector_registers, plan.trace ? ", trace" : "", ")\nnodes:\n");
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    const NodePlan& node_plan = plan.nodes[n];
    const char* requantization = RequantizationName(node);
    absl::StrAppend(&text, absl::StrFormat("  %d '%s' %s: %s%s%s%s%s\n", n, node.name, DescribeOp(node),
                                           KernelVariantName(node_plan.kernel), TilesText(node_plan.tiles),
                                           requantization ? absl::StrCat(", ", requantization, " requantisation",
                                                                         node_plan.accumulators_below_2_30
                                                                             ? " (accumulators below 2^30)"
                                                                             : "")
                                                          : "",
                                           node_plan.unrolled_interior   ? ", interior unrolled"
                                           : node_plan.window_copy_unrolled ? ", window copy unrolled"
                                           : node_plan.word_rows         ? ", word rows"
                                           : node_plan.lanes_across_rows ? ", lanes across rows"
                                           : node_plan.window_dots       ? ", window dots"
                                                                         : "",  // never two
                                           absl::StrCat(node_plan.quantized_band
                                                            ? (node_plan.window_gather_halfwords
                                                                   ? ", quantises a band of input rows, gathered by "
                                                                     "halfwords"
                                                                   : ", quantises a band of input rows")
                                                        : node_plan.window_channel_runs
                                                            ? ", reads its input in place by channel runs"
                                                        : node_plan.window_gather_halfwords
                                                            ? ", reads its input in place by halfword gathers"
                                                        : node_plan.reads_input_in_place ? ", reads its input in place"
                                                        : node_plan.window_copy_gathers  ? ", copies its windows by channel runs"
                                                                                         : "",
                                                        node_plan.pixel_inputs_copied
                                                            ? ", copies each pixel's inputs, writes over its consumed "
                                                              "input"
                                                        : node_plan.writes_over_consumed_input
                                                            ? ", writes over its consumed input"
                                                        : node_plan.row_end_masks_at_run_time ? ", row-end masks at run time"
                                                                                              : "",
                                                        node_plan.pairs_at_borders ? ", pairs to the borders" : "")));
    for (const WorkspaceBuffer& buffer : node_plan.workspace) {
      absl::StrAppend(&text, absl::StrFormat("      workspace %s @%d, %d bytes\n", buffer.name, buffer.offset,
                                             buffer.bytes));
    }
    for (const PreparedConstant& constant : node_plan.constants) {
      absl::StrAppend(&text, absl::StrFormat("      constant %s: %%%s %s\n", constant.role,
                                             graph.value(constant.value).name,
                                             graph.value(constant.value).type.ToString()));
    }
  }
  absl::StrAppend(&text, "values:\n");
  const std::vector<bool> referenced = ReferencedValues(graph);
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.IsConstant(id) || !referenced[id]) continue;
    const ValuePlan& value = plan.values[id];
    std::string layout = "planar";
    if (const auto& storage = value.channels_last) {
      layout = "channels-last";
      if (storage->HasBorder()) {
        absl::StrAppend(&layout, absl::StrFormat(" with a zero border (pads %d,%d,%d,%d)", storage->pad_top,
                                                 storage->pad_left, storage->pad_bottom, storage->pad_right));
      }
    }
    absl::StrAppend(&text, absl::StrFormat("  '%s' %s: %s, %d bytes\n", graph.value(id).name,
                                           graph.value(id).type.ToString(), layout, value.stored_bytes));
  }
  return text;
}

}  // namespace modelc
