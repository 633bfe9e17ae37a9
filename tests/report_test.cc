// The JSON report and the memory picture take names from the model: whatever they
// hold, the SVG stays inert (XML's specials escaped, no raw bytes) and the JSON stays
// valid (invalid UTF-8 replaced), and both describe the plan they were given.
#include "compiler/backend/codegen.h"
#include "compiler/backend/target.h"
#include "compiler/driver/memory_picture.h"
#include "compiler/driver/report_json.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/buffer_assignment.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace modelc {
namespace {

TEST(Reports, HostileNamesStayInertInTheSvgAndValidInTheJson) {
  auto f32 = [](Shape shape) { return TensorType{DataType::kFloat32, std::move(shape)}; };
  Graph graph;
  const ValueId x = graph.AddValue("<script>alert(1)</script>", f32({1, 64}));
  graph.AddInput(x);
  const std::string hostile_tensor = std::string("t\xff&<\"'") + "</svg><script>";
  const ValueId t = graph.AddValue(hostile_tensor, f32({1, 64}));
  const ValueId y = graph.AddValue("y", f32({1, 64}));
  graph.AddNode(Node{OpKind::kRelu, "n'&\"<>", {x}, {t}, {}});
  graph.AddNode(Node{OpKind::kTanh, "tanh", {t}, {y}, {}});
  graph.AddOutput(y);
  absl::StatusOr<TargetDescription> target = DescribeTarget("x86_64-linux-gnu", "x86-64-v3");
  ASSERT_TRUE(target.ok());
  absl::StatusOr<LoweringPlan> plan = PlanLowering(graph, {});
  ASSERT_TRUE(plan.ok());
  const BufferAssignment buffers = AssignBuffers(graph, *plan, 64);
  ASSERT_EQ(buffers.storage[t].kind, StorageKind::kScratch);
  const CodegenRequest request{&graph, &*plan, &buffers, "m", *target};

  const std::string svg = DrawMemoryPlan(request);
  EXPECT_EQ(svg.find("<script"), std::string::npos) << svg;
  EXPECT_EQ(svg.find('\xff'), std::string::npos);
  EXPECT_EQ(svg.find("</svg>"), svg.size() - 7) << svg;  // the document's own end, only
  EXPECT_NE(svg.find("t?&amp;&lt;&quot;&apos;&lt;/svg&gt;&lt;script&gt;"), std::string::npos) << svg;
  EXPECT_NE(svg.find("n&apos;&amp;&quot;&lt;&gt;"), std::string::npos) << svg;

  const nlohmann::json report = nlohmann::json::parse(WriteJsonReport(request, ObjectFile{}, "m.onnx"));
  EXPECT_EQ(report["nodes"][0]["name"], "n'&\"<>");
  EXPECT_EQ(report["tensors"][0]["name"], "t\xEF\xBF\xBD&<\"'</svg><script>");  // U+FFFD for the bad byte
  EXPECT_EQ(report["totals"]["scratch_bytes"], buffers.scratch_size);
  EXPECT_EQ(report["nodes"][1]["live_tensor_bytes"], 256);  // t, read by tanh
}

}  // namespace
}  // namespace modelc
