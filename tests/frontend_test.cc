// The ONNX frontend: text and binary models, symbolic dimensions, external data, and
// every kind of bad input giving a Status that names the file, node and op.
#include <fstream>

#include "absl/strings/str_cat.h"

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/ir/printer.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

using testing::TemporaryFolder;

std::string WriteText(const TemporaryFolder& folder, const std::string& name, const std::string& text) {
  const std::string path = folder.File(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

constexpr char kRelu[] = R"(<ir_version: 8, opset_import: ["" : 13]>
relu (float[N,4] x) => (float[N,4] y) {
  y = Relu(x)
}
)";

TEST(Frontend, ImportsTextSyntaxWithBoundSymbolicDimension) {
  TemporaryFolder folder;
  auto graph = ImportOnnxFile(WriteText(folder, "relu.onnxtxt", kRelu), ImportOptions{{{"N", 3}}});
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(PrintGraph(*graph), "graph relu(%x: float32[3,4]) -> (%y)\n  %y: float32[3,4] = Relu(%x)  # Relu_0\n");
}

TEST(Frontend, UnboundSymbolicDimensionNamesTheFlagToUse) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "relu.onnxtxt", kRelu);
  auto graph = ImportOnnxFile(path, ImportOptions{});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find(path), std::string::npos);
  EXPECT_NE(graph.status().message().find("--dim N=VALUE"), std::string::npos) << graph.status();
}

TEST(Frontend, DimBindingForAnUnknownSymbolIsAnError) {
  TemporaryFolder folder;
  auto graph = ImportOnnxFile(WriteText(folder, "relu.onnxtxt", kRelu), ImportOptions{{{"N", 1}, {"batch", 2}}});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("--dim batch"), std::string::npos) << graph.status();
}

TEST(Frontend, ListsEveryUnsupportedOperatorAtOnce) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "bad.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
bad (float[2,3] x) => (float[2,3] y) {
  a = Relu(x)
  b = Unique(a)
  c = Relu(b)
  y = Mish(c)
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kUnimplemented);
  const std::string message(graph.status().message());
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("unsupported operators (2)"), std::string::npos) << message;
  EXPECT_NE(message.find("node 'Unique_1' (Unique)"), std::string::npos) << message;
  EXPECT_NE(message.find("node 'Mish_3' (Mish)"), std::string::npos) << message;
}

TEST(Frontend, ZeroStridesAreRejectedBeforeOnnxSeesThem) {
  // ONNX 1.12's shape inference divides by the stride; we must check first.
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "zero.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
zero (float[1,1,5,5] x, float[1,1,3,3] w) => (float[1,1,3,3] y) {
  y = Conv <strides = [0, 1]> (x, w)
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("node 'Conv_0' (Conv): attribute 'strides' has value 0"),
            std::string::npos) << graph.status();
}

TEST(Frontend, ShapeErrorsNameTheNode) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "mismatch.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
mismatch (float[2,3] a, float[4,5] b) => (float[2,5] y) {
  y = MatMul(a, b)
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find(path), std::string::npos);
  EXPECT_NE(graph.status().message().find("MatMul"), std::string::npos) << graph.status();
}

// Quantisation parameters that cannot describe a tensor are refused, naming the node,
// its op and the parameter.
TEST(Frontend, InconsistentQuantisationParametersAreRefused) {
  struct Case {
    const char* signature;
    const char* body;
    const char* op;
    const char* says;
  };
  const Case cases[] = {
      {"float[2,3] x) => (uint8[2,3] y", "s = Constant<value = float {0}>()\n  y = QuantizeLinear(x, s)",
       "QuantizeLinear", "y_scale must be positive and finite; element 0 is 0"},
      {"int8[2,3] x) => (float[2,3] y",
       "s = Constant<value = float[3] {1, -0.5, 1}>()\n  z = Constant<value = int8[3] {0, 0, 0}>()\n"
       "  y = DequantizeLinear(x, s, z)",
       "DequantizeLinear", "x_scale must be positive and finite; element 1 is -0.5"},
      {"float[2,3] x) => (uint8[2,3] y", "s = Constant<value = float[2] {1, 1}>()\n  y = QuantizeLinear(x, s)",
       "QuantizeLinear", "it must be a scalar or [3] (y's dimension 1)"},
      {"int8[2,3] x) => (float[2,3] y",
       "s = Constant<value = float {1}>()\n  z = Constant<value = uint8 {0}>()\n  y = DequantizeLinear(x, s, z)",
       "DequantizeLinear", "x_zero_point has element type uint8 but x has int8"},
      {"uint8[1,1,2,2] x) => (uint8[1,2,2,2] y",
       "s = Constant<value = float {1}>()\n  z = Constant<value = uint8 {0}>()\n"
       "  w = Constant<value = uint8[2,1,1,1] {1, 2}>()\n  ws = Constant<value = float[3] {1, 1, 1}>()\n"
       "  wz = Constant<value = uint8[3] {0, 0, 0}>()\n  y = QLinearConv(x, s, z, w, ws, wz, s, z)",
       "QLinearConv", "w_scale has shape [3]; it must be a scalar or [2]"},
      {"uint8[1,1,2,2] x) => (uint8[1,2,2,2] y",
       "s = Constant<value = float {1}>()\n  z = Constant<value = uint8 {0}>()\n"
       "  w = Constant<value = uint8[2,1,1,1] {1, 2}>()\n  b = Constant<value = float[2] {1, 2}>()\n"
       "  y = QLinearConv(x, s, z, w, s, z, s, z, b)",
       "QLinearConv", "the bias B must be int32 of shape [2]"},
  };
  TemporaryFolder folder;
  for (const Case& c : cases) {
    const std::string path =
        WriteText(folder, "quantised.onnxtxt",
                  absl::StrCat("<ir_version: 8, opset_import: [\"\" : 13]>\nquantised (", c.signature, ") {\n  ",
                               c.body, "\n}\n"));
    auto graph = ImportOnnxFile(path, {});
    ASSERT_FALSE(graph.ok()) << c.says;
    const std::string message(graph.status().message());
    EXPECT_NE(message.find(absl::StrCat("(", c.op, ")")), std::string::npos) << message;
    EXPECT_NE(message.find(c.says), std::string::npos) << message;
  }
}

// Opsets past the system ONNX library's 17 and IR versions past its 8 are read by
// modelc's own rules (PyTorch's exporter writes opset 18+, IR 9/10).
TEST(Frontend, OpsetsAndIrVersionsPastTheOnnxLibrarysAreImported) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "modern.onnxtxt", R"(<ir_version: 10, opset_import: ["" : 28]>
modern (float[2,6] x) => (float[2,1] m, float[2,3] a) {
  axes = Constant<value = int64[1] {1}>()
  m = ReduceMean(x, axes)
  a, b = Split <axis = 1, num_outputs = 2> (x)
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_NE(PrintGraph(*graph).find("%m: float32[2,1] = ReduceMean(%x, %axes)"), std::string::npos) << PrintGraph(*graph);
}

TEST(Frontend, SplitWithNumOutputsMakesALastSmallerPart) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "split.onnxtxt", R"(<ir_version: 9, opset_import: ["" : 18]>
split (float[2,7] x) => (float[2,3] a, float[2,3] b, float[2,1] c) {
  a, b, c = Split <axis = 1, num_outputs = 3> (x)
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_NE(PrintGraph(*graph).find("%c: float32[2,1]"), std::string::npos) << PrintGraph(*graph);
}

TEST(Frontend, AnAttributeTheOpDoesNotHaveAtTheModelsOpsetIsRefused) {
  struct Case {
    int opset;
    const char* node;
    const char* says;
  };
  const Case cases[] = {
      // ReduceMean's axes became an input at opset 18.
      {18, "y = ReduceMean <axes = [1]> (x)", "ReduceMean at opset 18 has no attribute 'axes'"},
      {13, "y = Relu <slope = 1.0> (x)", "Relu at opset 13 has no attribute 'slope'"},
      {21, "y = Relu <slope = 1.0> (x)", "Relu at opset 21 has no attribute 'slope'"},
      // Attributes newer opsets added are refused when they change the result.
      {23, "s = Constant<value = float {1}>()\n  y = QuantizeLinear <precision = 10> (x, s)",
       "QuantizeLinear's precision must be float32"},
  };
  TemporaryFolder folder;
  for (const Case& c : cases) {
    const std::string path =
        WriteText(folder, "attribute.onnxtxt",
                  absl::StrCat("<ir_version: 10, opset_import: [\"\" : ", c.opset,
                               "]>\nattribute (float[2,4] x) => (y) {\n  ", c.node, "\n}\n"));
    auto graph = ImportOnnxFile(path, {});
    ASSERT_FALSE(graph.ok()) << c.says;
    EXPECT_NE(graph.status().message().find(c.says), std::string::npos) << graph.status();
  }
}

TEST(Frontend, OpsetsAndIrVersionsNewerThanModelcKnowsAreRefused) {
  TemporaryFolder folder;
  auto opset = ImportOnnxFile(WriteText(folder, "opset.onnxtxt", R"(<ir_version: 10, opset_import: ["" : 29]>
g (float[2] x) => (float[2] y) { y = Relu(x) }
)"), {});
  ASSERT_FALSE(opset.ok());
  EXPECT_NE(opset.status().message().find("opset 29 is not supported (supported: 1 to 28)"), std::string::npos)
      << opset.status();
  auto ir = ImportOnnxFile(WriteText(folder, "ir.onnxtxt", R"(<ir_version: 15, opset_import: ["" : 21]>
g (float[2] x) => (float[2] y) { y = Relu(x) }
)"), {});
  ASSERT_FALSE(ir.ok());
  EXPECT_NE(ir.status().message().find("IR version 15 is not supported"), std::string::npos) << ir.status();
}

// Model-local functions (IR 8 and up) are inlined: each call becomes the body with the
// call's values and attributes, under names of its own.
TEST(Frontend, LocalFunctionsAreInlinedWithTheCallsAttributes) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "function.onnxtxt", R"(<ir_version: 10, opset_import: ["" : 21, "custom.fn" : 1]>
main (float[2,3] x) => (float[2,3] y) {
  a = custom.fn.ScaledLeaky <alpha: float = 0.5> (x)
  y = custom.fn.ScaledLeaky <alpha: float = 0.25> (a)
}
<domain: "custom.fn", opset_import: ["" : 21]>
ScaledLeaky <alpha> (X) => (Y) {
  two = Constant <value: tensor = float {2.0}> ()
  L = LeakyRelu <alpha: float = @alpha> (X)
  Y = Mul(L, two)
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::string printed = PrintGraph(*graph);
  EXPECT_NE(printed.find("= LeakyRelu(%x) {alpha=0.5}"), std::string::npos) << printed;
  EXPECT_NE(printed.find("= LeakyRelu(%a) {alpha=0.25}"), std::string::npos) << printed;
  EXPECT_NE(printed.find("%y: float32[2,3] = Mul("), std::string::npos) << printed;
}

TEST(Frontend, LocalFunctionsCallingThemselvesOrAnotherOpsetAreRefused) {
  TemporaryFolder folder;
  auto recursive = ImportOnnxFile(WriteText(folder, "recursive.onnxtxt", R"(<ir_version: 10, opset_import: ["" : 21, "f" : 1]>
main (float[2] x) => (float[2] y) { y = f.Loop(x) }
<domain: "f", opset_import: ["" : 21, "f" : 1]>
Loop (X) => (Y) { Y = f.Loop(X) }
)"), {});
  ASSERT_FALSE(recursive.ok());
  EXPECT_NE(recursive.status().message().find("calls nest deeper than 32"), std::string::npos) << recursive.status();
  auto other_opset = ImportOnnxFile(WriteText(folder, "opset.onnxtxt", R"(<ir_version: 10, opset_import: ["" : 21, "f" : 1]>
main (float[2] x) => (float[2] y) { y = f.Id(x) }
<domain: "f", opset_import: ["" : 18]>
Id (X) => (Y) { Y = Identity(X) }
)"), {});
  ASSERT_FALSE(other_opset.ok());
  EXPECT_NE(other_opset.status().message().find("function 'f.Id' imports opset 18 of the default domain"),
            std::string::npos) << other_opset.status();
}

// An output read only inside a nested graph (an If branch reads its LSTM's Y_c) is
// computed, not dropped as unread.
TEST(Frontend, AnOutputReadInsideABranchIsKept) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "branch.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 14]>
branch (bool c, float[1,1,2] x, float[1,12,2] w, float[1,12,3] r) => (float[1,1,3] y) {
  y = If (c) <then_branch = then_graph () => (float[1,1,3] t) {
        s, h, cell = LSTM <hidden_size = 3> (x, w, r)
        t = Add(h, cell)
      }, else_branch = else_graph () => (float[1,1,3] e) {
        e = Constant <value = float[1,1,3] {0, 0, 0}> ()
      }>
}
)");
  auto graph = ImportOnnxFile(path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_NE(PrintGraph(*graph).find("%cell"), std::string::npos) << PrintGraph(*graph);
}

TEST(Frontend, MissingEmptyCorruptAndTruncatedFilesAreErrors) {
  TemporaryFolder folder;
  EXPECT_EQ(ImportOnnxFile(folder.File("absent.onnx"), {}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(ImportOnnxFile(WriteText(folder, "empty.onnx", ""), {}).ok());
  EXPECT_FALSE(ImportOnnxFile(WriteText(folder, "garbage.onnx", std::string("\x0a\xff\xff\xff\xff\x0f garbage", 14)), {}).ok());
  const std::string model = testing::ReadFileBytes(std::string(MODELC_TEST_MODELS_DIR) + "/../../models/digits_mlp.onnx");
  ASSERT_GT(model.size(), 1000u);
  for (size_t keep : {model.size() / 3, model.size() / 2, model.size() - 7}) {
    auto graph = ImportOnnxFile(WriteText(folder, "cut.onnx", model.substr(0, keep)), {});
    EXPECT_FALSE(graph.ok()) << "a model cut to " << keep << " bytes was accepted";
  }
}

// A binary model y = x + w whose w lives in an external file at `location`.
std::string WriteExternalDataModel(const TemporaryFolder& folder, const std::string& location,
                                   int64_t offset = 0, int64_t length = 16) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("external");
  for (const char* name : {"x", "y"}) {
    onnx::ValueInfoProto* info = std::string(name) == "x" ? graph->add_input() : graph->add_output();
    info->set_name(name);
    info->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    info->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
  }
  onnx::TensorProto* w = graph->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_entry = [&](const std::string& key, const std::string& value) {
    auto* entry = w->add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  };
  add_entry("location", location);
  add_entry("offset", std::to_string(offset));
  add_entry("length", std::to_string(length));
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type("Add");
  node->add_input("x");
  node->add_input("w");
  node->add_output("y");
  const std::string path = folder.File("external.onnx");
  std::ofstream(path, std::ios::binary) << model.SerializeAsString();
  return path;
}

TEST(Frontend, ReadsExternalDataInsideTheModelFolder) {
  TemporaryFolder folder;
  const float weights[4] = {1, 2, 3, 4};
  std::ofstream(folder.File("weights.bin"), std::ios::binary).write(reinterpret_cast<const char*>(weights), 16);
  auto graph = ImportOnnxFile(WriteExternalDataModel(folder, "weights.bin"), {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  for (const Value& value : graph->values()) {
    if (value.name == "w") EXPECT_EQ(value.constant->Floats(), (std::vector<float>{1, 2, 3, 4}));
  }
}

TEST(Frontend, RefusesHostileExternalDataPaths) {
  TemporaryFolder folder;
  std::ofstream(folder.File("weights.bin"), std::ios::binary) << std::string(16, '\0');
  for (const std::string& location : {std::string("/etc/passwd"), std::string("../weights.bin"),
                                      std::string("sub/../../etc/passwd"), std::string("missing.bin")}) {
    auto graph = ImportOnnxFile(WriteExternalDataModel(folder, location), {});
    ASSERT_FALSE(graph.ok()) << location;
    EXPECT_NE(graph.status().message().find("tensor 'w'"), std::string::npos) << graph.status();
  }
  EXPECT_FALSE(ImportOnnxFile(WriteExternalDataModel(folder, "weights.bin", 8, 16), {}).ok());
  EXPECT_FALSE(ImportOnnxFile(WriteExternalDataModel(folder, "weights.bin", -4, 16), {}).ok());
}

TEST(Frontend, InitializerWithWrongByteCountIsRejected) {
  TemporaryFolder folder;
  const std::string path = WriteText(folder, "short.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
short (float[3] x) => (float[3] y) {
  w = Constant <value = float[3] {1.0, 2.0}> ()
  y = Add(x, w)
}
)");
  EXPECT_FALSE(ImportOnnxFile(path, {}).ok());
}

}  // namespace
}  // namespace modelc
