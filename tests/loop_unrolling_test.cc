// Scan and Loop, unrolled at import (compiler/frontend/onnx/loop_unrolling.cc): the
// unrolled graph computes what the ONNX operators specify, and loops whose iterations
// are not known at compile time, or too many, are refused with messages naming the
// node, the op and what to do.
#include <fstream>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

using testing::NearlyEqual;
using testing::TemporaryFolder;

std::string WriteText(const TemporaryFolder& folder, const std::string& name, const std::string& text) {
  const std::string path = folder.File(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// tests/models/scan_loop.onnxtxt (also compiled and run by the op-model tests). The
// expected values come from a plain NumPy loop written from the ONNX specification, and
// agree with ONNX's reference evaluator run on an equivalent model (it implements
// neither reversed directions nor scan axes other than 0, so ys was transposed and
// reversed before its Scan and the trace reversed and transposed after).
TEST(LoopUnrolling, ScanAndLoopComputeWhatOnnxSpecifies) {
  absl::StatusOr<Graph> graph = ImportOnnxFile(std::string(MODELC_TEST_MODELS_DIR) + "/scan_loop.onnxtxt", {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::vector<std::vector<float>> inputs = {
      {0.5f, -1, 2, 1, 0, -0.25f},                                                  // init_sum [2,3]
      {-1, 0.5f, 0},                                                                // init_max [3]
      {-1, -0.75f, -0.5f, -0.25f, 0, 0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f, 1.75f},    // xs [4,3]
      {-0.25f, -0.5f, -0.75f, -1, 0.75f, 0.5f, 0.25f, 0, 1.75f, 1.5f, 1.25f, 1},    // ys [3,4]
      {0.5f, -0.5f, 0.125f}};                                                       // v [3]
  absl::StatusOr<std::vector<FloatTensor>> outputs = EvaluateGraph(*graph, inputs);
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  ASSERT_EQ(outputs->size(), 6u);
  // Scan: ys read backwards along axis 1, the trace stacked along axis 1 backwards.
  EXPECT_TRUE(NearlyEqual((*outputs)[0], {1.125f, 0.5f, 6.375f, 1.625f, 1.5f, 4.125f}, 1e-6, 1e-6)) << "sum";
  EXPECT_TRUE(NearlyEqual((*outputs)[1], {-0.25f, 0.75f, 1.75f}, 1e-6, 1e-6)) << "max";
  EXPECT_TRUE(NearlyEqual((*outputs)[2],
                          {1.375f, -0.25f, 4.625f, 1.9375f, -1.125f, 1.8125f, 2.4375f, -1.5f,
                           0.5625f, 2.5f, -1.5f, 0.5f, 1.875f, 0.75f, 2.375f, 2.4375f,
                           -0.125f, -0.4375f, 2.9375f, -0.5f, -1.6875f, 3, -0.5f, -1.75f},
                          1e-6, 1e-6)) << "trace";
  // Loop with a constant trip count: the iteration number and an outer value read in
  // the body, a scan output stacked along a new axis 0.
  EXPECT_TRUE(NearlyEqual((*outputs)[3], {3.4375f, 1.5625f, 2.734375f}, 1e-6, 1e-6)) << "grown";
  EXPECT_TRUE(NearlyEqual((*outputs)[4], {-0.75f, 0.75f, -0.1875f, -1.875f, -0.125f, -1.21875f, -3.4375f,
                                          -1.5625f, -2.734375f},
                          1e-6, 1e-6)) << "steps";
  // Loop whose condition, computed at run time, ends it after 2 of its 4 iterations.
  EXPECT_TRUE(NearlyEqual((*outputs)[5], {1.125f, -1.125f, 0.28125f}, 1e-6, 1e-6)) << "damped";
}

// Scan-8: batch axis 0, scan axis 1, directions, sequence_lens of the whole sequence
// (frozen: it must be known); each batch entry scanned alone.
TEST(LoopUnrolling, Scan8ScansEachBatchEntry) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "scan8.onnxtxt", R"(<ir_version: 4, opset_import: ["" : 8]>
scan8 (int64[2] lengths, float[2,1] initial, float[2,3,1] x) => (float[2,1] total, float[2,3,1] partial) {
  total, partial = Scan (lengths, initial, x) <num_scan_inputs = 1, directions = [1],
      body = add (float[1] sum_in, float[1] next) => (float[1] sum_out, float[1] seen) {
        sum_out = Add (sum_in, next)
        seen = Identity (sum_out)
      }>
}
)");
  ImportOptions options;
  options.frozen["lengths"] = "3,3";
  absl::StatusOr<Graph> graph = ImportOnnxFile(path, options);
  ASSERT_TRUE(graph.ok()) << graph.status();
  absl::StatusOr<std::vector<FloatTensor>> outputs = EvaluateGraph(*graph, {{0, 100}, {1, 2, 3, 10, 20, 30}});
  ASSERT_TRUE(outputs.ok()) << outputs.status();
  EXPECT_EQ((*outputs)[0], (FloatTensor{6, 160}));
  EXPECT_EQ((*outputs)[1], (FloatTensor{3, 5, 6, 130, 150, 160}));
}

// Each iteration is code in the object: past kMaxUnrolledNodes the model is refused.
TEST(LoopUnrolling, AScanPastTheUnrollLimitIsRefused) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "long.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 17]>
long_scan (float[1] initial, float[5000,1] x) => (float[1] total) {
  total = Scan (initial, x) <num_scan_inputs = 1,
      body = add (float[1] sum_in, float[1] next) => (float[1] sum_out) { sum_out = Add (sum_in, next) }>
}
)");
  absl::StatusOr<Graph> graph = ImportOnnxFile(path, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(graph.status().message().find("node 'Scan_0' (Scan): unrolling 5000 iterations of a body of 1 nodes "
                                          "takes the model past the limit of 4096 unrolled nodes"),
            std::string::npos) << graph.status();
  const std::string loop = WriteText(folder, "loop.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 17]>
long_loop (float[1] x) => (float[1] y) {
  many = Constant <value = int64 {100000}> ()
  always = Constant <value = bool {1}> ()
  y = Loop (many, always, x) <body = step (int64 i, bool c, float[1] x_in) => (bool c_out, float[1] x_out) {
        c_out = Identity (c)
        x_out = Neg (x_in)
      }>
}
)");
  graph = ImportOnnxFile(loop, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("node 'Loop_2' (Loop): unrolling iteration 1366 of 100000 of a body of 2 "
                                          "nodes takes the model past the limit of 4096 unrolled nodes"),
            std::string::npos) << graph.status();
}

// A Loop's iterations must be known at compile time; where a graph input decides them,
// the message names the --freeze that fixes it.
TEST(LoopUnrolling, RunTimeIterationCountsAreRefusedNamingTheInputToFreeze) {
  TemporaryFolder folder;
  const std::string counted = WriteText(folder, "counted.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 17]>
counted (int64 n, float[1] x) => (float[1] y) {
  always = Constant <value = bool {1}> ()
  y = Loop (n, always, x) <body = step (int64 i, bool c, float[1] x_in) => (bool c_out, float[1] x_out) {
        c_out = Identity (c)
        x_out = Neg (x_in)
      }>
}
)");
  absl::StatusOr<Graph> graph = ImportOnnxFile(counted, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("Loop's trip count M (input 0) must be known at compile time; it depends "
                                          "on the graph input 'n': fix its value with --freeze n=VALUES"),
            std::string::npos) << graph.status();
  ImportOptions frozen;
  frozen.frozen["n"] = "3";
  EXPECT_TRUE(ImportOnnxFile(counted, frozen).ok());

  // A condition known at run time would make the scan output's length a run-time number.
  const std::string conditional = WriteText(folder, "conditional.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 17]>
conditional (bool go, float[1] x) => (float[1] y, float[3,1] ys) {
  three = Constant <value = int64 {3}> ()
  y, ys = Loop (three, go, x) <body = step (int64 i, bool c, float[1] x_in) => (bool c_out, float[1] x_out, float[1] seen) {
        c_out = Identity (c)
        x_out = Neg (x_in)
        seen = Identity (x_out)
      }>
}
)");
  graph = ImportOnnxFile(conditional, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("node 'Loop_1' (Loop): Loop's condition cond (input 1) is known only at "
                                          "run time, which would make the length of its scan outputs a run-time "
                                          "number; it depends on the graph input 'go': fix its value with --freeze go=VALUES"),
            std::string::npos) << graph.status();
}

}  // namespace
}  // namespace modelc
