#include "compiler/quantize/subgraph_reads.h"

namespace modelc {
namespace {

void AddReads(const onnx::GraphProto& subgraph, std::set<std::string>* names) {
  for (const onnx::NodeProto& node : subgraph.node()) {
    names->insert(node.input().begin(), node.input().end());
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.has_g()) AddReads(a.g(), names);
      for (const onnx::GraphProto& g : a.graphs()) AddReads(g, names);
    }
  }
  for (const onnx::ValueInfoProto& output : subgraph.output()) names->insert(output.name());
}

}  // namespace

std::set<std::string> NamesReadBySubgraphs(const onnx::GraphProto& graph) {
  std::set<std::string> names;
  for (const onnx::NodeProto& node : graph.node()) {
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.has_g()) AddReads(a.g(), &names);
      for (const onnx::GraphProto& g : a.graphs()) AddReads(g, &names);
    }
  }
  return names;
}

}  // namespace modelc
