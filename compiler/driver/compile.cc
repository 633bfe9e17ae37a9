// import -> verify -> plan buffers -> generate object + header + report -> write.
#include "compiler/driver/compile.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "compiler/backend/c_names.h"
#include "compiler/backend/codegen.h"
#include "compiler/driver/batch_check.h"
#include "compiler/driver/budgets.h"
#include "compiler/driver/memory_first.h"
#include "compiler/driver/memory_picture.h"
#include "compiler/driver/output_files.h"
#include "compiler/driver/report.h"
#include "compiler/driver/report_json.h"
#include "compiler/frontend/model_file.h"
#include "compiler/frontend/model_import.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/printer.h"
#include "compiler/ir/verifier.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/lowering/quantized_product_lowering.h"
#include "compiler/passes/graph_linking.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/subgraph_selection.h"
#include "compiler/planning/buffer_assignment.h"
#include "compiler/planning/execution_order.h"
#include "compiler/planning/pool_planner.h"
#include "compiler/util/status_macros.h"

namespace modelc {

namespace {

// A stage's error, naming the model file as every error of a compile does.
absl::Status NamingModel(const CompileOptions& options, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(options.model_path, ": ", status.message()));
}

// The frontend's options from the command line's; --freeze applies to one model only.
ImportOptions ImportOptionsOf(const CompileOptions& options, const std::map<std::string, int64_t>& dims,
                              bool with_frozen) {
  ImportOptions import;
  import.dims = dims;
  if (with_frozen) import.frozen = options.frozen;
  if (options.max_model_size) import.max_file_bytes = *options.max_model_size;
  import.batch_symbol = options.batch_symbol;
  return import;
}

// One model, or several linked by --connect (each named after its file).
absl::StatusOr<Graph> ImportModels(const CompileOptions& options, const std::map<std::string, int64_t>& dims) {
  if (options.model_paths.size() <= 1) return ImportModelFile(options.model_path, ImportOptionsOf(options, dims, true));
  if (!options.frozen.empty()) return absl::InvalidArgumentError("--freeze works with one model, not with --connect");
  std::vector<NamedGraph> models;
  // A model's name starts the C names of its tensors (MODEL.TENSOR -> MODEL_TENSOR):
  // two names that sanitise alike would give their tensors the same C names, which the
  // header could only tell apart by arbitrary suffixes.
  std::map<std::string, std::string> path_of_c_name;
  for (const std::string& path : options.model_paths) {
    const std::string stem = ModelStemOfFile(path);
    const std::string c_name = ModelCNameOfFile(path);
    const auto [other, inserted] = path_of_c_name.emplace(c_name, path);
    if (!inserted && std::filesystem::path(other->second).stem() != std::filesystem::path(path).stem()) {
      return absl::InvalidArgumentError(absl::StrCat("models '", other->second, "' and '", path,
                                                     "' both become '", c_name,
                                                     "' in C names: rename one of the files"));
    }
    ASSIGN_OR_RETURN(Graph graph, ImportModelFile(path, ImportOptionsOf(options, dims, false)));
    models.push_back({stem, std::move(graph)});
  }
  std::vector<Connection> connections;
  for (const std::string& text : options.connections) {
    ASSIGN_OR_RETURN(Connection connection, ParseConnection(text));
    connections.push_back(std::move(connection));
  }
  return LinkGraphs(std::move(models), connections);
}

// What the pipeline's optional passes follow.
struct PipelineChoices {
  bool memory_first = false;                // --optimize memory, balanced or size
  bool keep_int8_weights = false;           // --weights-int8 keep
  bool fixed_point_requantization = false;  // --requantize fixed-point
  bool int8_dsp_pairs = false;              // the target's int8 products are DSP pairs
  bool fuse_input_quantize = true;          // fuse-input-quantize(-matmul), where the choices above run them
};

// Runs the default pipeline on `graph`, verifying after each pass, and dumps as asked.
absl::Status RunPipeline(Graph& graph, const PipelineChoices& choices, const std::string& model_path,
                         const std::function<bool(const std::string&)>& wants_dump, std::ostream& dump) {
  for (const Pass& pass : DefaultPipeline()) {
    if (!pass.RunsWith(choices.memory_first, choices.keep_int8_weights, choices.fixed_point_requantization,
                       choices.int8_dsp_pairs)) {
      if (wants_dump(pass.name)) {
        dump << "# " << pass.name << " skipped: it runs "
             << (pass.memory_first_only && !choices.memory_first ? "under --optimize memory, balanced or size"
                 : pass.int8_weights_kept_only                   ? "under --weights-int8 keep"
                 : pass.fixed_point_requantization_only          ? "under --requantize fixed-point"
                                                                 : "where int8 products are DSP pairs")
             << "\n";
      }
      continue;
    }
    if ((pass.run == FuseInputQuantize || pass.run == FuseInputQuantizeIntoMatMul) && !choices.fuse_input_quantize) {
      continue;
    }
    absl::Status status = pass.run(graph);
    if (status.ok()) status = VerifyGraph(graph);
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat(model_path, ": pass ", pass.name, ": ", status.message()));
    }
    if (wants_dump(pass.name)) dump << "# after " << pass.name << "\n" << PrintGraph(graph);
  }
  return absl::OkStatus();
}

// How far above the activation bound a kernel's workspace may lift the arena: balanced's
// allowance, nothing for memory and size.
int64_t AllowedAboveTheBound(OptimizeFor goal, const BufferAssignment& buffers) {
  return goal == OptimizeFor::kBalanced ? BalancedAllowance(buffers.activation_bound) : 0;
}

// Under --optimize memory, balanced or size: `plan` planned again with the kernels whose
// workspace would lift the arena above the activation bound (more than balanced allows)
// given their smallest workspace (a dsp-pairs convolution's two windows of codes in the
// bytes of one int16 window, else one window instead of two; window-dot's one window
// instead of a tile's two; a quantised band's window copy instead of the band),
// and those still above it, or without a smaller form, replaced by their workspace-free
// forms (the second round's are not narrowed: its plan is not checked again); a
// convolution the user forced keeps its kernel.
absl::StatusOr<LoweringPlan> RefineWithinTheBound(const Graph& graph, LoweringOptions lowering,
                                                  const LoweringPlan& plan, OptimizeFor goal,
                                                  const std::map<std::string, ConvKernel>& user_forced,
                                                  const TargetDescription& target) {
  LoweringPlan refined = plan;
  for (int round = 0; round < 2; ++round) {
    const BufferAssignment buffers = AssignBuffers(graph, refined, target.buffer_alignment);
    const std::set<std::string> above =
        WorkspaceFreeKernelsAboveTheBound(graph, refined, buffers, AllowedAboveTheBound(goal, buffers));
    if (above.empty()) return refined;
    for (size_t n = 0; n < graph.nodes().size(); ++n) {
      const Node& node = graph.nodes()[n];
      if (!above.count(node.name)) continue;
      if (round == 0 && refined.nodes[n].HasNarrowerWorkspace()) {
        lowering.narrow_workspace.insert(node.name);
      } else if (node.op != OpKind::kConv) {
        lowering.workspace_free.insert(node.name);
      } else if (!user_forced.count(node.name)) {
        lowering.forced_kernels[node.name] = WorkspaceFreeConvKernel(graph, node, lowering.target);
      }
    }
    ASSIGN_OR_RETURN(refined, PlanLowering(graph, lowering));
  }
  return refined;
}

// The lowering plan; under --optimize memory, balanced or size refined within the bound
// (above), and where it stores tensors channels-last, compared with the plan that keeps
// every tensor planar (every NCHW convolution the user did not force run by the blocked
// kernel, which may write over its input): channels-last tensors may carry borders and
// their kernels never write in place, so the planar plan is taken when it needs less
// scratch (balanced: less by more than its allowance). Ties go to the vector layouts.
absl::StatusOr<LoweringPlan> PlanWithinTheBound(const Graph& graph, const LoweringOptions& lowering,
                                                OptimizeFor goal, const TargetDescription& target) {
  ASSIGN_OR_RETURN(LoweringPlan plan, PlanLowering(graph, lowering));
  if (goal == OptimizeFor::kSpeed) return plan;
  ASSIGN_OR_RETURN(plan, RefineWithinTheBound(graph, lowering, plan, goal, lowering.forced_kernels, target));
  const bool channels_last = std::any_of(plan.values.begin(), plan.values.end(),
                                         [](const ValuePlan& value) { return value.channels_last.has_value(); });
  if (!channels_last) return plan;
  LoweringOptions planar = lowering;
  for (const Node& node : graph.nodes()) {
    if (node.op != OpKind::kConv || !graph.IsConstant(node.inputs[1])) continue;
    const absl::StatusOr<ConvGeometry> conv = ResolveConv(graph, node);
    if (conv.ok() && !conv->ChannelsLast()) {  // one reading or writing NHWC keeps its kernel
      planar.forced_kernels.emplace(node.name, ConvKernel::kBlocked);  // --kernel wins
    }
  }
  absl::StatusOr<LoweringPlan> planar_plan = PlanLowering(graph, planar);
  if (planar_plan.ok()) {
    planar_plan = RefineWithinTheBound(graph, planar, *planar_plan, goal, lowering.forced_kernels, target);
  }
  if (!planar_plan.ok()) return plan;
  const int64_t scratch = AssignBuffers(graph, plan, target.buffer_alignment).scratch_size;
  const BufferAssignment planar_buffers = AssignBuffers(graph, *planar_plan, target.buffer_alignment);
  const int64_t allowed = AllowedAboveTheBound(goal, planar_buffers);
  return scratch <= planar_buffers.scratch_size + allowed ? plan : *std::move(planar_plan);
}

// A graph in the execution order chosen for it and, when choosing planned it, its plan.
struct OrderedGraph {
  Graph graph;
  std::optional<LoweringPlan> plan;
};

// Under --optimize memory, balanced or size, on a graph with branches: the graph in the
// alternative execution order (execution_order.h) whose plan needs the least scratch,
// when that is less than in its own order. Only orders whose plain peak is below the own
// order's are planned, so a chain, or a graph no order helps, costs no planning.
OrderedGraph OrderedForLeastScratch(Graph graph, const LoweringOptions& lowering, OptimizeFor goal,
                                    const TargetDescription& target) {
  std::vector<int> own(graph.nodes().size());
  std::iota(own.begin(), own.end(), 0);
  const int64_t own_peak = PlainPeakOfOrder(graph, own);
  std::optional<int64_t> least_scratch;
  std::optional<OrderedGraph> best;
  std::optional<LoweringPlan> own_plan;
  for (const std::vector<int>& order : AlternativeExecutionOrders(graph)) {
    if (PlainPeakOfOrder(graph, order) >= own_peak) continue;
    if (!least_scratch) {
      absl::StatusOr<LoweringPlan> plan = PlanWithinTheBound(graph, lowering, goal, target);
      if (!plan.ok()) return {std::move(graph), std::nullopt};  // the caller reports the own order's error
      least_scratch = AssignBuffers(graph, *plan, target.buffer_alignment).scratch_size;
      own_plan = *std::move(plan);
    }
    Graph candidate = WithNodesInOrder(graph, order);
    absl::StatusOr<LoweringPlan> plan = PlanWithinTheBound(candidate, lowering, goal, target);
    if (!plan.ok()) continue;
    const int64_t scratch = AssignBuffers(candidate, *plan, target.buffer_alignment).scratch_size;
    if (scratch < *least_scratch) {
      least_scratch = scratch;
      best = OrderedGraph{std::move(candidate), *std::move(plan)};
    }
  }
  return best ? *std::move(best) : OrderedGraph{std::move(graph), std::move(own_plan)};
}

// Whether a convolution or matrix product quantises its float input as it reads it
// (fuse-input-quantize, fuse-input-quantize-matmul).
bool FusesInputQuantize(const Graph& graph) {
  for (const Node& node : graph.nodes()) {
    if (node.attributes.Has(kFusedQuantizeInput)) return true;
  }
  return false;
}

// The stack the matrix products quantising their A add (the quantising pairs' sums, the
// largest frame's), or none where such a product got neither DSP pairs kernel: the
// others read A's codes or would quantise each element once per column, so the fusions
// are undone then.
std::optional<int64_t> QuantizingProductsStack(const Graph& graph, const LoweringPlan& plan) {
  int64_t bytes = 0;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    if (node.op != OpKind::kQLinearMatMul || !node.attributes.Has(kFusedQuantizeInput)) continue;
    const auto* kernel = std::get_if<QuantizedProductKernel>(&plan.nodes[n].kernel);
    if (kernel && *kernel == QuantizedProductKernel::kDspPairs) continue;  // quantised into its window
    if (!kernel || *kernel != QuantizedProductKernel::kDspPairsInRegisters) return std::nullopt;
    bytes = std::max(bytes, QuantizingPairsStackBytes(graph.value(node.outputs[0]).type.shape.back()));
  }
  return bytes;
}

// Whether a convolution quantising its input as it reads it reads an element more than
// once without an FPU, where each quantisation is a libgcc division: one with no band of
// quantised rows (NodePlan::quantized_band; the direct kernel's windows quantise each
// element once per window and block of output channels). The fusion is undone there,
// whatever scratch it saves (Cortex-M3, mobilenet_v1_025_vww_int8: 64.4 M instructions
// fused against 36.8 M, for 37,016 bytes of scratch against 46,288).
bool RepeatsSoftFloatQuantizations(const Graph& graph, const LoweringPlan& plan, const TargetDescription& target) {
  if (target.hardware_float) return false;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    if (node.op == OpKind::kQLinearConv && node.attributes.Has(kFusedQuantizeInput) && !plan.nodes[n].quantized_band) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PlannedModel>> PlanModel(const CompileOptions& options, std::ostream& dump) {
  if (!options.quantize_calibration.empty()) {
    return absl::InvalidArgumentError("--quantize is modelc compile's (RunCompileCommand), not the compiler's");
  }
  std::error_code error;
  const std::filesystem::path output_dir(options.output_dir);
  if (std::filesystem::exists(output_dir, error) && !std::filesystem::is_directory(output_dir, error)) {
    return absl::InvalidArgumentError(absl::StrCat("-o '", options.output_dir, "' is a file; -o takes the folder that "
                                                   "NAME.o, NAME.h and NAME.report.txt go into"));
  }
  if (output_dir.extension() == ".o" || output_dir.extension() == ".h") {  // the gcc habit: -o out/kws.o
    return absl::InvalidArgumentError(absl::StrCat(
        "-o takes a folder, not a file name: for '", options.output_dir, "' use -o ",
        output_dir.has_parent_path() ? output_dir.parent_path().string() : std::string("."), " --name ",
        output_dir.stem().string()));
  }
  ASSIGN_OR_RETURN(TargetDescription target, DescribeTarget(options.target, options.cpu));
  std::map<std::string, int64_t> dims = options.dims;
  if (!options.batch_symbol.empty()) {
    if (dims.count(options.batch_symbol)) {
      return absl::InvalidArgumentError(absl::StrCat("--batch ", options.batch_symbol, " and --dim ",
                                                     options.batch_symbol, "=... contradict each other"));
    }
    dims[options.batch_symbol] = 1;  // one sample; NAME_run_batched loops over the rest
  }
  ASSIGN_OR_RETURN(Graph graph, ImportModels(options, dims));
  RETURN_IF_ERROR(VerifyGraph(graph));
  // A TFLite model's shapes are static, for one sample (the importer checks): it cannot be
  // imported for two, and NAME_run_batched runs it once per sample as TFLite's
  // interpreter would be run. ONNX and Keras models bind their batch dimension to two
  // samples, which must not interact.
  if (!options.batch_symbol.empty() && DetectModelFormat(options.model_path) != ModelFormat::kTflite) {
    dims[options.batch_symbol] = 2;
    ASSIGN_OR_RETURN(Graph pair, ImportModelFile(options.model_path, ImportOptionsOf(options, dims, true)));
    if (absl::Status independent = CheckSamplesIndependent(graph, pair, options.batch_symbol); !independent.ok()) {
      return NamingModel(options, independent);
    }
  }
  auto wants_dump = [&](const std::string& stage) {
    for (const std::string& wanted : options.dump_ir_after) {
      if (wanted == stage || wanted == "all") return true;
    }
    return false;
  };
  if (wants_dump("import")) dump << "# after import\n" << PrintGraph(graph);
  if (absl::Status selected = SelectSubgraph(graph, options.extra_outputs, options.cut_inputs); !selected.ok()) {
    return NamingModel(options, selected);
  }
  const OptimizeFor goal = options.optimize.value_or(target.bare_metal ? OptimizeFor::kMemory : OptimizeFor::kSpeed);
  PipelineChoices choices;
  choices.memory_first = goal != OptimizeFor::kSpeed;
  choices.keep_int8_weights = options.keep_int8_weights.value_or(target.hardware_float);
  choices.fixed_point_requantization = options.fixed_point_requantization.value_or(!target.hardware_float);
  choices.int8_dsp_pairs = target.int8_dsp_pairs;
  // fuse-input-quantize and fuse-input-quantize-matmul save RAM only where the quantised
  // input's copy is at the peak, and cost time everywhere (a libgcc division per read
  // without an FPU): a copy of the graph goes through the pipeline without them, and the
  // fusions stay only if they lower the scratch by more than the stack they add, with
  // every fused matrix product on DSP pairs (QuantizingProductsStack).
  std::optional<Graph> unfused;
  const bool quantizes = std::any_of(graph.nodes().begin(), graph.nodes().end(),
                                     [](const Node& node) { return node.op == OpKind::kQuantizeLinear; });
  if (choices.memory_first && quantizes) unfused = graph;
  RETURN_IF_ERROR(RunPipeline(graph, choices, options.model_path, wants_dump, dump));

  LoweringOptions lowering;
  // --optimize size plans scalar tiles (a scalar FPU's 16 registers): vector tiles cost
  // Cortex-M55 twice the code (resnet8 5.8 -> 11.6 KB) for half the instructions; LLVM's
  // vectorisers still use the vector unit where a loop allows.
  const bool size_first = goal == OptimizeFor::kSize;
  lowering.target = {.vector_lanes = size_first ? 1 : target.vector_lanes,
                     .vector_registers = size_first ? 16 : target.vector_registers,
                     .memory_first = choices.memory_first,
                     .dsp_pairs = target.dsp_pairs,
                     .code_size_first = size_first,
                     .flash_first = target.bare_metal,
                     .int8_vector_dot = target.helium,
                     .byte_quad_lanes = size_first ? 0 : target.x86_byte_quad_lanes,
                     .byte_quads_by_pairs = !size_first && target.x86_byte_quads_by_pairs};
  lowering.trace = options.trace;
  for (const auto& [node, variant_name] : options.forced_kernels) {
    if (variant_name == kWorkspaceFreeVariant) {
      const auto named = std::find_if(graph.nodes().begin(), graph.nodes().end(),
                                      [&](const Node& n) { return n.name == node; });
      if (named == graph.nodes().end()) {
        return absl::InvalidArgumentError(absl::StrCat("--kernel: no node named '", node, "'"));
      }
      if (named->op != OpKind::kQLinearConv && named->op != OpKind::kConvInteger) {
        return absl::InvalidArgumentError(absl::StrCat("--kernel: node '", node, "' (", OpName(named->op), "): ",
                                                       kWorkspaceFreeVariant,
                                                       " applies to quantised convolutions (QLinearConv, ConvInteger)"));
      }
      lowering.workspace_free.insert(node);
      continue;
    }
    const std::optional<ConvKernel> kernel = ConvKernelFromName(variant_name);
    if (!kernel) return absl::InvalidArgumentError(absl::StrCat("--kernel: no convolution kernel named '", variant_name, "'"));
    lowering.forced_kernels[node] = *kernel;
  }
  std::optional<LoweringPlan> ordered_plan;
  if (choices.memory_first) {
    OrderedGraph ordered = OrderedForLeastScratch(std::move(graph), lowering, goal, target);
    graph = std::move(ordered.graph);
    ordered_plan = std::move(ordered.plan);
  }
  absl::StatusOr<LoweringPlan> plan =
      ordered_plan ? *std::move(ordered_plan) : PlanWithinTheBound(graph, lowering, goal, target);
  if (plan.ok() && unfused && FusesInputQuantize(graph)) {
    choices.fuse_input_quantize = false;
    std::ostringstream unused_dump;
    if (RunPipeline(*unfused, choices, options.model_path, [](const std::string&) { return false; }, unused_dump).ok()) {
      OrderedGraph ordered = OrderedForLeastScratch(*std::move(unfused), lowering, goal, target);
      unfused = std::move(ordered.graph);
      absl::StatusOr<LoweringPlan> unfused_plan =
          ordered.plan ? *std::move(ordered.plan) : PlanWithinTheBound(*unfused, lowering, goal, target);
      const std::optional<int64_t> added_stack = QuantizingProductsStack(graph, *plan);
      const bool repeats_divisions = RepeatsSoftFloatQuantizations(graph, *plan, target);
      const bool fusions_pay =
          added_stack && !repeats_divisions && unfused_plan.ok() &&
          AssignBuffers(graph, *plan, target.buffer_alignment).scratch_size + *added_stack <
              AssignBuffers(*unfused, *unfused_plan, target.buffer_alignment).scratch_size;
      if (unfused_plan.ok() && !fusions_pay) {
        graph = *std::move(unfused);
        plan = std::move(unfused_plan);
        if (!options.dump_ir_after.empty()) {  // the dumps after it showed the fused graph
          dump << "# fuse-input-quantize undone: "
               << (repeats_divisions ? "without an FPU it would quantise an element more than once"
                                     : "it lowers no scratch here")
               << "; the graph compiled:\n"
               << PrintGraph(graph);
        }
      }
    }
  }
  if (options.dump_ir) dump << PrintGraph(graph);
  if (plan.ok()) {
    if (absl::Status prepared = PrepareConstants(graph, *plan); !prepared.ok()) plan = prepared;
  }
  if (!plan.ok()) return NamingModel(options, plan.status());
  if (wants_dump(kPrepareConstantsStage)) {
    dump << "# after " << kPrepareConstantsStage << "\n" << PrintGraph(graph) << PrintPreparedConstants(graph, *plan);
  }
  if (options.dump_plan) dump << PrintLoweringPlan(graph, *plan);
  auto planned = std::unique_ptr<PlannedModel>(new PlannedModel{target, std::move(graph), *std::move(plan), {}, {}});
  planned->buffers = AssignBuffers(planned->graph, planned->plan, target.buffer_alignment);
  if (absl::Status pooled = AssignPools(planned->graph, planned->plan, options.pools, planned->buffers); !pooled.ok()) {
    return absl::Status(pooled.code(), absl::StrCat(options.model_path, ": --pool: ", pooled.message()));
  }
  planned->request = CodegenRequest{.graph = &planned->graph,
                                    .plan = &planned->plan,
                                    .buffers = &planned->buffers,
                                    .model_name = options.name,
                                    .target = target,
                                    .trace = options.trace,
                                    .batched = !options.batch_symbol.empty(),
                                    .external_weights = options.external_weights,
                                    .optimized_for = OptimizeForName(goal)};
  if (absl::Status fits = CheckIndexWidth(planned->request); !fits.ok()) {
    return NamingModel(options, fits);
  }
  if (absl::Status fits = CheckRamBudget(planned->request, options.max_ram); !fits.ok()) {
    return NamingModel(options, fits);
  }
  return planned;
}

absl::Status LowerModel(const CompileOptions& options, std::ostream& dump) {
  ASSIGN_OR_RETURN(std::unique_ptr<PlannedModel> planned, PlanModel(options, dump));
  const absl::Status built = BuildVerifiedModule(planned->request);
  return built.ok() ? built : NamingModel(options, built);
}

absl::Status RunCompile(const CompileOptions& options, std::ostream& dump) {
  ASSIGN_OR_RETURN(std::unique_ptr<PlannedModel> planned, PlanModel(options, dump));
  const CodegenRequest& request = planned->request;
  if (options.dump_llvm) {
    ASSIGN_OR_RETURN(std::string ir, GenerateLlvmIr(request));
    dump << ir;
  }
  absl::StatusOr<ObjectFile> object = GenerateObjectFile(request);
  if (!object.ok()) return NamingModel(options, object.status());
  if (absl::Status fits = CheckFlashBudget(request, *object, options.max_flash); !fits.ok()) {
    return NamingModel(options, fits);
  }
  const std::filesystem::path dir(options.output_dir);
  std::vector<OutputFile> files = {
      {(dir / (options.name + ".o")).string(), object->bytes},
      {(dir / (options.name + ".h")).string(), GenerateHeader(request, *object)},
      {(dir / (options.name + ".report.txt")).string(), WriteReport(request, *object, options.model_path)},
  };
  if (options.external_weights) files.push_back({(dir / (options.name + ".weights.bin")).string(), object->weights_blob});
  if (options.report_json) {
    files.push_back({(dir / (options.name + ".report.json")).string(), WriteJsonReport(request, *object, options.model_path)});
  }
  if (options.memory_svg) files.push_back({(dir / (options.name + ".memory.svg")).string(), DrawMemoryPlan(request)});
  return WriteOutputFilesAtomically(files);
}

}  // namespace modelc
