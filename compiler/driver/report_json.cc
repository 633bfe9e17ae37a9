// JSON report, written with nlohmann::ordered_json (keys keep their order).
#include "compiler/driver/report_json.h"

#include "compiler/ir/op_geometry.h"
#include "compiler/ir/uses.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "nlohmann/json.hpp"

namespace modelc {

std::string WriteJsonReport(const CodegenRequest& request, const ObjectFile& object, const std::string& model_path) {
  using Json = nlohmann::ordered_json;
  const Graph& graph = *request.graph;
  const LoweringPlan& plan = *request.plan;
  const BufferAssignment& buffers = *request.buffers;
  const std::vector<LiveBytes> live = LiveBytesAtEachStep(graph, plan, buffers);
  Json nodes = Json::array();
  int64_t macs = 0;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    Json shapes = Json::array();
    for (ValueId output : node.outputs) shapes.push_back(graph.value(output).type.shape);
    int64_t weight_bytes = 0;
    for (ValueId input : node.inputs) {
      if (graph.IsConstant(input)) weight_bytes += graph.value(input).type.ByteSize();
    }
    Json workspace = Json::array();
    for (const WorkspaceBuffer& buffer : plan.nodes[n].workspace) {
      workspace.push_back({{"name", buffer.name}, {"bytes", buffer.bytes},
                           {"offset", buffers.workspace_offset[n] + buffer.offset}});
      if (!buffers.pools.empty()) workspace.back()["pool"] = buffers.pools[buffers.workspace_pool[n]].name;
    }
    const int64_t node_macs = MultiplyAccumulates(graph, node);
    macs += node_macs;
    nodes.push_back({{"step", n}, {"name", node.name}, {"op", DescribeOp(node)},
                     {"kernel", KernelVariantName(plan.nodes[n].kernel)},
                     {"no_code", IsElided(buffers, static_cast<int>(n))}, {"output_shapes", shapes},
                     {"macs", node_macs}, {"weight_bytes", weight_bytes}, {"live_tensor_bytes", live[n].tensors},
                     {"workspace_bytes", live[n].workspace}, {"workspace", workspace}});
    if (const char* requantization = RequantizationName(node)) nodes.back()["requantization"] = requantization;
  }
  Json tensors = Json::array();
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (buffers.root[id] != id || buffers.storage[id].kind != StorageKind::kScratch) continue;
    const BufferRequest& lifetime = buffers.lifetimes[id];
    tensors.push_back({{"name", graph.value(id).name}, {"bytes", lifetime.size},
                       {"offset", buffers.storage[id].offset}, {"first_step", lifetime.first_step},
                       {"last_step", lifetime.last_step},
                       {"layout", plan.values[id].channels_last ? "channels-last" : "planar"}});
    if (!buffers.pools.empty()) tensors.back()["pool"] = buffers.pools[buffers.storage[id].pool].name;
  }
  const std::vector<bool> referenced = ReferencedValues(graph);
  int64_t weight_bytes = 0;
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.IsConstant(id) && referenced[id]) weight_bytes += graph.value(id).type.ByteSize();
  }
  Json report = {
      {"model", request.model_name},
      {"model_file", model_path},
      {"target", {{"triple", request.target.triple}, {"cpu", request.target.cpu}}},
      {"optimize", request.optimized_for},
      {"totals",
       {{"macs", macs}, {"weight_bytes", weight_bytes}, {"scratch_bytes", buffers.scratch_size},
        {"scratch_alignment", buffers.scratch_alignment}, {"activation_bound_bytes", buffers.activation_bound},
        {"plain_activation_bound_bytes", buffers.plain_activation_bound},
        {"live_peak_bytes", buffers.live_peak}, {"flash_bytes", object.code_bytes + object.read_only_bytes},
        {"code_bytes", object.code_bytes}, {"read_only_bytes", object.read_only_bytes},
        {"stack_bound_bytes", object.stack_bound_bytes},
        {"pools", [&] {
           Json pools = Json::array();
           for (const ArenaPool& pool : buffers.pools) {
             pools.push_back({{"name", pool.name}, {"bytes", pool.size}, {"capacity_bytes", pool.capacity}});
           }
           return pools;
         }()},
        {"external_functions", object.external_functions},
        {"external_call_depths", object.external_call_depths}}},
      {"nodes", nodes},
      {"tensors", tensors},
  };
  // Names are the model's bytes: invalid UTF-8 becomes U+FFFD instead of an exception.
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace modelc
