// The memory planner on tables of lifetimes: exact offsets for small cases, and the
// guarantees (no overlap while live, alignment, between lower bound and naive) on
// many random tables; the pool planner and the execution orders likewise.
#include "compiler/planning/memory_planner.h"

#include <filesystem>
#include <numeric>
#include <random>

#include "compiler/planning/execution_order.h"
#include "compiler/planning/pool_planner.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

TEST(MemoryPlanner, ReusesMemoryOfDeadBuffers) {
  // A chain a -> b -> c: a and c never live together, so c takes a's place.
  const std::vector<BufferRequest> chain = {{100, 0, 1}, {200, 1, 2}, {100, 2, 3}};
  MemoryPlan plan = PlanMemory(chain, 4);
  EXPECT_EQ(plan.arena_size, 300);
  EXPECT_EQ(plan.lower_bound, 300);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
  EXPECT_NE(plan.offsets[0], plan.offsets[1]);
}

TEST(MemoryPlanner, FillsTheSmallestGapThatFits) {
  // Long-lived 64 and 32 byte buffers leave a 64-byte hole when the middle one dies.
  const std::vector<BufferRequest> requests = {
      {64, 0, 10}, {64, 0, 2}, {64, 0, 10}, {48, 5, 6}};
  MemoryPlan plan = PlanMemory(requests, 16);
  EXPECT_EQ(plan.arena_size, 192);
  EXPECT_EQ(plan.offsets[3], plan.offsets[1]);
}

TEST(MemoryPlanner, AlignsEveryOffset) {
  const std::vector<BufferRequest> requests = {{3, 0, 2}, {5, 1, 3}, {7, 2, 4}};
  MemoryPlan plan = PlanMemory(requests, 64);
  for (int64_t offset : plan.offsets) EXPECT_EQ(offset % 64, 0);
  // Padding only between buffers: the arena ends at the top buffer's last byte.
  EXPECT_EQ(plan.arena_size, 64 + 64 + 3);
}

TEST(MemoryPlanner, RandomTablesKeepLiveBuffersApartAndBeatTheNaivePlan) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<BufferRequest> requests(1 + random() % 40);
    int64_t naive = 0;
    for (BufferRequest& r : requests) {
      r.size = 1 + random() % 5000;
      r.first_step = random() % 30;
      r.last_step = r.first_step + random() % 8;
      naive += (r.size + 15) / 16 * 16;
    }
    const MemoryPlan plan = PlanMemory(requests, 16);
    ASSERT_LE(plan.arena_size, naive);
    ASSERT_GE(plan.arena_size, plan.lower_bound);
    for (size_t i = 0; i < requests.size(); ++i) {
      ASSERT_EQ(plan.offsets[i] % 16, 0);
      ASSERT_LE(plan.offsets[i] + requests[i].size, plan.arena_size);
      for (size_t j = i + 1; j < requests.size(); ++j) {
        const bool live_together = requests[i].first_step <= requests[j].last_step &&
                                   requests[j].first_step <= requests[i].last_step;
        const bool apart = plan.offsets[i] + requests[i].size <= plan.offsets[j] ||
                           plan.offsets[j] + requests[j].size <= plan.offsets[i];
        ASSERT_TRUE(!live_together || apart) << "trial " << trial << ": buffers " << i << " and " << j;
      }
    }
  }
}

TEST(MemoryPlanner, IsDeterministic) {
  const std::vector<BufferRequest> requests = {{10, 0, 3}, {10, 1, 2}, {10, 2, 4}, {10, 0, 4}};
  EXPECT_EQ(PlanMemory(requests, 8).offsets, PlanMemory(requests, 8).offsets);
}

}  // namespace
}  // namespace modelc

// Buffer assignment over a real graph: views alias, elementwise nodes run in place
// when their input dies, graph inputs are never written.
#include "compiler/planning/buffer_assignment.h"

namespace modelc {
namespace {

// Pools (--pool): the most-touched bytes go to the first pool when the total is the
// same either way; no pool is filled beyond its capacity; buffers live together stay
// apart within a pool; too small pools name the buffer that did not fit.
TEST(PoolPlanner, PutsTheMostTouchedBytesInTheFastestPool) {
  // Two 64-byte buffers live together; the second is touched ten times as often.
  const std::vector<BufferRequest> requests = {{64, 0, 1}, {64, 0, 1}};
  const PoolPlan plan = PlanPools(requests, {10.0, 100.0}, {64, 1024}, 16);
  ASSERT_EQ(plan.unplaced, -1);
  EXPECT_EQ(plan.pool[1], 0);
  EXPECT_EQ(plan.pool[0], 1);
  EXPECT_EQ(plan.sizes, (std::vector<int64_t>{64, 64}));
  // Touched the other way round, they swap.
  const PoolPlan swapped = PlanPools(requests, {100.0, 10.0}, {64, 1024}, 16);
  EXPECT_EQ(swapped.pool[0], 0);
  EXPECT_EQ(swapped.pool[1], 1);
}

TEST(PoolPlanner, PrefersTheFewestBytesInAllOverTouches) {
  // With 64 bytes of fast pool: a 16-byte buffer touched most per byte (step 0), a
  // 48-byte one (steps 0-1), a 64-byte one (step 1). The dense one first puts the 48 beside
  // it and the 64 in the slow pool (64 + 64 bytes); the 64 first gives 64 + 48.
  const std::vector<BufferRequest> requests = {{16, 0, 0}, {48, 0, 1}, {64, 1, 1}};
  const PoolPlan plan = PlanPools(requests, {1000.0, 10.0, 10.0}, {64, 1024}, 16);
  ASSERT_EQ(plan.unplaced, -1);
  EXPECT_EQ(plan.sizes, (std::vector<int64_t>{64, 48}));
  EXPECT_EQ(plan.pool[2], 0);
}

TEST(PoolPlanner, RandomTablesRespectCapacitiesAndKeepLiveBuffersApart) {
  std::mt19937 random(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> requests(1 + random() % 30);
    std::vector<double> touches;
    for (BufferRequest& r : requests) {
      r.size = 1 + random() % 3000;
      r.first_step = random() % 20;
      r.last_step = r.first_step + random() % 6;
      touches.push_back(static_cast<double>(random() % 1000));
      // Some buffers grow and shrink (outputs written over their inputs).
      if (random() % 3 == 0) {
        for (int step = r.first_step; step <= r.last_step; ++step) r.step_sizes.push_back(1 + random() % r.size);
      }
    }
    const std::vector<int64_t> capacities = {1 + static_cast<int64_t>(random() % 8000), int64_t{1} << 30};
    const PoolPlan plan = PlanPools(requests, touches, capacities, 16);
    ASSERT_EQ(plan.unplaced, -1) << "the second pool holds everything";
    for (size_t i = 0; i < requests.size(); ++i) {
      const int pool = plan.pool[i];
      ASSERT_EQ(plan.offsets[i] % 16, 0);
      ASSERT_LE(plan.offsets[i] + requests[i].size, plan.sizes[pool]);
      ASSERT_LE(plan.sizes[pool], capacities[pool]);
      for (size_t j = i + 1; j < requests.size(); ++j) {
        if (plan.pool[j] != pool) continue;
        // Apart at every step both are live, in the bytes each holds then.
        const int first = std::max(requests[i].first_step, requests[j].first_step);
        const int last = std::min(requests[i].last_step, requests[j].last_step);
        for (int step = first; step <= last; ++step) {
          const bool apart = plan.offsets[i] + requests[i].SizeAt(step) <= plan.offsets[j] ||
                             plan.offsets[j] + requests[j].SizeAt(step) <= plan.offsets[i];
          ASSERT_TRUE(apart) << "trial " << trial << ": buffers " << i << " and " << j << " at step " << step;
        }
      }
    }
  }
}

// A pool of exactly the size a plan reported holds that plan: the capacity counts a
// buffer up to its last byte, not its padded end.
TEST(PoolPlanner, APoolOfTheReportedSizeHoldsItsBuffers) {
  const std::vector<BufferRequest> requests = {{40, 0, 1}, {24, 1, 2}};
  const PoolPlan plan = PlanPools(requests, {1.0, 1.0}, {40 + 8 + 24, 1024}, 16);
  EXPECT_LT(plan.unplaced, 0);
  EXPECT_EQ(plan.pool, (std::vector<int>{0, 0}));
  EXPECT_EQ(plan.sizes[0], 48 + 24);
}

TEST(PoolPlanner, SaysWhichBufferFitsNowhere) {
  const std::vector<BufferRequest> requests = {{64, 0, 1}, {256, 0, 1}};
  const PoolPlan plan = PlanPools(requests, {1.0, 1.0}, {128, 128}, 16);
  EXPECT_EQ(plan.unplaced, 1);
}

// Execution orders: every alternative of every test model keeps each node after the
// producers of what it reads; on a graph with two independent branches the plain peak
// of the order that finishes one branch first is lower than the model's own order's.
using testing::OptimisedTestModel;

TEST(ExecutionOrder, AlternativesRunEveryNodeAfterWhatItReads) {
  int models_with_alternatives = 0;
  std::vector<std::filesystem::path> models;
  for (const auto& entry : std::filesystem::directory_iterator(MODELC_TEST_MODELS_DIR)) models.push_back(entry.path());
  // Run-time Ifs: their branches' nodes read the condition as a guard.
  for (const auto& entry : std::filesystem::directory_iterator(std::string(MODELC_TEST_MODELS_DIR) + "/../data/control")) {
    if (entry.path().extension() == ".onnxtxt") models.push_back(entry.path());
  }
  std::sort(models.begin(), models.end());
  for (const std::filesystem::path& model : models) {
    const Graph graph = OptimisedTestModel(model.string());
    const std::vector<std::vector<int>> alternatives = AlternativeExecutionOrders(graph);
    models_with_alternatives += !alternatives.empty();
    for (const std::vector<int>& order : alternatives) {
      std::vector<int> sorted = order;
      std::sort(sorted.begin(), sorted.end());
      std::vector<int> all(graph.nodes().size());
      std::iota(all.begin(), all.end(), 0);
      ASSERT_EQ(sorted, all) << model << ": not a permutation of the nodes";
      std::vector<bool> done(graph.nodes().size(), false);
      for (int n : order) {
        for (ValueId id : ReadValues(graph.nodes()[n])) {
          const int producer = graph.value(id).producer;
          ASSERT_TRUE(producer < 0 || done[producer]) << model << ": node " << n << " before " << producer;
        }
        done[n] = true;
      }
    }
  }
  EXPECT_GT(models_with_alternatives, 5);
}

TEST(ExecutionOrder, FinishingOneBranchFirstLowersThePlainPeak) {
  const Graph graph = OptimisedTestModel(std::string(MODELC_TEST_MODELS_DIR) + "/branches_reordered.onnxtxt");
  std::vector<int> own(graph.nodes().size());
  std::iota(own.begin(), own.end(), 0);
  // Its own order keeps a = 2x, b = -x/2 and exp(a) live together: three 4 KB tensors.
  EXPECT_EQ(PlainPeakOfOrder(graph, own), 3 * 4096);
  int64_t lowest = PlainPeakOfOrder(graph, own);
  for (const std::vector<int>& order : AlternativeExecutionOrders(graph)) {
    lowest = std::min(lowest, PlainPeakOfOrder(graph, order));
  }
  EXPECT_EQ(lowest, 2 * 4096);
}

TEST(BufferAssignment, ElementwiseChainRunsInPlaceButNeverOverGraphInputs) {
  Graph graph;
  auto f32 = [](Shape shape) { return TensorType{DataType::kFloat32, std::move(shape)}; };
  const ValueId x = graph.AddValue("x", f32({64}));
  graph.AddInput(x);
  const ValueId a = graph.AddValue("a", f32({64}));
  const ValueId b = graph.AddValue("b", f32({64}));
  const ValueId c = graph.AddValue("c", f32({8, 8}));
  const ValueId y = graph.AddValue("y", f32({8, 8}));
  const ValueId shape = graph.AddConstant("shape", TensorData::FromInt64s({2}, std::vector<int64_t>{8, 8}));
  graph.AddNode(Node{OpKind::kRelu, "relu", {x}, {a}, {}});        // x is the caller's: not in place
  graph.AddNode(Node{OpKind::kSigmoid, "sigmoid", {a}, {b}, {}});  // a dies here: in place
  graph.AddNode(Node{OpKind::kReshape, "reshape", {b, shape}, {c}, {}});  // a view of b
  graph.AddNode(Node{OpKind::kTanh, "tanh", {c}, {y}, {}});        // writes the caller's output
  graph.AddOutput(y);
  const absl::StatusOr<LoweringPlan> plan = PlanLowering(graph, LoweringOptions{});
  ASSERT_TRUE(plan.ok()) << plan.status();
  const BufferAssignment buffers = AssignBuffers(graph, *plan, 16);
  EXPECT_EQ(buffers.storage[a].kind, StorageKind::kScratch);
  EXPECT_EQ(buffers.root[b], buffers.root[a]);
  EXPECT_EQ(buffers.root[c], buffers.root[a]);
  EXPECT_EQ(buffers.storage[y].kind, StorageKind::kOutput);
  EXPECT_EQ(buffers.scratch_size, 256);
  EXPECT_FALSE(SharesStorageInPlace(buffers, graph.nodes()[0], x));
  EXPECT_FALSE(SharesStorageInPlace(buffers, graph.nodes()[0], a));
  EXPECT_TRUE(SharesStorageInPlace(buffers, graph.nodes()[1], a));
  EXPECT_TRUE(SharesStorageInPlace(buffers, graph.nodes()[1], b));
  EXPECT_FALSE(SharesStorageInPlace(buffers, graph.nodes()[2], shape));
}

TEST(BufferAssignment, ScatterRunsInPlaceOverDataUnlessItsUpdatesLiveThereToo) {
  Graph graph;
  auto f32 = [](Shape shape) { return TensorType{DataType::kFloat32, std::move(shape)}; };
  const ValueId x = graph.AddValue("x", f32({2, 3}));
  graph.AddInput(x);
  const ValueId a = graph.AddValue("a", f32({2, 3}));
  const ValueId u = graph.AddValue("u", f32({2, 3}));
  const ValueId s = graph.AddValue("s", f32({2, 3}));
  const ValueId t = graph.AddValue("t", f32({2, 3}));
  const ValueId y = graph.AddValue("y", f32({2, 3}));
  const ValueId indices = graph.AddConstant("indices", TensorData::FromInt64s({2, 3}, std::vector<int64_t>{1, 0, 1, 0, 1, 0}));
  graph.AddNode(Node{OpKind::kRelu, "relu", {x}, {a}, {}});
  graph.AddNode(Node{OpKind::kSigmoid, "sigmoid", {x}, {u}, {}});
  graph.AddNode(Node{OpKind::kScatterElements, "scatter", {a, indices, u}, {s}, {}});  // a dies here: in place
  // Its updates are its data: writing over them would change what is still to be read.
  graph.AddNode(Node{OpKind::kScatterElements, "scatter_itself", {s, indices, s}, {t}, {}});
  graph.AddNode(Node{OpKind::kTanh, "tanh", {t}, {y}, {}});
  graph.AddOutput(y);
  const absl::StatusOr<LoweringPlan> plan = PlanLowering(graph, LoweringOptions{});
  ASSERT_TRUE(plan.ok()) << plan.status();
  const BufferAssignment buffers = AssignBuffers(graph, *plan, 16);
  EXPECT_EQ(buffers.root[s], buffers.root[a]);
  EXPECT_NE(buffers.root[t], buffers.root[s]);
}

}  // namespace
}  // namespace modelc
