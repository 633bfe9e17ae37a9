// Candidate execution orders and their plain peaks.
#include "compiler/planning/execution_order.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "compiler/planning/buffer_assignment.h"

namespace modelc {
namespace {

// Each value's buffer under views (a view's output lives in its input's bytes), and the
// bytes each buffer costs: intermediate tensors only.
struct Buffers {
  std::vector<ValueId> root;
  std::vector<int64_t> bytes;  // per root
};

Buffers BuffersOf(const Graph& graph) {
  const int count = static_cast<int>(graph.values().size());
  Buffers result;
  result.root.resize(count);
  std::iota(result.root.begin(), result.root.end(), 0);
  // Views read a producer's output only, so the graph's own order resolves chains of them.
  for (const Node& node : graph.nodes()) {
    if (!AliasedOutputOffsets(graph, node)) continue;
    for (ValueId output : node.outputs) result.root[output] = result.root[node.inputs[0]];
  }
  result.bytes.assign(count, 0);
  for (ValueId id = 0; id < count; ++id) {
    const bool costs = result.root[id] == id && !graph.IsConstant(id) && !graph.IsGraphInput(id) &&
                       !graph.IsGraphOutput(id) && graph.value(id).producer >= 0;
    if (costs) result.bytes[id] = graph.value(id).type.ByteSize();
  }
  return result;
}

// The buffers node `n` reads, each once.
std::vector<ValueId> RootsRead(const Graph& graph, const Buffers& buffers, int n) {
  std::set<ValueId> roots;
  for (ValueId id : ReadValues(graph.nodes()[n])) roots.insert(buffers.root[id]);
  return {roots.begin(), roots.end()};
}

// The nodes each node waits for: the producers of what it reads.
std::vector<std::vector<int>> Dependencies(const Graph& graph) {
  std::vector<std::vector<int>> waits_for(graph.nodes().size());
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (ValueId id : ReadValues(graph.nodes()[n])) {
      const int producer = graph.value(id).producer;
      if (producer >= 0) waits_for[n].push_back(producer);
    }
  }
  return waits_for;
}

// Greedy list scheduling: of the ready nodes, the one whose outputs add the fewest bytes
// net of the buffers it is the last reader of; ties to the graph's own order.
std::vector<int> FewestLiveBytesFirst(const Graph& graph) {
  const int node_count = static_cast<int>(graph.nodes().size());
  const Buffers buffers = BuffersOf(graph);
  std::vector<int> readers_left(graph.values().size(), 0);
  std::vector<std::vector<ValueId>> reads(node_count);
  for (int n = 0; n < node_count; ++n) {
    reads[n] = RootsRead(graph, buffers, n);
    for (ValueId root : reads[n]) ++readers_left[root];
  }
  const std::vector<std::vector<int>> waits_for = Dependencies(graph);
  std::vector<int> waiting(node_count, 0);
  std::vector<std::vector<int>> unblocks(node_count);
  for (int n = 0; n < node_count; ++n) {
    for (int producer : waits_for[n]) {
      ++waiting[n];
      unblocks[producer].push_back(n);
    }
  }
  std::set<int> ready;
  for (int n = 0; n < node_count; ++n) {
    if (waiting[n] == 0) ready.insert(n);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int best = -1;
    int64_t best_change = 0;
    for (int n : ready) {
      int64_t change = 0;
      for (ValueId output : graph.nodes()[n].outputs) change += buffers.bytes[output];
      for (ValueId root : reads[n]) change -= readers_left[root] == 1 ? buffers.bytes[root] : 0;
      if (best < 0 || change < best_change) best = n, best_change = change;
    }
    ready.erase(best);
    order.push_back(best);
    for (ValueId root : reads[best]) --readers_left[root];
    for (int next : unblocks[best]) {
      if (--waiting[next] == 0) ready.insert(next);
    }
  }
  return order;
}

// Depth first from the graph's outputs: a node after the producers of what it reads,
// visited in order (or reversed); nodes no output needs keep their places at the end.
std::vector<int> DepthFirst(const Graph& graph, bool reversed) {
  const int node_count = static_cast<int>(graph.nodes().size());
  const std::vector<std::vector<int>> waits_for = Dependencies(graph);
  std::vector<bool> placed(node_count, false);
  std::vector<int> order;
  auto visit = [&](int start) {
    // An explicit stack: a deep graph must not exhaust the compiler's.
    std::vector<std::pair<int, size_t>> stack = {{start, 0}};
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (placed[n]) {
        stack.pop_back();
        continue;
      }
      const std::vector<int>& producers = waits_for[n];
      if (next < producers.size()) {
        const int producer = producers[reversed ? producers.size() - 1 - next : next];
        ++next;
        if (!placed[producer]) stack.push_back({producer, 0});
        continue;
      }
      placed[n] = true;
      order.push_back(n);
      stack.pop_back();
    }
  };
  for (ValueId output : graph.outputs()) {
    if (graph.value(output).producer >= 0) visit(graph.value(output).producer);
  }
  for (int n = 0; n < node_count; ++n) visit(n);
  return order;
}

}  // namespace

int64_t PlainPeakOfOrder(const Graph& graph, const std::vector<int>& order) {
  const Buffers buffers = BuffersOf(graph);
  std::vector<int> readers_left(graph.values().size(), 0);
  std::vector<std::vector<ValueId>> reads(graph.nodes().size());
  for (int n : order) {
    reads[n] = RootsRead(graph, buffers, n);
    for (ValueId root : reads[n]) ++readers_left[root];
  }
  int64_t live = 0, peak = 0;
  for (int n : order) {
    for (ValueId output : graph.nodes()[n].outputs) live += buffers.bytes[output];
    peak = std::max(peak, live);
    for (ValueId root : reads[n]) {
      if (--readers_left[root] == 0) live -= buffers.bytes[root];
    }
    // An output nobody reads dies at once.
    for (ValueId output : graph.nodes()[n].outputs) {
      if (buffers.root[output] == output && readers_left[output] == 0) live -= buffers.bytes[output];
    }
  }
  return peak;
}

std::vector<std::vector<int>> AlternativeExecutionOrders(const Graph& graph) {
  std::vector<int> own(graph.nodes().size());
  std::iota(own.begin(), own.end(), 0);
  std::vector<std::vector<int>> orders;
  for (std::vector<int> order : {FewestLiveBytesFirst(graph), DepthFirst(graph, false), DepthFirst(graph, true)}) {
    if (order.size() != own.size() || order == own) continue;
    if (std::find(orders.begin(), orders.end(), order) == orders.end()) orders.push_back(std::move(order));
  }
  return orders;
}

Graph WithNodesInOrder(const Graph& graph, const std::vector<int>& order) {
  Graph reordered = graph;
  std::vector<Node> nodes;
  nodes.reserve(order.size());
  for (int n : order) nodes.push_back(graph.nodes()[n]);
  reordered.SetNodes(std::move(nodes));
  return reordered;
}

}  // namespace modelc
