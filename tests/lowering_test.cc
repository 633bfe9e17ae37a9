// The lowering plan against the kernels that read it: for every convolution and
// recurrent kernel variant, the workspace buffers the plan reserves are exactly the
// ones the emitter addresses, with the bytes it addresses (checked on every
// compilation; here a plan that disagrees is shown to be refused).
#include <set>

#include "absl/strings/str_cat.h"

#include "compiler/backend/codegen.h"
#include "compiler/backend/target.h"
#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/passes/passes.h"
#include "compiler/planning/buffer_assignment.h"
#include "gtest/gtest.h"

namespace modelc {
namespace {

const std::string kTestModels = MODELC_TEST_MODELS_DIR;

struct Compilation {
  Graph graph;
  TargetDescription target;
  LoweringPlan plan;
};

Compilation Prepare(const std::string& model, const std::string& cpu,
                    const std::map<std::string, KernelVariant>& forced = {}) {
  absl::StatusOr<Graph> graph = ImportOnnxFile(kTestModels + "/" + model, {});
  EXPECT_TRUE(graph.ok()) << graph.status();
  for (const Pass& pass : DefaultPipeline()) EXPECT_TRUE(pass.run(*graph).ok()) << pass.name;
  absl::StatusOr<TargetDescription> target = DescribeTarget("x86_64-linux-gnu", cpu);
  EXPECT_TRUE(target.ok()) << target.status();
  absl::StatusOr<LoweringPlan> plan =
      PlanLowering(*graph, LoweringOptions{{target->vector_lanes, target->vector_registers}, false, forced});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return {std::move(*graph), *target, std::move(*plan)};
}

absl::Status Emit(const Compilation& compilation, const LoweringPlan& plan) {
  const BufferAssignment buffers = AssignBuffers(compilation.graph, plan, compilation.target.buffer_alignment);
  CodegenRequest request{&compilation.graph, &plan, &buffers, "t", compilation.target};
  return GenerateObjectFile(request).status();
}

int FirstNodeRunBy(const LoweringPlan& plan, KernelVariant variant) {
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    if (plan.nodes[n].kernel == variant) return static_cast<int>(n);
  }
  return -1;
}

TEST(LoweringPlan, EveryConvolutionVariantAddressesExactlyItsPlannedWorkspace) {
  struct Case {
    const char* model;
    const char* cpu;
    std::map<std::string, KernelVariant> forced;
  };
  const std::vector<Case> cases = {
      {"conv_winograd.onnxtxt", "x86-64-v4", {}},
      {"conv_winograd.onnxtxt", "x86-64-v2", {}},
      {"conv_channels_last.onnxtxt", "x86-64-v4", {}},
      {"conv_channels_last.onnxtxt", "x86-64-v2", {}},
      {"conv_blocked_variants.onnxtxt", "x86-64-v4", {}},
      {"conv_depthwise_same.onnxtxt", "x86-64-v4", {}},
      {"recurrent.onnxtxt", "x86-64-v4", {}},
      {"conv_winograd.onnxtxt", "x86-64-v2",
       {{"Conv_12", KernelVariant::kBlockedConvolution}, {"Conv_13", KernelVariant::kDirectConvolution},
        {"Conv_16", KernelVariant::kChannelTiledConvolution}}},
  };
  std::set<KernelVariant> covered;
  for (const Case& c : cases) {
    Compilation compilation = Prepare(c.model, c.cpu, c.forced);
    EXPECT_TRUE(Emit(compilation, compilation.plan).ok()) << c.model << " " << c.cpu;
    for (const NodePlan& node : compilation.plan.nodes) covered.insert(node.kernel);
  }
  for (KernelVariant variant : {KernelVariant::kDirectConvolution, KernelVariant::kBlockedConvolution,
                                KernelVariant::kChannelTiledConvolution, KernelVariant::kPointwiseProduct,
                                KernelVariant::kChannelsLastDepthwise, KernelVariant::kWinogradConvolution}) {
    EXPECT_TRUE(covered.count(variant)) << KernelVariantName(variant);
  }
}

TEST(LoweringPlan, AWorkspaceThePlanAndTheKernelDisagreeOnIsAnInternalError) {
  const Compilation compilation = Prepare("conv_winograd.onnxtxt", "x86-64-v4");
  const int winograd = FirstNodeRunBy(compilation.plan, KernelVariant::kWinogradConvolution);
  ASSERT_GE(winograd, 0);
  ASSERT_TRUE(Emit(compilation, compilation.plan).ok());
  const std::vector<WorkspaceBuffer>& buffers = compilation.plan.nodes[winograd].workspace;
  ASSERT_EQ(buffers.back().name, "products");

  LoweringPlan smaller = compilation.plan;
  smaller.nodes[winograd].workspace.back().bytes -= 4;
  absl::Status status = Emit(compilation, smaller);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find(absl::StrCat("addresses ", buffers.back().bytes, " bytes of workspace 'products', "
                                               "the plan reserves ", buffers.back().bytes - 4)),
            std::string::npos) << status;

  LoweringPlan missing = compilation.plan;
  missing.nodes[winograd].workspace.pop_back();
  status = Emit(compilation, missing);
  EXPECT_NE(status.message().find("uses workspace 'products' that the plan does not reserve"), std::string::npos)
      << status;

  LoweringPlan spare = compilation.plan;
  spare.nodes[winograd].workspace.push_back({"spare", spare.nodes[winograd].WorkspaceBytes(), 64});
  status = Emit(compilation, spare);
  EXPECT_NE(status.message().find("reserves workspace 'spare' that the kernel never uses"), std::string::npos)
      << status;
  EXPECT_NE(status.message().find("(Conv, winograd kernel)"), std::string::npos) << status;
}

TEST(LoweringPlan, RecurrentStatesLiveInNamedBuffers) {
  const Compilation compilation = Prepare("recurrent.onnxtxt", "x86-64-v4");
  int lstm = -1;
  for (size_t n = 0; n < compilation.graph.nodes().size(); ++n) {
    if (compilation.graph.nodes()[n].op == OpKind::kLSTM) lstm = static_cast<int>(n);
  }
  ASSERT_GE(lstm, 0);
  LoweringPlan shifted = compilation.plan;
  shifted.nodes[lstm].workspace[2].bytes += 4;  // gate_inputs
  const absl::Status status = Emit(compilation, shifted);
  EXPECT_NE(status.message().find("of workspace 'gate_inputs'"), std::string::npos) << status;
}

}  // namespace
}  // namespace modelc
