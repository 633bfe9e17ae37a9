// The lowering plan against the kernels that read it: for every convolution and
// recurrent kernel variant, the workspace buffers the plan reserves are exactly the
// ones the emitter addresses, with the bytes it addresses, and the constants it
// prepared are the ones the emitter reads (checked on every compilation; here a plan
// that disagrees is shown to be refused). And the prepare-constants pass on its own:
// Winograd's transformed weights give the direct convolution's result, a BatchNorm's
// scale and shift the reference evaluator's, repacked panels hold B.
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

#include "compiler/backend/codegen.h"
#include "compiler/backend/target.h"
#include "compiler/lowering/linear_lowering.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/lowering/quantized_product_lowering.h"
#include "compiler/planning/buffer_assignment.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

const std::string kTestModels = MODELC_TEST_MODELS_DIR;

struct Compilation {
  Graph graph;
  TargetDescription target;
  LoweringPlan plan;
};

Compilation Prepare(const std::string& model, const std::string& cpu,
                    const std::map<std::string, ConvKernel>& forced = {}) {
  Graph graph = testing::OptimisedTestModel(kTestModels + "/" + model);
  absl::StatusOr<TargetDescription> target = DescribeTarget("x86_64-linux-gnu", cpu);
  EXPECT_TRUE(target.ok()) << target.status();
  LoweringOptions options;
  options.target = {target->vector_lanes, target->vector_registers};
  options.forced_kernels = forced;
  absl::StatusOr<LoweringPlan> plan = PlanLowering(graph, options);
  EXPECT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(PrepareConstants(graph, *plan).ok());
  return {std::move(graph), *target, std::move(*plan)};
}

absl::Status Emit(const Compilation& compilation, const LoweringPlan& plan) {
  const BufferAssignment buffers = AssignBuffers(compilation.graph, plan, compilation.target.buffer_alignment);
  CodegenRequest request{&compilation.graph, &plan, &buffers, "t", compilation.target};
  return GenerateObjectFile(request).status();
}

int FirstNodeRunBy(const LoweringPlan& plan, ConvKernel kernel) {
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    if (plan.nodes[n].kernel == KernelVariant(kernel)) return static_cast<int>(n);
  }
  return -1;
}

TEST(LoweringPlan, EveryConvolutionVariantAddressesExactlyItsPlannedWorkspace) {
  struct Case {
    const char* model;
    const char* cpu;
    std::map<std::string, ConvKernel> forced;
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
       {{"Conv_12", ConvKernel::kBlocked}, {"Conv_13", ConvKernel::kDirect},
        {"Conv_16", ConvKernel::kChannelTiles}, {"Conv_18", ConvKernel::kBlockedClipped}}},
  };
  std::set<KernelVariant> covered;
  for (const Case& c : cases) {
    Compilation compilation = Prepare(c.model, c.cpu, c.forced);
    EXPECT_TRUE(Emit(compilation, compilation.plan).ok()) << c.model << " " << c.cpu;
    for (const NodePlan& node : compilation.plan.nodes) covered.insert(node.kernel);
  }
  for (ConvKernel variant : {ConvKernel::kDirect, ConvKernel::kBlocked, ConvKernel::kBlockedClipped,
                                ConvKernel::kChannelTiles, ConvKernel::kPointwiseProduct,
                                ConvKernel::kChannelsLastDepthwise, ConvKernel::kWinograd}) {
    EXPECT_TRUE(covered.count(KernelVariant(variant))) << KernelVariantName(variant);
  }
}

TEST(LoweringPlan, AWorkspaceThePlanAndTheKernelDisagreeOnIsAnInternalError) {
  const Compilation compilation = Prepare("conv_winograd.onnxtxt", "x86-64-v4");
  const int winograd = FirstNodeRunBy(compilation.plan, ConvKernel::kWinograd);
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

TEST(LoweringPlan, APreparedConstantTheKernelDoesNotReadOrLacksIsAnInternalError) {
  const Compilation compilation = Prepare("conv_winograd.onnxtxt", "x86-64-v4");
  const int winograd = FirstNodeRunBy(compilation.plan, ConvKernel::kWinograd);
  ASSERT_GE(winograd, 0);
  LoweringPlan missing = compilation.plan;
  missing.nodes[winograd].constants.clear();
  absl::Status status = Emit(compilation, missing);
  EXPECT_NE(status.message().find("reads constant 'winograd_weights' that the plan did not prepare"),
            std::string::npos) << status;
  LoweringPlan unread = compilation.plan;
  unread.nodes[winograd].constants.push_back({"spare_weights", unread.nodes[winograd].constants[0].value});
  status = Emit(compilation, unread);
  EXPECT_NE(status.message().find("prepares constant 'spare_weights' that the kernel never reads"),
            std::string::npos) << status;
}

// F(2x2, 3x3) from its definition (Lavin & Gray): for a 4x4 patch d of each input
// channel, Y = A^T [sum over channels of U .* (B^T d B)] A must equal the direct 3x3
// correlation of d with the original filters, for the U the pass prepared.
TEST(PrepareConstants, WinogradWeightsGiveTheDirectConvolution) {
  const Compilation compilation = Prepare("conv_winograd.onnxtxt", "x86-64-v4");
  const int n = FirstNodeRunBy(compilation.plan, ConvKernel::kWinograd);
  ASSERT_GE(n, 0);
  const Node& node = compilation.graph.nodes()[n];
  const PreparedConstant* prepared = compilation.plan.nodes[n].FindConstant("winograd_weights");
  ASSERT_NE(prepared, nullptr);
  const std::vector<float> u = compilation.graph.value(prepared->value).constant->Floats();
  const std::vector<float> w = compilation.graph.value(node.inputs[1]).constant->Floats();
  const Shape& shape = compilation.graph.value(node.inputs[1]).type.shape;  // [oc, c, 3, 3]
  const int64_t out_channels = shape[0], channels = shape[1];
  ASSERT_EQ(static_cast<int64_t>(u.size()), 16 * out_channels * channels);
  const double bt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  const double at[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
  std::vector<double> d(channels * 16);
  for (size_t i = 0; i < d.size(); ++i) d[i] = std::sin(0.7 * static_cast<double>(i) + 0.3);
  for (int64_t oc = 0; oc < out_channels; ++oc) {
    double m[4][4] = {};
    for (int64_t c = 0; c < channels; ++c) {
      double v[4][4] = {};  // B^T d B
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          for (int p = 0; p < 4; ++p)
            for (int q = 0; q < 4; ++q) v[i][j] += bt[i][p] * d[c * 16 + p * 4 + q] * bt[j][q];
      for (int xi = 0; xi < 16; ++xi) m[xi / 4][xi % 4] += u[(xi * out_channels + oc) * channels + c] * v[xi / 4][xi % 4];
    }
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        double winograd = 0.0, direct = 0.0;
        for (int p = 0; p < 4; ++p)
          for (int q = 0; q < 4; ++q) winograd += at[y][p] * m[p][q] * at[x][q];
        for (int64_t c = 0; c < channels; ++c)
          for (int kh = 0; kh < 3; ++kh)
            for (int kw = 0; kw < 3; ++kw) {
              direct += w[((oc * channels + c) * 3 + kh) * 3 + kw] * d[c * 16 + (y + kh) * 4 + (x + kw)];
            }
        EXPECT_NEAR(winograd, direct, 1e-5 * (1.0 + std::fabs(direct))) << "oc " << oc << " y " << y << " x " << x;
      }
  }
}

// A lone BatchNormalization with constant statistics runs as x * scale + shift: on
// random inputs that must be what the reference evaluator computes from the statistics.
TEST(PrepareConstants, BatchNormScaleAndShiftMatchTheReference) {
  Compilation compilation = Prepare("batchnorm_runtime_statistics.onnxtxt", "x86-64-v4");
  int n = -1;
  for (size_t i = 0; i < compilation.graph.nodes().size(); ++i) {
    if (!compilation.plan.nodes[i].constants.empty()) n = static_cast<int>(i);
  }
  ASSERT_GE(n, 0);
  const Node& node = compilation.graph.nodes()[n];
  ASSERT_EQ(node.op, OpKind::kBatchNormalization);
  const std::vector<float> scale =
      compilation.graph.value(compilation.plan.nodes[n].FindConstant("scale")->value).constant->Floats();
  const std::vector<float> shift =
      compilation.graph.value(compilation.plan.nodes[n].FindConstant("shift")->value).constant->Floats();
  Graph lone;  // the BatchNormalization alone, its statistics as constants
  const TensorType x_type = compilation.graph.value(node.inputs[0]).type;
  const ValueId x = lone.AddValue("x", x_type);
  lone.AddInput(x);
  Node bn = node;
  bn.inputs[0] = x;
  for (int i = 1; i <= 4; ++i) {
    bn.inputs[i] = lone.AddConstant(compilation.graph.value(node.inputs[i]).name,
                                    *compilation.graph.value(node.inputs[i]).constant);
  }
  const ValueId y = lone.AddValue("y", compilation.graph.value(node.outputs[0]).type);
  bn.outputs = {y};
  lone.AddNode(bn);
  lone.AddOutput(y);
  std::vector<float> input(x_type.ElementCount());
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(std::cos(1.3 * static_cast<double>(i)));
  absl::StatusOr<std::vector<std::vector<float>>> expected = EvaluateGraph(lone, {input});
  ASSERT_TRUE(expected.ok()) << expected.status();
  const int64_t channels = x_type.shape[1], inner = x_type.ElementCount() / (x_type.shape[0] * channels);
  for (size_t i = 0; i < input.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    EXPECT_NEAR(input[i] * scale[c] + shift[c], (*expected)[0][i], 1e-5) << i;
  }
}

// Panels of B [K, N] as the register tiles read them: per panel of `width` columns,
// K rows of the panel's columns rounded up to whole vectors, the padding zero.
TEST(PrepareConstants, PanelsHoldEveryElementOfBOnce) {
  const KernelTiles tiles = MatrixProductTiles(LoweringTarget{4, 16}, 3, 18);  // width 16: panels of 16 and 2 (+2 zeros)
  ASSERT_EQ(tiles.lanes, 4);
  ASSERT_EQ(tiles.vectors, 4);
  const int64_t k = 3, n = 18;
  std::vector<float> b(k * n);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i + 1);
  const std::vector<float> packed = PackPanels(b, /*transposed=*/false, k, n, tiles);
  ASSERT_EQ(packed.size(), static_cast<size_t>(k * 16 + k * 4));
  for (int64_t row = 0; row < k; ++row) {
    for (int64_t col = 0; col < 16; ++col) EXPECT_EQ(packed[row * 16 + col], b[row * n + col]);
    for (int64_t col = 16; col < 18; ++col) EXPECT_EQ(packed[k * 16 + row * 4 + col - 16], b[row * n + col]);
    for (int64_t pad = 2; pad < 4; ++pad) EXPECT_EQ(packed[k * 16 + row * 4 + pad], 0.0f);
  }
  std::vector<float> transposed(n * k);  // the same B stored [N, K]
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < n; ++col) transposed[col * k + row] = b[row * n + col];
  EXPECT_EQ(PackPanels(transposed, /*transposed=*/true, k, n, tiles), packed);
}

// The direct kernel's pixel pairs run to the borders where each pair's word of 4 columns,
// read inside its row, is at most 3 bytes off the pair's first column: at stride 1
// across, on rows of at least 4 columns.
TEST(DirectKernelPairsAtBorders, AdmitsShiftsOfAtMostThreeBytes) {
  auto window = [](int64_t in_w, int64_t pad_left, int64_t pad_right, int64_t stride_w) {
    WindowGeometry w;
    w.in_h = 5, w.in_w = in_w, w.kernel_h = 3, w.kernel_w = 3, w.stride_w = stride_w;
    w.pad_top = w.pad_bottom = 1, w.pad_left = pad_left, w.pad_right = pad_right;
    w.out_h = 5, w.out_w = (in_w + pad_left + pad_right - 3) / stride_w + 1;
    return w;
  };
  EXPECT_TRUE(DirectKernelPairsAtBorders(window(5, 1, 1, 1)));   // DS-CNN's rows
  EXPECT_TRUE(DirectKernelPairsAtBorders(window(4, 2, 2, 1)));   // shifts 2, 0, -2
  EXPECT_TRUE(DirectKernelPairsAtBorders(window(8, 3, 3, 1)));   // shifts 3 .. -3
  EXPECT_FALSE(DirectKernelPairsAtBorders(window(7, 3, 3, 1)));  // odd rows: the last pair's second pixel -4
  EXPECT_FALSE(DirectKernelPairsAtBorders(window(8, 4, 1, 1)));  // the first pair 4 bytes left of its row
  EXPECT_FALSE(DirectKernelPairsAtBorders(window(3, 1, 1, 1)));  // rows narrower than a word
  EXPECT_FALSE(DirectKernelPairsAtBorders(window(48, 0, 1, 2)));  // stride 2 across
}

// Window-dot's channel runs lay a block's weights out step by step, kernel rows outer
// and runs of 16 input channels inner (the kernel's one loop), each step's rows side by
// side, a channel's codes in lane 2 (c % 8) + (c % 16) / 8 (the two halfword gathers).
// Indices worked by hand for 3 runs (48 channels) and for 2 groups of 2 runs whose 12
// output channels make a block of 8 and one of 4.
TEST(ChannelRunWeightIndex, KernelRowsOuterRunsInner) {
  ConvGeometry three_runs;
  three_runs.window.channels = 48, three_runs.window.kernel_h = 3, three_runs.window.kernel_w = 3;
  three_runs.out_channels = 8;
  auto tap = [](int64_t c, int64_t kh, int64_t kw) { return (c * 3 + kh) * 3 + kw; };
  EXPECT_EQ(ChannelRunWeightIndex(three_runs, 7, tap(0, 0, 0)), 7 * 16);
  EXPECT_EQ(ChannelRunWeightIndex(three_runs, 0, tap(17, 2, 1)), (22 * 8 + 0) * 16 + 2);   // step (2 * 3 + 1) * 3 + 1
  EXPECT_EQ(ChannelRunWeightIndex(three_runs, 5, tap(40, 0, 2)), (8 * 8 + 5) * 16 + 1);    // step (0 * 3 + 2) * 3 + 2
  EXPECT_EQ(ChannelRunWeightIndex(three_runs, 2, tap(47, 2, 2)), (26 * 8 + 2) * 16 + 15);  // the last step
  ConvGeometry grouped;
  grouped.window.channels = 64, grouped.window.kernel_h = 3, grouped.window.kernel_w = 3;
  grouped.groups = 2, grouped.out_channels = 24;
  const int64_t padded = 32 * 9;  // a group's taps, a whole number of 16
  // Output channel 13: group 1's channel 1, in its block of 8; step (1 * 2 + 1) * 3 + 0.
  EXPECT_EQ(ChannelRunWeightIndex(grouped, 13, tap(20, 1, 0)), 12 * padded + (9 * 8 + 1) * 16 + 8);
  // Output channel 22: group 1's channel 10, in its block of 4 from 8; step (2 * 2 + 1) * 3 + 2.
  EXPECT_EQ(ChannelRunWeightIndex(grouped, 22, tap(31, 2, 2)), 20 * padded + (17 * 4 + 2) * 16 + 15);
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
