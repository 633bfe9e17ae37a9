// The modelc command as a user runs it: exit codes, one-line errors naming the file
// and node, no partial output, determinism, cross targets, and the freestanding
// object contract checked with binutils.
#include <filesystem>
#include <map>
#include <fstream>
#include <set>
#include <regex>
#include <sstream>
#include <tuple>

#include "compiler/frontend/tflite/tflite_format_generated.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "onnx/onnx_pb.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

const std::string kModels = MODELC_MODELS_DIR;
const std::string kTestModels = MODELC_TEST_MODELS_DIR;

std::set<std::string> UndefinedSymbols(const std::string& object);  // below

// The code bytes a report's flash line states ("flash: N bytes (code C, ..."), or -1.
int64_t ReportedCodeBytes(const std::string& report) {
  const size_t at = report.find("bytes (code ");
  return at == std::string::npos ? -1 : std::stoll(report.substr(at + 12));
}

// The scratch bytes a report states ("scratch:      N bytes"), or -1.
int64_t ReportedScratchBytes(const std::string& report) {
  const size_t at = report.find("scratch:");
  return at == std::string::npos ? -1 : std::stoll(report.substr(report.find_first_not_of(' ', at + 8)));
}

CommandResult Modelc(const std::string& arguments) {
  return RunCommand(std::string(MODELC_BINARY) + " " + arguments);
}

TEST(Cli, HelpDocumentsTheFlags) {
  CommandResult help = Modelc("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--output-dir", "--name", "--target", "--cpu", "--dim", "--dump-ir"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(Modelc("").exit_code, 2);
  EXPECT_EQ(Modelc("frobnicate").exit_code, 2);
}

// A failed compile must exit non-zero with one error line and leave no files behind.
void ExpectCleanFailure(const std::string& arguments, int exit_code, const std::vector<std::string>& mentions) {
  TemporaryFolder out;
  CommandResult result = Modelc(arguments + " -o " + out.path());
  EXPECT_EQ(result.exit_code, exit_code) << result.output;
  EXPECT_EQ(Lines(result.output).size(), 1u) << result.output;
  for (const std::string& text : mentions) EXPECT_NE(result.output.find(text), std::string::npos) << result.output;
  EXPECT_TRUE(out.Files().empty()) << "partial output left in " << out.path();
}

TEST(Cli, BadInputsFailCleanly) {
  TemporaryFolder inputs;
  const std::string model = kModels + "/digits_mlp.onnx";
  ExpectCleanFailure("compile " + model + " --frobnicate", 2, {"unknown flag '--frobnicate'"});
  ExpectCleanFailure("compile " + model + " --name 9lives", 2, {"--name"});
  ExpectCleanFailure("compile " + inputs.File("absent.onnx"), 1, {"absent.onnx"});
  const std::string corrupt = WriteFile(inputs, "corrupt.onnx", std::string("\x08\x07\x3a\xff\xff\xff\xff", 7));
  ExpectCleanFailure("compile " + corrupt, 1, {corrupt});
  const std::string whole = ReadFileBytes(model);
  const std::string truncated = WriteFile(inputs, "truncated.onnx", whole.substr(0, whole.size() / 2));
  ExpectCleanFailure("compile " + truncated, 1, {truncated});
  const std::string unsupported = WriteFile(inputs, "unsupported.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x) => (float[4] y) {
  a = Relu(x)
  b = Unique(a)
  y = Mish(b)
}
)");
  ExpectCleanFailure("compile " + unsupported, 1,
                     {unsupported, "node 'Unique_1' (Unique)", "node 'Mish_2' (Mish)"});
  const std::string symbolic = WriteFile(inputs, "symbolic.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[batch,4] x) => (float[batch,4] y) {
  y = Relu(x)
}
)");
  ExpectCleanFailure("compile " + symbolic, 1, {symbolic, "--dim batch=VALUE"});
  ExpectCleanFailure("compile " + model + " --target frobnitz-none-elf", 1, {"frobnitz-none-elf"});
  ExpectCleanFailure("compile " + model + " --target thumbv7em-none-eabihf --cpu pentium9000", 1, {"pentium9000"});
  // Absurd sizes are refused before anything that size is allocated.
  const std::string tiled = WriteFile(inputs, "tiled.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,2] x) => (float[a,b] y) {
  r = Constant <value = int64[2] {1000000000, 1000000000}> ()
  y = Tile(x, r)
}
)");
  ExpectCleanFailure("compile " + tiled, 1, {tiled, "node 'Tile_1' (Tile)", "absurdly large"});
  const std::string huge = WriteFile(inputs, "huge.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[100000,100000,100000] x) => (float[100000,100000,100000] y) {
  y = Relu(x)
}
)");
  ExpectCleanFailure("compile " + huge, 1, {huge, "input 'x'", "absurdly large"});
}

// ONNX's text parser converts numbers with std::stoll / std::stof, which throw on one out
// of range: that aborted the compiler (issue #19). Each is a one-line refusal now.
TEST(Cli, TextSyntaxNumbersOutOfRangeAreRefused) {
  TemporaryFolder inputs;
  const std::string dimension = WriteFile(inputs, "dimension.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[99999999999999999999] x) => (float[4] y) {
  y = Relu(x)
}
)");
  const std::string infinite = WriteFile(inputs, "infinite.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x) => (float[4] y) {
  c = Constant <value_float = 1e999> ()
  y = Add(x, c)
}
)");
  const std::string opset = WriteFile(inputs, "opset.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 99999999999999999999]>
g (float[4] x) => (float[4] y) {
  y = Relu(x)
}
)");
  for (const std::string& model : {dimension, infinite, opset}) {
    ExpectCleanFailure("compile " + model, 1, {model, "not a valid ONNX text model: a number is out of range"});
  }
}

// A huge file is refused from its size, before a byte is read (a 3 GB file was read
// whole, 2.1 GB of memory, before the parser gave up; issue #19).
TEST(Cli, ModelFilesOverTheSizeLimitAreRefusedBeforeReading) {
  TemporaryFolder inputs;
  const std::string huge = inputs.File("huge.onnx");
  std::filesystem::resize_file(WriteFile(inputs, "huge.onnx", "x"), int64_t{3} << 30);  // sparse: no disk used
  ExpectCleanFailure("compile " + huge, 1,
                     {huge, "the file holds 3221225472 bytes, more than the limit of 536870912 (--max-model-size raises it)"});
  const std::string model = kModels + "/digits_mlp.onnx";
  ExpectCleanFailure("compile " + model + " --max-model-size 1K", 1, {model, "more than the limit of 1024"});
  ExpectCleanFailure("compile " + model + " --max-model-size 3G", 2, {"--max-model-size can be at most 2147483647"});
  TemporaryFolder out;
  EXPECT_EQ(Modelc("compile " + model + " --max-model-size 2M -o " + out.path()).exit_code, 0);
}

// A graph with no outputs compiled to an empty object (issue #19).
TEST(Cli, GraphWithoutOutputsIsRefused) {
  TemporaryFolder inputs;
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("g");
  onnx::ValueInfoProto* x = graph->add_input();
  x->set_name("x");
  x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  onnx::NodeProto* relu = graph->add_node();
  relu->set_op_type("Relu");
  relu->add_input("x");
  relu->add_output("y");
  const std::string path = WriteFile(inputs, "no_outputs.onnx", model.SerializeAsString());
  ExpectCleanFailure("compile " + path, 1, {path, "the graph has no outputs"});
}

TEST(Cli, RunTimeBatchIsRefusedWhenSamplesInteract) {
  TemporaryFolder inputs;
  const std::string mixing = WriteFile(inputs, "mixing.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
mixing (float[N,4] x) => (float[N,4] y) {
  s = ReduceMean <axes = [0]> (x)
  y = Sub(x, s)
}
)");
  ExpectCleanFailure("compile " + mixing + " --batch N", 1, {mixing, "samples of a batch are not independent"});
}

TEST(Cli, BindsSymbolicDimensions) {
  TemporaryFolder inputs, out;
  const std::string symbolic = WriteFile(inputs, "symbolic.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[batch,4] x) => (float[batch,4] y) {
  y = Relu(x)
}
)");
  CommandResult result = Modelc("compile " + symbolic + " --dim batch=5 --name relu5 -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(out.File("relu5.h")).find("#define RELU5_IN_X_ELEMENTS 20u"), std::string::npos);
}

TEST(Cli, FrozenInputsBecomeConstants) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "reshape.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,6] x, int64[2] shape) => (float[3,4] y) {
  y = Reshape(x, shape)
}
)");
  // Without the value, the error says what to do.
  ExpectCleanFailure("compile " + model, 1, {"node 'Reshape_0' (Reshape)", "--freeze shape=VALUES"});
  CommandResult result = Modelc("compile " + model + " --freeze shape=3,-1 --name r -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("r.h"));
  EXPECT_NE(header.find("#define R_INPUT_COUNT 1"), std::string::npos) << header;
  EXPECT_NE(header.find("int r_run(const float *x, float *y, void *scratch);"), std::string::npos) << header;
  ExpectCleanFailure("compile " + model + " --freeze shape=3", 1, {"--freeze shape", "got 1 values for int64[2]"});
  ExpectCleanFailure("compile " + model + " --freeze shape=3,x", 1, {"'x' is not a int64 value"});
  ExpectCleanFailure("compile " + model + " --freeze size=3", 1, {"--freeze size names no input"});
  ExpectCleanFailure("compile " + model + " --freeze shape=@/nonexistent.pb", 1, {"cannot read an ONNX tensor"});
  ExpectCleanFailure("compile " + model + " --freeze shape", 2, {"--freeze expects NAME=VALUES"});
}

// Shape arithmetic on an input (as a model's expanded CenterCropPad computes Pad's pads
// from its 'shape' input) folds at import once that input is frozen: the error names it,
// not the float data the arithmetic also meets.
TEST(Cli, ValuesComputedFromAnInputNameItToFreeze) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "pads.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x, int64[2] size) => (float[6] y) {
  x_shape = Shape(x)
  grown = Sub(size, x_shape)
  y = Pad(x, grown)
}
)");
  ExpectCleanFailure("compile " + model, 1,
                     {"node 'Pad_2' (Pad)", "computed from the graph input 'size'", "--freeze size=VALUES"});
  CommandResult result = Modelc("compile " + model + " --freeze size=5,5 --name p -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

// Found by reading the new operators (each crashed the compiler, divided by zero in
// generated code or allocated without bound before): refused with the node named, or
// compiled, never a crash.
TEST(Cli, NewOperatorsEdgeCasesAreRefusedOrCompiled) {
  TemporaryFolder inputs, out;
  const std::string one_hot = WriteFile(inputs, "one_hot.onnxtxt", R"(<ir_version: 9, opset_import: ["" : 20]>
g (double[3] i) => (float[3,4] y) {
  depth = Constant <value = int64 {4}> ()
  values = Constant <value = float[2] {0, 1}> ()
  y = OneHot(i, depth, values)
}
)");
  ExpectCleanFailure("compile " + one_hot, 1, {"(OneHot)", "float64"});
  const std::string unpool = WriteFile(inputs, "unpool.onnxtxt", R"(<ir_version: 9, opset_import: ["" : 20]>
g (float[1,1,1] x, int64[1,1,1] idx) => (float[1,1,2] y) {
  shape = Constant <value = int64[3] {1, 1, 2}> ()
  y = MaxUnpool <kernel_shape = [1], pads = [1, 0]> (x, idx, shape)
}
)");
  ExpectCleanFailure("compile " + unpool, 1, {"(MaxUnpool)", "empty output"});
  const std::string scatter = WriteFile(inputs, "scatter.onnxtxt", R"(<ir_version: 9, opset_import: ["" : 20]>
g (double[4] d, int64[1] idx, double[1] u) => (double[4] y) {
  y = ScatterElements <reduction = "max"> (d, idx, u)
}
)");
  CommandResult result = Modelc("compile " + scatter + " --name s -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // A stride of 2^32 is exact on a 64-bit host; a 32-bit core's index would wrap it to 0.
  const std::string col2im = WriteFile(inputs, "col2im.onnxtxt", R"(<ir_version: 9, opset_import: ["" : 20]>
g (float[1,1,5] x) => (float[1,1,1,5] y) {
  image = Constant <value = int64[2] {1, 5}> ()
  block = Constant <value = int64[2] {1, 1}> ()
  y = Col2Im <strides = [4294967296, 1]> (x, image, block)
}
)");
  result = Modelc("compile " + col2im + " --name c -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ExpectCleanFailure("compile " + col2im + " --target thumbv7em-none-eabihf", 1, {"(Col2Im)", "32-bit"});
}

// A window function's length: Range's limit is the float Cast of an int64 input. The
// error names that input; frozen, the Cast is evaluated while importing.
// Matrix products with an empty dimension (m, k or n 0) compile: their tiles are never
// empty (an n of 0 divided by zero while planning them).
TEST(Cli, EmptyMatrixProductsCompile) {
  TemporaryFolder inputs;
  const std::vector<std::string> products = {
      "float[1,4] x) => (float[1,0] y) <float[4,0] w = {}> {\n  y = MatMul(x, w)\n}",
      "float[1,4] x) => (float[1,0] y) <float[4,0] w = {}> {\n  y = Gemm(x, w)\n}",
      "float[0,4] x) => (float[0,3] y) <float[4,3] w = {1,2,3,4,5,6,7,8,9,10,11,12}> {\n  y = MatMul(x, w)\n}",
      "float[1,0] x) => (float[1,3] y) <float[0,3] w = {}> {\n  y = MatMul(x, w)\n}"};
  for (size_t i = 0; i < products.size(); ++i) {
    const std::string model = WriteFile(inputs, "empty" + std::to_string(i) + ".onnxtxt",
                                        "<ir_version: 8, opset_import: [\"\" : 13]>\ng (" + products[i] + "\n");
    TemporaryFolder out;
    const CommandResult result = Modelc("compile " + model + " -o " + out.path());
    EXPECT_EQ(result.exit_code, 0) << products[i] << "\n" << result.output;
  }
}

TEST(Cli, ParametersComputedFromAnInputNameIt) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "ramp.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n) => (float[4] y) {
  limit = Cast <to = 1> (n)
  zero = Constant <value = float {0}> ()
  one = Constant <value = float {1}> ()
  y = Range(zero, limit, one)
}
)");
  ExpectCleanFailure("compile " + model, 1,
                     {"node 'Range_3' (Range)", "computed from the graph input 'n'", "--freeze n=VALUES"});
  CommandResult result = Modelc("compile " + model + " --freeze n=4 --name ramp -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

TEST(Cli, ContiguousSlicesAreViews) {
  TemporaryFolder out;
  ASSERT_EQ(Modelc("compile " + kTestModels + "/slice_views.onnxtxt --name v -o " + out.path()).exit_code, 0);
  const std::string report = ReadFileBytes(out.File("v.report.txt"));
  // Rows of a row-major matrix are contiguous: Split, Slice and Gather of rows cost
  // nothing. Columns are not: that Slice copies.
  for (const char* step : {"Split 'Split_1' x, sizes -> a, b  (view, no code)",
                           "Slice 'Slice_6' x, starts, ends -> s  (view, no code)",
                           "Gather 'Gather_9' x, indices -> g  (view, no code)"}) {
    EXPECT_NE(report.find(step), std::string::npos) << step << "\n" << report;
  }
  EXPECT_NE(report.find("Slice 'Slice_14' x, cs, ce, ca -> c\n"), std::string::npos) << report;
}

// Between depthwise and pointwise convolutions that run with channels in the vector
// lanes, tensors stay channels-last; those read only by depthwise convolutions with
// one padding carry that zero border; graph outputs stay in ONNX's layout.
TEST(Cli, DepthwiseChainsKeepTheirTensorsChannelsLast) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kTestModels + "/conv_channels_last.onnxtxt --target x86_64-linux-gnu "
                                "--cpu x86-64-v4 --name c -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string report = ReadFileBytes(out.File("c.report.txt"));
  auto placement = [&](const std::string& name) {
    const size_t at = report.find("\n  " + name + " ", report.find("tensor placement:"));
    return at == std::string::npos ? std::string() : report.substr(at + 1, report.find('\n', at + 1) - at - 1);
  };
  for (const char* name : {"d0", "r1", "r3", "d4"}) {
    EXPECT_TRUE(placement(name).ends_with(", stored channels-last")) << placement(name);
  }
  EXPECT_TRUE(placement("p1").ends_with("stored channels-last with a zero border (pads 1,1,1,1; 36608 bytes)"))
      << placement("p1");
  EXPECT_TRUE(placement("r2").ends_with("stored channels-last with a zero border (pads 0,1,1,0; 30720 bytes)"))
      << placement("r2");
  EXPECT_TRUE(placement("g0").ends_with("stored channels-last with a zero border (pads 1,1,1,1; 10752 bytes)"))
      << placement("g0");  // a 3x3 stride-2 convolution with channels in the lanes wrote it
  for (const char* name : {"head", "side", "tapped", "stem"}) {
    EXPECT_EQ(placement(name).find("channels-last"), std::string::npos) << placement(name);
    EXPECT_NE(placement(name).find("output #"), std::string::npos) << placement(name);
  }
}

// The lowering plan pins the kernel variant, tiles and workspace buffers of every test
// shape, and the layout of every tensor, for AVX-512's 16 lanes and SSE's 4 (golden
// files in tests/golden/plans, one per model and CPU; a trace build adds the planar
// copies of channels-last tensors).
TEST(Cli, DumpPlanPinsTheKernelOfEveryTestShape) {
  const std::string golden = kTestModels + "/../golden/plans/";
  for (const char* model : {"conv_winograd", "conv_channels_last", "conv_blocked_variants", "recurrent"}) {
    for (const char* cpu : {"x86-64-v4", "x86-64-v2"}) {
      TemporaryFolder out;
      CommandResult result = Modelc("compile " + kTestModels + "/" + model + ".onnxtxt --target x86_64-linux-gnu --cpu " +
                                    cpu + " --dump-plan --name p -o " + out.path());
      ASSERT_EQ(result.exit_code, 0) << result.output;
      EXPECT_EQ(result.output, ReadFileBytes(golden + model + "." + cpu + ".txt")) << model << " " << cpu;
    }
  }
  TemporaryFolder out;
  CommandResult traced = Modelc("compile " + kTestModels + "/conv_channels_last.onnxtxt --target x86_64-linux-gnu "
                                "--cpu x86-64-v4 --trace --dump-plan --name p -o " + out.path());
  ASSERT_EQ(traced.exit_code, 0) << traced.output;
  EXPECT_EQ(traced.output, ReadFileBytes(golden + "conv_channels_last.x86-64-v4.trace.txt"));
}

// The report says which algorithm runs each convolution and lists kernel workspaces
// on lines of their own, at their arena offsets.
TEST(Cli, ReportNamesConvolutionAlgorithmsAndWorkspaces) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kTestModels + "/conv_winograd.onnxtxt --target x86_64-linux-gnu "
                                "--cpu x86-64-v4 --kernel Conv_13=direct --name w -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string report = ReadFileBytes(out.File("w.report.txt"));
  for (const char* expected : {"Conv 'Conv_12' wide, w, b -> same  [winograd]\n",
                               "Conv+Add+Relu 'Conv_13' valid, w, b, shortcut -> residual  [direct]\n",
                               "Conv 'Conv_21' tall, w, b -> tall_image  [channel-tiles]\n",
                               "workspaces (step: node, buffer, bytes; live during their step only):\n"
                               "    0: 'Conv_12' padded_input             44608 bytes  scratch @"}) {
    EXPECT_NE(report.find(expected), std::string::npos) << expected << "\n" << report;
  }
  for (const char* buffer : {"'Conv_12' transformed_input         8192 bytes",
                             "'Conv_12' products                 16384 bytes"}) {
    EXPECT_NE(report.find(buffer), std::string::npos) << buffer << "\n" << report;
  }
  EXPECT_EQ(report.find("'Conv_13' padded_input"), std::string::npos) << report;  // direct: no workspace
}

// The activation bound counts tensors only: kernels whose workspace (here a padded copy
// of each convolution's input) raises the arena above it make the report say so; with
// kernels that need none, the arena is the bound.
TEST(Cli, ReportSeparatesTheActivationBoundFromKernelWorkspaces) {
  const std::string model = kTestModels + "/conv_chain_padded.onnxtxt --target x86_64-linux-gnu --cpu x86-64-v3";
  auto report_of = [&](const std::string& kernels) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + model + " " + kernels + " --name c -o " + out.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return std::make_pair(ReadFileBytes(out.File("c.report.txt")), ReadFileBytes(out.File("c.h")));
  };
  // t, the one intermediate tensor, is [1,8,16,16]: 8192 bytes whatever the kernels.
  // A padded copy of an 8-channel 16x16 input is 8 x 18 x 18 floats plus 64 bytes of
  // slack: 10432 bytes, live beside t at either step.
  const auto [padded, padded_header] = report_of("--kernel Conv_15=blocked --kernel Conv_16=blocked");
  EXPECT_NE(padded.find("activation bound: 8192 bytes"), std::string::npos) << padded;
  EXPECT_NE(padded.find("scratch:      18624 bytes"), std::string::npos) << padded;
  EXPECT_NE(padded.find("scratch / activation bound: 2.273 (10432 bytes above it: kernel workspaces"),
            std::string::npos) << padded;
  EXPECT_NE(padded.find("'Conv_15' padded_input"), std::string::npos) << padded;
  EXPECT_NE(padded_header.find("#define C_SCRATCH_LOWER_BOUND 8192u"), std::string::npos) << padded_header;
  const auto [direct, direct_header] = report_of("--kernel Conv_15=direct --kernel Conv_16=direct");
  EXPECT_NE(direct.find("activation bound: 8192 bytes"), std::string::npos) << direct;
  EXPECT_NE(direct.find("scratch:      8192 bytes"), std::string::npos) << direct;
  EXPECT_NE(direct.find("scratch / activation bound: 1.000\n"), std::string::npos) << direct;
}

// --optimize memory where a padded copy, even a band of rows, would lift the arena above
// the activation bound: the blocked kernel reads the input where it lies (blocked-clipped),
// not the direct kernel, and the scratch is the bound; --optimize speed keeps the copies.
TEST(Cli, MemoryModeReadsPaddedInputsInPlaceAtThePeak) {
  const std::string model = kTestModels + "/conv_chain_padded.onnxtxt --target thumbv7em-none-eabihf --cpu cortex-m4";
  for (const std::string mode : {"memory", "speed"}) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + model + " --optimize " + mode + " --dump-plan --name c -o " + out.path());
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const std::string report = ReadFileBytes(out.File("c.report.txt"));
    if (mode == "memory") {
      EXPECT_NE(result.output.find("'Conv_15' Conv: blocked-clipped"), std::string::npos) << result.output;
      EXPECT_NE(result.output.find("'Conv_16' Conv: blocked-clipped"), std::string::npos) << result.output;
      EXPECT_NE(report.find("scratch / activation bound: 1.000\n"), std::string::npos) << report;
    } else {
      EXPECT_EQ(result.output.find("blocked-clipped"), std::string::npos) << result.output;
      EXPECT_NE(report.find("padded_input"), std::string::npos) << report;
    }
  }
}

// A convolution with a fused residual whose epilogue runs on finished planes (HardSigmoid
// after the sum): the direct kernel writes its output over the residual and the blocked
// ones cannot, so at the peak memory mode keeps the direct kernel there.
TEST(Cli, MemoryModeKeepsTheDirectKernelThatWritesOverAResidual) {
  const std::string model = kTestModels + "/conv_residual_plane_epilogue.onnxtxt --target thumbv7em-none-eabihf "
                                          "--cpu cortex-m4 --name c";
  TemporaryFolder out, clipped;
  CommandResult result = Modelc("compile " + model + " --dump-plan -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("'Conv_5' Conv+Add+HardSigmoid: direct"), std::string::npos) << result.output;
  ASSERT_EQ(Modelc("compile " + model + " --kernel Conv_5=blocked-clipped -o " + clipped.path()).exit_code, 0);
  EXPECT_LT(ReportedScratchBytes(ReadFileBytes(out.File("c.report.txt"))),
            ReportedScratchBytes(ReadFileBytes(clipped.File("c.report.txt"))));
}

// Cortex-M55's plans use Helium's four lanes, and memory mode still keeps the scratch of a
// scalar core's plan: channels-last tensors (bordered, never written in place) are taken
// only where they need no more scratch than planar ones.
TEST(Cli, HeliumPlansKeepTheMemoryModesScratch) {
  auto compile = [](const std::string& target, const std::string& mode) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + kTestModels + "/conv_channels_last.onnxtxt --target " + target +
                                  " --optimize " + mode + " --dump-plan --name c -o " + out.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return std::make_pair(result.output, ReadFileBytes(out.File("c.report.txt")));
  };
  const std::string m55 = "thumbv8.1m.main-none-eabihf --cpu cortex-m55", m4 = "thumbv7em-none-eabihf --cpu cortex-m4";
  const auto [speed_plan, speed_report] = compile(m55, "speed");
  EXPECT_NE(speed_plan.find("lowering plan (vector lanes 4"), std::string::npos) << speed_plan;
  EXPECT_NE(speed_plan.find(": channels-last"), std::string::npos) << speed_plan;
  const auto [memory_plan, memory_report] = compile(m55, "memory");
  const auto [scalar_plan, scalar_report] = compile(m4, "memory");
  EXPECT_NE(scalar_plan.find("lowering plan (vector lanes 1"), std::string::npos) << scalar_plan;
  const int64_t scratch = ReportedScratchBytes(memory_report), scalar = ReportedScratchBytes(scalar_report);
  EXPECT_GT(scratch, 0);
  EXPECT_LE(scratch, scalar) << memory_plan;
}

// Budgets: a model over --max-ram is refused naming the step at the peak and what is
// live there; over --max-flash, naming the largest weights; within them it compiles.
TEST(Cli, BudgetsRefuseModelsThatDoNotFit) {
  const std::string model = kModels + "/digits_cnn.onnx --target thumbv7em-none-eabihf --cpu cortex-m4";
  ExpectCleanFailure("compile " + model + " --max-ram 1K", 1,
                     {"bytes of RAM (scratch), more than --max-ram 1024; the peak is at step", "(activation bound"});
  ExpectCleanFailure("compile " + model + " --max-flash 2048", 1,
                     {"bytes of flash (code ", "more than --max-flash 2048; largest weights: '"});
  ExpectCleanFailure("compile " + model + " --max-ram 0", 2, {"--max-ram expects a positive number of bytes"});
  ExpectCleanFailure("compile " + model + " --max-flash 12X", 2, {"--max-flash expects a positive number of bytes"});
  TemporaryFolder out;
  CommandResult fits = Modelc("compile " + model + " --max-ram 64K --max-flash 1M --name cnn -o " + out.path());
  EXPECT_EQ(fits.exit_code, 0) << fits.output;
  const std::string report = ReadFileBytes(out.File("cnn.report.txt"));
  const size_t at = report.find("scratch:      ");
  ASSERT_NE(at, std::string::npos);
  const int64_t scratch = std::stoll(report.substr(at + 14));
  // Exactly the scratch fits; one byte less does not.
  EXPECT_EQ(Modelc("compile " + model + " --max-ram " + std::to_string(scratch) + " --name cnn -o " + out.path())
                .exit_code, 0);
  ExpectCleanFailure("compile " + model + " --max-ram " + std::to_string(scratch - 1), 1, {"--max-ram"});
}

// --optimize memory (also balanced and size) tries other execution orders on a graph with
// branches and keeps the one whose plan needs the least scratch: branches_reordered runs
// one branch to its end before the other, in about half speed mode's scratch; speed
// mode keeps the model's order.
// The reports of `model` compiled as m with the flags `first`, and with --optimize speed.
std::pair<std::string, std::string> ReportsWithFlagsThenSpeed(const std::string& model, const std::string& first) {
  TemporaryFolder one, other;
  EXPECT_EQ(Modelc("compile " + model + first + " --name m -o " + one.path()).exit_code, 0);
  EXPECT_EQ(Modelc("compile " + model + " --optimize speed --name m -o " + other.path()).exit_code, 0);
  return {ReadFileBytes(one.File("m.report.txt")), ReadFileBytes(other.File("m.report.txt"))};
}

TEST(Cli, MemoryModeRunsOneBranchToItsEndFirst) {
  const auto [memory_report, speed_report] =
      ReportsWithFlagsThenSpeed(kTestModels + "/branches_reordered.onnxtxt", " --optimize memory");
  EXPECT_LT(ReportedScratchBytes(memory_report), 4096 + 256) << memory_report;
  EXPECT_GE(ReportedScratchBytes(speed_report), 2 * 4096) << speed_report;
  EXPECT_NE(memory_report.find("    1: Exp 'Exp_5' a -> ea"), std::string::npos) << memory_report;
  EXPECT_NE(speed_report.find("    1: Mul 'Mul_4' x, cb -> b"), std::string::npos) << speed_report;
}

// --pool: the header's macros and prototype per pool (no single scratch), the report's
// pools and placements, the JSON's and the picture's; bad pool flags, and pools too small,
// are refused in one line (the latter naming a tensor and the bytes the plan needs).
TEST(Cli, PoolsSplitTheScratchAndAreNamedEverywhere) {
  const std::string model = kModels + "/digits_cnn.onnx --target thumbv7em-none-eabihf --cpu cortex-m4";
  TemporaryFolder out;
  CommandResult pooled = Modelc("compile " + model + " --pool tcm=1K --pool sram=64K --report-json --memory-svg" +
                                " --name cnn -o " + out.path());
  ASSERT_EQ(pooled.exit_code, 0) << pooled.output;
  const std::string header = ReadFileBytes(out.File("cnn.h"));
  for (const char* text : {"#define CNN_POOL_COUNT 2\n", "#define CNN_POOL_TCM_SIZE ", "#define CNN_POOL_TCM_ALIGNMENT ",
                           "#define CNN_POOL_SRAM_SIZE ", "void *pool_tcm, void *pool_sram);",
                           "void *const *outputs, void *const *pools);"}) {
    EXPECT_NE(header.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(header.find("#define CNN_SCRATCH_SIZE"), std::string::npos);
  const std::string report = ReadFileBytes(out.File("cnn.report.txt"));
  for (const char* text : {"pools:        tcm ", " of 1024 bytes, sram ", "pool tcm @", "pool sram @"}) {
    EXPECT_NE(report.find(text), std::string::npos) << text << "\n" << report;
  }
  const nlohmann::json json = nlohmann::json::parse(ReadFileBytes(out.File("cnn.report.json")));
  ASSERT_EQ(json["totals"]["pools"].size(), 2u);
  EXPECT_EQ(json["totals"]["pools"][0]["name"], "tcm");
  EXPECT_EQ(json["totals"]["pools"][1]["capacity_bytes"], 65536);
  EXPECT_LE(json["totals"]["pools"][0]["bytes"].get<int64_t>(), 1024);
  EXPECT_EQ(json["totals"]["scratch_bytes"].get<int64_t>(),
            json["totals"]["pools"][0]["bytes"].get<int64_t>() + json["totals"]["pools"][1]["bytes"].get<int64_t>());
  for (const auto& tensor : json["tensors"]) EXPECT_TRUE(tensor.contains("pool")) << tensor.dump();
  EXPECT_NE(ReadFileBytes(out.File("cnn.memory.svg")).find(">pool sram ("), std::string::npos);

  ExpectCleanFailure("compile " + model + " --pool tcm=64", 1,
                     {"--pool: the pools (tcm 64 bytes) have no room for tensor '", "the plan needs at least "});
  ExpectCleanFailure("compile " + model + " --pool 1x=1K", 2, {"must be a C identifier"});
  ExpectCleanFailure("compile " + model + " --pool tcm=1K --pool TCM=2K", 2, {"give the same macros"});
  ExpectCleanFailure("compile " + model + " --pool tcm", 2, {"--pool expects NAME=BYTES"});
  ExpectCleanFailure("compile " + model + " --pool tcm=-1", 2, {"--pool expects a positive number of bytes"});
}

// --report-json and --memory-svg for every model of the tests: the JSON agrees with the
// header and the text report, and the picture has one rectangle per scratch tensor and
// workspace buffer (a path for a buffer whose bytes in use change from step to step;
// besides the arena's background and the peak's outline).
TEST(Cli, JsonReportAndMemoryPictureForEveryTestModel) {
  std::vector<std::string> models = {kModels + "/digits_mlp.onnx", kModels + "/digits_cnn.onnx"};
  for (const auto& entry : std::filesystem::directory_iterator(kTestModels)) {
    if (entry.path().extension() == ".onnxtxt") models.push_back(entry.path().string());
  }
  std::sort(models.begin(), models.end());
  ASSERT_GE(models.size(), 30u);
  for (const std::string& model : models) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + model + " --report-json --memory-svg --name m -o " + out.path());
    ASSERT_EQ(result.exit_code, 0) << model << "\n" << result.output;
    const nlohmann::json report = nlohmann::json::parse(ReadFileBytes(out.File("m.report.json")));
    const std::string header = ReadFileBytes(out.File("m.h"));
    const std::string scratch = report["totals"]["scratch_bytes"].dump();
    EXPECT_NE(header.find("#define M_SCRATCH_SIZE " + scratch + "u"), std::string::npos) << model;
    EXPECT_NE(ReadFileBytes(out.File("m.report.txt")).find("graph:        " + std::to_string(report["nodes"].size()) +
                                                           " nodes"),
              std::string::npos) << model;
    size_t buffers = report["tensors"].size();
    for (const auto& node : report["nodes"]) buffers += node["workspace"].size();
    const std::string svg = ReadFileBytes(out.File("m.memory.svg"));
    size_t rectangles = 0;
    for (const char* shape : {"<rect", "<path"}) {
      for (size_t at = svg.find(shape); at != std::string::npos; at = svg.find(shape, at + 1)) ++rectangles;
    }
    EXPECT_EQ(rectangles, buffers + 1 + (report["nodes"].empty() ? 0 : 1)) << model;
    EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7) << model;
  }
}

// -o makes a missing folder (the README's first example writes into out/), refuses a
// file or an object name with a hint; compile --help is the usage; a flag that takes
// one value refuses a second one instead of keeping the last.
TEST(Cli, OutputFoldersAndRepeatedFlags) {
  TemporaryFolder base;
  const std::string model = kModels + "/digits_mlp.onnx";
  CommandResult made = Modelc("compile " + model + " --name mlp -o " + base.File("out/nested"));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_TRUE(FileExists(base.File("out/nested/mlp.o")));
  EXPECT_TRUE(FileExists(base.File("out/nested/mlp.report.txt")));
  CommandResult file = Modelc("compile " + model + " -o " + base.File("out/nested/mlp.o") + " --name x");
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_NE(file.output.find("is a file; -o takes the folder"), std::string::npos) << file.output;
  CommandResult object = Modelc("compile " + model + " -o " + base.File("out/kws.o"));
  EXPECT_EQ(object.exit_code, 1);
  EXPECT_NE(object.output.find("-o takes a folder, not a file name: for '" + base.File("out/kws.o") + "' use -o " +
                               base.File("out") + " --name kws"),
            std::string::npos) << object.output;
  EXPECT_FALSE(FileExists(base.File("out/kws.o")));
  CommandResult refused = Modelc("compile " + base.File("absent.onnx") + " -o " + base.File("never"));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_FALSE(FileExists(base.File("never"))) << "a failed compilation made the output folder";
  CommandResult help = Modelc("compile --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: modelc compile MODEL"), std::string::npos) << help.output;
  ExpectCleanFailure("compile " + model + " --name a --name b", 2, {"--name is given twice"});
  ExpectCleanFailure("compile " + model + " -o x --output-dir y", 2, {"--output-dir is given twice"});
  ExpectCleanFailure("compile " + model + " --dim n=1 --dim n=2", 2, {"--dim binds 'n' twice"});
  // A trailing slash names the same folder, made if missing (the README's `-o out/`).
  made = Modelc("compile " + model + " --name mlp -o " + base.File("slash/out/"));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_TRUE(FileExists(base.File("slash/out/mlp.o")));
  EXPECT_TRUE(FileExists(base.File("slash/out/mlp.h")));
}

// A flag's mistake is told with the flag the user gave: --batch on a model whose
// inputs have no symbolic dimension names --batch, not --dim.
TEST(Cli, BatchOnAStaticModelNamesBatch) {
  const std::string model = kModels + "/digits_mlp.onnx";
  ExpectCleanFailure("compile " + model + " --batch N", 1, {"--batch N names no symbolic dimension of the model's inputs"});
  ExpectCleanFailure("compile " + model + " --dim N=2", 1, {"--dim N names no symbolic dimension of the model's inputs"});
}

// The compiler-runtime helpers an object for a core without an FPU may call (libgcc's,
// linked by default by GCC and Clang): float arithmetic, comparisons and conversions.
// docs/contract.md lists the same names; nothing from libm (sqrt is computed in
// the object, compiler/backend/soft_sqrt.cc).
bool IsSoftFloatHelper(const std::string& symbol) {
  static const std::set<std::string> kHelpers = {
      // Arm EABI (Cortex-M3, M0+)
      "__aeabi_fadd", "__aeabi_fsub", "__aeabi_fmul", "__aeabi_fdiv", "__aeabi_fcmpeq", "__aeabi_fcmplt",
      "__aeabi_fcmple", "__aeabi_fcmpgt", "__aeabi_fcmpge", "__aeabi_fcmpun", "__aeabi_i2f", "__aeabi_ui2f",
      "__aeabi_f2iz", "__aeabi_f2uiz",
      // RISC-V ilp32 (RV32IMC), GCC's generic names
      "__addsf3", "__subsf3", "__mulsf3", "__divsf3", "__eqsf2", "__nesf2", "__ltsf2", "__lesf2", "__gtsf2",
      "__gesf2", "__unordsf2", "__floatsisf", "__floatunsisf", "__fixsfsi", "__fixunssfsi"};
  return kHelpers.count(symbol) > 0;
}

// The soft-double helpers an object computing in float64 may call on those cores: ONNX
// Runtime's QLinearAdd does where the core has no float32 fused multiply-add (the
// fused results computed exactly in float64). docs/contract.md lists them.
bool IsSoftDoubleHelper(const std::string& symbol) {
  static const std::set<std::string> kHelpers = {
      "__aeabi_dadd", "__aeabi_dsub", "__aeabi_dmul", "__aeabi_dcmpeq", "__aeabi_dcmplt", "__aeabi_dcmpun",
      "__aeabi_i2d", "__aeabi_ui2d", "__aeabi_f2d", "__aeabi_d2f",
      "__adddf3", "__subdf3", "__muldf3", "__eqdf2", "__ltdf2", "__unorddf2", "__floatsidf", "__floatunsidf",
      "__extendsfdf2", "__truncdfsf2"};
  return kHelpers.count(symbol) > 0;
}

bool IsMemoryFunction(const std::string& symbol) {
  return symbol.rfind("__aeabi_mem", 0) == 0 || symbol == "memcpy" || symbol == "memset" || symbol == "memmove";
}

// A Cortex-M triple without --cpu means its usual core with its FPU, not LLVM's
// generic CPU (no FPU: every float operation a library call); a hard-float triple with
// a CPU that has no FPU is refused. A bare-metal riscv32 triple means RV32IMC; Linux on
// riscv64 means RV64GC (hard float, lp64d).
TEST(Cli, MicrocontrollerTriplesDefaultToTheirCore) {
  TemporaryFolder out;
  CommandResult result =
      Modelc("compile " + kModels + "/digits_cnn.onnx --target thumbv7em-none-eabihf --name cnn -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(out.File("cnn.report.txt")).find("(cpu cortex-m4)"), std::string::npos);
  for (const std::string& symbol : UndefinedSymbols(out.File("cnn.o"))) {
    EXPECT_TRUE(symbol.rfind("__aeabi_mem", 0) == 0 || symbol == "memcpy" || symbol == "memset" ||
                symbol == "memmove") << "needs '" << symbol << "'";
  }
  CommandResult m55 =
      Modelc("compile " + kModels + "/digits_mlp.onnx --target thumbv8.1m.main-none-eabihf --name m -o " + out.path());
  ASSERT_EQ(m55.exit_code, 0) << m55.output;
  EXPECT_NE(ReadFileBytes(out.File("m.report.txt")).find("(cpu cortex-m55)"), std::string::npos);
  const std::string model = kModels + "/digits_mlp.onnx";
  ExpectCleanFailure("compile " + model + " --target thumbv7m-none-eabihf", 1,
                     {"passes floats in FPU registers, but CPU 'cortex-m3' has no FPU"});
  // The tested cores without an FPU, and Armv8-M mainline with its FPU.
  const std::vector<std::tuple<std::string, std::string, bool>> defaults = {
      {"thumbv7m-none-eabi", "cortex-m3", true}, {"thumbv8m.main-none-eabihf", "cortex-m33", false},
      {"riscv32-unknown-elf", "sifive-e20", true}, {"riscv64-linux-gnu", "sifive-u74", false}};
  for (const auto& [triple, cpu, soft_float] : defaults) {
    CommandResult compiled =
        Modelc("compile " + kModels + "/digits_cnn.onnx --target " + triple + " --name d -o " + out.path());
    ASSERT_EQ(compiled.exit_code, 0) << triple << "\n" << compiled.output;
    EXPECT_NE(ReadFileBytes(out.File("d.report.txt")).find("(cpu " + cpu + ")"), std::string::npos) << triple;
    bool calls_helpers = false;
    for (const std::string& symbol : UndefinedSymbols(out.File("d.o"))) {
      calls_helpers |= IsSoftFloatHelper(symbol);
      EXPECT_TRUE(IsMemoryFunction(symbol) || (soft_float && IsSoftFloatHelper(symbol)))
          << triple << " needs '" << symbol << "'";
    }
    EXPECT_EQ(calls_helpers, soft_float) << triple;
  }
  ExpectCleanFailure("compile " + model + " --target thumbv7em-none-eabihf --cpu cortex-m3", 1, {"has no FPU"});
}

// ONNX Runtime's QLinearAdd (fused multiply-adds) on the tested cores without an FPU:
// float64 helpers of the compiler runtime, never libm's fmaf.
TEST(Cli, OrtQLinearAddNeedsNoLibmWithoutAnFpu) {
  TemporaryFolder out;
  for (const std::string triple : {"thumbv7m-none-eabi", "riscv32-unknown-elf"}) {
    CommandResult compiled =
        Modelc("compile " + kTestModels + "/qlinear_add.onnxtxt --target " + triple + " --name q -o " + out.path());
    ASSERT_EQ(compiled.exit_code, 0) << triple << "\n" << compiled.output;
    bool calls_double_helpers = false;
    for (const std::string& symbol : UndefinedSymbols(out.File("q.o"))) {
      calls_double_helpers |= IsSoftDoubleHelper(symbol);
      EXPECT_TRUE(IsMemoryFunction(symbol) || IsSoftFloatHelper(symbol) || IsSoftDoubleHelper(symbol))
          << triple << " needs '" << symbol << "'";
    }
    EXPECT_TRUE(calls_double_helpers) << triple;
  }
}

// 32-bit cores count loops in 32 bits, which lets LLVM turn them into the M55's
// low-overhead loops (dls/le); with 64-bit indices there were none.
TEST(Cli, CortexM55LoopsAreLowOverheadLoops) {
  TemporaryFolder out;
  ASSERT_EQ(Modelc("compile " + kModels + "/digits_cnn.onnx --target thumbv8.1m.main-none-eabihf --name m -o " +
                   out.path()).exit_code, 0);
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d --mattr=+mve.fp " + out.File("m.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  int low_overhead_ends = 0;
  for (const std::string& line : Lines(disassembly.output)) {
    std::istringstream fields(line);
    for (std::string field; fields >> field;) {
      if (field == "le" || field == "letp") ++low_overhead_ends;
    }
  }
  EXPECT_GE(low_overhead_ends, 3);
}

// The dsp-pairs kernel is the lowering plan's choice on Arm's DSP extension only: on a
// Cortex-M4 the int8 digits network's convolutions and matrix product take two
// products per SMLAD (and --optimize memory still keeps scratch at the activation
// bound); on the host they keep the direct kernel.
TEST(Cli, Int8ProductsUseSmladOnlyWhereTheCoreHasIt) {
  TemporaryFolder m4, host;
  const std::string model = kModels + "/digits_cnn_int8.onnx --name q ";
  ASSERT_EQ(Modelc("compile " + model + "--target thumbv7em-none-eabihf --cpu cortex-m4 --optimize speed -o " +
                   m4.path()).exit_code, 0);
  const std::string report = ReadFileBytes(m4.File("q.report.txt"));
  EXPECT_NE(report.find("QLinearConv 'conv1'"), std::string::npos) << report;
  EXPECT_EQ(report.find("[direct]"), std::string::npos) << report;
  EXPECT_NE(report.find("[dsp-pairs]"), std::string::npos) << report;
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d " + m4.File("q.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_NE(disassembly.output.find("smlad"), std::string::npos);
  ASSERT_EQ(Modelc("compile " + model + "-o " + host.path()).exit_code, 0);
  const std::string host_report = ReadFileBytes(host.File("q.report.txt"));
  EXPECT_EQ(host_report.find("[dsp-pairs]"), std::string::npos) << host_report;
  EXPECT_NE(host_report.find("QLinearConv 'conv1'"), std::string::npos) << host_report;
}

// A quantised Gemm on a Cortex-M55 runs as row-dot: A's int8 codes read in place, 16
// products a VMLADAVA.S8, four columns at a time, A's zero point folded into the
// prepared bias, no workspace (in memory mode too); on a Cortex-M4 the DSP pairs.
// Outputs: the op model row_dot and the int8 networks' firmware checks (Cortex-M55).
TEST(Cli, Int8MatrixProductsOnHeliumAreRowDots) {
  const std::string model = kTestModels + "/row_dot.onnxtxt --dump-plan --name r";
  TemporaryFolder m55, m4;
  const CommandResult helium =
      Modelc("compile " + model + " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + m55.path());
  ASSERT_EQ(helium.exit_code, 0) << helium.output;
  for (const char* piece : {"'Gemm_12' QLinearMatMul: row-dot, float requantisation\n",
                            "constant bias_folded: %Gemm_12.bias_folded int32[6]",
                            "'Gemm_25' QLinearMatMul: row-dot, float requantisation\n"}) {
    EXPECT_NE(helium.output.find(piece), std::string::npos) << piece << "\n" << helium.output;
  }
  EXPECT_EQ(helium.output.find("workspace"), std::string::npos) << helium.output;
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d " + m55.File("r.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_NE(disassembly.output.find("vmlava.s8"), std::string::npos) << disassembly.output;
  const CommandResult dsp =
      Modelc("compile " + model + " --target thumbv7em-none-eabihf --cpu cortex-m4 -o " + m4.path());
  ASSERT_EQ(dsp.exit_code, 0) << dsp.output;
  EXPECT_EQ(dsp.output.find("row-dot"), std::string::npos) << dsp.output;
  // Each column keeps its own accumulating VMLAVA through the loop, also where the
  // requantisation after it is vectorised (float, the ONNX networks): no sums merged
  // into a vector by non-accumulating VMLAVs.
  TemporaryFolder mlp;
  ASSERT_EQ(Modelc("compile " + std::string(MODELC_INT8_DIR) + "/mlp_int8.onnx --target thumbv8.1m.main-none-eabihf "
                   "--cpu cortex-m55 --name m -o " + mlp.path()).exit_code, 0);
  const CommandResult mlp_code = RunCommand("llvm-objdump-19 -d " + mlp.File("m.o"));
  ASSERT_EQ(mlp_code.exit_code, 0) << mlp_code.output;
  EXPECT_NE(mlp_code.output.find("vmlava.s8"), std::string::npos) << mlp_code.output;
  EXPECT_EQ(mlp_code.output.find("vmlav.s8"), std::string::npos) << mlp_code.output;
}

// On Arm's DSP extension, where two int16 windows of the DSP pairs would lift the arena
// above the activation bound in memory mode, two windows of the input's codes take the
// bytes of one (NodePlan::int8_window_codes), the zero point's share off "bias_folded":
// at the peak writing over its input, and below it within the codes' bytes. Speed mode
// keeps the int16 windows, size mode one. Except in size mode the copy is unrolled
// (windows inside the image without the padding checks; NodePlan::window_copy_unrolled).
// The op model's firmware checks compare the outputs.
TEST(Cli, DspPairsNarrowedTakeTwoWindowsOfCodes) {
  const std::string model = kTestModels + "/dsp_pairs_window_codes.onnxtxt --target thumbv7em-none-eabihf --cpu "
                            "cortex-m4 --dump-plan --name d -o ";
  TemporaryFolder memory, speed, size;
  const CommandResult narrowed = Modelc("compile " + model + memory.path());
  ASSERT_EQ(narrowed.exit_code, 0) << narrowed.output;
  for (const char* piece :
       {"'Conv_15' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy unrolled\n"
        "      workspace window_codes @0, 40 bytes\n      constant bias_folded: %Conv_15.bias_folded int32[11]\n",
        "'Conv_35' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy unrolled, writes over its "
        "consumed input\n"
        "      workspace window_codes @0, 8 bytes\n      constant bias_folded: %Conv_35.bias_folded int32[16]\n",
        "'Conv_55' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy unrolled\n"
        "      workspace window_codes @0, 40 bytes\n      constant bias_folded: %Conv_55.bias_folded int32[8]\n",
        "'ConvInteger_68' ConvInteger: dsp-pairs (pixels 2), window copy unrolled\n"
        "      workspace window_codes @0, 40 bytes\n      constant bias_folded: %ConvInteger_68.bias_folded int32[2]\n"}) {
    EXPECT_NE(narrowed.output.find(piece), std::string::npos) << piece << "\n" << narrowed.output;
  }
  const CommandResult fastest = Modelc("compile " + model + speed.path() + " --optimize speed");
  ASSERT_EQ(fastest.exit_code, 0) << fastest.output;
  EXPECT_NE(fastest.output.find("'Conv_15' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy "
                                "unrolled\n      workspace window_pairs @0, 80 bytes\n"),
            std::string::npos) << fastest.output;
  EXPECT_EQ(fastest.output.find("window_codes"), std::string::npos) << fastest.output;
  const CommandResult smallest = Modelc("compile " + model + size.path() + " --optimize size");
  ASSERT_EQ(smallest.exit_code, 0) << smallest.output;
  EXPECT_EQ(smallest.output.find("window_codes"), std::string::npos) << smallest.output;
  EXPECT_EQ(smallest.output.find("pixels 2"), std::string::npos) << smallest.output;
  EXPECT_EQ(smallest.output.find("window copy unrolled"), std::string::npos) << smallest.output;
}

// On Arm's DSP extension the DSP pairs' windows of int16 pairs walk their dot products
// as one inline-assembly statement from 16 quads (4 taps each) on (dsp_pairs.cc,
// EmitDspPairsWalk): a loop of 4 quads a step (1 under --optimize size) whose first
// loads step the window's and the row's pointers on (post-indexed LDRD and LDR), the
// second window by LDRD, or by two LDRs past LDRD's reach (Conv_55 in speed mode: 1,048
// bytes a window; memory mode gives it windows of codes, which LLVM's code takes), then
// the quads after the loop. Each tile takes one: 2 pixels x 2 channels, the lone
// channel, the lone pixel, both (one pixel a tile in size mode). Outputs: the op model
// dsp_pairs_walk_assembly and the int8 networks' firmware checks.
TEST(Cli, DspPairsWalkTheirQuadsInInlineAssembly) {
  const std::string model = kTestModels + "/dsp_pairs_walk_assembly.onnxtxt --target thumbv7em-none-eabihf --cpu "
                            "cortex-m4 --dump-plan --name d -o ";
  TemporaryFolder memory, speed, size;
  // Node `node`'s function in the object's disassembly.
  auto function = [](const TemporaryFolder& out, const std::string& node) {
    const CommandResult code = RunCommand("llvm-objdump-19 -d " + out.File("d.o"));
    EXPECT_EQ(code.exit_code, 0) << code.output;
    const size_t start = code.output.find("<d." + node + ".QLinearConv>:");
    EXPECT_NE(start, std::string::npos) << code.output;
    if (start == std::string::npos) return std::string();
    return code.output.substr(start, code.output.find(">:", code.output.find('\n', start)) - start);
  };
  // The walks (each one's first window stepped on by a post-indexed LDRD).
  auto walks = [](const std::string& code, int64_t step_bytes) {
    const std::regex walk(R"(ldrd\s+\w+, \w+, \[\w+\], #)" + std::to_string(step_bytes) + "\n");
    return std::distance(std::sregex_iterator(code.begin(), code.end(), walk), std::sregex_iterator());
  };
  const CommandResult plan = Modelc("compile " + model + memory.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  for (const char* piece : {"'Conv_15' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy unrolled\n"
                            "      workspace window_pairs @0, 288 bytes\n",
                            "'Conv_35' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy unrolled, "
                            "writes over its consumed input\n      workspace window_pairs @0, 272 bytes\n",
                            "'Conv_55' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy unrolled\n"
                            "      workspace window_codes @0, 1048 bytes\n"}) {
    EXPECT_NE(plan.output.find(piece), std::string::npos) << piece << "\n" << plan.output;
  }
  for (const char* node : {"node2", "node6"}) {
    const std::string code = function(memory, node);
    EXPECT_EQ(walks(code, 32), 4) << code;
    EXPECT_TRUE(std::regex_search(code, std::regex(R"(ldr(\.w)?\s+\w+, \[\w+\], #16\n)"))) << code;
  }
  EXPECT_EQ(walks(function(memory, "node10"), 32), 0);
  const CommandResult fastest = Modelc("compile " + model + speed.path() + " --optimize speed");
  ASSERT_EQ(fastest.exit_code, 0) << fastest.output;
  EXPECT_NE(fastest.output.find("'Conv_55' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy "
                                "unrolled\n      workspace window_pairs @0, 2096 bytes\n"),
            std::string::npos) << fastest.output;
  const std::string far = function(speed, "node10");
  EXPECT_EQ(walks(far, 32), 4) << far;
  // The second quad's second window: 1,048 + 8 - 32 bytes from the stepped pointer.
  const std::regex two_loads(R"(ldr(\.w)?\s+\w+, \[(\w+), #0x400\]\n[^\n]*ldr(\.w)?\s+\w+, \[\2, #0x404\]\n)");
  EXPECT_TRUE(std::regex_search(far, two_loads)) << far;
  const CommandResult smallest = Modelc("compile " + model + size.path() + " --optimize size");
  ASSERT_EQ(smallest.exit_code, 0) << smallest.output;
  // One quad a step: the window's pairs and the row's weights, each pointer stepped on.
  const std::regex quad(R"(ldrd\s+\w+, \w+, \[\w+\], #8\n[^\n]*ldr(\.w)?\s+(\w+), \[\w+\], #4\n)"
                        R"([^\n]*sxtb16\s+\w+, \2\n[^\n]*sxtb16\s+\2, \2, ror #8\n)");
  for (const char* node : {"node2", "node6", "node10"}) {
    const std::string code = function(size, node);
    EXPECT_EQ(walks(code, 8), 2) << code;
    EXPECT_TRUE(std::regex_search(code, quad)) << code;
  }
}

// Helium's window-dot on int8 codes from its window's copy, in memory mode too, where a
// float tensor before it holds the RAM peak (the op model's firmware checks compare its
// outputs, each block's weights side by side: WindowDotWeightIndex).
TEST(Cli, WindowDotBlocksOnCodesKeepTheirWindowInMemoryMode) {
  TemporaryFolder out;
  const CommandResult plan = Modelc("compile " + kTestModels +
                                    "/window_dot_weight_blocks.onnxtxt --target thumbv8.1m.main-none-eabihf --cpu "
                                    "cortex-m55 --dump-plan --name d -o " + out.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  const char* piece =
      "'Conv_16' QLinearConv: window-dot, float requantisation\n      workspace window_codes @0, 80 bytes\n"
      "      constant bias_folded: %Conv_16.bias_folded int32[20]\n"
      "      constant weights_int8: %Conv_16.weights_int8 int8[1600]\n";
  EXPECT_NE(plan.output.find(piece), std::string::npos) << piece << "\n" << plan.output;
}

// A matrix product's DSP pairs in registers (memory mode, no workspace) unpack A's codes
// as they are where its zero point is one constant: its share comes off "bias_folded"
// (NodePlan::zero_point_in_bias). The pairs' window (speed mode) holds A less its zero
// point and keeps the node's bias. The op model's firmware checks compare the outputs.
TEST(Cli, DspPairsInRegistersFoldTheZeroPointIntoTheBias) {
  const std::string model =
      kTestModels + "/qlinear_matmul_pairs.onnxtxt --target thumbv7em-none-eabihf --cpu cortex-m4 --dump-plan --name d -o ";
  TemporaryFolder memory, speed;
  const CommandResult registers = Modelc("compile " + model + memory.path());
  ASSERT_EQ(registers.exit_code, 0) << registers.output;
  for (const char* gemm : {"Gemm_17", "Gemm_22"}) {
    const std::string piece = absl::StrCat("'", gemm, "' QLinearMatMul: dsp-pairs-registers, float requantisation\n",
                                           "      constant bias_folded: %", gemm, ".bias_folded int32[7]\n");
    EXPECT_NE(registers.output.find(piece), std::string::npos) << piece << "\n" << registers.output;
  }
  const CommandResult window = Modelc("compile " + model + speed.path() + " --optimize speed");
  ASSERT_EQ(window.exit_code, 0) << window.output;
  EXPECT_NE(window.output.find("'Gemm_17' QLinearMatMul: dsp-pairs, float requantisation\n"
                               "      workspace window_pairs @0, 24 bytes\n"),
            std::string::npos) << window.output;
  EXPECT_EQ(window.output.find("bias_folded"), std::string::npos) << window.output;
}

// The pairs in registers take a zero point computed at run time as it is (each 4 bytes
// less it, SSUB16; the bias as given, no "bias_folded"), and fold a constant one into a
// bias of their own where the product has none: the op models that check both paths'
// outputs on the firmware take them.
TEST(Cli, DspPairsInRegistersTakeARunTimeZeroPointAndFoldWithoutABias) {
  // Each op model's plan on the Cortex-M4 (memory mode), and the node's lines it must hold.
  const std::vector<std::pair<std::string, std::string>> plans = {
      {"qlinear_matmul_pairs_runtime_zero_point",
       "'Gemm_19' QLinearMatMul: dsp-pairs-registers, float requantisation\n"
       "      constant multipliers: %Gemm_19.multipliers float32[7]\n"},
      {"qlinear_matmul_pairs_no_bias",
       "'MatMul_12' QLinearMatMul: dsp-pairs-registers, float requantisation\n"
       "      constant bias_folded: %MatMul_12.bias_folded int32[6]\n"}};
  for (const auto& [model, lines] : plans) {
    TemporaryFolder out;
    const CommandResult plan = Modelc("compile " + kTestModels + "/" + model +
                                      ".onnxtxt --target thumbv7em-none-eabihf --cpu cortex-m4 --dump-plan --name d -o " +
                                      out.path());
    ASSERT_EQ(plan.exit_code, 0) << model << "\n" << plan.output;
    EXPECT_NE(plan.output.find(lines), std::string::npos) << model << "\n" << plan.output;
    // The run-time zero point's product keeps the bias as given.
    if (model.find("runtime") != std::string::npos) {
      EXPECT_EQ(plan.output.find("bias_folded"), std::string::npos) << plan.output;
    }
  }
}

// How many times `piece` occurs in `text`.
size_t Occurrences(const std::string& text, const std::string& piece) {
  size_t found = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++found;
  return found;
}

// Where memory comes first and int8 products are DSP pairs, a matrix product whose A is
// a model input's quantisation quantises it as it reads it (fuse-input-quantize-matmul):
// the op model's four products on the Cortex-M4, three with the pairs in registers (a
// constant zero point folded, with a bias or without; a run-time one kept) and one with
// its window of pairs. Not in speed mode, nor on the Cortex-M55 (Helium's row-dot reads
// the codes). The op model's firmware checks compare the outputs.
TEST(Cli, MatMulOnDspPairsQuantizesAModelInputAsItReadsIt) {
  const std::string model = kTestModels + "/qlinear_matmul_quantizing_pairs.onnxtxt --dump-ir --dump-plan --name q ";
  auto fused_products = [](const std::string& output) { return Occurrences(output, "fused_quantize_input=1"); };
  TemporaryFolder m4, speed, m55;
  const std::string m4_target = "--target thumbv7em-none-eabihf --cpu cortex-m4 ";
  const CommandResult memory = Modelc("compile " + model + m4_target + "-o " + m4.path());
  ASSERT_EQ(memory.exit_code, 0) << memory.output;
  EXPECT_EQ(fused_products(memory.output), 4u) << memory.output;
  for (const char* piece : {"'Gemm_14' QLinearMatMul: dsp-pairs-registers, float requantisation\n"
                            "      constant bias_folded: %Gemm_14.bias_folded int32[37]\n",
                            "'MatMul_28' QLinearMatMul: dsp-pairs-registers, float requantisation\n"
                            "      constant bias_folded: %MatMul_28.bias_folded int32[3]\n",
                            "'Gemm_48' QLinearMatMul: dsp-pairs-registers, float requantisation\n"
                            "      constant multipliers: %Gemm_48.multipliers float32[5]\n",
                            "'Gemm_65' QLinearMatMul: dsp-pairs, float requantisation\n"
                            "      workspace window_pairs @0, 24 bytes\n"}) {
    EXPECT_NE(memory.output.find(piece), std::string::npos) << piece << "\n" << memory.output;
  }
  const CommandResult fast = Modelc("compile " + model + m4_target + "--optimize speed -o " + speed.path());
  ASSERT_EQ(fast.exit_code, 0) << fast.output;
  EXPECT_EQ(fused_products(fast.output), 0u) << fast.output;
  const CommandResult helium =
      Modelc("compile " + model + "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + m55.path());
  ASSERT_EQ(helium.exit_code, 0) << helium.output;
  EXPECT_EQ(fused_products(helium.output), 0u) << helium.output;
  // Nor where x is not a model input: the qlinear_matmul_pairs models view theirs by a
  // Reshape, which keeps them on the pairs that read A's codes.
  for (const char* pairs : {"qlinear_matmul_pairs", "qlinear_matmul_pairs_int8", "qlinear_matmul_pairs_no_bias",
                            "qlinear_matmul_pairs_runtime_zero_point"}) {
    TemporaryFolder out;
    const CommandResult viewed = Modelc("compile " + kTestModels + "/" + pairs + ".onnxtxt --dump-ir --name p " +
                                        m4_target + "-o " + out.path());
    ASSERT_EQ(viewed.exit_code, 0) << pairs << "\n" << viewed.output;
    EXPECT_EQ(fused_products(viewed.output), 0u) << pairs << "\n" << viewed.output;
  }
  // Nor, undone by the driver, where the product gets no DSP pairs (one column: its
  // generic kernel would quantise each element once per column).
  TemporaryFolder inputs, single;
  const std::string one_column = WriteFile(inputs, "one_column.onnxtxt", R"(
<ir_version: 8, opset_import: ["" : 13]>
one_column (float[1,12] x) => (float[1,1] y) {
  s = Constant<value = float {0.02}>()
  z = Constant<value = int8 {-3}>()
  xq = QuantizeLinear(x, s, z)
  xd = DequantizeLinear(xq, s, z)
  w = Constant<value = int8[12,1] {5, -8, 26, 93, -38, 40, 31, -60, 19, 98, -15, 105}>()
  ws = Constant<value = float {0.004}>()
  wz = Constant<value = int8 {0}>()
  wd = DequantizeLinear(w, ws, wz)
  r = MatMul(xd, wd)
  ys = Constant<value = float {0.05}>()
  yz = Constant<value = int8 {1}>()
  yq = QuantizeLinear(r, ys, yz)
  y = DequantizeLinear(yq, ys, yz)
})");
  const CommandResult undone = Modelc("compile " + one_column + " --dump-ir-after fuse-input-quantize-matmul " +
                                      "--name o " + m4_target + "-o " + single.path());
  ASSERT_EQ(undone.exit_code, 0) << undone.output;
  const size_t undo = undone.output.find("# fuse-input-quantize undone");
  ASSERT_NE(undo, std::string::npos) << undone.output;
  EXPECT_EQ(fused_products(undone.output.substr(0, undo)), 1u) << undone.output;
  EXPECT_EQ(fused_products(undone.output.substr(undo)), 0u) << undone.output;
}

// A DequantizeLinear alone reading a matrix product's output with the output's own
// scale and zero point is fused into the product, which writes the floats
// (fuse-output-dequantize-matmul), in every mode and on every target: the op model's u,
// r and o; y, read back at another scale, keeps its DequantizeLinear. The op model's
// firmware and host checks compare the outputs.
TEST(Cli, MatMulWritesItsOutputDequantizedWhereOneDequantizeLinearReadsIt) {
  const std::string model = kTestModels + "/qlinear_matmul_quantizing_pairs.onnxtxt --dump-ir --name q ";
  for (const char* target : {"--target thumbv7em-none-eabihf --cpu cortex-m4 ",
                             "--target thumbv7em-none-eabihf --cpu cortex-m4 --optimize speed ",
                             "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 ", ""}) {
    TemporaryFolder out;
    const CommandResult result = Modelc("compile " + model + target + "-o " + out.path());
    ASSERT_EQ(result.exit_code, 0) << target << "\n" << result.output;
    EXPECT_EQ(Occurrences(result.output, "fused_dequantize_output=1"), 3u) << target << "\n" << result.output;
    EXPECT_EQ(Occurrences(result.output, "= DequantizeLinear(%yq, %yds, %yz)"), 1u) << target << "\n" << result.output;
  }
}

// DequantizeLinear -> BatchNormalization -> QuantizeLinear becomes QLinearChannelAffine,
// int8 to int8 in place (fuse-quantized-batchnorm): the op model's two, on the host and
// the Cortex-M4. Not where the normalisation's float output is also a model output, nor
// of int32 codes (the op takes 8-bit ones). The op model's checks compare the outputs.
TEST(Cli, QuantizedBatchNormalizationRunsOnCodesInPlace) {
  for (const char* target : {"", "--target thumbv7em-none-eabihf --cpu cortex-m4 "}) {
    TemporaryFolder out;
    const CommandResult result = Modelc("compile " + kTestModels + "/qlinear_batchnorm.onnxtxt --dump-ir --name b " +
                                        target + "-o " + out.path());
    ASSERT_EQ(result.exit_code, 0) << target << "\n" << result.output;
    EXPECT_EQ(Occurrences(result.output, "= modelc.QLinearChannelAffine("), 2u) << target << "\n" << result.output;
    EXPECT_EQ(Occurrences(result.output, "BatchNormalization("), 0u) << target << "\n" << result.output;
    const std::string report = ReadFileBytes(out.File("b.report.txt"));
    for (const char* in_place : {"(in the buffer of 'xq')", "(in the buffer of 'vq')"}) {
      EXPECT_NE(report.find(in_place), std::string::npos) << target << in_place << "\n" << report;
    }
  }
  TemporaryFolder inputs, out;
  const std::string kept = WriteFile(inputs, "kept.onnxtxt", R"(
<ir_version: 8, opset_import: ["" : 13]>
kept (int8[1,2,3] x, int32[1,2,3] a) => (float[1,2,3] n, int8[1,2,3] y, int8[1,2,3] z) {
  xs = Constant<value = float {0.5}>()
  xz = Constant<value = int8 {1}>()
  xd = DequantizeLinear(x, xs, xz)
  g = Constant<value = float[2] {1.5, -2}>()
  b = Constant<value = float[2] {0.25, 1}>()
  m = Constant<value = float[2] {0.1, -0.2}>()
  v = Constant<value = float[2] {0.9, 1.1}>()
  n = BatchNormalization(xd, g, b, m, v)
  ys = Constant<value = float {0.25}>()
  yz = Constant<value = int8 {-1}>()
  y = QuantizeLinear(n, ys, yz)
  as = Constant<value = float {0.001}>()
  ad = DequantizeLinear(a, as)
  an = BatchNormalization(ad, g, b, m, v)
  z = QuantizeLinear(an, ys, yz)
})");
  const CommandResult result = Modelc("compile " + kept + " --dump-ir --name k -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(Occurrences(result.output, "QLinearChannelAffine"), 0u) << result.output;
  EXPECT_EQ(Occurrences(result.output, "= BatchNormalization("), 2u) << result.output;
}

// On Arm's DSP extension without vector lanes the direct kernel's pixel pairs run to the
// image's borders at stride 1 across (DirectKernelPairsAtBorders: words read inside their
// rows and shifted, the zero point's code outside), not at stride 2 across nor under
// --optimize size (no pairs there). The op models' firmware checks compare their outputs.
TEST(Cli, DirectPixelPairsOnDspRunToTheBordersAtStrideOne) {
  TemporaryFolder m4, size, pairs;
  const std::string m4_target = " --target thumbv7em-none-eabihf --cpu cortex-m4 --dump-plan --name d -o ";
  const CommandResult borders =
      Modelc("compile " + kTestModels + "/direct_pairs_at_borders.onnxtxt" + m4_target + m4.path());
  ASSERT_EQ(borders.exit_code, 0) << borders.output;
  // No pixel runs alone there, so none runs its interior unrolled.
  for (const char* piece : {"'Conv_15' QLinearConv: direct (channel block 1, pixels 2), float requantisation, pairs "
                            "to the borders\n",
                            "'Conv_31' QLinearConv: direct (channel block 1, pixels 2), float requantisation, writes "
                            "over its consumed input, pairs to the borders\n",
                            "'Conv_51' QLinearConv: direct (channel block 4, pixels 2), float requantisation, pairs "
                            "to the borders\n",
                            "'ConvInteger_64' ConvInteger: direct (channel block 1, pixels 2), pairs to the borders\n",
                            "'Conv_82' QLinearConv: direct (channel block 1, pixels 2), float requantisation, pairs "
                            "to the borders\n"}) {
    EXPECT_NE(borders.output.find(piece), std::string::npos) << piece << "\n" << borders.output;
  }
  // Conv_82's sum with its input is fused into it (its addend read per pixel stored).
  EXPECT_EQ(borders.output.find("QLinearAdd"), std::string::npos) << borders.output;
  const CommandResult smallest = Modelc("compile " + kTestModels + "/direct_pairs_at_borders.onnxtxt --optimize size" +
                                        m4_target + size.path());
  ASSERT_EQ(smallest.exit_code, 0) << smallest.output;
  EXPECT_EQ(smallest.output.find("pixels 2"), std::string::npos) << smallest.output;
  EXPECT_EQ(smallest.output.find("pairs to the borders"), std::string::npos) << smallest.output;
  // direct_pixel_pairs: the grouped convolution at stride 1 to the borders; the two at
  // stride 2 across pair only the pixels whose windows lie inside, the others alone.
  const CommandResult mixed =
      Modelc("compile " + kTestModels + "/direct_pixel_pairs.onnxtxt" + m4_target + pairs.path());
  ASSERT_EQ(mixed.exit_code, 0) << mixed.output;
  const size_t first = mixed.output.find("pairs to the borders");
  ASSERT_NE(first, std::string::npos) << mixed.output;
  EXPECT_EQ(mixed.output.find("pairs to the borders", first + 1), std::string::npos) << mixed.output;
  EXPECT_NE(mixed.output.find("'ConvInteger_12' ConvInteger: direct (channel block 1, pixels 2), interior unrolled\n"),
            std::string::npos) << mixed.output;
}

// Depthwise int8 convolutions on a Cortex-M55 in memory mode run on the direct kernel
// four pixels of a row at a time (no workspace, writing over their inputs as before)
// unless, at stride 1, a padded copy of one plane fits within the activation bound
// (plane rows, writing over their inputs too); so does a convolution whose window-dot
// window would lift the arena (and is too large to gather into registers); its products
// are VMLAs of a row's codes, masked loads where a lane's tap is padding, and its
// fixed-point requantisation VQRDMULH (TFLite's DS-CNN, whose rows of 5 run lanes
// across rows). Not on a Cortex-M4 nor under --optimize size. Outputs: the op models
// direct_row_lanes (and with plane rows' layers forced workspace-free) and
// direct_lanes_across_rows, and the int8 networks' firmware checks (Cortex-M55).
TEST(Cli, DepthwiseInt8OnHeliumTakesRowsFourPixelsAtATime) {
  const std::string model = kTestModels + "/direct_row_lanes.onnxtxt --dump-plan --name d";
  TemporaryFolder m55, size, m4, kws;
  const CommandResult helium =
      Modelc("compile " + model + " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + m55.path());
  ASSERT_EQ(helium.exit_code, 0) << helium.output;
  for (const char* piece : {"'Conv_11' QLinearConv: direct (lanes 4, channel block 1), float requantisation, writes over its consumed input\n",
                            "'Conv_20' QLinearConv: direct (lanes 4, channel block 1)",
                            // Its 2x3 windows on rows of 12 lie within 15 codes: window dots.
                            "'Conv_29' QLinearConv: direct (lanes 4, channel block 1), float requantisation, window "
                            "dots, writes over its consumed input\n",
                            "'Conv_38' QLinearConv: direct (lanes 4, channel block 1)"}) {
    EXPECT_NE(helium.output.find(piece), std::string::npos) << piece << "\n" << helium.output;
  }
  // The plan's only workspace is the window dots' copy of one plane (5x12 and the 16
  // codes the last window's load reaches, one past the plane).
  EXPECT_NE(helium.output.find("workspace plane_codes @0, 61 bytes"), std::string::npos) << helium.output;
  EXPECT_GT(helium.output.find("workspace"), helium.output.find("'Conv_29'")) << helium.output;
  EXPECT_EQ(helium.output.find("workspace", helium.output.find("'Conv_38'")), std::string::npos) << helium.output;
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d " + m55.File("d.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_NE(disassembly.output.find("vldrbt.s32"), std::string::npos) << disassembly.output;
  EXPECT_NE(disassembly.output.find("vmla.i32"), std::string::npos) << disassembly.output;
  EXPECT_NE(disassembly.output.find("vmovlb.u16"), std::string::npos) << disassembly.output;  // Conv_38: stride 2
  for (const std::string& other : {std::string(" --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 --optimize size -o ") + size.path(),
                                   std::string(" --target thumbv7em-none-eabihf --cpu cortex-m4 -o ") + m4.path()}) {
    const CommandResult result = Modelc("compile " + model + other);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.find("lanes 4"), std::string::npos) << result.output;
  }
  // A grouped convolution whose window buffer would lift the arena: gathered by halfword
  // offsets; forced workspace-free, two output channels for three vectors of pixels at
  // a time (op model direct_row_lanes_grouped, its firmware checks; the loop of such
  // steps in direct_row_lanes_vectors).
  TemporaryFolder grouped;
  const std::string grouped_model = "compile " + kTestModels + "/direct_row_lanes_grouped.onnxtxt --dump-plan "
                                    "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + grouped.path();
  const CommandResult gathers = Modelc(grouped_model);
  ASSERT_EQ(gathers.exit_code, 0) << gathers.output;
  EXPECT_NE(gathers.output.find("'Conv_15' QLinearConv: window-dot, float requantisation, reads its input in place "
                                "by halfword gathers\n"),
            std::string::npos) << gathers.output;
  const CommandResult blocks = Modelc(grouped_model + " --kernel Conv_15=workspace-free");
  ASSERT_EQ(blocks.exit_code, 0) << blocks.output;
  EXPECT_NE(blocks.output.find("'Conv_15' QLinearConv: direct (lanes 4, vectors 3, channel block 2), float "
                                "requantisation\n"),
            std::string::npos) << blocks.output;
  // The other admitted shapes (op model direct_row_lanes_shapes): a channel multiplier of
  // 2, kernels 1x5 (stride 2 across), 5x1 and 1x9 (on rows of 10: two vectors or more, not
  // across rows), a grouped 1x4 on rows of three vectors (one step of three);
  // under --optimize speed the stride-2-across one, which plane rows do not take. (The
  // 1x5 and 1x9 ones take window dots: their windows lie within 16 codes.)
  const std::string shapes = kTestModels + "/direct_row_lanes_shapes.onnxtxt --dump-plan --target "
                             "thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o ";
  TemporaryFolder shapes_memory, shapes_speed;
  const CommandResult memory = Modelc("compile " + shapes + shapes_memory.path());
  ASSERT_EQ(memory.exit_code, 0) << memory.output;
  for (const char* piece : {"'Conv_15' QLinearConv: direct (lanes 4, channel block 2)",
                            "'Conv_24' QLinearConv: direct (lanes 4, channel block 1)",
                            "'Conv_37' QLinearConv: plane-rows",
                            "'Conv_50' QLinearConv: direct (lanes 4, vectors 3, channel block 2)",
                            "'Conv_24' QLinearConv: direct (lanes 4, channel block 1), float requantisation, "
                            "window dots",
                            "'Conv_59' QLinearConv: direct (lanes 4, channel block 1), float requantisation, "
                            "window dots, writes over its consumed input\n"}) {
    EXPECT_NE(memory.output.find(piece), std::string::npos) << piece << "\n" << memory.output;
  }
  // Speed mode's too where the row lanes run: not the DSP pairs (the channel
  // multiplier of 2, the grouped 1x4), not plane rows at stride 2 across.
  const CommandResult speed = Modelc("compile " + shapes + shapes_speed.path() + " --optimize speed");
  ASSERT_EQ(speed.exit_code, 0) << speed.output;
  for (const char* piece : {"'Conv_15' QLinearConv: direct (lanes 4, channel block 2)",
                            "'Conv_24' QLinearConv: direct (lanes 4, channel block 1)",
                            "'Conv_50' QLinearConv: direct (lanes 4, vectors 3, channel block 2)"}) {
    EXPECT_NE(speed.output.find(piece), std::string::npos) << piece << "\n" << speed.output;
  }
  // TFLite's MobileNet in memory mode as in speed mode: plane rows for the stride-1
  // depthwise layers whose windows span more than 16 codes (the 48x48 one's padded plane
  // of 5 KB below the activation bound), the row lanes at stride 2 on planes of 12 or
  // more; window dots for its 6x6 planes (at stride 1 and 2) and its 3x3 one. Its
  // DS-CNN's rows of 5 take window dots in every mode (op models direct_window_dots,
  // direct_lanes_across_rows).
  for (const char* optimize : {"memory", "speed"}) {
    TemporaryFolder folder, kws_plan;
    auto plan_of = [&](const char* model, const TemporaryFolder& out) {
      return Modelc("compile " + std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/" + model + " --dump-plan --target "
                    "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --optimize " + optimize + " -o " + out.path());
    };
    const CommandResult vww = plan_of("mobilenet_v1_025_vww.tflite", folder);
    ASSERT_EQ(vww.exit_code, 0) << vww.output;
    EXPECT_NE(vww.output.find("'DEPTHWISE_CONV_2D_1/conv' QLinearConv: plane-rows"), std::string::npos) << vww.output;
    EXPECT_NE(vww.output.find("'DEPTHWISE_CONV_2D_3/conv' QLinearConv: direct (lanes 4"), std::string::npos)
        << vww.output;
    EXPECT_NE(vww.output.find("'DEPTHWISE_CONV_2D_9/conv' QLinearConv: plane-rows"), std::string::npos) << vww.output;
    for (const char* layer : {"13", "23", "25"}) {  // 6x6, 6x6 at stride 2, 3x3
      EXPECT_NE(vww.output.find(std::string("'DEPTHWISE_CONV_2D_") + layer + "/conv' QLinearConv: direct (lanes 4, "
                                "channel block 1), fixed-point-tflite requantisation (accumulators below 2^30), "
                                "window dots"),
                std::string::npos) << layer << "\n" << vww.output;
    }
    EXPECT_EQ(vww.output.find("lanes across rows"), std::string::npos) << vww.output;
    // Where memory comes first lanes across rows, which write over their inputs 64
    // bytes ahead: window dots' copy of a plane (140 bytes) would lift the arena above
    // the activation bound (the plan's refinement, driver/memory_first.h).
    const CommandResult kws_layers = plan_of("ds_cnn_kws.tflite", kws_plan);
    ASSERT_EQ(kws_layers.exit_code, 0) << kws_layers.output;
    const bool memory = std::string(optimize) == "memory";
    for (const char* layer : {"1", "3", "5", "7"}) {
      EXPECT_NE(kws_layers.output.find(std::string("'DEPTHWISE_CONV_2D_") + layer + "/conv' QLinearConv: direct (lanes 4, "
                                       "channel block 1), fixed-point-tflite requantisation (accumulators below 2^30), " +
                                       (memory ? "lanes across rows" : "window dots")),
                std::string::npos) << layer << "\n" << kws_layers.output;
    }
  }
  // The op model lanes_across_rows_periods' layers that window dots do not take: windows
  // spanning more than 16 codes (planes 7 wide), kernel rows wider than the plane's (3x3
  // on rows of 2), fewer than 5 taps (1x2); in every mode but size, writing over their
  // inputs where memory comes first (its 14x6 layer and those of direct_lanes_across_rows
  // take window dots).
  for (const char* optimize : {"memory", "balanced", "speed", "size"}) {
    TemporaryFolder folder;
    const CommandResult across = Modelc("compile " + kTestModels + "/lanes_across_rows_periods.onnxtxt --dump-plan "
                                        "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 --optimize " +
                                        optimize + " -o " + folder.path());
    ASSERT_EQ(across.exit_code, 0) << across.output;
    const bool size = std::string(optimize) == "size", speed = std::string(optimize) == "speed";
    for (const char* layer : {"'Conv_11'", "'Conv_27'", "'Conv_43'"}) {
      const std::string plan = std::string(layer) + " QLinearConv: direct (" + (size ? "" : "lanes 4, ") +
                               "channel block 1), float requantisation" + (size ? "" : ", lanes across rows") +
                               (speed ? "\n" : ", writes over its consumed input\n");
      EXPECT_NE(across.output.find(plan), std::string::npos) << plan << "\n" << across.output;
    }
  }
  ASSERT_EQ(Modelc("compile " + std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/ds_cnn_kws.tflite --target "
                   "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --name k -o " + kws.path()).exit_code, 0);
  const CommandResult kws_code = RunCommand("llvm-objdump-19 -d " + kws.File("k.o"));
  ASSERT_EQ(kws_code.exit_code, 0) << kws_code.output;
  EXPECT_NE(kws_code.output.find("vqrdmulh.s32"), std::string::npos) << kws_code.output;
  // Its window-dot layers store each block of 4 output channels (planes apart) by one
  // scatter store, a vector of offsets.
  EXPECT_TRUE(std::regex_search(kws_code.output, std::regex(R"(vstrb\.32\s+q[0-7], \[r[0-9]+, q[0-7]\])")))
      << kws_code.output;
}

// On a Cortex-M55 a depthwise layer of int8 codes whose every window lies within 16
// consecutive codes of its plane takes window dots (NodePlan::window_dots) in every mode
// but size: each channel's plane copied into "plane_codes" between margins of the zero
// point's code, each window one load of 16 codes there and one VMLAV.S8 against the
// channel's weights gathered into those lanes, the weights of taps outside a column's
// rows zeroed by VAND and summed by VADDV for its start; uint8 codes made int8 as they
// are copied (op model direct_lanes_across_rows' 13x6 layer). Not on a Cortex-M4.
// Outputs: the op models direct_window_dots, direct_lanes_across_rows and
// lanes_across_rows_periods as firmware, and the int8 networks' and TFLite models'
// firmware checks (Cortex-M55).
TEST(Cli, DepthwiseInt8OnHeliumDotsEachWindowAtOnce) {
  const std::string model = kTestModels + "/direct_window_dots.onnxtxt --dump-plan --name d";
  for (const char* optimize : {"memory", "balanced", "speed", "size"}) {
    TemporaryFolder folder;
    const CommandResult helium = Modelc("compile " + model + " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 "
                                        "--optimize " + optimize + " -o " + folder.path());
    ASSERT_EQ(helium.exit_code, 0) << helium.output;
    const bool size = std::string(optimize) == "size", speed = std::string(optimize) == "speed";
    // Where memory comes first each writes exactly over its input (no lead: the plane
    // is copied first), also at stride 2; the fused sum's (Conv_135) over its addend.
    for (const char* layer : {"'Conv_15'", "'Conv_31'", "'Conv_51'", "'Conv_71'", "'Conv_87'", "'Conv_103'",
                              "'Conv_119'", "'Conv_135'", "'Conv_156'"}) {
      const std::string plan = std::string(layer) + " QLinearConv: direct (" + (size ? "" : "lanes 4, ") +
                               "channel block 1), float requantisation" + (size ? "" : ", window dots") +
                               (speed ? "\n" : ", writes over its consumed input\n");
      EXPECT_NE(helium.output.find(plan), std::string::npos) << plan << "\n" << helium.output;
    }
    if (size) continue;
    // 6x6 padded: 7 codes of margin before (a row and a column), 8 after.
    EXPECT_NE(helium.output.find("workspace plane_codes @0, 51 bytes"), std::string::npos) << helium.output;
    const CommandResult code = RunCommand("llvm-objdump-19 -d " + folder.File("d.o"));
    ASSERT_EQ(code.exit_code, 0) << code.output;
    for (const char* instruction : {"vmlav.s8", "vand", "vaddv.s8"}) {
      EXPECT_NE(code.output.find(instruction), std::string::npos) << instruction << "\n" << code.output;
    }
  }
  TemporaryFolder codes;
  const CommandResult uint8 = Modelc("compile " + kTestModels + "/direct_lanes_across_rows.onnxtxt --dump-plan "
                                     "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + codes.path());
  ASSERT_EQ(uint8.exit_code, 0) << uint8.output;
  for (const char* layer : {"'Conv_15'", "'Conv_31'"}) {  // 17x5 int8 with a bias, 13x6 uint8
    const std::string plan = std::string(layer) + " QLinearConv: direct (lanes 4, channel block 1), float "
                             "requantisation, window dots, writes over its consumed input\n";
    EXPECT_NE(uint8.output.find(plan), std::string::npos) << plan << "\n" << uint8.output;
  }
  EXPECT_NE(uint8.output.find("'Conv_48' QLinearConv: direct (lanes 4, channel block 1), float requantisation, window "
                              "dots\n"),  // 20x3 with a fused sum
            std::string::npos) << uint8.output;
  TemporaryFolder periods;
  const CommandResult wide = Modelc("compile " + kTestModels + "/lanes_across_rows_periods.onnxtxt --dump-plan "
                                    "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + periods.path());
  ASSERT_EQ(wide.exit_code, 0) << wide.output;
  EXPECT_NE(wide.output.find("'Conv_59' QLinearConv: direct (lanes 4, channel block 1), float requantisation, window "
                             "dots, writes over its consumed input\n"),  // 14x6 uint8
            std::string::npos) << wide.output;
  TemporaryFolder m4;
  const CommandResult dsp = Modelc("compile " + model + " --target thumbv7em-none-eabihf --cpu cortex-m4 -o " + m4.path());
  ASSERT_EQ(dsp.exit_code, 0) << dsp.output;
  EXPECT_EQ(dsp.output.find("window dots"), std::string::npos) << dsp.output;
}

// On a Cortex-M55, window-dot gathers a window whose every tap lies at most 255 bytes
// past its corner straight into vector registers: no "window_codes" workspace, a
// predicated byte gather (VLDRB.U8 with a vector of offsets) per 16 taps, lane masks per
// output row and column as a prepared constant. So memory mode takes window-dot for
// the TFLite DS-CNN's 10x4 first layer (the direct kernel before: the window would have
// lifted the arena) at the same scratch. Taps up to 65,535 bytes apart are gathered by
// two VLDRB.U16 gathers of halfword offsets per 16 taps, joined by VSLI.16: the DS-CNN's
// pointwise layers of 32 planar channels (no window buffer: 16 bytes less scratch).
// Outputs: the op models window_dot_gathered (two images, dilation, uint8 codes, 3
// vectors, two groups) and window_dot_halfword_gathers, and the TFLite int8 models'
// firmware checks (channels-last inputs).
TEST(Cli, WindowDotOnHeliumGathersSmallWindowsIntoRegisters) {
  const std::string model = kTestModels + "/window_dot_gathered.onnxtxt --dump-plan --name g";
  TemporaryFolder m55, kws;
  const CommandResult helium =
      Modelc("compile " + model + " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + m55.path());
  ASSERT_EQ(helium.exit_code, 0) << helium.output;
  for (const char* piece : {"'Conv_15' QLinearConv: window-dot, float requantisation, reads its input in place\n",
                            "constant gather_masks: %Conv_15.gather_masks int16[34]\n",  // (5 rows + 12 columns) x 2
                            "'Conv_31' QLinearConv: window-dot, float requantisation, reads its input in place\n",
                            "constant gather_masks: %Conv_31.gather_masks int16[36]\n",  // (7 + 5) x 3
                            "'Conv_47' QLinearConv: window-dot, float requantisation, reads its input in place\n"}) {
    EXPECT_NE(helium.output.find(piece), std::string::npos) << piece << "\n" << helium.output;
  }
  EXPECT_EQ(helium.output.find("workspace"), std::string::npos) << helium.output;
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d " + m55.File("g.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_TRUE(std::regex_search(disassembly.output, std::regex(R"(vldrbt\.u8\s+q[0-7], \[r[0-9]+, q[0-7]\])")))
      << disassembly.output;
  const CommandResult tflite = Modelc("compile " + std::string(MODELC_TFLITE_DIR) +
                                      "/../tflite_int8/ds_cnn_kws.tflite --dump-plan --target "
                                      "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --name k -o " + kws.path());
  ASSERT_EQ(tflite.exit_code, 0) << tflite.output;
  EXPECT_NE(tflite.output.find("'CONV_2D_0/conv' QLinearConv: window-dot, fixed-point-tflite requantisation "
                               "(accumulators below 2^30), reads its input in place\n"),
            std::string::npos) << tflite.output;
  const std::string report = ReadFileBytes(kws.File("k.report.txt"));
  EXPECT_NE(tflite.output.find("'CONV_2D_2/conv' QLinearConv: window-dot, fixed-point-tflite requantisation "
                               "(accumulators below 2^30), reads its input in place by halfword gathers, writes over "
                               "its consumed input\n"),
            std::string::npos) << tflite.output;
  EXPECT_NE(report.find("scratch:      4064 bytes"), std::string::npos) << report;
  TemporaryFolder halfwords;
  const CommandResult far = Modelc("compile " + kTestModels + "/window_dot_halfword_gathers.onnxtxt --dump-plan "
                                   "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 --name h -o " +
                                   halfwords.path());
  ASSERT_EQ(far.exit_code, 0) << far.output;
  for (const char* piece : {"'Conv_15' QLinearConv: window-dot, float requantisation, reads its input in place by "
                            "halfword gathers\n",
                            "'Conv_31' QLinearConv: window-dot, float requantisation, reads its input in place by "
                            "halfword gathers\n",
                            "'Conv_47' QLinearConv: window-dot, float requantisation, reads its input in place by "
                            "halfword gathers, writes over its consumed input\n"}) {
    EXPECT_NE(far.output.find(piece), std::string::npos) << piece << "\n" << far.output;
  }
  EXPECT_EQ(far.output.find("window_codes"), std::string::npos) << far.output;
  const CommandResult far_code = RunCommand("llvm-objdump-19 -d " + halfwords.File("h.o"));
  ASSERT_EQ(far_code.exit_code, 0) << far_code.output;
  EXPECT_TRUE(std::regex_search(far_code.output, std::regex(R"(vldrbt\.u16\s+q[0-7], \[r[0-9]+, q[0-7]\])")))
      << far_code.output;
  EXPECT_NE(far_code.output.find("vsli.16"), std::string::npos) << far_code.output;
}

// On a Cortex-M55, window-dot reads a planar input of whole runs of 16 channels in
// place, run by run (two VLDRB.U16 gathers a plane apart joined by VSLI per kernel
// position): memory mode, where a window buffer would lift the arena above the
// activation bound, takes it for the TFLite ResNet-8's 3x3 layers beside its two 16 KB
// tensors (the direct kernel before), and every mode where it is faster than the copy
// (one run, at most 8 blocks of output channels); the 64-channel layers keep their
// copies (by runs too: WindowDotOnHeliumCopiesWindowsByChannelRuns). Outputs: the op
// model window_dot_channel_runs (also forced workspace-free) and the ResNet-8s' firmware
// checks.
TEST(Cli, WindowDotOnHeliumReadsChannelRunsInPlace) {
  const std::string model = std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/resnet8.tflite --dump-plan --name r "
                            "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55";
  const std::string runs = ", reads its input in place by channel runs\n";
  TemporaryFolder memory, balanced;
  const CommandResult planned = Modelc("compile " + model + " -o " + memory.path());
  ASSERT_EQ(planned.exit_code, 0) << planned.output;
  auto planned_by_runs = [&](const std::string& plan, const std::string& node) {
    return std::regex_search(plan, std::regex("'" + node + "' QLinearConv: window-dot[^\\n]*" + runs));
  };
  for (const char* node : {"CONV_2D_1/conv", "CONV_2D_2/conv", "CONV_2D_5/conv"}) {
    EXPECT_TRUE(planned_by_runs(planned.output, node)) << node << "\n" << planned.output;
  }
  EXPECT_EQ(planned.output.find("QLinearConv: direct"), std::string::npos) << planned.output;
  EXPECT_NE(ReadFileBytes(memory.File("r.report.txt")).find("scratch:      32768 bytes"), std::string::npos);
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d " + memory.File("r.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_TRUE(std::regex_search(disassembly.output, std::regex(R"(vldrb\.u16\s+q[0-7], \[r[0-9]+, q[0-7]\])")))
      << disassembly.output;
  EXPECT_NE(disassembly.output.find("vsli.16"), std::string::npos) << disassembly.output;
  const CommandResult faster = Modelc("compile " + model + " --optimize balanced -o " + balanced.path());
  ASSERT_EQ(faster.exit_code, 0) << faster.output;
  EXPECT_TRUE(planned_by_runs(faster.output, "CONV_2D_1/conv")) << faster.output;
  EXPECT_TRUE(std::regex_search(faster.output, std::regex("'CONV_2D_9/conv' QLinearConv: window-dot[^\\n]*\n"
                                                          "      workspace window_codes @0, 576 bytes")))
      << faster.output;
  TemporaryFolder forced;
  const CommandResult op = Modelc("compile " + kTestModels + "/window_dot_channel_runs.onnxtxt --dump-plan --target "
                                  "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --kernel Conv_15=workspace-free -o " +
                                  forced.path());
  ASSERT_EQ(op.exit_code, 0) << op.output;
  for (const char* node : {"Conv_15", "Conv_31", "Conv_47"}) {
    EXPECT_TRUE(planned_by_runs(op.output, node)) << node << "\n" << op.output;
  }
}

// On a Cortex-M55, where window-dot copies the window of a planar input of whole runs
// of 16 channels into its workspace (faster than the runs: more of them or more output
// channels; memory mode within the bound), each run at a kernel position is gathered as
// the runs read it in place and stored by one VSTRB.8 scatter, not code by code.
// Outputs: the op models window_dot_copied_runs (uint8 codes, two groups of two runs,
// border windows on every side; a pointwise layer over 64 channels) and
// window_dot_copy_positions, and the ResNet-8s' firmware checks.
TEST(Cli, WindowDotOnHeliumCopiesWindowsByChannelRuns) {
  TemporaryFolder m55, resnet;
  const CommandResult op = Modelc("compile " + kTestModels + "/window_dot_copied_runs.onnxtxt --dump-plan --name c "
                                  "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + m55.path());
  ASSERT_EQ(op.exit_code, 0) << op.output;
  const std::string copies = " QLinearConv: window-dot, float requantisation, copies its windows by channel runs\n";
  EXPECT_NE(op.output.find("'Conv_15'" + copies), std::string::npos) << op.output;
  // (The pointwise layer two pixels a tile: WindowDotOnHeliumTilesTwoPixelsOfAPointwiseLayer.)
  EXPECT_NE(op.output.find("'Conv_31' QLinearConv: window-dot (pixels 2), float requantisation, copies its windows by "
                           "channel runs\n"),
            std::string::npos) << op.output;
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d " + m55.File("c.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_TRUE(std::regex_search(disassembly.output, std::regex(R"(vstrb\.8\s+q[0-7], \[r[0-9]+, q[0-7]\])")))
      << disassembly.output;
  const CommandResult resnet8 = Modelc("compile " + std::string(MODELC_TFLITE_DIR) +
                                       "/../tflite_int8/resnet8.tflite --dump-plan --name r --target "
                                       "thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + resnet.path());
  ASSERT_EQ(resnet8.exit_code, 0) << resnet8.output;
  EXPECT_TRUE(std::regex_search(resnet8.output, std::regex("'CONV_2D_9/conv' QLinearConv: window-dot[^\\n]*, copies "
                                                            "its windows by channel runs\n")))
      << resnet8.output;
  // The limit: a run's slots within 255 bytes, at most 17 kernel positions (the op model
  // window_dot_copy_positions: a 4x4 kernel by runs, a 5x5 one code by code).
  TemporaryFolder positions;
  const CommandResult limit = Modelc("compile " + kTestModels + "/window_dot_copy_positions.onnxtxt --dump-plan "
                                     "--target thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o " + positions.path());
  ASSERT_EQ(limit.exit_code, 0) << limit.output;
  EXPECT_NE(limit.output.find("'Conv_11'" + copies), std::string::npos) << limit.output;
  EXPECT_NE(limit.output.find("'Conv_18' QLinearConv: window-dot, float requantisation\n      workspace window_codes"),
            std::string::npos) << limit.output;
}

// On a Cortex-M55 a pointwise layer whose windows window-dot copies by channel runs takes
// two pixels of the plane a tile (NodePlan::tiles.pixels, their windows side by side in
// "window_codes"), each block's weights loaded once for both; 64 channels (4 steps of
// 16 codes) make the block one inline assembly statement, each 16 weights one VLDRW at
// an immediate offset and two VMLAV.S8, one a pixel. Where the second window would lift the
// arena above the activation bound, one window (the refinement narrows it,
// NodePlan::HasNarrowerWorkspace), speed mode keeping two; none under --optimize size.
// Outputs: the op model window_dot_pixel_tiles (odd planes, blocks of 4 and 1 output
// channels, 64, 80 and 128 channels, uint8 codes, a fused sum, two groups of two images;
// a layer at the peak), and the int8 DS-CNN and MobileNet against ONNX Runtime on the M55.
TEST(Cli, WindowDotOnHeliumTilesTwoPixelsOfAPointwiseLayer) {
  const std::string model = kTestModels + "/window_dot_pixel_tiles.onnxtxt --dump-plan --name t --target "
                            "thumbv8.1m.main-none-eabihf --cpu cortex-m55 -o ";
  TemporaryFolder memory, balanced, speed, size;
  const std::string tiled = " QLinearConv: window-dot (pixels 2), float requantisation, copies its windows by channel "
                            "runs, writes over its consumed input\n      workspace window_codes @0, ";
  for (const char* mode : {"memory", "balanced"}) {
    TemporaryFolder& out = std::string(mode) == "memory" ? memory : balanced;
    const CommandResult tiles = Modelc("compile " + model + out.path() + " --optimize " + mode);
    ASSERT_EQ(tiles.exit_code, 0) << tiles.output;
    for (const std::string& piece :
         {"'Conv_15'" + tiled + "128 bytes\n", "'Conv_31'" + tiled + "256 bytes\n", "'Conv_51'" + tiled + "160 bytes\n",
          std::string("'Conv_81' QLinearConv: window-dot, float requantisation, copies its windows by channel runs, "
                      "writes over its consumed input\n      workspace window_codes @0, 64 bytes\n"),
          std::string("'Conv_97' QLinearConv: window-dot (pixels 2), float requantisation, copies its windows by "
                      "channel runs\n      workspace window_codes @0, 128 bytes\n")}) {
      EXPECT_NE(tiles.output.find(piece), std::string::npos) << mode << ": " << piece << "\n" << tiles.output;
    }
    EXPECT_EQ(tiles.output.find("QLinearAdd"), std::string::npos) << tiles.output;  // z's sum fused into Conv_51
  }
  const CommandResult disassembly = RunCommand("llvm-objdump-19 -d --mattr=+mve " + balanced.File("t.o"));
  ASSERT_EQ(disassembly.exit_code, 0) << disassembly.output;
  EXPECT_TRUE(std::regex_search(disassembly.output,
                                std::regex(R"(vldrw\.u32\s+q3, \[r[0-9]+, #48\]\n[^\n]*vmlav\.s8\s+\w+, q0, q3\n)"
                                           R"([^\n]*vmlav\.s8\s+\w+, q1, q3\n)")))
      << disassembly.output;
  const CommandResult fastest = Modelc("compile " + model + speed.path() + " --optimize speed");
  ASSERT_EQ(fastest.exit_code, 0) << fastest.output;
  EXPECT_NE(fastest.output.find("'Conv_81' QLinearConv: window-dot (pixels 2), float requantisation, copies its "
                                "windows by channel runs\n      workspace window_codes @0, 128 bytes\n"),
            std::string::npos) << fastest.output;
  const CommandResult smallest = Modelc("compile " + model + size.path() + " --optimize size");
  ASSERT_EQ(smallest.exit_code, 0) << smallest.output;
  EXPECT_EQ(smallest.output.find("(pixels 2)"), std::string::npos) << smallest.output;
}

// On Arm's DSP extension without vector lanes (Cortex-M4) the direct kernel reads a
// kernel 4 wide a row at a time as one word of 4 codes (memory mode's kernels where a
// window buffer would lift the arena: the TFLite DS-CNN's 10x4 first layer, whose
// channels-last input of one channel is stored as a planar one); the words are
// centred by SSUB16 and multiplied by SMLAD. Not under --optimize size, nor on the
// Cortex-M55 (its window-dot gathers the window instead). Outputs: the op models
// direct_word_rows and direct_word_rows_uint8 and the DS-CNN firmware checks.
TEST(Cli, DirectKernelOnDspCoresReadsRowsOfFourAsWords) {
  TemporaryFolder m4, size, kws;
  const std::string model = kTestModels + "/direct_word_rows.onnxtxt --dump-plan --name w";
  const CommandResult dsp = Modelc("compile " + model + " --target thumbv7em-none-eabihf --cpu cortex-m4 -o " + m4.path());
  ASSERT_EQ(dsp.exit_code, 0) << dsp.output;
  EXPECT_NE(dsp.output.find("'Conv_15' QLinearConv: direct (channel block 4), float requantisation, word rows\n"),
            std::string::npos) << dsp.output;
  const CommandResult code = RunCommand("llvm-objdump-19 -d " + m4.File("w.o"));
  ASSERT_EQ(code.exit_code, 0) << code.output;
  EXPECT_NE(code.output.find("ssub16"), std::string::npos) << code.output;
  EXPECT_NE(code.output.find("smlad"), std::string::npos) << code.output;
  TemporaryFolder m4_uint8;
  const CommandResult uint8_codes = Modelc("compile " + kTestModels + "/direct_word_rows_uint8.onnxtxt --dump-plan "
                                           "--target thumbv7em-none-eabihf --cpu cortex-m4 -o " + m4_uint8.path());
  ASSERT_EQ(uint8_codes.exit_code, 0) << uint8_codes.output;
  EXPECT_NE(uint8_codes.output.find("'ConvInteger_8' ConvInteger: direct (channel block 1), word rows\n"),
            std::string::npos) << uint8_codes.output;
  const CommandResult small =
      Modelc("compile " + model + " --target thumbv7em-none-eabihf --cpu cortex-m4 --optimize size -o " + size.path());
  ASSERT_EQ(small.exit_code, 0) << small.output;
  EXPECT_EQ(small.output.find("word rows"), std::string::npos) << small.output;
  const CommandResult tflite = Modelc("compile " + std::string(MODELC_TFLITE_DIR) +
                                      "/../tflite_int8/ds_cnn_kws.tflite --dump-plan --target thumbv7em-none-eabihf "
                                      "--cpu cortex-m4 --name k -o " + kws.path());
  ASSERT_EQ(tflite.exit_code, 0) << tflite.output;
  EXPECT_NE(tflite.output.find("'CONV_2D_0/conv' QLinearConv: direct (channel block 4), fixed-point-tflite "
                               "requantisation (accumulators below 2^30), word rows\n"),
            std::string::npos) << tflite.output;
}

// On a microcontroller the default is --optimize memory: no kernel workspace lifts the
// arena above the activation bound (here a padded convolution whose padded copy would);
// --optimize speed keeps the copy, and the report says how far above the bound it is.
TEST(Cli, MemoryFirstOnMicrocontrollersKeepsScratchAtTheBound) {
  const std::string model = kTestModels + "/conv_chain_padded.onnxtxt --target thumbv7em-none-eabihf";
  const auto [memory_report, speed_report] = ReportsWithFlagsThenSpeed(model, "");  // the default mode, then speed
  EXPECT_NE(memory_report.find("scratch / activation bound: 1.000\n"), std::string::npos) << memory_report;
  EXPECT_NE(speed_report.find("bytes above it: kernel workspaces"), std::string::npos) << speed_report;
  EXPECT_NE(speed_report.find("padded_input"), std::string::npos) << speed_report;
  ExpectCleanFailure("compile " + model + " --optimize tiny", 2, {"--optimize takes 'memory', 'balanced', 'speed' or 'size'"});
}

// --optimize size: node functions of the same shape are merged (the int8 DS-CNN's four
// depthwise and four pointwise convolutions run in one function each: three QLinearConv
// functions for nine nodes, against nine in the default mode), the report says the mode
// and the code is less than half the default's. Outputs: the _size models of
// model_outputs_test.cc and the Cortex-M4/M55 firmware checks.
TEST(Cli, SizeModeSharesOneFunctionBetweenNodesOfTheSameShape) {
  const std::string model =
      std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/ds_cnn_kws.tflite --target thumbv7em-none-eabihf --name k";
  TemporaryFolder memory, size;
  ASSERT_EQ(Modelc("compile " + model + " -o " + memory.path()).exit_code, 0);
  ASSERT_EQ(Modelc("compile " + model + " --optimize size -o " + size.path()).exit_code, 0);
  auto conv_functions = [](const std::string& object) {
    int count = 0;
    for (int node = 0; node < 9; ++node) count += object.find("k.node" + std::to_string(node) + ".QLinearConv") != std::string::npos;
    return count;
  };
  EXPECT_EQ(conv_functions(ReadFileBytes(memory.File("k.o"))), 9);
  EXPECT_EQ(conv_functions(ReadFileBytes(size.File("k.o"))), 3);
  const std::string memory_report = ReadFileBytes(memory.File("k.report.txt"));
  const std::string size_report = ReadFileBytes(size.File("k.report.txt"));
  EXPECT_NE(memory_report.find("optimize:     memory\n"), std::string::npos) << memory_report;
  EXPECT_NE(size_report.find("optimize:     size\n"), std::string::npos) << size_report;
  EXPECT_LT(2 * ReportedCodeBytes(size_report), ReportedCodeBytes(memory_report)) << size_report << memory_report;
}

// The issue's code-size targets for --optimize size on Cortex-M4 (what plain C reaches),
// on the six benchmark networks (skipped without ../shared/models); instructions per
// inference are the benchmark's (scripts/benchmark.sh --target cortex-m4 --optimize size).
TEST(Cli, SizeModeMeetsTheCodeTargetsOnCortexM4) {
  const std::string shared = MODELC_SHARED_MODELS;
  if (!FileExists(shared + "/mlp.onnx")) GTEST_SKIP() << "../shared/models is not present";
  const std::map<std::string, int64_t> most_code_bytes = {
      {"mlp", 1000},     {"lenet", 3000},        {"ds_cnn_kws", 7000}, {"resnet8", 10000},
      {"mobilenet_v1_025_vww", 25000}, {"fc_autoencoder_ad", 2500}};
  for (const auto& [name, most] : most_code_bytes) {
    TemporaryFolder out;
    ASSERT_EQ(Modelc("compile " + shared + "/" + name + ".onnx --target thumbv7em-none-eabihf --cpu cortex-m4 "
                     "--optimize size --name m -o " + out.path()).exit_code, 0) << name;
    const int64_t code = ReportedCodeBytes(ReadFileBytes(out.File("m.report.txt")));
    EXPECT_GT(code, 0) << name;
    EXPECT_LE(code, most) << name;
  }
}

// The int8 convolutions' kernels as each target's plan records them: on a Cortex-M55
// window-dot's window holds int8 codes (VMLADAVA.S8) with the input zero point folded
// into the bias, the weights int8 as in the model; on x86 pixel-lanes (or channel-lanes
// where rows are short), by VPDPBUSD with VNNI, by its exact VPMADDWD form on AVX2, whose
// window-dot (where the byte quads do not fit) keeps an int16 window and int16 weights
// (VPMADDWD pairs); on a Cortex-M4 in memory mode the direct kernels at
// the RAM peak run their interior pixels unrolled, which the M55 does not. Outputs:
// Int8Networks (host), firmware.net_* and firmware.speed_net_* (Cortex-M4, M55), and
// the op models window_codes (uint8 codes) and window_codes_quantized_input.
TEST(Cli, Int8ConvolutionKernelsAsEachCorePlansThem) {
  const std::string model = std::string(MODELC_INT8_DIR) + "/resnet8_int8.onnx";
  TemporaryFolder m55, host;
  const CommandResult helium = Modelc("compile " + model + " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 "
                                      "--optimize speed --dump-plan --name r -o " + m55.path());
  ASSERT_EQ(helium.exit_code, 0) << helium.output;
  // (Its 16-channel 3x3 layers read their windows in place by channel runs; the
  // 32-channel ones copy them, by runs too.)
  for (const char* piece : {"'conv_12_node' QLinearConv: window-dot, float requantisation, reads its input in place "
                            "by channel runs\n",
                            "constant bias_folded: %conv_12_node.bias_folded int32[16]",
                            "constant weights_int8: %conv_12_node.weights_int8 int8[2304]",
                            "'conv_40_node' QLinearConv: window-dot, float requantisation, copies its windows by "
                            "channel runs\n      workspace window_codes @0, 288 bytes\n"}) {
    EXPECT_NE(helium.output.find(piece), std::string::npos) << piece;
  }
  EXPECT_EQ(helium.output.find("window_int16"), std::string::npos) << helium.output;
  const std::string x86_64 = " --target x86_64-unknown-linux-gnu --cpu ";
  const CommandResult x86 = Modelc("compile " + kTestModels + "/window_dot_weight_blocks.onnxtxt" + x86_64 +
                                   "haswell --optimize speed --dump-plan --name r -o " + host.path());
  ASSERT_EQ(x86.exit_code, 0) << x86.output;
  EXPECT_NE(x86.output.find("'Conv_16' QLinearConv: window-dot, float requantisation\n"
                            "      workspace window_int16 @0, 160 bytes\n"
                            "      constant weights_int16: %Conv_16.weights_int16 int16[1600]"),
            std::string::npos)
      << x86.output;
  // With VPDPBUSD (16 lanes in 512 bits with AVX512-VNNI, 8 in 256 with AVX-VNNI) or its
  // VPMADDWD form (8 lanes, AVX2), the input's codes as uint8: resnet8's 3x3 convolution
  // puts 16 or 8 pixels of an output row in the lanes, from a padded copy of its input
  // (16 x 34 x 34 bytes and a vector's overrun), 144 taps as 36 quads; ds_cnn's pointwise
  // ones read their input in place; its first, 5 pixels a row, puts its 64 output
  // channels in the lanes instead.
  for (const auto& [cpu, lanes] :
       {std::pair{"sapphirerapids", 16}, std::pair{"alderlake", 8}, std::pair{"haswell", 8}}) {
    TemporaryFolder resnet_folder, ds_cnn_folder;
    const CommandResult resnet = Modelc("compile " + model + x86_64 + cpu + " --dump-plan --name r -o " + resnet_folder.path());
    ASSERT_EQ(resnet.exit_code, 0) << resnet.output;
    const std::string quads = std::to_string(36 * 4 * lanes);
    for (const std::string& piece :
         {"'conv_12_node' QLinearConv: pixel-lanes (lanes " + std::to_string(lanes) + ", channel block 8)",
          "workspace pixel_taps @0, " + quads + " bytes", "workspace pixel_quads @" + quads + ", " + quads + " bytes",
          "workspace padded_codes @" + std::to_string(2 * 36 * 4 * lanes) + ", " + std::to_string(16 * 34 * 34 + lanes) +
              " bytes",
          // By VPMADDWD (AVX2) the weights come widened, each quad's even taps then its odd ones.
          std::string(cpu) == "haswell" ? std::string("constant weight_pairs: %conv_12_node.weight_pairs int16[2304]")
              : std::string("constant weights_int8: %conv_12_node.weights_int8 int8[2304]"),
          std::string("constant bias_folded: %conv_12_node.bias_folded int32[16]")}) {
      EXPECT_NE(resnet.output.find(piece), std::string::npos) << cpu << ": " << piece << "\n" << resnet.output;
    }
    const CommandResult ds_cnn = Modelc("compile " + std::string(MODELC_INT8_DIR) + "/ds_cnn_kws_int8.onnx" + x86_64 +
                                        cpu + " --dump-plan --name d -o " + ds_cnn_folder.path());
    ASSERT_EQ(ds_cnn.exit_code, 0) << ds_cnn.output;
    for (const std::string& piece :
         {"'conv_3_node' QLinearConv: channel-lanes (channel block " + std::to_string(lanes) + ")",
          std::string("workspace window_codes @0, 48 bytes"),
          std::string(cpu) == "haswell" ? std::string("constant weight_pairs: %conv_3_node.weight_pairs int16[3072]")
                                        : std::string("constant weights_quads: %conv_3_node.weights_quads int8[3072]"),
          "'conv_21_node' QLinearConv: pixel-lanes (lanes " + std::to_string(lanes) + ", channel block 8)",
          "workspace pixel_taps @0, " + std::to_string(64 * lanes) + " bytes"}) {
      EXPECT_NE(ds_cnn.output.find(piece), std::string::npos) << cpu << ": " << piece << "\n" << ds_cnn.output;
    }
  }
  // The direct kernel (memory mode's at the RAM peak) takes 4 of its 16 output channels
  // at a time (each input element loaded once for them) and reads its float multipliers
  // from a table; on Arm's DSP extension without vector lanes two pixels at a time, also
  // where the windows reach over the border (stride 1). Helium's window-dot reads those windows by channel runs
  // instead (WindowDotOnHeliumReadsChannelRunsInPlace).
  const std::string direct_pairs = "'conv_12_node' QLinearConv: direct (channel block 4, pixels 2), float requantisation";
  TemporaryFolder m4, m55_runs;
  const CommandResult scalar =
      Modelc("compile " + model + " --target thumbv7em-none-eabihf --dump-plan --name r -o " + m4.path());
  ASSERT_EQ(scalar.exit_code, 0) << scalar.output;
  EXPECT_NE(scalar.output.find(direct_pairs + ", pairs to the borders\n"), std::string::npos) << scalar.output;
  EXPECT_NE(scalar.output.find("constant multipliers: %conv_12_node.multipliers float32[16]"), std::string::npos)
      << scalar.output;
  // Speed mode keeps it there too (16 input and 16 output channels: the DSP pairs' window
  // copy costs more), not for the first layer's 3 input channels nor 32 output channels.
  TemporaryFolder m4_speed;
  const CommandResult speed = Modelc("compile " + model + " --target thumbv7em-none-eabihf --optimize speed --dump-plan "
                                     "--name r -o " + m4_speed.path());
  ASSERT_EQ(speed.exit_code, 0) << speed.output;
  for (const std::string& piece : {direct_pairs + ", pairs to the borders\n",
                                   std::string("'conv_3_node' QLinearConv: dsp-pairs (pixels 2)"),
                                   std::string("'conv_40_node' QLinearConv: dsp-pairs (pixels 2)")}) {
    EXPECT_NE(speed.output.find(piece), std::string::npos) << piece << "\n" << speed.output;
  }
  const CommandResult runs = Modelc("compile " + model + " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 "
                                    "--dump-plan --name r -o " + m55_runs.path());
  ASSERT_EQ(runs.exit_code, 0) << runs.output;
  EXPECT_NE(runs.output.find("'conv_12_node' QLinearConv: window-dot, float requantisation, reads its input in place "
                             "by channel runs\n"),
            std::string::npos) << runs.output;
  // The op model that runs the codes' uint8 and ConvInteger forms on the M55 gets them.
  TemporaryFolder codes;
  const CommandResult uint8_codes =
      Modelc("compile " + std::string(MODELC_TEST_MODELS_DIR) + "/window_codes.onnxtxt --target "
             "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --dump-plan --name c -o " + codes.path());
  ASSERT_EQ(uint8_codes.exit_code, 0) << uint8_codes.output;
  // Their windows copied into the workspace (54 taps: too many to gather into registers).
  for (const char* piece : {"constant bias_folded: %QLinearConv_9.bias_folded int32[4]",
                            "constant bias_folded: %ConvInteger_13.bias_folded int32[2]",
                            "'QLinearConv_9' QLinearConv: window-dot, float requantisation\n      workspace window_codes",
                            "'ConvInteger_13' ConvInteger: window-dot\n      workspace window_codes"}) {
    EXPECT_NE(uint8_codes.output.find(piece), std::string::npos) << uint8_codes.output;
  }
  // So does a convolution that quantises its float input as it reads it (memory mode's
  // fusion), from a band of the input's rows it quantised, each row padded by the zero
  // point's code where the convolution pads (3 channels x 3 rows x 16 and x 13 codes).
  TemporaryFolder quantizing, band;
  const CommandResult fused =
      Modelc("compile " + std::string(MODELC_TEST_MODELS_DIR) + "/window_codes_quantized_input.onnxtxt --target "
             "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --dump-ir --dump-plan --name c -o " + quantizing.path());
  ASSERT_EQ(fused.exit_code, 0) << fused.output;
  for (const char* piece : {"{fused_quantize_input=1, pads=[1,1,1,1], strides=[2,2]}  # QLinearConv_9",
                            "{fused_quantize_input=1, pads=[0,0,1,1], strides=[2,2]}  # QLinearConv_19",
                            "'QLinearConv_9' QLinearConv: window-dot, float requantisation, quantises a band of "
                            "input rows\n"
                            "      workspace quantized_band @0, 144 bytes\n"
                            "      constant bias_folded: %QLinearConv_9.bias_folded int32[8]",
                            "'QLinearConv_19' QLinearConv: window-dot, float requantisation, quantises a band of "
                            "input rows\n"
                            "      workspace quantized_band @0, 117 bytes\n"
                            "      constant bias_folded: %QLinearConv_19.bias_folded int32[4]"}) {
    EXPECT_NE(fused.output.find(piece), std::string::npos) << piece << "\n" << fused.output;
  }
  // quantized_band's convolutions: a band each, except where it would lift the arena
  // (QLinearConv_50: 372 codes beside its 900-byte output, above the pooled tensor's 1,200
  // bytes) or quantise more elements than the windows' copies (QLinearConv_60, 1x1 at
  // stride 2): there the window holds the codes it quantised.
  const CommandResult bands =
      Modelc("compile " + std::string(MODELC_TEST_MODELS_DIR) + "/quantized_band.onnxtxt --target "
             "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --dump-plan --name b -o " + band.path());
  ASSERT_EQ(bands.exit_code, 0) << bands.output;
  for (const char* piece : {"'QLinearConv_9' QLinearConv: window-dot, float requantisation, quantises a band of "
                            "input rows\n      workspace quantized_band @0, 156 bytes",
                            "'QLinearConv_19' QLinearConv: window-dot, float requantisation, quantises a band of "
                            "input rows\n      workspace quantized_band @0, 280 bytes",
                            "'QLinearConv_30' QLinearConv: window-dot, float requantisation, quantises a band of "
                            "input rows, gathered by halfwords\n      workspace quantized_band @0, 369 bytes",
                            "'QLinearConv_40' QLinearConv: window-dot, float requantisation, quantises a band of "
                            "input rows\n      workspace quantized_band @0, 136 bytes",
                            "'QLinearConv_50' QLinearConv: window-dot, float requantisation\n"
                            "      workspace window_codes @0, 32 bytes",
                            "'QLinearConv_60' QLinearConv: window-dot, float requantisation\n"
                            "      workspace window_codes @0, 16 bytes"}) {
    EXPECT_NE(bands.output.find(piece), std::string::npos) << piece << "\n" << bands.output;
  }
  EXPECT_NE(ReadFileBytes(band.File("b.report.txt")).find("scratch:      1200 bytes"), std::string::npos);
  // Arm's DSP pairs copy their windows from the band (after their two windows of pairs).
  TemporaryFolder dsp;
  const CommandResult pairs =
      Modelc("compile " + std::string(MODELC_TEST_MODELS_DIR) + "/quantized_band.onnxtxt --target "
             "thumbv7em-none-eabihf --cpu cortex-m4 --dump-plan --name b -o " + dsp.path());
  ASSERT_EQ(pairs.exit_code, 0) << pairs.output;
  for (const char* piece : {"'QLinearConv_9' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy "
                            "unrolled, quantises a band of input rows\n      workspace window_pairs @0, 144 bytes\n"
                            "      workspace quantized_band @144, 156 bytes",
                            "'QLinearConv_19' QLinearConv: dsp-pairs (pixels 2), float requantisation, window copy "
                            "unrolled, quantises a band of input rows\n      workspace window_pairs @0, 80 bytes\n"
                            "      workspace quantized_band @80, 280 bytes"}) {
    EXPECT_NE(pairs.output.find(piece), std::string::npos) << piece << "\n" << pairs.output;
  }
}

// The TFLite frontend's int8 ADDs are fused the same way, summing as TFLite's ADD
// (fused_tflite_sum): the TFLite ResNet-8's arena on a Cortex-M4 is two 32x32x16 int8
// tensors (32,768 bytes), not three. Outputs stay bit-exact with TFLite's reference
// kernels (TfliteInt8Models; residual_sums puts a quarter of its sums on a half, where
// TFLite's ADD and ONNX Runtime's QLinearAdd round apart).
TEST(Cli, TfliteResidualSumsWriteOverTheSkipTensor) {
  const std::string model = std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/resnet8.tflite";
  TemporaryFolder out;
  CommandResult result =
      Modelc("compile " + model + " --target thumbv7em-none-eabihf --dump-ir --name r -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  int fused = 0;
  for (const std::string& line : Lines(result.output)) fused += line.find("fused_tflite_sum=1") != std::string::npos;
  EXPECT_EQ(fused, 3) << result.output;  // one per residual stage
  const std::string report = ReadFileBytes(out.File("r.report.txt"));
  EXPECT_EQ(report.find("QLinearAdd"), std::string::npos) << report;
  EXPECT_NE(report.find("scratch:      32768 bytes"), std::string::npos) << report;
  // residual_sums: both ADDs fused (the convolution the first's second operand, the
  // second's first); its SUB of a convolution's output stays a node of its own.
  TemporaryFolder sums;
  result = Modelc("compile " + std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/residual_sums.tflite --dump-ir -o " +
                  sums.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  int sums_fused = 0, differences = 0;
  for (const std::string& line : Lines(result.output)) {
    sums_fused += line.find("fused_tflite_sum=1") != std::string::npos;
    differences += line.find("QLinearAdd(") != std::string::npos && line.find("fused_subtract=1") != std::string::npos;
  }
  EXPECT_EQ(sums_fused, 2) << result.output;
  EXPECT_EQ(differences, 1) << result.output;
}

// An int8 residual block's QLinearAdd is fused into the QLinearConv that feeds it, which
// writes each sum over the skip tensor's element it has just read: resnet8_int8's arena
// on a Cortex-M4 is two 32x32x16 int8 tensors (32,768 bytes), not three. Its outputs
// stay bit-exact with ONNX Runtime's (Int8Networks.MatchOnnxRuntime).
TEST(Cli, Int8ResidualSumsWriteOverTheSkipTensor) {
  const std::string model = std::string(MODELC_INT8_DIR) + "/resnet8_int8.onnx";
  TemporaryFolder out;
  ASSERT_EQ(Modelc("compile " + model + " --target thumbv7em-none-eabihf --name r -o " + out.path()).exit_code, 0);
  const std::string report = ReadFileBytes(out.File("r.report.txt"));
  EXPECT_EQ(report.find("QLinearAdd"), std::string::npos) << report;
  EXPECT_NE(report.find("scratch:      32768 bytes"), std::string::npos) << report;
  EXPECT_NE(report.find("QLinearConv 'conv_21_node' relu_18_QuantizeLinear_Output"), std::string::npos) << report;
  // There no convolution of the first stage has room for its DSP-pairs window buffers;
  // --optimize balanced lets each lift the arena by up to 1/32 of the bound (two
  // pixels' windows of 288 bytes).
  TemporaryFolder balanced;
  ASSERT_EQ(Modelc("compile " + model + " --target thumbv7em-none-eabihf --optimize balanced --name r -o " +
                   balanced.path()).exit_code, 0);
  const std::string balanced_report = ReadFileBytes(balanced.File("r.report.txt"));
  EXPECT_NE(balanced_report.find("scratch:      33344 bytes"), std::string::npos) << balanced_report;
  auto pairs = [](const std::string& text) {
    size_t count = 0;
    for (size_t at = text.find("[dsp-pairs]"); at != std::string::npos; at = text.find("[dsp-pairs]", at + 1)) ++count;
    return count;
  };
  EXPECT_GT(pairs(balanced_report), pairs(report)) << balanced_report;
}

// Under --optimize memory an int8 network's input QuantizeLinear is fused into the
// QLinearConv reading it, which quantises each float as it reads it: the quantised copy
// of mobilenet_v1_025_vww_int8's input (27,648 bytes) never exists, and its arena on a
// Cortex-M4 is under a quarter of the float network's target (150,000 / 4). The host
// default (--optimize speed) keeps the QuantizeLinear, and so does the Cortex-M3, where
// each quantisation is a libgcc division and its direct kernel would quantise each
// element once per window and block of output channels; there the pointwise layers copy
// each pixel's inputs and write over their input. Outputs: Int8Networks.
TEST(Cli, Int8InputQuantizationIsFusedWhereMemoryComesFirst) {
  const std::string model = std::string(MODELC_INT8_DIR) + "/mobilenet_v1_025_vww_int8.onnx";
  TemporaryFolder m4, host;
  ASSERT_EQ(Modelc("compile " + model + " --target thumbv7em-none-eabihf --name m -o " + m4.path()).exit_code, 0);
  const std::string report = ReadFileBytes(m4.File("m.report.txt"));
  EXPECT_EQ(report.find("QuantizeLinear 'input_QuantizeLinear'"), std::string::npos) << report;
  EXPECT_NE(report.find("QLinearConv 'conv_2_node' input, input_scale"), std::string::npos) << report;
  const size_t at = report.find("scratch:      ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LE(std::stoll(report.substr(at + 14)), 150000 / 4) << report;
  ASSERT_EQ(Modelc("compile " + model + " --name m -o " + host.path()).exit_code, 0);
  EXPECT_NE(ReadFileBytes(host.File("m.report.txt")).find("QuantizeLinear 'input_QuantizeLinear'"), std::string::npos);
  TemporaryFolder m3;
  CommandResult m3_compile = Modelc("compile " + model + " --target thumbv7m-none-eabi --name m "
                                    "--dump-ir-after=fuse-input-quantize -o " + m3.path());
  ASSERT_EQ(m3_compile.exit_code, 0) << m3_compile.output;
  EXPECT_NE(m3_compile.output.find("# fuse-input-quantize undone: without an FPU it would quantise an element "
                                   "more than once"),
            std::string::npos)
      << m3_compile.output;
  const std::string m3_report = ReadFileBytes(m3.File("m.report.txt"));
  EXPECT_NE(m3_report.find("QuantizeLinear 'input_QuantizeLinear'"), std::string::npos) << m3_report;
  EXPECT_NE(m3_report.find("'conv_18_node' pixel_codes                  8 bytes"), std::string::npos) << m3_report;
}

// The fused forms' extra inputs are modelc's own: a model file giving them is refused,
// also at opsets past the ONNX library's checker; so is the input-quantising attribute.
TEST(Cli, InternalInputsOfFusedOpsAreRefusedFromFiles) {
  TemporaryFolder inputs;
  const std::string quantizing = WriteFile(inputs, "quantizing.onnxtxt", R"(
<ir_version: 8, opset_import: ["" : 21]>
g (float[1,1,4,4] x) => (int8[1,1,4,4] y) {
  s = Constant<value = float {0.1}>()
  z = Constant<value = int8 {0}>()
  w = Constant<value = int8[1,1,1,1] {2}>()
  y = QLinearConv<fused_quantize_input = 1>(x, s, z, w, s, z, s, z)
}
)");
  ExpectCleanFailure("compile " + quantizing, 1, {quantizing, "QLinearConv at opset 21 has no attribute 'fused_quantize_input'"});
  for (const char* opset : {"13", "21"}) {
    const std::string qlinear = WriteFile(inputs, std::string("qlinear_") + opset + ".onnxtxt", std::string(R"(
<ir_version: 8, opset_import: ["" : )") + opset + R"(]>
g (int8[1,1,4,4] x, int8[1,1,4,4] r) => (int8[1,1,4,4] y) {
  s = Constant<value = float {0.1}>()
  z = Constant<value = int8 {0}>()
  w = Constant<value = int8[1,1,1,1] {2}>()
  b = Constant<value = int32[1] {0}>()
  y = QLinearConv(x, s, z, w, s, z, s, z, b, r, s, z, s, z)
}
)");
    ExpectCleanFailure("compile " + qlinear, 1, {qlinear, "(QLinearConv): QLinearConv takes at most 9 inputs, got 14"});
    const std::string conv = WriteFile(inputs, std::string("conv_") + opset + ".onnxtxt", std::string(R"(
<ir_version: 8, opset_import: ["" : )") + opset + R"(]>
g (float[1,1,4,4] x, float[1,1,4,4] r) => (float[1,1,4,4] y) {
  w = Constant<value = float[1,1,1,1] {2.0}>()
  b = Constant<value = float[1] {0.0}>()
  y = Conv(x, w, b, r)
}
)");
    ExpectCleanFailure("compile " + conv, 1, {conv, "(Conv): Conv takes at most 3 inputs, got 4"});
  }
}

// The QDQ patterns of tests/models/qdq_ops.onnxtxt become the integer ops ORT's QDQ
// transformer makes of them (their outputs equal ORT's: Int8OpModels): the
// GlobalAveragePools QLinearAveragePool, Sigmoid and LeakyRelu a TableLookup each, the
// Concat a Concat of int8 inputs, two requantised; the Muls and Softmaxes ORT's x86
// build replaces (their operands computed in one type: OrtComputedType) QLinearMul and
// QLinearSoftmax, the int8 Mul and Softmax whose DequantizeLinear a Relu also reads (or
// whose QuantizeLinear has a twin another op reads) and the int8 Mul by a constant left
// in float as ORT leaves them.
TEST(Cli, QdqPatternsBecomeTheOpsOnnxRuntimeMakesOfThem) {
  TemporaryFolder out;
  const CommandResult result = Modelc("compile " + kTestModels + "/qdq_ops.onnxtxt --target thumbv7em-none-eabihf "
                                      "--cpu cortex-m4 --dump-plan --name q -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* line :
       {"'GlobalAveragePool_4' com.microsoft.QLinearAveragePool:", "'GlobalAveragePool_12' com.microsoft.QLinearAveragePool:",
        "'Mul_24' com.microsoft.QLinearMul:", "'Mul_37' com.microsoft.QLinearMul:", "'Sigmoid_46' modelc.TableLookup:",
        "'Sigmoid_55' modelc.TableLookup:", "'LeakyRelu_63' modelc.TableLookup:", "'LeakyRelu_71' modelc.TableLookup:",
        "'Concat_88.requantized_0' modelc.TableLookup:", "'Concat_88.requantized_1' modelc.TableLookup:",
        "'Concat_88' Concat:", "'Mul_95' Mul:", "'ccq' int8[4,160]", "'Softmax_103' com.microsoft.QLinearSoftmax:",
        "'Softmax_111' Softmax:", "'Mul_121' com.microsoft.QLinearMul:", "'Mul_130' Mul:", "'Mul_150' Mul:"}) {
    EXPECT_NE(result.output.find(line), std::string::npos) << line << "\n" << result.output;
  }
  for (const char* op : {" Sigmoid:", " LeakyRelu:", " GlobalAveragePool:"}) {
    EXPECT_EQ(result.output.find(op), std::string::npos) << op << "\n" << result.output;
  }
}

// ONNX Runtime's com.microsoft ops: an attribute its schema does not give the op is
// refused, not ignored (RequantizationFormFollowsTheTarget: modelc's own); QGemm in a form
// QLinearMatMul does not compute (alpha other than 1, a float output, a C per row and
// column, too many inputs), a table activation's or QLinearConcat's quantisation computed
// at run time (r) or a zero scale, a QLinearConcat input without its pair or of another
// type, and a channels-last global average are refused naming the node; a scale computed
// from constants is folded and taken.
TEST(Cli, MicrosoftOpsOutsideTheirSchemasAndQGemmFormsNotComputedAreRefused) {
  struct Case {
    const char* node;
    const char* says;
  };
  const Case cases[] = {
      {"y = com.microsoft.QLinearAdd<foo = 1>(x, s, z, x, s, z, s, z)",
       "node 'QLinearAdd_5' (QLinearAdd): com.microsoft.QLinearAdd has no attribute 'foo'"},
      {"y = com.microsoft.QGemm<alpha = 2.0, transB = 1>(x, s, z, w, s, z, c, s, z)",
       "node 'QGemm_5' (QGemm): QGemm with alpha 2 is not supported (only 1)"},
      {"y = com.microsoft.QGemm<transB = 1>(x, s, z, w, s, z, c)",
       "QGemm without y_scale and y_zero_point (a float or int32 output) is not supported"},
      {"y = com.microsoft.QGemm<transB = 1>(x, s, z, w, s, z, cm, s, z)",
       "QGemm's C of shape [2,4] is not supported (one element, [N] or [1, N]; N = 4)"},
      {"y = com.microsoft.QLinearSigmoid(x, r, z, s, z)",
       "com.microsoft.QLinearSigmoid's x_scale must be one float32 constant"},
      {"y = com.microsoft.QGemm<transB = 1>(x, s, z, w, s, z, c, s, z, c)", "QGemm takes at most 9 inputs, got 10"},
      {"n = Constant<value = float {0}>()\n  y = com.microsoft.QLinearLeakyRelu(x, s, z, n, z)",
       "com.microsoft.QLinearLeakyRelu's y_scale is 0; it must be positive and finite"},
      {"y = com.microsoft.QLinearGlobalAveragePool<channels_last = 1>(x, s, z, s, z)",
       "QLinearGlobalAveragePool with channels_last = 1 is not supported"},
      {"y = com.microsoft.QLinearConcat<axis = 0>(s, z, x, s)",
       "QLinearConcat takes y_scale, y_zero_point and x, x_scale, x_zero_point for each input"},
      {"y = com.microsoft.QLinearConcat<axis = 0>(s, z, x, r, z)",
       "com.microsoft.QLinearConcat's x_scale must be one float32 constant"},
      {"u = Constant<value = uint8 {0}>()\n  y = com.microsoft.QLinearConcat<axis = 0>(s, u, x, s, z)",
       "com.microsoft.QLinearConcat's inputs and y_zero_point must be of one type"},
  };
  TemporaryFolder inputs;
  for (const Case& c : cases) {
    const std::string model = WriteFile(inputs, "microsoft.onnxtxt", absl::StrCat(R"(
<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
g (int8[2,4] x, float r) => (int8[2,4] y) {
  s = Constant<value = float {0.1}>()
  z = Constant<value = int8 {0}>()
  w = Constant<value = int8[4,4] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}>()
  c = Constant<value = int32[4] {1, 2, 3, 4}>()
  cm = Constant<value = int32[2,4] {1, 2, 3, 4, 5, 6, 7, 8}>()
  )", c.node, "\n}\n"));
    ExpectCleanFailure("compile " + model, 1, {"microsoft.onnxtxt", c.says});
  }
  // Parameters computed from constants are constants: folded before the op is read.
  const std::string folded = WriteFile(inputs, "folded.onnxtxt", R"(
<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
g (int8[2,4] x) => (int8[4,4] y) {
  s = Constant<value = float {0.1}>()
  two = Constant<value = float {2.0}>()
  d = Mul(s, two)
  z = Constant<value = int8 {0}>()
  y = com.microsoft.QLinearConcat<axis = 0>(d, z, x, s, z, x, d, z)
}
)");
  TemporaryFolder out;
  const CommandResult compiled = Modelc("compile " + folded + " --dump-plan -o " + out.path());
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  EXPECT_NE(compiled.output.find("modelc.TableLookup"), std::string::npos) << compiled.output;
}

// On 32-bit targets generated code indexes with 32-bit integers: a tensor of 2.5 GiB is
// refused there (naming it and the limit) and compiles for a 64-bit target.
TEST(Cli, ThirtyTwoBitTargetsRefuseTensorsTheyCannotIndex) {
  TemporaryFolder inputs;
  const std::string model = WriteFile(inputs, "big.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
big (float[1024, 1024, 640] x) => (float[1024, 1024, 640] y) {
  y = Relu(x)
}
)");
  ExpectCleanFailure("compile " + model + " --target thumbv7em-none-eabihf", 1,
                     {"big.onnxtxt", "tensor 'x' needs 2684354560 bytes", "32-bit target", "2147483647"});
  TemporaryFolder out;
  EXPECT_EQ(Modelc("compile " + model + " --target aarch64-linux-gnu -o " + out.path()).exit_code, 0);
}

// Names are the model's bytes, an attacker's text: in the header's comments they are
// escaped (no "*/", no raw bytes outside printable ASCII), so a header made from hostile
// names compiles with -Werror and declares nothing the names spell.
TEST(Cli, HostileNamesCannotInjectCodeIntoTheHeader) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("g*/ #error graph name /*");
  const std::string input = "X*/ #include \"/etc/passwd\" /*";
  const std::string output = std::string("Y\xff\x01\n#error newline");
  for (auto [info, name] : {std::pair{graph->add_input(), input}, std::pair{graph->add_output(), output}}) {
    info->set_name(name);
    onnx::TypeProto_Tensor* tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    tensor->mutable_shape()->add_dim()->set_dim_value(4);
  }
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type("Relu");
  node->add_input(input);
  node->add_output(output);
  TemporaryFolder folder;
  const std::string path = WriteFile(folder, "hostile.onnx", model.SerializeAsString());
  ASSERT_EQ(Modelc("compile " + path + " --name hostile -o " + folder.path()).exit_code, 0);
  const std::string header = ReadFileBytes(folder.File("hostile.h"));
  const std::string main_c = WriteFile(folder, "main.c", "#include \"hostile.h\"\nint main(void) { return 0; }\n");
  const CommandResult compiled =
      RunCommand("cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I" + folder.path() + " " + main_c + " 2>&1");
  EXPECT_EQ(compiled.exit_code, 0) << compiled.output << "\n" << header;
  // The target's vendor field is free text too (LLVM keeps it): "*/" there is escaped.
  TemporaryFolder cross;
  ASSERT_EQ(Modelc("compile " + path + " --name hostile --target 'thumbv7em-*/x-none-eabihf' -o " + cross.path()).exit_code,
            0);
  EXPECT_NE(ReadFileBytes(cross.File("hostile.h")).find("thumbv7em-*\\x2fx-none-eabihf"), std::string::npos);
  for (const std::string& line : Lines(header)) {
    EXPECT_TRUE(line.rfind("#error", 0) == std::string::npos &&
                (line.rfind("#include", 0) == std::string::npos || line == "#include <stdint.h>"))
        << line;
    for (unsigned char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << line;
  }
  // An int8 output's name also makes its scale and zero point macros (here through a
  // Concat): their names are identifiers made from it, their comment escaped.
  onnx::ModelProto quantised;
  quantised.set_ir_version(8);
  quantised.add_opset_import()->set_version(13);
  onnx::GraphProto* q_graph = quantised.mutable_graph();
  q_graph->set_name("q");
  const std::string joined = "J*/ #define EVIL 1 /*\n#error joined";
  onnx::ValueInfoProto* q_input = q_graph->add_input();
  q_input->set_name("a");
  q_input->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  q_input->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  onnx::ValueInfoProto* q_output = q_graph->add_output();
  q_output->set_name(joined);
  q_output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT8);
  q_output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  onnx::TensorProto* scale = q_graph->add_initializer();
  scale->set_name("s");
  scale->set_data_type(onnx::TensorProto::FLOAT);
  scale->add_float_data(0.5f);
  onnx::TensorProto* zero_point = q_graph->add_initializer();
  zero_point->set_name("z");
  zero_point->set_data_type(onnx::TensorProto::INT8);
  zero_point->add_int32_data(-3);
  onnx::NodeProto* quantize = q_graph->add_node();
  quantize->set_op_type("QuantizeLinear");
  for (const char* in : {"a", "s", "z"}) quantize->add_input(in);
  quantize->add_output("aq");
  onnx::NodeProto* concat = q_graph->add_node();
  concat->set_op_type("Concat");
  concat->add_input("aq");
  concat->add_input("aq");
  concat->add_output(joined);
  concat->add_attribute()->set_name("axis");
  concat->mutable_attribute(0)->set_type(onnx::AttributeProto::INT);
  concat->mutable_attribute(0)->set_i(0);
  TemporaryFolder q_folder;
  const std::string q_path = WriteFile(q_folder, "q.onnx", quantised.SerializeAsString());
  ASSERT_EQ(Modelc("compile " + q_path + " --name q -o " + q_folder.path()).exit_code, 0);
  const std::string q_header = ReadFileBytes(q_folder.File("q.h"));
  EXPECT_NE(q_header.find("_SCALE 0.5f\n"), std::string::npos) << q_header;
  const std::string q_main = WriteFile(q_folder, "main.c", "#include \"q.h\"\nint main(void) { return 0; }\n");
  const CommandResult q_compiled =
      RunCommand("cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I" + q_folder.path() + " " + q_main + " 2>&1");
  EXPECT_EQ(q_compiled.exit_code, 0) << q_compiled.output << "\n" << q_header;
  for (const std::string& line : Lines(q_header)) {
    EXPECT_TRUE(line.rfind("#error", 0) == std::string::npos && line.rfind("#define EVIL", 0) == std::string::npos)
        << line;
  }
}

// Names a C compiler reserves are never generated, and a refused --name comes with one
// that works.
TEST(Cli, NamesAreUsableAndUnreservedCIdentifiers) {
  const std::string model = kModels + "/digits_mlp.onnx";
  ExpectCleanFailure("compile " + model + " --name my-model", 2, {"--name 'my-model'", "try --name my_model"});
  ExpectCleanFailure("compile " + model + " --name __x", 2, {"try --name x"});
  TemporaryFolder inputs, out;
  const std::string unicode = WriteFile(inputs, "\xc3\xbcn\xc3\xaf.onnx", ReadFileBytes(model));  // "ünï.onnx"
  ASSERT_EQ(Modelc("compile '" + unicode + "' -o " + out.path()).exit_code, 0);
  const std::vector<std::string> files = out.Files();
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files) {
    const std::string name = std::filesystem::path(file).filename().string();
    EXPECT_NE(name[0], '_') << name;
  }
  const std::string header = ReadFileBytes(out.File("n.h"));
  EXPECT_NE(header.find("int n_run("), std::string::npos) << header;
  EXPECT_EQ(header.find("__"), header.find("__cplusplus")) << "a reserved identifier in the header";
  // A file name with no Latin letter or digit ("модель.onnx") gives the name "model".
  const std::string cyrillic =
      WriteFile(inputs, "\xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c.onnx", ReadFileBytes(model));
  TemporaryFolder named;
  ASSERT_EQ(Modelc("compile '" + cyrillic + "' -o " + named.path()).exit_code, 0);
  EXPECT_NE(ReadFileBytes(named.File("model.h")).find("int model_run("), std::string::npos);
}

// The tested targets are data: `modelc targets` prints them, --version names LLVM and the
// commit, and a misspelt triple or CPU is refused with the nearest valid names.
TEST(Cli, TargetsVersionAndNearestNames) {
  const CommandResult targets = Modelc("targets");
  EXPECT_EQ(targets.exit_code, 0);
  for (const char* row : {"features", "float ABI", "thumbv7em-none-eabihf", "cortex-m4", "cortex-m55",
                          "aarch64-linux-gnu", "sifive-x280", "thumbv7m-none-eabi", "cortex-m3 ",
                          "thumbv8m.main-none-eabihf", "cortex-m33", "riscv32-unknown-elf", "sifive-e20",
                          "mps2-an385", "mps2-an505", "qemu-system-riscv32 -M virt"}) {
    EXPECT_NE(targets.output.find(row), std::string::npos) << row;
  }
  const CommandResult version = Modelc("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("modelc 0.1.0 (built from commit "), std::string::npos) << version.output;
  // The commit is read at build time: after a commit, the next build names it.
  const CommandResult head = RunCommand("git -C " + kModels + "/.. rev-parse --short=12 HEAD 2>/dev/null");
  if (head.exit_code == 0 && !Lines(head.output).empty()) {
    EXPECT_NE(version.output.find("commit " + Lines(head.output)[0]), std::string::npos) << version.output;
  }
  EXPECT_NE(version.output.find("LLVM 19."), std::string::npos) << version.output;
  EXPECT_NE(version.output.find(" thumb "), std::string::npos) << version.output;
  const std::string model = kModels + "/digits_mlp.onnx";
  ExpectCleanFailure("compile " + model + " --target thumbv7em-none-eabhf", 1,
                     {"unknown target 'thumbv7em-none-eabhf'", "'eabhf'", "nearest to it: thumbv7em-none-eabihf"});
  // GCC's bare-metal spelling names an object format last; a misspelt one is refused.
  ExpectCleanFailure("compile " + model + " --target riscv32-unknown-elff", 1,
                     {"unknown target 'riscv32-unknown-elff'", "'elff'", "riscv32-unknown-elf"});
  ExpectCleanFailure("compile " + model + " --target thumbv7em-none-eabihf --cpu cortex-m44", 1,
                     {"unknown CPU 'cortex-m44'", "nearest: cortex-m4"});
  ExpectCleanFailure("compile " + model + " --target x86_64-linux-gnu --cpu cortex-m55", 1,
                     {"CPU 'cortex-m55'", "needs --target thumbv8.1m.main-none-eabihf"});
  // --cpu alone means this machine's triple, which a microcontroller CPU does not fit.
  ExpectCleanFailure("compile " + model + " --cpu cortex-m4", 1, {"CPU 'cortex-m4'", "needs --target thumbv7em-none-eabihf"});
}

// The report's stack bound is read from the object's .stack_sizes on every target;
// RISC-V's entries point at assembler-local labels, which once made it 0.
TEST(Cli, StackBoundOnEveryTarget) {
  TemporaryFolder out;
  for (const char* target : {"thumbv7em-none-eabihf --cpu cortex-m4", "thumbv8.1m.main-none-eabihf --cpu cortex-m55",
                             "aarch64-linux-gnu --cpu cortex-a53", "riscv64-linux-gnu --cpu sifive-u74",
                             "riscv64-linux-gnu", "thumbv7m-none-eabi", "thumbv8m.main-none-eabihf",
                             "riscv32-unknown-elf"}) {
    ASSERT_EQ(Modelc("compile " + kModels + "/digits_cnn.onnx --target " + std::string(target) + " --name m -o " +
                     out.path()).exit_code, 0) << target;
    const std::string report = ReadFileBytes(out.File("m.report.txt"));
    const size_t at = report.find("stack:        at most ");
    ASSERT_NE(at, std::string::npos) << target << "\n" << report;
    EXPECT_GE(std::stoll(report.substr(at + 22)), 16) << target;  // at least the graph's and a node's frames
  }
}

TEST(Cli, ForcedKernelsMustRunTheirNode) {
  const std::string model = kTestModels + "/conv_winograd.onnxtxt --target x86_64-linux-gnu --cpu x86-64-v4";
  ExpectCleanFailure("compile " + model + " --kernel Conv_21=winograd", 1,
                     {"node 'Conv_21' (Conv) cannot run as winograd", "even output of at least 4 columns"});
  ExpectCleanFailure("compile " + model + " --kernel Conv_12=channels-last-depthwise", 1,
                     {"cannot run as channels-last-depthwise", "needs a depthwise convolution"});
  ExpectCleanFailure("compile " + model + " --kernel Conv_12=pointwise-product", 1, {"chosen by the layout"});
  ExpectCleanFailure("compile " + model + " --kernel nowhere=direct", 1, {"--kernel: no node named 'nowhere'"});
  ExpectCleanFailure("compile " + model + " --kernel Conv_12=fast", 1, {"no convolution kernel named 'fast'"});
  ExpectCleanFailure("compile " + model + " --kernel Conv_12=panels", 1, {"no convolution kernel named 'panels'"});
  ExpectCleanFailure("compile " + model + " --kernel Conv_12", 2, {"--kernel expects NODE=VARIANT"});
  ExpectCleanFailure("compile " + kModels + "/digits_mlp.onnx --kernel fc1=direct", 1,
                     {"node 'fc1' (Gemm) is no convolution"});
  ExpectCleanFailure("compile " + model + " --kernel Conv_12=workspace-free", 1,
                     {"node 'Conv_12' (Conv): workspace-free applies to quantised convolutions"});
  ExpectCleanFailure("compile " + model + " --kernel nowhere=workspace-free", 1, {"--kernel: no node named 'nowhere'"});
}

TEST(Cli, IntegerAndBoolTensorsAreTypedInTheHeader) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "argmax.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,5] x, uint8[2] mask) => (int64[2] best, bool[2] on) {
  best = ArgMax<axis = 1, keepdims = 0>(x)
  on = Cast<to = 9>(mask)
}
)");
  CommandResult result = Modelc("compile " + model + " --name a -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("a.h"));
  EXPECT_NE(header.find("int a_run(const float *x, const uint8_t *mask, int64_t *best, uint8_t *on, void *scratch);"),
            std::string::npos) << header;
  EXPECT_NE(header.find("output 0: 'best' int64[2]"), std::string::npos) << header;
}

// An int8 input or output states its scale and zero point, so firmware can quantise
// sensor data and read results; float tensors state none.
TEST(Cli, QuantisedInputsAndOutputsStateTheirScaleAndZeroPoint) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "q.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (int8[4] x, float[4] f) => (uint8[4] y, float[4] g) {
  s = Constant<value = float {0.5}>()
  z = Constant<value = int8 {-3}>()
  r = DequantizeLinear(x, s, z)
  t = Constant<value = float {0.25}>()
  u = Constant<value = uint8 {10}>()
  y = QuantizeLinear(r, t, u)
  g = Relu(f)
}
)");
  CommandResult result = Modelc("compile " + model + " --name q -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("q.h"));
  for (const char* line : {"#define Q_IN_X_SCALE 0.5f\n", "#define Q_IN_X_ZERO_POINT (-3)\n",
                           "#define Q_OUT_Y_SCALE 0.25f\n", "#define Q_OUT_Y_ZERO_POINT (10)\n",
                           "input 0: 'x' int8[4], quantised: real = (q - ZERO_POINT) * SCALE",
                           "int q_run(const int8_t *x, const float *f, uint8_t *y, float *g, void *scratch);"}) {
    EXPECT_NE(header.find(line), std::string::npos) << line << "\n" << header;
  }
  EXPECT_EQ(header.find("Q_IN_F_SCALE"), std::string::npos) << header;
  EXPECT_EQ(header.find("Q_OUT_G_SCALE"), std::string::npos) << header;
}

// Through a Concat: its int8 output states its inputs' pair where they share one (not
// where they differ and nothing reads it), and an int8 input read by a Concat states the
// pair its output is read with. A chain of 30 Concats each reading the last one's
// output twice (2^30 paths back to the input) is searched value by value, not path by
// path.
TEST(Cli, ConcatenatedQuantisedTensorsStateTheirPair) {
  TemporaryFolder inputs, out, deep_out;
  const std::string model = WriteFile(inputs, "cq.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2] a, float[2] b, int8[2] i, int8[3] j) => (int8[4] y, int8[4] n, float[5] d) {
  s = Constant<value = float {0.5}>()
  z = Constant<value = int8 {-3}>()
  t = Constant<value = float {0.25}>()
  aq = QuantizeLinear(a, s, z)
  bq = QuantizeLinear(b, s, z)
  y = Concat<axis = 0>(aq, bq)
  bt = QuantizeLinear(b, t, z)
  n = Concat<axis = 0>(aq, bt)
  ij = Concat<axis = 0>(i, j)
  d = DequantizeLinear(ij, t, z)
}
)");
  CommandResult result = Modelc("compile " + model + " --name cq -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("cq.h"));
  for (const char* line : {"#define CQ_OUT_Y_SCALE 0.5f\n", "#define CQ_OUT_Y_ZERO_POINT (-3)\n",
                           "#define CQ_IN_I_SCALE 0.25f\n", "#define CQ_IN_J_SCALE 0.25f\n",
                           "#define CQ_IN_J_ZERO_POINT (-3)\n"}) {
    EXPECT_NE(header.find(line), std::string::npos) << line << "\n" << header;
  }
  EXPECT_EQ(header.find("CQ_OUT_N_SCALE"), std::string::npos) << header;
  const std::string deep = WriteFile(inputs, "deep.onnxtxt", std::string(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1] a) => (int8[1] c30) {
  s = Constant<value = float {0.5}>()
  z = Constant<value = int8 {-3}>()
  st = Constant<value = int64[1] {0}>()
  en = Constant<value = int64[1] {1}>()
  ax = Constant<value = int64[1] {0}>()
  c0 = QuantizeLinear(a, s, z)
)") + "  j1 = Concat<axis = 0>(c0, c0)\n  c1 = Slice(j1, st, en, ax)\n  j2 = Concat<axis = 0>(c1, c1)\n  c2 = Slice(j2, st, en, ax)\n  j3 = Concat<axis = 0>(c2, c2)\n  c3 = Slice(j3, st, en, ax)\n  j4 = Concat<axis = 0>(c3, c3)\n  c4 = Slice(j4, st, en, ax)\n  j5 = Concat<axis = 0>(c4, c4)\n  c5 = Slice(j5, st, en, ax)\n  j6 = Concat<axis = 0>(c5, c5)\n  c6 = Slice(j6, st, en, ax)\n  j7 = Concat<axis = 0>(c6, c6)\n  c7 = Slice(j7, st, en, ax)\n  j8 = Concat<axis = 0>(c7, c7)\n  c8 = Slice(j8, st, en, ax)\n  j9 = Concat<axis = 0>(c8, c8)\n  c9 = Slice(j9, st, en, ax)\n  j10 = Concat<axis = 0>(c9, c9)\n  c10 = Slice(j10, st, en, ax)\n  j11 = Concat<axis = 0>(c10, c10)\n  c11 = Slice(j11, st, en, ax)\n  j12 = Concat<axis = 0>(c11, c11)\n  c12 = Slice(j12, st, en, ax)\n  j13 = Concat<axis = 0>(c12, c12)\n  c13 = Slice(j13, st, en, ax)\n  j14 = Concat<axis = 0>(c13, c13)\n  c14 = Slice(j14, st, en, ax)\n  j15 = Concat<axis = 0>(c14, c14)\n  c15 = Slice(j15, st, en, ax)\n  j16 = Concat<axis = 0>(c15, c15)\n  c16 = Slice(j16, st, en, ax)\n  j17 = Concat<axis = 0>(c16, c16)\n  c17 = Slice(j17, st, en, ax)\n  j18 = Concat<axis = 0>(c17, c17)\n  c18 = Slice(j18, st, en, ax)\n  j19 = Concat<axis = 0>(c18, c18)\n  c19 = Slice(j19, st, en, ax)\n  j20 = Concat<axis = 0>(c19, c19)\n  c20 = Slice(j20, st, en, ax)\n  j21 = Concat<axis = 0>(c20, c20)\n  c21 = Slice(j21, st, en, ax)\n  j22 = Concat<axis = 0>(c21, c21)\n  c22 = Slice(j22, st, en, ax)\n  j23 = Concat<axis = 0>(c22, c22)\n  c23 = Slice(j23, st, en, ax)\n  j24 = Concat<axis = 0>(c23, c23)\n  c24 = Slice(j24, st, en, ax)\n  j25 = Concat<axis = 0>(c24, c24)\n  c25 = Slice(j25, st, en, ax)\n  j26 = Concat<axis = 0>(c25, c25)\n  c26 = Slice(j26, st, en, ax)\n  j27 = Concat<axis = 0>(c26, c26)\n  c27 = Slice(j27, st, en, ax)\n  j28 = Concat<axis = 0>(c27, c27)\n  c28 = Slice(j28, st, en, ax)\n  j29 = Concat<axis = 0>(c28, c28)\n  c29 = Slice(j29, st, en, ax)\n  j30 = Concat<axis = 0>(c29, c29)\n  c30 = Slice(j30, st, en, ax)\n}\n");
  const CommandResult deep_result = Modelc("compile " + deep + " --name deep -o " + deep_out.path());
  ASSERT_EQ(deep_result.exit_code, 0) << deep_result.output;
  EXPECT_NE(ReadFileBytes(deep_out.File("deep.h")).find("#define DEEP_OUT_C30_SCALE 0.5f\n"), std::string::npos);
}

// The fused quantised ops (here DQ -> Softmax -> Q, which becomes QLinearSoftmax) still
// state their int8 input's and output's pair in the header; and a pair without its zero
// point (0 of the quantised type, uint8 here) is fused too.
TEST(Cli, FusedQuantisedOpsKeepTheirPairsInTheHeader) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "sm.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (int8[2,5] x, uint8[2,5] u) => (int8[2,5] y, uint8[2,5] v) {
  s = Constant<value = float {0.5}>()
  z = Constant<value = int8 {-3}>()
  d = DequantizeLinear(x, s, z)
  e = Softmax(d)
  t = Constant<value = float {0.00390625}>()
  m = Constant<value = int8 {-128}>()
  y = QuantizeLinear(e, t, m)
  du = DequantizeLinear(u, s)
  eu = Softmax(du)
  v = QuantizeLinear(eu, t)
}
)");
  CommandResult result = Modelc("compile " + model + " --name sm --dump-ir -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.find("= Softmax("), std::string::npos) << result.output;  // both fused
  const std::string header = ReadFileBytes(out.File("sm.h"));
  for (const char* line : {"#define SM_IN_X_SCALE 0.5f\n", "#define SM_IN_X_ZERO_POINT (-3)\n",
                           "#define SM_OUT_Y_SCALE 0.00390625f\n", "#define SM_OUT_Y_ZERO_POINT (-128)\n",
                           "#define SM_OUT_V_ZERO_POINT (0)\n"}) {
    EXPECT_NE(header.find(line), std::string::npos) << line << "\n" << header;
  }
}

// Weight-only quantisation (float data, DequantizeLinear of constant int8 weights):
// --weights-int8 keep, the default where the target has an FPU, keeps the 64 x 32
// weights int8 (2,048 bytes, not 8,192 of floats); fold, and the default on a core
// without an FPU (Cortex-M3), fold them into float weights.
TEST(Cli, Int8WeightsStayInt8WhereKept) {
  TemporaryFolder inputs;
  std::string weights;
  for (int i = 0; i < 64 * 32; ++i) weights += (i ? ", " : "") + std::to_string((i * 37) % 255 - 127);
  const std::string model = WriteFile(inputs, "wo.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,64] x) => (float[1,32] y) {
  w = Constant<value = int8[64,32] {)" + weights + R"(}>()
  s = Constant<value = float {0.01}>()
  d = DequantizeLinear(w, s)
  y = MatMul(x, d)
}
)");
  auto read_only_bytes = [&](const std::string& flags, bool kept) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + model + " --name wo --dump-ir " + flags + " -o " + out.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.find("modelc.Int8WeightsMatMul(") != std::string::npos, kept) << flags << result.output;
    const std::string report = ReadFileBytes(out.File("wo.report.txt"));
    const size_t at = report.find("read-only data ");
    return at == std::string::npos ? int64_t{-1} : std::stoll(report.substr(at + 15));
  };
  const int64_t kept = read_only_bytes("", true), folded = read_only_bytes("--weights-int8 fold", false);
  EXPECT_GE(kept, 2048);
  EXPECT_LT(kept, 2048 + 1024);
  EXPECT_GE(folded, 8192);
  read_only_bytes("--target thumbv7em-none-eabihf", true);
  read_only_bytes("--target thumbv7m-none-eabi", false);
  read_only_bytes("--target thumbv7m-none-eabi --weights-int8 keep", true);
}

// How the quantised products scale their int32 sums, per target: by a float multiplier
// (ONNX Runtime's form) where there is an FPU, by an int32 multiplier and shift on the
// FPU-less Cortex-M3; --requantize overrides both ways. The report says which for every
// node and the fixed-point kernels read their multiplier table (the plan's constant
// "requantization"). A model cannot choose it: the attribute is modelc's own, refused
// in a model file.
TEST(Cli, RequantizationFormFollowsTheTarget) {
  const std::string model = std::string(MODELC_INT8_DIR) + "/lenet_int8.onnx";
  auto form = [&](const std::string& flags) -> std::string {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + model + " --name m --dump-plan " + flags + " -o " + out.path());
    EXPECT_EQ(result.exit_code, 0) << flags << result.output;
    const std::string report = ReadFileBytes(out.File("m.report.txt"));
    const bool fixed = report.find("] fixed-point requantisation") != std::string::npos;
    const bool floats = report.find("] float requantisation") != std::string::npos;
    EXPECT_NE(fixed, floats) << flags << "\n" << report;  // one form for every node
    EXPECT_EQ(result.output.find("constant requantization: ") != std::string::npos, fixed) << flags;
    return fixed ? "fixed-point" : floats ? "float" : "none";
  };
  EXPECT_EQ(form(""), "float");
  EXPECT_EQ(form("--requantize fixed-point"), "fixed-point");
  EXPECT_EQ(form("--target thumbv7m-none-eabi"), "fixed-point");
  EXPECT_EQ(form("--target thumbv7m-none-eabi --requantize float"), "float");
  EXPECT_EQ(form("--target thumbv7em-none-eabihf"), "float");
  ExpectCleanFailure("compile " + model + " --requantize double", 2,
                     {"--requantize takes 'float' or 'fixed-point', not 'double'"});
  TemporaryFolder inputs;
  const std::string marked = WriteFile(inputs, "marked.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (int8[1,4] a, float ys) => (int8[1,2] y) {
  as = Constant<value = float {0.5}>()
  az = Constant<value = int8 {0}>()
  b = Constant<value = int8[4,2] {1, 2, 3, 4, 5, 6, 7, 8}>()
  bs = Constant<value = float {0.25}>()
  bz = Constant<value = int8 {0}>()
  yz = Constant<value = int8 {0}>()
  y = QLinearMatMul<fixed_point_requantization = 1>(a, as, az, b, bs, bz, ys, yz)
}
)");
  ExpectCleanFailure("compile " + marked, 1,
                     {"marked.onnxtxt", "QLinearMatMul", "no attribute 'fixed_point_requantization'"});
  // Nor on ONNX Runtime's ops, whose schemas do not have it: TFLite's arithmetic is the
  // TFLite frontend's to ask for.
  const std::string softmax = WriteFile(inputs, "softmax.onnxtxt",
                                        R"(<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
g (int8[1,4] x) => (int8[1,4] y) {
  xs = Constant<value = float {0.000000001}>()
  xz = Constant<value = int8 {0}>()
  ys = Constant<value = float {0.00390625}>()
  yz = Constant<value = int8 {-128}>()
  y = com.microsoft.QLinearSoftmax<opset = 13, fixed_point_requantization = 2>(x, xs, xz, ys, yz)
}
)");
  ExpectCleanFailure("compile " + softmax, 1,
                     {"softmax.onnxtxt", "com.microsoft.QLinearSoftmax has no attribute 'fixed_point_requantization'"});
  // A matrix product's transposed operands are transpose sinking's (an absorbed adjoint),
  // whatever the opset (QLinearMatMul has no schema below opset 10 to refuse them).
  const std::string product = WriteFile(inputs, "product.onnxtxt", R"(<ir_version: 9, opset_import: ["" : 9]>
g (uint8[2,3] a, uint8[4,3] b) => (uint8[2,4] y) {
  s = Constant<value = float {0.5}>()
  z = Constant<value = uint8 {0}>()
  y = QLinearMatMul<transB = 1>(a, s, z, b, s, z, s, z)
}
)");
  ExpectCleanFailure("compile " + product, 1, {"product.onnxtxt", "attribute 'transB' is reserved"});
  const std::string quantize = WriteFile(inputs, "quantize.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x) => (int8[4] y) {
  s = Constant<value = float {0.5}>()
  z = Constant<value = int8 {0}>()
  y = QuantizeLinear<round_half_away_from_zero = 1>(x, s, z)
}
)");
  ExpectCleanFailure("compile " + quantize, 1, {"quantize.onnxtxt", "no attribute 'round_half_away_from_zero'"});
}

// A QDQ model whose int32 bias is not quantised with input scale x weight scale is
// inconsistent: refused, naming the node, and no file is written.
TEST(Cli, QuantisedBiasWithTheWrongScaleIsRefused) {
  TemporaryFolder inputs, out;
  const std::string model = WriteFile(inputs, "bias.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,1,3,3] x) => (float[1,2,3,3] y) {
  xs = Constant<value = float {0.5}>()
  xz = Constant<value = int8 {0}>()
  xq = QuantizeLinear(x, xs, xz)
  xd = DequantizeLinear(xq, xs, xz)
  w = Constant<value = int8[2,1,1,1] {3, -4}>()
  ws = Constant<value = float[2] {0.25, 0.125}>()
  wz = Constant<value = int8[2] {0, 0}>()
  wd = DequantizeLinear<axis = 0>(w, ws, wz)
  b = Constant<value = int32[2] {7, 9}>()
  bs = Constant<value = float[2] {0.125, 0.07}>()
  bd = DequantizeLinear<axis = 0>(b, bs)
  c = Conv(xd, wd, bd)
  ys = Constant<value = float {0.1}>()
  yq = QuantizeLinear(c, ys, xz)
  y = DequantizeLinear(yq, ys, xz)
}
)");
  CommandResult result = Modelc("compile " + model + " --name bias -o " + out.path());
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("node 'Conv_"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("its int32 bias has scale 0.07 at channel 1 but input scale x weight scale is 0.0625"),
            std::string::npos) << result.output;
  EXPECT_FALSE(FileExists(out.File("bias.o")));
  EXPECT_FALSE(FileExists(out.File("bias.h")));
}

// ORT's QLinearSoftmax: its table is built from x's scale while compiling, and its
// rows depend on the 'opset' attribute ORT's op carries; without either, refused.
TEST(Cli, QLinearSoftmaxWithoutWhatItsTableNeedsIsRefused) {
  TemporaryFolder inputs;
  const std::string header = R"(<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
g (int8[2,3] x, float xs) => (int8[2,3] y) {
  xz = Constant<value = int8 {0}>()
  ys = Constant<value = float {0.00390625}>()
  yz = Constant<value = int8 {-128}>()
)";
  const std::string run_time_scale =
      WriteFile(inputs, "scale.onnxtxt", header + "  y = com.microsoft.QLinearSoftmax<opset = 13>(x, xs, xz, ys, yz)\n}\n");
  ExpectCleanFailure("compile " + run_time_scale, 1, {"(QLinearSoftmax)", "scale computed at run time"});
  const std::string no_opset = WriteFile(inputs, "opset.onnxtxt",
                                         header + "  s = Constant<value = float {0.5}>()\n"
                                                  "  y = com.microsoft.QLinearSoftmax(x, s, xz, ys, yz)\n}\n");
  ExpectCleanFailure("compile " + no_opset, 1, {"QLinearSoftmax", "'opset'"});
}

TEST(Cli, WeightsNamedAsInputsBecomeRunTimeInputs) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kModels + "/digits_cnn.onnx --inputs fc.bias --name cnn -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(out.File("cnn.h")).find("int cnn_run(const float *image, const float *fc_bias, float *probs, "
                                                  "void *scratch);"), std::string::npos);
  ExpectCleanFailure("compile " + kModels + "/digits_cnn.onnx --outputs no_such_tensor", 1,
                     {"--outputs: the model has no tensor named 'no_such_tensor'"});
}

TEST(Cli, ExternalWeightsAreAFourthFileAndDeterministic) {
  TemporaryFolder first, second;
  for (const TemporaryFolder* out : {&first, &second}) {
    CommandResult result = Modelc("compile " + kModels + "/digits_cnn.onnx --weights external --name cnn -o " + out->path());
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }
  EXPECT_EQ(first.Files(), (std::vector<std::string>{"cnn.h", "cnn.o", "cnn.report.txt", "cnn.weights.bin"}));
  EXPECT_EQ(ReadFileBytes(first.File("cnn.weights.bin")), ReadFileBytes(second.File("cnn.weights.bin")));
  EXPECT_EQ(ReadFileBytes(first.File("cnn.weights.bin")).substr(0, 7), "MODELCW");
  for (const std::string& symbol : UndefinedSymbols(first.File("cnn.o"))) {
    EXPECT_TRUE(symbol == "memcpy" || symbol == "memset" || symbol == "memmove") << symbol;
  }
  ExpectCleanFailure("compile " + kModels + "/digits_cnn.onnx --weights sideways", 2, {"--weights"});
}

// The blob holds what the kernels read and nothing else: a matrix product reads its
// repacked panels, not the model's weight tensor, which therefore is not in the blob
// (digits_mlp's blob was twice its weights). Held against the embedded object's
// read-only data (the same constants, plus tables and the descriptor), in both modes.
TEST(Cli, ExternalWeightsHoldOnlyWhatTheKernelsRead) {
  for (const std::string mode : {"speed", "size"}) {
    TemporaryFolder external, embedded;
    const std::string model = kModels + "/digits_mlp.onnx --name m --optimize " + mode;
    ASSERT_EQ(Modelc("compile " + model + " --weights external -o " + external.path()).exit_code, 0);
    ASSERT_EQ(Modelc("compile " + model + " -o " + embedded.path()).exit_code, 0);
    const std::string report = ReadFileBytes(embedded.File("m.report.txt"));
    const size_t at = report.find("read-only data ");
    ASSERT_NE(at, std::string::npos) << report;
    const int64_t read_only = std::stoll(report.substr(at + 15));
    const int64_t blob = static_cast<int64_t>(ReadFileBytes(external.File("m.weights.bin")).size());
    EXPECT_GT(blob, read_only / 2) << mode;
    EXPECT_LE(blob, read_only + 64 * 8) << mode << ": header and alignment aside, no more than the embedded constants";
  }
}

TEST(Cli, ConnectionsAreCheckedAtCompileTime) {
  const std::string cuts = std::string(MODELC_TEST_MODELS_DIR) + "/../data/cuts/";
  const std::string models = cuts + "digits_cnn_features.onnx " + cuts + "joint_head.onnx ";
  ExpectCleanFailure("compile " + models + "--connect digits_cnn_features:flat=joint_head:joined", 2, {"--name"});
  ExpectCleanFailure("compile " + models + "--name j --connect digits_cnn_features:flat=joint_head:joined", 1,
                     {"'joint_head:joined' has shape [1,96] but receives [1,64]"});
  ExpectCleanFailure("compile " + models + "--name j --connect nothere:flat=joint_head:joined", 1,
                     {"no model named 'nothere'"});
  ExpectCleanFailure("compile " + models + "--name j --connect joint_head:probs=digits_cnn_features:image", 1,
                     {"list the source model before the target model"});
}

// Models compiled into one object are named after their files, and a model's name
// starts the C names of its tensors: two file names that sanitise to the same C name
// are refused (the header could tell their tensors apart only by made-up suffixes).
TEST(Cli, ModelsWhoseNamesSanitiseAlikeAreRefused) {
  const std::string features = std::string(MODELC_TEST_MODELS_DIR) + "/../data/cuts/digits_cnn_features.onnx";
  TemporaryFolder inputs, out;
  const std::string dashed = WriteFile(inputs, "feat-x.onnx", ReadFileBytes(features));
  const std::string underscored = WriteFile(inputs, "feat_x.onnx", ReadFileBytes(features));
  ExpectCleanFailure("compile " + dashed + " " + underscored + " --name both", 1,
                     {"feat-x.onnx' and '", "feat_x.onnx' both become 'feat_x' in C names"});
  const std::string other = WriteFile(inputs, "feat_y.onnx", ReadFileBytes(features));
  CommandResult distinct = Modelc("compile " + dashed + " " + other + " --name both -o " + out.path());
  EXPECT_EQ(distinct.exit_code, 0) << distinct.output;
}

TEST(Cli, WritesObjectHeaderAndReport) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kModels + "/digits_cnn.onnx --name cnn -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(out.Files(), (std::vector<std::string>{"cnn.h", "cnn.o", "cnn.report.txt"}));
  const std::string report = ReadFileBytes(out.File("cnn.report.txt"));
  for (const char* expected : {"weights:", "scratch:", "activation bound:", "live peak:", "tensor placement:",
                               "Conv+Relu x2", "(view, no code)"}) {
    EXPECT_NE(report.find(expected), std::string::npos) << expected << "\n" << report;
  }
  const std::string header = ReadFileBytes(out.File("cnn.h"));
  EXPECT_NE(header.find("int cnn_run(const float *image, float *probs, void *scratch);"), std::string::npos) << header;
  EXPECT_NE(header.find("extern const modelc_model_info cnn_model_info;"), std::string::npos);
}

TEST(Cli, DumpIrPrintsTheGraph) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kModels + "/digits_mlp.onnx --dump-ir -o " + out.path());
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("%relu1: float32[1,32] = Gemm(%image, %fc1.weight, %fc1.bias) "
                               "{fused_activation=\"Relu\", transB=1}  # fc1"),
            std::string::npos) << result.output;
}

TEST(Cli, CompilingTwiceGivesByteIdenticalFiles) {
  for (const std::string model : {"digits_mlp", "digits_cnn"}) {
    TemporaryFolder first, second;
    ASSERT_EQ(Modelc("compile " + kModels + "/" + model + ".onnx -o " + first.path()).exit_code, 0);
    ASSERT_EQ(Modelc("compile " + kModels + "/" + model + ".onnx -o " + second.path()).exit_code, 0);
    for (const std::string suffix : {".o", ".h", ".report.txt"}) {
      EXPECT_EQ(ReadFileBytes(first.File(model + suffix)), ReadFileBytes(second.File(model + suffix)))
          << model << suffix << " differs between two compilations";
    }
  }
}

std::set<std::string> UndefinedSymbols(const std::string& object) {
  CommandResult nm = RunCommand("nm -u " + object);
  EXPECT_EQ(nm.exit_code, 0) << nm.output;
  std::set<std::string> symbols;
  for (const std::string& line : Lines(nm.output)) {
    std::istringstream fields(line);
    std::string kind, name;
    fields >> kind >> name;
    if (!name.empty()) symbols.insert(name);
  }
  return symbols;
}

// The stack bound covers the generated frames only: the report names the functions the
// object calls from the user's C library (memset in ARM's spelling, clearing a padded
// copy on Cortex-M under --optimize speed), exactly the object's undefined symbols, whose
// frames add to it, each with the generated frames in use at its deepest call.
TEST(Cli, StackBoundNamesTheLibraryFunctionsItLeavesOut) {
  TemporaryFolder out;
  ASSERT_EQ(Modelc("compile " + kTestModels + "/conv_chain_padded.onnxtxt --target thumbv7em-none-eabihf "
                   "--optimize speed --name m -o " + out.path() + " --report-json").exit_code, 0);
  const std::set<std::string> undefined = UndefinedSymbols(out.File("m.o"));
  ASSERT_FALSE(undefined.empty());  // else this test checks nothing: find a model that calls memset
  const nlohmann::json report = nlohmann::json::parse(ReadFileBytes(out.File("m.report.json")));
  const auto listed = report["totals"]["external_functions"].get<std::vector<std::string>>();
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), undefined);
  // Each is called with some of the generated frames in use, never more than the bound.
  const auto depths = report["totals"]["external_call_depths"].get<std::map<std::string, int64_t>>();
  const int64_t bound = report["totals"]["stack_bound_bytes"].get<int64_t>();
  EXPECT_EQ(depths.size(), undefined.size());
  for (const auto& [name, depth] : depths) {
    EXPECT_TRUE(undefined.count(name)) << name;
    EXPECT_GT(depth, 0) << name;
    EXPECT_LE(depth, bound) << name;
  }
  const std::string text = ReadFileBytes(out.File("m.report.txt"));
  const size_t stack = text.find("stack:");
  ASSERT_NE(stack, std::string::npos) << text;
  const std::string stack_line = text.substr(stack, text.find('\n', stack) - stack);
  for (const std::string& name : undefined) EXPECT_NE(stack_line.find(name), std::string::npos) << stack_line;
}

// On a microcontroller the kernels' copy and fill loops stay inline, vectorised, not
// calls to the user's memcpy and memset (newlib-nano's are byte loops): the op model
// direct_row_lanes_long_rows, whose plane rows copy each output row out and clear the
// padded planes' border rows, called both on the Cortex-M55 in speed mode. Size mode
// may call them (smaller code).
TEST(Cli, MicrocontrollerKernelsKeepTheirCopyLoopsInline) {
  TemporaryFolder out;
  const std::string compile = "compile " + kTestModels + "/direct_row_lanes_long_rows.onnxtxt --target "
                              "thumbv8.1m.main-none-eabihf --cpu cortex-m55 --name m -o " + out.path();
  const CommandResult speed = Modelc(compile + " --optimize speed --dump-plan");
  ASSERT_EQ(speed.exit_code, 0) << speed.output;
  ASSERT_NE(speed.output.find("workspace plane_outputs"), std::string::npos) << speed.output;  // what it is about
  EXPECT_EQ(UndefinedSymbols(out.File("m.o")), std::set<std::string>{});
}

// Sections that would be writable at run time: .data* (except .data.rel.ro, read-only
// after relocation) and .bss*, with a non-zero size.
std::vector<std::string> WritableSections(const std::string& object) {
  CommandResult sections = RunCommand("readelf -S -W " + object);
  std::vector<std::string> writable;
  for (const std::string& line : Lines(sections.output)) {
    std::istringstream fields(line.substr(line.find(']') == std::string::npos ? 0 : line.find(']') + 1));
    std::string name, type, address, offset, size;
    fields >> name >> type >> address >> offset >> size;
    const bool data = name.rfind(".data", 0) == 0 && name.rfind(".data.rel.ro", 0) != 0;
    if ((data || name.rfind(".bss", 0) == 0) && size.find_first_not_of('0') != std::string::npos) {
      writable.push_back(name);
    }
  }
  return writable;
}

// The weights and everything derived from them (repacked panels, transformed filters)
// are in sections named .rodata.NAME.*, so that a linker script can put them in another
// memory (docs/runtime.md): small ones too, which LLVM would otherwise merge into
// .rodata.cst16 etc. (on Arm, where code keeps its literals in .text, no such section is
// left). Together they hold nearly all the weights' bytes the report states: a kernel may
// keep a few as immediates in its code (digits_cnn's 40-byte Gemm bias on Cortex-M4).
TEST(Cli, WeightsAreInSectionsNamedAfterTheModel) {
  TemporaryFolder out;
  for (const std::string target : {"", " --target thumbv7em-none-eabihf --cpu cortex-m4",
                                   " --target thumbv8.1m.main-none-eabihf --cpu cortex-m55 --optimize size"}) {
    ASSERT_EQ(Modelc("compile " + kModels + "/digits_cnn.onnx --name cnn -o " + out.path() + target).exit_code, 0);
    const std::string report = ReadFileBytes(out.File("cnn.report.txt"));
    const size_t at = report.find("weights:      ");
    ASSERT_NE(at, std::string::npos);
    const int64_t weight_bytes = std::stoll(report.substr(at + 14));
    int64_t in_weight_sections = 0;
    for (const std::string& line : Lines(RunCommand("readelf -S -W " + out.File("cnn.o")).output)) {
      std::istringstream fields(line.substr(line.find(']') == std::string::npos ? 0 : line.find(']') + 1));
      std::string name, type, address, offset, size;
      fields >> name >> type >> address >> offset >> size;
      if (name.rfind(".rodata", 0) != 0 || type != "PROGBITS") continue;
      if (name.rfind(".rodata.cnn.", 0) == 0) in_weight_sections += std::stoll(size, nullptr, 16);
      if (!target.empty()) {
        EXPECT_NE(name.rfind(".rodata.cst", 0), 0u) << name << target;
      }
    }
    EXPECT_GE(in_weight_sections, weight_bytes * 99 / 100) << target;
  }
}

TEST(Cli, HostObjectsAreFreestanding) {
  TemporaryFolder out;
  std::vector<std::string> models = {kModels + "/digits_mlp.onnx", kModels + "/digits_cnn.onnx"};
  for (const char* op : {"unary_activations", "unary_math", "nary_elementwise", "softmax_axes",
                         "batchnorm_runtime_statistics", "views_and_copies"}) {
    models.push_back(kTestModels + "/" + op + ".onnxtxt");
  }
  const std::set<std::string> allowed = {"memcpy", "memset", "memmove"};
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string name = "m" + std::to_string(i);
    ASSERT_EQ(Modelc("compile " + models[i] + " --name " + name + " -o " + out.path()).exit_code, 0) << models[i];
    for (const std::string& symbol : UndefinedSymbols(out.File(name + ".o"))) {
      EXPECT_TRUE(allowed.count(symbol)) << models[i] << " needs '" << symbol << "'";
    }
    EXPECT_TRUE(WritableSections(out.File(name + ".o")).empty()) << models[i];
  }
}

// Targets without rounding or square-root-free math instructions must still get inline
// code: floor, round, log, erf and pow may not become libm calls anywhere. Cores
// without an FPU call only the compiler runtime's float helpers, and have no sqrt
// instruction either (unary_math's Sqrt: no sqrtf).
TEST(Cli, MathStaysInlineOnEveryTarget) {
  TemporaryFolder out;
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"thumbv7em-none-eabihf", "cortex-m4"}, {"thumbv8.1m.main-none-eabihf", "cortex-m55"},
      {"aarch64-linux-gnu", "cortex-a53"}, {"riscv64-linux-gnu", "sifive-u74"},
      {"thumbv7m-none-eabi", "cortex-m3"}, {"thumbv8m.main-none-eabihf", "cortex-m33"},
      {"riscv32-unknown-elf", "sifive-e20"}};
  for (const auto& [triple, cpu] : targets) {
    for (const char* model : {"unary_math", "nary_elementwise", "trigonometric", "index_maps"}) {
      ASSERT_EQ(Modelc("compile " + kTestModels + "/" + model + ".onnxtxt --name m --target " + triple +
                       " --cpu " + cpu + " -o " + out.path()).exit_code, 0) << triple;
      const bool soft_float = cpu == "cortex-m3" || cpu == "sifive-e20";
      for (const std::string& symbol : UndefinedSymbols(out.File("m.o"))) {
        EXPECT_TRUE(IsMemoryFunction(symbol) || (soft_float && IsSoftFloatHelper(symbol)))
            << model << " on " << triple << " needs '" << symbol << "'";
      }
    }
  }
}

TEST(Cli, CrossCompilesForCortexM4) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kModels + "/digits_cnn.onnx --target thumbv7em-none-eabihf "
                                "--cpu cortex-m4 --name cnn -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string object = out.File("cnn.o");
  const std::string header = RunCommand("readelf -h " + object).output;
  EXPECT_NE(header.find("ELF32"), std::string::npos) << header;
  EXPECT_NE(header.find("Machine:                           ARM"), std::string::npos) << header;
  const std::string attributes = RunCommand("readelf -A " + object).output;
  EXPECT_NE(attributes.find("Tag_ABI_VFP_args: VFP registers"), std::string::npos) << attributes;  // hard-float ABI
  EXPECT_NE(attributes.find("Tag_CPU_name: \"cortex-m4\""), std::string::npos) << attributes;
  EXPECT_NE(attributes.find("Tag_FP_arch"), std::string::npos) << attributes;
  // ARM's run-time ABI names the memory functions __aeabi_*; nothing else may be needed.
  for (const std::string& symbol : UndefinedSymbols(object)) {
    EXPECT_TRUE(symbol.rfind("__aeabi_mem", 0) == 0 || symbol == "memcpy" || symbol == "memset" ||
                symbol == "memmove") << "needs '" << symbol << "'";
  }
  EXPECT_TRUE(WritableSections(object).empty());
  EXPECT_NE(ReadFileBytes(out.File("cnn.h")).find("thumbv7em-unknown-none-eabihf"), std::string::npos);
  const std::string report = ReadFileBytes(out.File("cnn.report.txt"));
  // The report's flash figure is what binutils counts as text (code + read-only data).
  std::istringstream size_output(Lines(RunCommand("size " + object).output).at(1));
  std::string text_bytes;
  size_output >> text_bytes;
  EXPECT_NE(report.find("flash:        " + text_bytes + " bytes"), std::string::npos) << report << text_bytes;
  EXPECT_NE(report.find("stack:        at most "), std::string::npos) << report;
}

TEST(Cli, CrossCompilesForAArch64Linux) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + kModels + "/digits_mlp.onnx --target aarch64-linux-gnu "
                                "--cpu cortex-a53 --name mlp -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = RunCommand("readelf -h " + out.File("mlp.o")).output;
  EXPECT_NE(header.find("ELF64"), std::string::npos) << header;
  EXPECT_NE(header.find("AArch64"), std::string::npos) << header;
  EXPECT_NE(RunCommand("file " + out.File("mlp.o")).output.find("ARM aarch64"), std::string::npos);
}

// Issue-level guarantees on the benchmark models (skipped without ../shared/models):
// the planned arena is within 5% of the live peak (tensors and workspaces), and fusion leaves no
// separate BatchNormalization, Add or Relu in the models made of such blocks.
TEST(Cli, SharedModelsPlanNearTheLowerBoundAndFuseTheirBlocks) {
  const std::string shared = MODELC_SHARED_MODELS;
  if (!FileExists(shared + "/mlp.onnx")) GTEST_SKIP() << "../shared/models is not present";
  TemporaryFolder out;
  for (const std::string model : {"mlp", "lenet", "ds_cnn_kws", "resnet8", "mobilenet_v1_025_vww", "fc_autoencoder_ad"}) {
    ASSERT_EQ(Modelc("compile " + shared + "/" + model + ".onnx -o " + out.path()).exit_code, 0) << model;
    const std::string report = ReadFileBytes(out.File(model + ".report.txt"));
    const size_t ratio_at = report.find("scratch / live peak: ");
    ASSERT_NE(ratio_at, std::string::npos) << report;
    const double ratio = std::stod(report.substr(ratio_at + 21));
    EXPECT_LE(ratio, 1.05) << model;
    std::string op_list = report.substr(report.find("graph:"));
    op_list = op_list.substr(0, op_list.find('\n'));
    for (const char* separate : {" BatchNormalization x", " Add x", " Relu x"}) {
      if (model == "mlp" || model == "lenet") continue;
      EXPECT_EQ(op_list.find(separate), std::string::npos) << model << ": " << op_list;
    }
    if (model == "fc_autoencoder_ad") {
      EXPECT_NE(op_list.find("nodes after optimisation; Gemm x1, Gemm+Relu x9"), std::string::npos) << op_list;
    }
  }
}

// The fuzzing reproducers of issue #19 (tests/data/fuzz/, copied from
// ../shared/repro/fuzz/): each crashed the compiler (a sanitizer report, a signal, an
// uncaught exception, or gigabytes allocated) or overflowed silently. A malformed
// model must be refused with one line naming the problem and leave no files; a valid
// one (a huge step or stride is legal) must compile, with the right output shape.
struct FuzzCase {
  std::string name;        // the file's stem, the reproducer's folder name
  std::string flags;       // as the fuzzer ran it
  int exit_code;           // 1: refused; 0: a valid model, compiled
  std::vector<std::string> mentions;  // in the error line, or in the header when compiled
};

std::ostream& operator<<(std::ostream& stream, const FuzzCase& fuzz_case) { return stream << fuzz_case.name; }

std::vector<FuzzCase> FuzzCases() {
  return {
      {"01_libonnx_fpe_conv_strides0_inside_If", "", 1,
       {"node 'If_0' (If): then_branch: node 'Conv_0' (Conv)", "'strides' has value 0, which must be at least 1"}},
      {"02_libonnx_fpe_depthtospace_blocksize_2pow32", "", 1,
       {"(DepthToSpace)", "blocksize 4294967296 is too large", "(the limit)"}},
      {"03_libonnx_segv_conv_weight_rank_gt_input", "", 1, {"node 'Conv_0' (Conv)", "weight rank 4 differs from input rank 3"}},
      {"04_libonnx_segv_convtranspose_weight_rank_lt_input", "", 1,
       {"node 'ConvTranspose_0' (ConvTranspose)", "input 1 has element type bool"}},
      {"05_libonnx_segv_layernorm_axis_int_min", "", 1, {"(LayerNormalization)", "axis -2147483648 is out of range"}},
      {"06_libonnx_segv_parsedata_raw_len_lt_8", "--target thumbv7em-none-eabihf", 1,
       {"tensor 'sizes' holds 6 bytes but its shape [4] needs 32"}},
      {"07_modelc_asan_resize_roi_oob_read", "", 1, {"node 'Resize_0' (Resize)", "roi has 4 values; it needs 2 x rank = 8"}},
      {"08_libonnx_heap_write_parsedata_raw_len_not_mult_8", "--target aarch64-linux-gnu", 1,
       {"tensor 'shape' holds 11 bytes but its shape [2] needs 16"}},
      {"09_modelc_asan_variadic_gap_input_oob_read", "", 1, {"node 'Max_0' (Max)", "input 1 is empty"}},
      {"11_modelc_ubsan_reshape_product_overflow", "", 1,
       {"(Reshape)", "[4611686018427387906,4] has more than 4294967296 elements (the limit)"}},
      // Range(INT64_MIN, INT64_MAX, 2^38) has 2^26 elements: at the limit, valid.
      {"12_modelc_ubsan_range_i64_overflow_T", "", 0, {"#define M_OUT_Y_ELEMENTS 1u"}},
      {"13_modelc_ubsan_range_i32_overflow_T", "", 0, {"#define M_OUT_Y_ELEMENTS 1u"}},
      {"14_modelc_ubsan_window_dilation_overflow_T", "", 1,
       {"node 'Conv_0' (Conv)", "dilation 4611686018427387904", "overflows 64-bit sizes"}},
      {"15_modelc_ubsan_window_pads_overflow_T", "", 1,
       {"node 'MaxPool_0' (MaxPool)", "pads 9223372036854775807 and 9223372036854775807", "overflows 64-bit sizes"}},
      // A stride of INT64_MAX with SAME_UPPER: one output row.
      {"16_modelc_ubsan_window_same_upper_stride_overflow_T", "", 0, {"#define M_OUT_Y_ELEMENTS 8u"}},
      // Slice steps of INT64_MAX (first element only) and INT64_MIN (from 0 backwards: empty).
      {"17_modelc_ubsan_slice_step_max_T", "", 0, {"#define M_OUT_Y_ELEMENTS 2u"}},
      {"18_modelc_ubsan_slice_step_min_negate_T", "", 0, {"#define M_OUT_Y_ELEMENTS 0u"}},
      {"19_modelc_asan_resize_roi_oob_read_handmade_T", "", 1, {"(Resize)", "roi has 1 values; it needs 2 x rank = 8"}},
      {"20_libonnx_fpe_if_nested_conv_handmade_T", "", 1,
       {"(If): then_branch: node 'Conv_0' (Conv)", "'strides' has value 0, which must be at least 1"}},
      {"21_modelc_abort_variadic_gap_length_error_T", "", 1, {"node 'Max_0' (Max)", "input 1 is empty"}},
      {"22_libonnx_segv_gemm6_mergeimpl_LF", "", 1, {"node 'Constant_0' (Constant)", "holds 4 bytes but its shape [17] needs 68"}},
      {"23_modelc_oom_expand_dim_table_5_6GB_LF", "", 1,
       {"node 'Expand_0' (Expand)", "[1,3,704643075]", "more than 67108864 entries (the limit)"}},
      {"24_modelc_ubsan_floatcast_resize_scales_LF", "", 1,
       {"(Resize)", "scale 4.15052e+21 is invalid", "at most 65536"}},
      {"25_modelc_ubsan_floatcast_resize_axis_roi_LF", "", 1, {"(Resize)", "roi holds nan, which is not finite"}},
      // Range(1, -2.8e19, 2) is empty; the mutated model then names an output nobody makes.
      {"26_modelc_ubsan_floatcast_range_float_LF", "", 1, {"graph output 'ortput' is never produced"}},
      // A TFLite file whose int64 zero points lie 4 bytes off their alignment (flatbuffers'
      // verifier checks a vector's length word only): read as bytes, then refused.
      {"27_modelc_ubsan_tflite_zero_point_misaligned", "", 1,
       {"operator 1 (CONV_2D)", "has zero point 4042468377226137210, which int32 cannot have"}},
  };
}

class FuzzReproducers : public ::testing::TestWithParam<FuzzCase> {};

TEST_P(FuzzReproducers, AreRefusedCleanlyOrCompiled) {
  const FuzzCase& fuzz_case = GetParam();
  std::string model = std::string(MODELC_FUZZ_DIR) + "/" + fuzz_case.name + ".onnx";
  if (!FileExists(model)) model = std::string(MODELC_FUZZ_DIR) + "/" + fuzz_case.name + ".tflite";
  ASSERT_TRUE(FileExists(model)) << model;
  const std::string arguments = "compile " + model + " --name m " + fuzz_case.flags;
  if (fuzz_case.exit_code != 0) {
    std::vector<std::string> mentions = fuzz_case.mentions;
    mentions.push_back("modelc: error: " + model + ": ");
    ExpectCleanFailure(arguments, fuzz_case.exit_code, mentions);
    return;
  }
  TemporaryFolder out;
  CommandResult result = Modelc(arguments + " -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("m.h"));
  for (const std::string& text : fuzz_case.mentions) EXPECT_NE(header.find(text), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Issue19, FuzzReproducers, ::testing::ValuesIn(FuzzCases()),
                         [](const ::testing::TestParamInfo<FuzzCase>& info) { return "case" + info.param.name.substr(0, 2); });

// Every reproducer in the folder has its case above.
TEST(FuzzReproducers, EveryModelHasACase) {
  std::set<std::string> listed;
  for (const FuzzCase& fuzz_case : FuzzCases()) listed.insert(fuzz_case.name);
  for (const auto& entry : std::filesystem::directory_iterator(MODELC_FUZZ_DIR)) {
    EXPECT_TRUE(listed.count(entry.path().stem().string())) << entry.path();
  }
}
// modelc run: a model of ONNX's node tests on its own data set, checked against its
// expected output; then the refusals, each one line, leaving no temporary folder.
TEST(CliRun, RunsAModelOnTensorFilesAndChecksItsOutputs) {
  const std::string test = "/usr/share/libonnx-testdata/data/node/test_relu";
  if (!std::filesystem::exists(test)) GTEST_SKIP() << "no ONNX test data (libonnx-testdata)";
  const std::string data = test + "/test_data_set_0/";
  TemporaryFolder temporary, saved;
  const std::string environment = "TMPDIR=" + temporary.path() + " ";
  CommandResult ran = RunCommand(environment + MODELC_BINARY + " run " + test + "/model.onnx --input " + data +
                                 "input_0.pb --expect " + data + "output_0.pb --save-outputs " + saved.path());
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find("output 0 'y' float32[3,4,5]: "), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("matches " + data + "output_0.pb"), std::string::npos) << ran.output;
  EXPECT_EQ(saved.Files(), std::vector<std::string>{"output_0.npy"});
  EXPECT_TRUE(temporary.Files().empty()) << "the temporary folder was left behind";

  // Another op's expected output: the same shape, other values.
  const std::string abs_output = "/usr/share/libonnx-testdata/data/node/test_abs/test_data_set_0/output_0.pb";
  CommandResult differs = RunCommand(environment + MODELC_BINARY + " run " + test + "/model.onnx --input " + data +
                                     "input_0.pb --expect " + abs_output);
  EXPECT_EQ(differs.exit_code, 1) << differs.output;
  EXPECT_NE(differs.output.find("DIFFERS from " + abs_output + ": element "), std::string::npos) << differs.output;
  EXPECT_NE(differs.output.find("1 of 1 outputs differ"), std::string::npos) << differs.output;

  CommandResult no_input = RunCommand(environment + MODELC_BINARY + " run " + test + "/model.onnx");
  EXPECT_EQ(no_input.exit_code, 1);
  EXPECT_EQ(Lines(no_input.output).size(), 1u) << no_input.output;
  EXPECT_NE(no_input.output.find("takes 1 input(s), got 0 --input file(s); its inputs: 'x' float32[3,4,5]"),
            std::string::npos) << no_input.output;

  const std::string other_shape = "/usr/share/libonnx-testdata/data/node/test_quantizelinear/test_data_set_0/input_0.pb";
  CommandResult wrong = RunCommand(environment + MODELC_BINARY + " run " + test + "/model.onnx --input " + other_shape);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("is float32[6]; the model's inputs: 'x' float32[3,4,5]"), std::string::npos)
      << wrong.output;
  EXPECT_TRUE(temporary.Files().empty()) << "the temporary folder was left behind";
}

// A float32 NumPy file (format 1.0) of `shape` holding `count` values.
std::string NpyFloat32(const std::string& shape, const float* values, size_t count) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string file = std::string("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(header.size() & 0xFF);
  file += static_cast<char>(header.size() >> 8);
  file += header;
  file.append(reinterpret_cast<const char*>(values), count * sizeof(float));
  return file;
}

// modelc run with --pool: the host runner allocates each pool on its own and the model
// still gives ONNX Runtime's output.
TEST(CliRun, RunsAModelWhoseScratchIsInPools) {
  const std::vector<float> images = ReadFloats(kModels + "/digits_cnn.inputs.bin");
  const std::vector<float> references = ReadFloats(kModels + "/digits_cnn.ort_outputs.bin");
  TemporaryFolder folder;
  const std::string input = WriteFile(folder, "image.npy", NpyFloat32("(1, 1, 8, 8)", images.data() + 64, 64));
  const std::string expected = WriteFile(folder, "probs.npy", NpyFloat32("(1, 10)", references.data() + 10, 10));
  CommandResult ran = Modelc("run " + kModels + "/digits_cnn.onnx --pool fast=1K --pool slow=64K --input " + input +
                             " --expect " + expected + " --rtol 1e-4");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find("matches " + expected), std::string::npos) << ran.output;
}

TEST(CliRun, RefusesWhatItCannotDo) {
  const std::string model = kModels + "/digits_mlp.onnx";
  CommandResult missing = Modelc("run " + model + " --input /nonexistent/x.npy");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("--input /nonexistent/x.npy: cannot open"), std::string::npos) << missing.output;
  for (const std::string flag : {"-o out", "--target thumbv7em-none-eabihf", "--cpu cortex-m4"}) {
    CommandResult refused = Modelc("run " + model + " " + flag);
    EXPECT_EQ(refused.exit_code, 2) << flag;
    EXPECT_NE(refused.output.find("modelc run compiles for this machine"), std::string::npos) << refused.output;
  }
  EXPECT_EQ(Modelc("run " + model + " --weights external").exit_code, 2);
  EXPECT_EQ(Modelc("run " + model + " --rtol -1").exit_code, 2);
  EXPECT_EQ(Modelc("run " + model + " --save-outputs a --save-outputs b").exit_code, 2);
  TemporaryFolder folder;
  const std::string garbage = WriteFile(folder, "garbage.npy", "\x93NUMPY\x01\x00\x40\x00{'descr': '<c8'");
  CommandResult bad = Modelc("run " + model + " --input " + garbage);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(Lines(bad.output).size(), 1u) << bad.output;
  EXPECT_NE(bad.output.find(garbage), std::string::npos) << bad.output;
  CommandResult help = Modelc("run --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--save-outputs DIR"), std::string::npos);
}

// --- TFLite models --------------------------------------------------------------------

namespace tfl = tflite_format;

// A small TFLite file written with the frontend's own generated builder: a chain of
// operators on float32 [1,4] tensors, x -> t1 -> t2 -> ..., operator k using operator
// code k (the codes given, a name for CUSTOM). An ADD reads a constant [4] "bias" as
// its second input, whose buffer holds `bias_bytes` bytes, inline or (when
// `bias_offset` is set) at that offset from the start of the file.
struct TfliteChain {
  std::vector<std::pair<int32_t, std::string>> codes = {{19, ""}};  // RELU
  uint32_t opcode_shift = 0;         // added to every operator's code index
  bool reversed = false;             // operators listed last first: each reads a tensor written later
  size_t bias_bytes = 16;
  std::optional<uint64_t> bias_offset = std::nullopt;
  std::optional<float> int8_scale = std::nullopt;  // every tensor int8, quantised by this scale (zero point 0)
};

std::string TfliteChainBytes(const TfliteChain& chain) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
  for (const auto& [code, custom] : chain.codes) {
    codes.push_back(tfl::CreateOperatorCodeDirect(b, static_cast<int8_t>(std::min(code, 127)),
                                                  custom.empty() ? nullptr : custom.c_str(), 1, code));
  }
  const int count = static_cast<int>(chain.codes.size());
  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
  const std::vector<int32_t> shape = {1, 4}, bias_shape = {4};
  const tfl::TensorType type = chain.int8_scale ? tfl::TensorType::INT8 : tfl::TensorType::FLOAT32;
  auto quantization = [&]() -> flatbuffers::Offset<tfl::QuantizationParameters> {
    if (!chain.int8_scale) return 0;
    const std::vector<float> scale = {*chain.int8_scale};
    const std::vector<int64_t> zero_point = {0};
    return tfl::CreateQuantizationParametersDirect(b, &scale, &zero_point);
  };
  for (int t = 0; t <= count; ++t) {
    tensors.push_back(tfl::CreateTensorDirect(b, &shape, type, 0, t == 0 ? "x" : ("t" + std::to_string(t)).c_str(),
                                              quantization()));
  }
  const int bias = count + 1;
  tensors.push_back(tfl::CreateTensorDirect(b, &bias_shape, type, 1, "bias", quantization()));
  std::vector<flatbuffers::Offset<tfl::Operator>> operators;
  for (int k = 0; k < count; ++k) {
    std::vector<int32_t> inputs = {k}, outputs = {k + 1};
    if (chain.codes[k].first == 0) inputs.push_back(bias);  // ADD
    flatbuffers::Offset<void> options = 0;
    tfl::BuiltinOptions options_type = tfl::BuiltinOptions::NONE;
    if (chain.codes[k].first == 0) {
      options = tfl::CreateAddOptions(b).Union();
      options_type = tfl::BuiltinOptions::AddOptions;
    }
    operators.push_back(tfl::CreateOperatorDirect(b, k + chain.opcode_shift, &inputs, &outputs, options_type, options));
  }
  if (chain.reversed) std::reverse(operators.begin(), operators.end());
  std::vector<uint8_t> bias_data(chain.bias_bytes, 0);
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers = {
      tfl::CreateBuffer(b),
      chain.bias_offset ? tfl::CreateBuffer(b, 0, *chain.bias_offset, chain.bias_bytes)
                        : tfl::CreateBufferDirect(b, &bias_data)};
  const std::vector<int32_t> model_inputs = {0}, model_outputs = {count};
  auto subgraph = tfl::CreateSubGraphDirect(b, &tensors, &model_inputs, &model_outputs, &operators, "main");
  std::vector<flatbuffers::Offset<tfl::SubGraph>> subgraphs = {subgraph};
  tfl::FinishModelBuffer(b, tfl::CreateModelDirect(b, 3, &codes, &subgraphs, "test", &buffers));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

// A .tflite is told by its contents, whatever its name, and the chain above compiles.
TEST(Cli, TfliteModelsAreRecognisedByTheirIdentifier) {
  TemporaryFolder inputs, out;
  const std::string chain = WriteFile(inputs, "chain.model", TfliteChainBytes({.codes = {{19, ""}, {0, ""}, {21, ""}}}));
  CommandResult result = Modelc("compile " + chain + " --name chain -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("chain.h"));
  EXPECT_NE(header.find("const float *x, float *t3"), std::string::npos) << header;
  // An ONNX file named .tflite is not taken for ONNX.
  const std::string renamed = WriteFile(inputs, "mlp.tflite", ReadFileBytes(kModels + "/digits_mlp.onnx"));
  ExpectCleanFailure("compile " + renamed, 1, {renamed, "not a valid TFLite model (no \"TFL3\" file identifier"});
}

// The users' flags name TFLite tensors: --outputs, --inputs (a cut), --trace and
// external weights on the DS-CNN.
TEST(Cli, TfliteTensorNamesWorkWithTheUsersFlags) {
  const std::string model = std::string(MODELC_TFLITE_DIR) + "/ds_cnn_kws.tflite";
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + model + " --name kws --outputs model_7/pool/AvgPool --trace --weights external -o " +
                                out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("kws.h"));
  EXPECT_NE(header.find("const float *serving_default_mfcc_0, float *StatefulPartitionedCall_0, float *model_7_pool_AvgPool"),
            std::string::npos) << header;
  EXPECT_TRUE(FileExists(out.File("kws.weights.bin")));
  TemporaryFolder cut;
  result = Modelc("compile " + model + " --name head --inputs model_7/pool/AvgPool -o " + cut.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(ReadFileBytes(cut.File("head.h")).find("int head_run(const float *model_7_pool_AvgPool, float *StatefulPartitionedCall_0"),
            std::string::npos);
}

// Issue #17's bad inputs: each a one-line refusal naming the file, no output.
TEST(Cli, BadTfliteInputsFailCleanly) {
  TemporaryFolder inputs;
  const std::string model = ReadFileBytes(std::string(MODELC_TFLITE_DIR) + "/ds_cnn_kws.tflite");
  ASSERT_GT(model.size(), 1000u);
  const std::string truncated = WriteFile(inputs, "truncated.tflite", model.substr(0, model.size() / 2));
  ExpectCleanFailure("compile " + truncated, 1, {truncated, "the FlatBuffer fails verification; corrupt or truncated?"});
  // The root table's offset pointing past the end.
  std::string corrupt = model;
  corrupt[0] = corrupt[1] = corrupt[2] = '\xff';
  corrupt[3] = '\x7f';
  const std::string corrupt_path = WriteFile(inputs, "corrupt.tflite", corrupt);
  ExpectCleanFailure("compile " + corrupt_path, 1, {corrupt_path, "fails verification"});
  const std::string outside = WriteFile(inputs, "outside.tflite",
                                        TfliteChainBytes({.codes = {{0, ""}}, .bias_offset = uint64_t{1} << 20}));
  ExpectCleanFailure("compile " + outside, 1, {outside, "buffer 1 names 16 bytes at offset 1048576, outside the file"});
  const std::string small = WriteFile(inputs, "small.tflite", TfliteChainBytes({.codes = {{0, ""}}, .bias_bytes = 12}));
  ExpectCleanFailure("compile " + small, 1,
                     {small, "tensor 'bias' (index 2) has shape [4] (16 bytes) but its buffer 1 holds 12 bytes"});
  const std::string opcode = WriteFile(inputs, "opcode.tflite", TfliteChainBytes({.opcode_shift = 5}));
  ExpectCleanFailure("compile " + opcode, 1, {opcode, "operator 0: operator code 5 is out of range (there are 1)"});
  const std::string cycle = WriteFile(inputs, "cycle.tflite", TfliteChainBytes({.codes = {{19, ""}, {19, ""}}, .reversed = true}));
  ExpectCleanFailure("compile " + cycle, 1,
                     {cycle, "operator 0 reads tensor 't1' (index 1) before any operator writes it"});
  const std::string unsupported = WriteFile(
      inputs, "unsupported.tflite", TfliteChainBytes({.codes = {{19, ""}, {5, ""}, {32, "MyOp"}, {150, ""}}}));
  ExpectCleanFailure("compile " + unsupported, 1,
                     {unsupported, "unsupported operators (3): operator 1 (DEPTH_TO_SPACE, version 1), "
                                   "operator 2 (CUSTOM 'MyOp', version 1), operator 3 (GELU, version 1)"});
  // int8 operators: those supported in float only are named so, all at once; a
  // quantised tensor's parameters are checked.
  const std::string int8_ops = WriteFile(
      inputs, "int8_ops.tflite", TfliteChainBytes({.codes = {{22, ""}, {42, ""}, {0, ""}, {53, ""}}, .bias_bytes = 4,
                                                   .int8_scale = 0.5f}));
  ExpectCleanFailure("compile " + int8_ops, 1,
                     {int8_ops, "unsupported operators (2): operator 1 (int8 DIV, version 1), "
                                "operator 3 (int8 CAST, version 1)"});
  const std::string bad_scale =
      WriteFile(inputs, "bad_scale.tflite", TfliteChainBytes({.codes = {{22, ""}}, .bias_bytes = 4, .int8_scale = -1.0f}));
  ExpectCleanFailure("compile " + bad_scale, 1, {bad_scale, "tensor 'x' has scale -1, which is not positive"});
  // A CONV_2D whose input has no channels (found by the fuzzer: the group count was 0,
  // then a divisor).
  std::string no_channels = ReadFileBytes(std::string(MODELC_TFLITE_DIR) + "/conv_same_relu6.tflite");
  {
    const tfl::Model& parsed = *tfl::GetModel(no_channels.data());
    const tfl::SubGraph& graph = *parsed.subgraphs()->Get(0);
    const tfl::Operator& conv = *graph.operators()->Get(0);
    const tfl::OperatorCode& code = *parsed.operator_codes()->Get(conv.opcode_index());
    ASSERT_EQ(std::max<int32_t>(code.builtin_code(), code.deprecated_builtin_code()), 3);  // CONV_2D
    const flatbuffers::Vector<int32_t>& shape = *graph.tensors()->Get(conv.inputs()->Get(0))->shape();
    ASSERT_EQ(shape.size(), 4u);
    const size_t at = static_cast<size_t>(reinterpret_cast<const char*>(shape.data()) - no_channels.data()) + 12;
    no_channels.replace(at, 4, std::string(4, '\0'));
  }
  const std::string no_channels_path = WriteFile(inputs, "no_channels.tflite", no_channels);
  ExpectCleanFailure("compile " + no_channels_path, 1, {no_channels_path, "CONV_2D", "does not fit an input [1,"});
  ExpectCleanFailure("compile " + std::string(MODELC_TFLITE_DIR) + "/ds_cnn_kws.tflite --dim N=1", 1,
                     {"--dim N: a TFLite model's shapes have no symbolic dimensions"});
  // --batch runs a model converted for one sample once per sample: lstm_variant is
  // time-major (its first dimension the steps).
  ExpectCleanFailure("compile " + std::string(MODELC_TFLITE_DIR) + "/lstm_variant.tflite --batch N", 1,
                     {"--batch N: every input and output of a TFLite model must have 1 as its first dimension"});
}

// What is left in each float test model's lowered graph (--dump-ir), to see any change:
// convolutions (TRANSPOSE_CONV too) and pools read the image where it is and write the
// NHWC outputs, `pools`' Concats join NHWC tensors, BATCH_MATMUL's adjoints are read in
// place; only more_operators' own TRANSPOSE stays.
TEST(Cli, TfliteModelsKeepOnlyEdgeTransposes) {
  const std::map<std::string, int> expected = {
      {"conv_same_relu6", 0}, {"conv_valid_dilated", 0}, {"dense", 0},   {"depthwise", 0},
      {"ds_cnn_kws", 0},      {"elementwise", 0},        {"pools", 0}, {"shapes", 0},
      {"more_operators", 1},  // its TRANSPOSE operator, a model output
      {"slicing", 0},         {"resizing_and_products", 0},  // TRANSPOSE_CONVs read and write NHWC, adjoints in MatMul
      {"nearest_rounding", 0}, {"lstm", 0},           {"lstm_variant", 0},
      {"channels_last_convs", 0},
  };
  for (const auto& [name, transposes] : expected) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + std::string(MODELC_TFLITE_DIR) + "/" + name + ".tflite --dump-ir -o " + out.path());
    ASSERT_EQ(result.exit_code, 0) << result.output;
    int count = 0;
    for (const std::string& line : Lines(result.output)) count += line.find("= Transpose(") != std::string::npos;
    EXPECT_EQ(count, transposes) << name << "\n" << result.output;
  }
}

// TFLite's requantisation takes its short form (one rounding multiply of 2x, an add and
// a shift) where the plan bounds every accumulator below 2^30 from the constants: every
// convolution and fully connected layer of ResNet-8 (3 x 3 x 64 products at most).
TEST(Cli, TfliteRequantisationIsShortWhereTheAccumulatorsAreBounded) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + std::string(MODELC_TFLITE_DIR) +
                                "/../tflite_int8/resnet8.tflite --target thumbv7em-none-eabihf --dump-plan -o " +
                                out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  int fixed_point = 0, bounded = 0;
  for (const std::string& line : Lines(result.output)) {
    fixed_point += line.find("fixed-point-tflite requantisation") != std::string::npos;
    bounded += line.find("fixed-point-tflite requantisation (accumulators below 2^30)") != std::string::npos;
  }
  EXPECT_EQ(fixed_point, 10) << result.output;  // nine convolutions, one fully connected layer
  EXPECT_EQ(bounded, fixed_point) << result.output;
}

// The bound counts the bias: `dense` with its last biased FULLY_CONNECTED's last bias set
// to -2^30 (in the file's buffer) keeps the long form for that layer alone.
TEST(Cli, TfliteRequantisationBoundCountsTheBias) {
  const std::string model = std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/dense.tflite";
  std::string bytes = ReadFileBytes(model);
  const tfl::Model& parsed = *tfl::GetModel(bytes.data());
  const tfl::SubGraph& graph = *parsed.subgraphs()->Get(0);
  const tfl::Buffer* bias = nullptr;
  for (const tfl::Operator* op : *graph.operators()) {
    const tfl::OperatorCode& code = *parsed.operator_codes()->Get(op->opcode_index());
    const int32_t builtin = std::max<int32_t>(code.builtin_code(), code.deprecated_builtin_code());
    if (builtin != 9 || op->inputs()->size() < 3 || op->inputs()->Get(2) < 0) continue;  // FULLY_CONNECTED, a bias
    bias = parsed.buffers()->Get(graph.tensors()->Get(op->inputs()->Get(2))->buffer());
  }
  ASSERT_TRUE(bias != nullptr && bias->data() != nullptr && bias->data()->size() >= 4);
  // Its last element, negative: the bound takes every element's magnitude.
  const size_t at = static_cast<size_t>(reinterpret_cast<const char*>(bias->data()->data()) - bytes.data()) +
                    bias->data()->size() - 4;
  const int32_t large = -(int32_t{1} << 30);
  bytes.replace(at, 4, reinterpret_cast<const char*>(&large), 4);
  auto bounded_and_all = [](const std::string& path) {
    TemporaryFolder out;
    CommandResult result = Modelc("compile " + path + " --dump-plan -o " + out.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::pair<int, int> counts;
    for (const std::string& line : Lines(result.output)) {
      counts.first += line.find("(accumulators below 2^30)") != std::string::npos;
      counts.second += line.find("fixed-point-tflite requantisation") != std::string::npos;
    }
    return counts;
  };
  TemporaryFolder inputs;
  const auto [bounded, all] = bounded_and_all(model);
  const auto [patched_bounded, patched_all] = bounded_and_all(WriteFile(inputs, "large_bias.tflite", bytes));
  EXPECT_EQ(bounded, all);
  EXPECT_EQ(patched_all, all);
  EXPECT_EQ(patched_bounded, all - 1);
}

// The int8 LSTM test model: its header states every edge's quantisation as TFLite's
// interpreter reports it (output 0 is a STRIDED_SLICE of the second LSTM's sequence, an
// index map that keeps its input's); an LSTM whose cell state's scale is not a power of
// two (patched to 1.5 x 2^-13) is refused, as TFLite's Prepare refuses it, and one whose
// hidden state's quantisation (an intermediate tensor, not a graph value) has a negative
// scale is refused as any tensor's would be.
TEST(Cli, TfliteInt8LstmStatesItsEdgesAndRefusesBadScales) {
  const std::string model = std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/lstm.tflite";
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + model + " -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("lstm.h"));
  for (const char* line : {"#define LSTM_IN_SERVING_DEFAULT_SEQUENCE_0_SCALE 0.00780334417f",
                           "#define LSTM_IN_SERVING_DEFAULT_SEQUENCE_0_ZERO_POINT (0)",
                           "#define LSTM_OUT_STATEFULPARTITIONEDCALL_0_SCALE 0.00309718587f",
                           "#define LSTM_OUT_STATEFULPARTITIONEDCALL_0_ZERO_POINT (24)",
                           "#define LSTM_OUT_STATEFULPARTITIONEDCALL_1_ZERO_POINT (10)",
                           "#define LSTM_OUT_STATEFULPARTITIONEDCALL_2_ZERO_POINT (-24)"}) {
    EXPECT_NE(header.find(line), std::string::npos) << line << "\n" << header;
  }
  std::string bytes = ReadFileBytes(model);
  const tfl::Model& parsed = *tfl::GetModel(bytes.data());
  const tfl::SubGraph& graph = *parsed.subgraphs()->Get(0);
  const tfl::Operator& first = *graph.operators()->Get(0);  // the LSTM on the input
  const tfl::Tensor& cell = *graph.tensors()->Get(first.inputs()->Get(19));
  ASSERT_TRUE(cell.quantization() && cell.quantization()->scale() && cell.quantization()->scale()->size() == 1);
  ASSERT_EQ(cell.quantization()->scale()->Get(0), std::ldexp(1.0f, -13));
  auto patched_scale = [&](const tfl::Tensor& tensor, float scale) {
    std::string patched = bytes;
    const size_t at =
        static_cast<size_t>(reinterpret_cast<const char*>(tensor.quantization()->scale()->data()) - bytes.data());
    patched.replace(at, 4, reinterpret_cast<const char*>(&scale), 4);
    return patched;
  };
  TemporaryFolder inputs;
  const std::string path = WriteFile(inputs, "cell_scale.tflite", patched_scale(cell, std::ldexp(1.5f, -13)));
  ExpectCleanFailure("compile " + path, 1,
                     {path, "operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM",
                      "cell state's scale 0.000183105 is not a power of two in 2^-30 .. 2^-9"});
  ASSERT_TRUE(first.intermediates() && first.intermediates()->size() == 5);
  const tfl::Tensor& hidden = *graph.tensors()->Get(first.intermediates()->Get(4));
  ASSERT_TRUE(hidden.quantization() && hidden.quantization()->scale() && hidden.quantization()->scale()->size() == 1);
  const std::string negative = WriteFile(inputs, "hidden_scale.tflite", patched_scale(hidden, -0.01f));
  ExpectCleanFailure("compile " + negative, 1,
                     {negative, "operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM", "has scale -0.01, which is not positive"});
}

// An int8 model's header states its int8 input's and output's quantisation, as TFLite's
// interpreter reports them (input: scale 0.00784299522638321, zero point -1; output: the
// softmax's 1/256 and -128), so firmware can quantise its data and read the results.
TEST(Cli, TfliteInt8HeaderStatesTheEdgesQuantisationAndTakesTheUsersFlags) {
  TemporaryFolder out;
  CommandResult result = Modelc("compile " + std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/ds_cnn_kws.tflite --name kws -o " +
                                out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string header = ReadFileBytes(out.File("kws.h"));
  for (const char* line : {"#define KWS_IN_SERVING_DEFAULT_MFCC_0_SCALE 0.00784299523f",
                           "#define KWS_IN_SERVING_DEFAULT_MFCC_0_ZERO_POINT (-1)",
                           "#define KWS_OUT_STATEFULPARTITIONEDCALL_0_SCALE 0.00390625f",
                           "#define KWS_OUT_STATEFULPARTITIONEDCALL_0_ZERO_POINT (-128)",
                           "int kws_run(const int8_t *serving_default_mfcc_0, int8_t *StatefulPartitionedCall_0"}) {
    EXPECT_NE(header.find(line), std::string::npos) << line << "\n" << header;
  }
  // The users' flags on an int8 model's TFLite names: its pooled features as an output
  // too (with external weights and a trace), and as the input of the head alone; the
  // tensor's quantisation as the interpreter reports it (0.0025848327204585075, -128).
  TemporaryFolder both, head;
  const std::string model = std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/ds_cnn_kws.tflite";
  result = Modelc("compile " + model + " --name kws --outputs model_5/pool/AvgPool --trace --weights external -o " +
                  both.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string both_header = ReadFileBytes(both.File("kws.h"));
  EXPECT_NE(both_header.find("#define KWS_OUT_MODEL_5_POOL_AVGPOOL_SCALE 0.00258483272f"), std::string::npos) << both_header;
  EXPECT_NE(both_header.find("int8_t *StatefulPartitionedCall_0, int8_t *model_5_pool_AvgPool, const void *weights"),
            std::string::npos) << both_header;
  EXPECT_TRUE(FileExists(both.File("kws.weights.bin")));
  result = Modelc("compile " + model + " --name head --inputs model_5/pool/AvgPool -o " + head.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string head_header = ReadFileBytes(head.File("head.h"));
  EXPECT_NE(head_header.find("#define HEAD_IN_MODEL_5_POOL_AVGPOOL_ZERO_POINT (-128)"), std::string::npos) << head_header;
  EXPECT_NE(head_header.find("int head_run(const int8_t *model_5_pool_AvgPool, int8_t *StatefulPartitionedCall_0"),
            std::string::npos) << head_header;
}

// The int8 models (tests/data/tflite_int8) the same way. The MLPerf Tiny models have
// none (issue #17's must-show): the image input's Transpose is absorbed into the first
// convolution (which reads the input channels-last), the pairs around each residual
// QLinearAdd cancel, and flattens go into the int8 weights. An int8 convolution's
// Transpose to NHWC that alone reads its output is absorbed too (it stores channels-last):
// conv, depthwise, softmax, add, slicing and the rest lose the one before their 4-D
// outputs; pools read and write channels-last (channels_last_pools: the model's inputs
// where they are, a chain of pools, a pool shared by an output and a convolution), and
// float_edges' first convolution reads its QUANTIZE's NHWC output; a MEAN or SUM over
// axes next to each other is a window of rows over a view of the NHWC tensor, and pools
// sharing a convolution's output with its NHWC Transpose read that form (sums,
// same_scale_means). Left: a MEAN over height and channels, not next to each other
// (reductions: a Transpose puts them last) and moves' TRANSPOSE operator. products'
// BATCH_MATMUL adjoints are read in place (transA, transB), and its TRANSPOSE_CONV's
// fused RELU, set after conversion so that it binds, stays a Clip after it, which runs on
// the NHWC tensor the convolution writes.
TEST(Cli, TfliteInt8ModelsKeepOnlyEdgeTransposes) {
  const std::map<std::string, int> expected = {
      {"ds_cnn_kws", 0}, {"resnet8", 0},  {"mobilenet_v1_025_vww", 0}, {"fc_autoencoder", 0}, {"dense", 0},
      {"mean", 0},       {"conv", 0},     {"activation_bounds", 0},    {"depthwise", 0},      {"softmax", 0},
      {"add", 0},        {"slicing", 0},  {"resizing", 0},             {"mul_sub", 0},        {"activations", 0},
      {"logistic_tanh", 0}, {"hard_swish", 0}, {"float_edges", 0},     {"moves", 1},          {"sums", 0},
      {"reductions", 0}, {"products", 0}, {"pools", 0},  {"same_scale_means", 0},
      {"written_over", 0}, {"channels_last_pools", 0}, {"adjacent_means", 0}, {"lstm", 0}, {"lstm_variant", 0},
  };
  for (const auto& [name, transposes] : expected) {
    TemporaryFolder out;
    CommandResult result =
        Modelc("compile " + std::string(MODELC_TFLITE_DIR) + "/../tflite_int8/" + name + ".tflite --dump-ir -o " +
               out.path());
    ASSERT_EQ(result.exit_code, 0) << result.output;
    int count = 0;
    for (const std::string& line : Lines(result.output)) count += line.find("= Transpose(") != std::string::npos;
    EXPECT_EQ(count, transposes) << name << "\n" << result.output;
  }
}

}  // namespace
}  // namespace modelc::testing
