// runtime/: the quantisation helpers against ONNX's own QuantizeLinear/DequantizeLinear
// test data, and the host runner's tensor files against ONNX's protobuf library
// (every tensor of ONNX's node tests) and against hostile bytes. The .npy side is
// checked against NumPy itself in tests/python.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/frontend/onnx/tensor_conversion.h"
#include "gtest/gtest.h"
#include "modelc/host_runner.h"
#include "modelc/quantize.h"
#include "onnx/onnx_pb.h"

namespace {

namespace fs = std::filesystem;

const fs::path kOnnxNodeTests = "/usr/share/libonnx-testdata/data/node";

struct Tensor {
  Tensor() = default;
  Tensor(const Tensor&) = delete;
  ~Tensor() { modelc_host_tensor_free(&t); }
  modelc_host_tensor t{};
};

bool Read(const fs::path& path, Tensor* tensor, std::string* error) {
  char message[512] = "";
  const bool ok = modelc_host_tensor_read(path.c_str(), &tensor->t, message, sizeof message) == 0;
  *error = message;
  return ok;
}

template <typename T>
std::vector<T> Values(const Tensor& tensor) {
  std::vector<T> values(tensor.t.byte_size / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), tensor.t.data, tensor.t.byte_size);
  return values;
}

// QuantizeLinear's per-tensor test: x, scale, zero point (uint8) and ONNX's output.
TEST(RuntimeQuantize, MatchesOnnxQuantizeLinear) {
  const fs::path test = kOnnxNodeTests / "test_quantizelinear/test_data_set_0";
  if (!fs::exists(test)) GTEST_SKIP() << "no ONNX test data (libonnx-testdata)";
  Tensor x, scale, zero_point, expected;
  std::string error;
  ASSERT_TRUE(Read(test / "input_0.pb", &x, &error)) << error;
  ASSERT_TRUE(Read(test / "input_1.pb", &scale, &error)) << error;
  ASSERT_TRUE(Read(test / "input_2.pb", &zero_point, &error)) << error;
  ASSERT_TRUE(Read(test / "output_0.pb", &expected, &error)) << error;
  ASSERT_EQ(x.t.element_type, MODELC_FLOAT32);
  ASSERT_EQ(zero_point.t.element_type, MODELC_UINT8);
  const std::vector<float> xs = Values<float>(x);
  const float s = Values<float>(scale).at(0);
  const int32_t zp = Values<uint8_t>(zero_point).at(0);
  std::vector<uint8_t> q(xs.size());
  modelc_quantize_uint8(xs.data(), q.data(), xs.size(), s, zp);
  EXPECT_EQ(q, Values<uint8_t>(expected));
  // int8 with the zero point 128 lower gives the same integers 128 lower: the rounding
  // is shared, only the saturation range moves.
  std::vector<int8_t> q8(xs.size());
  modelc_quantize_int8(xs.data(), q8.data(), xs.size(), s, zp - 128);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q8[i], q[i] - 128) << "element " << i;
}

TEST(RuntimeQuantize, MatchesOnnxDequantizeLinear) {
  const fs::path test = kOnnxNodeTests / "test_dequantizelinear/test_data_set_0";
  if (!fs::exists(test)) GTEST_SKIP() << "no ONNX test data (libonnx-testdata)";
  Tensor q, scale, zero_point, expected;
  std::string error;
  ASSERT_TRUE(Read(test / "input_0.pb", &q, &error)) << error;
  ASSERT_TRUE(Read(test / "input_1.pb", &scale, &error)) << error;
  ASSERT_TRUE(Read(test / "input_2.pb", &zero_point, &error)) << error;
  ASSERT_TRUE(Read(test / "output_0.pb", &expected, &error)) << error;
  const std::vector<uint8_t> qs = Values<uint8_t>(q);
  std::vector<float> x(qs.size());
  modelc_dequantize_uint8(qs.data(), x.data(), qs.size(), Values<float>(scale).at(0), Values<uint8_t>(zero_point).at(0));
  EXPECT_EQ(x, Values<float>(expected));
}

TEST(RuntimeQuantize, SaturatesAndRoundsHalfToEven) {
  const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 1e30f, -1e30f, 300.f, -300.f};
  int8_t q[10];
  modelc_quantize_int8(x, q, 10, 1.0f, 0);
  const int8_t expected[] = {0, 2, 2, 0, -2, -2, 127, -128, 127, -128};
  EXPECT_EQ(0, std::memcmp(q, expected, sizeof q));
}

// Every tensor file of ONNX's node tests, read by the runner's own decoder and by
// ONNX's protobuf classes (through the compiler's conversion), must agree.
TEST(RuntimeTensorFile, ReadsEveryOnnxNodeTestTensorAsOnnxDoes) {
  if (!fs::exists(kOnnxNodeTests)) GTEST_SKIP() << "no ONNX test data (libonnx-testdata)";
  int compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kOnnxNodeTests)) {
    if (entry.path().extension() != ".pb") continue;
    onnx::TensorProto proto;
    std::ifstream file(entry.path(), std::ios::binary);
    if (!proto.ParseFromIstream(&file)) continue;  // sequences, optionals: not tensors
    absl::StatusOr<modelc::TensorData> reference = modelc::TensorDataFromOnnx(proto);
    if (!reference.ok()) continue;  // types modelc has no use for (strings, float8, ...)
    Tensor ours;
    std::string error;
    ASSERT_TRUE(Read(entry.path(), &ours, &error)) << error;
    ASSERT_EQ(ours.t.element_type, static_cast<int32_t>(reference->type().element_type)) << entry.path();
    ASSERT_EQ(ours.t.rank, proto.dims_size()) << entry.path();
    for (int d = 0; d < proto.dims_size(); ++d) ASSERT_EQ(ours.t.shape[d], proto.dims(d)) << entry.path();
    ASSERT_EQ(ours.t.byte_size, reference->bytes().size()) << entry.path();
    // An empty tensor has no data pointer (memcmp's arguments must not be null).
    if (ours.t.byte_size > 0)
      ASSERT_EQ(0, std::memcmp(ours.t.data, reference->bytes().data(), ours.t.byte_size)) << entry.path();
    EXPECT_EQ(std::string(ours.t.name ? ours.t.name : ""), proto.name()) << entry.path();
    ++compared;
  }
  EXPECT_GT(compared, 1000);
}

TEST(RuntimeTensorFile, RefusesHostileBytesWithAMessage) {
  const fs::path folder = fs::path(::testing::TempDir()) / "runtime_hostile";
  fs::create_directories(folder);
  const std::vector<std::string> cases = {
      std::string(""),                                        // empty
      std::string("\x93NUMPY\x01\x00\xff\xff", 10),           // header longer than the file
      std::string("\x93NUMPY\x01\x00\x10\x00{'descr': '>f4'", 22),
      std::string("\x08\x02\x08\x03\x10\x01\x4a\x04\x00\x00\x80\x3f", 12),  // 2x3 floats, 4 bytes of raw_data
      std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x10\x01", 13),  // dim 2^64-1
      std::string("\x0a\x05\x01\x02", 4),                     // packed dims past the end
      std::string("\x10\x01\x22\x03\x00\x00\x80", 7),         // float_data not a multiple of 4
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11),  // an endless varint
      std::string("\x10\x08\x32\x01\x61", 5),                 // a string tensor
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const fs::path path = folder / ("case" + std::to_string(i));
    std::ofstream(path, std::ios::binary) << cases[i];
    Tensor tensor;
    std::string error;
    EXPECT_FALSE(Read(path, &tensor, &error)) << "case " << i;
    EXPECT_NE(error.find(path.string()), std::string::npos) << "case " << i << ": " << error;
    EXPECT_EQ(tensor.t.data, nullptr);
  }
}

TEST(RuntimeTensorFile, NpyWrittenIsReadBack) {
  Tensor tensor;
  tensor.t.element_type = MODELC_INT16;
  tensor.t.rank = 3;
  tensor.t.shape[0] = 2, tensor.t.shape[1] = 1, tensor.t.shape[2] = 3;
  tensor.t.byte_size = 12;
  tensor.t.data = aligned_alloc(64, 64);
  const int16_t values[] = {-1, 2, -300, 4000, 5, -32768};
  std::memcpy(tensor.t.data, values, sizeof values);
  const fs::path path = fs::path(::testing::TempDir()) / "runtime_roundtrip.npy";
  char error[256] = "";
  ASSERT_EQ(0, modelc_host_tensor_write_npy(path.c_str(), &tensor.t, error, sizeof error)) << error;
  EXPECT_EQ(fs::file_size(path) % 64, 12u) << "the data starts at a multiple of 64";
  Tensor back;
  std::string message;
  ASSERT_TRUE(Read(path, &back, &message)) << message;
  EXPECT_EQ(back.t.element_type, MODELC_INT16);
  ASSERT_EQ(back.t.rank, 3);
  EXPECT_EQ(back.t.shape[2], 3);
  EXPECT_EQ(Values<int16_t>(back), std::vector<int16_t>(values, values + 6));
}

}  // namespace
