// The generated code's contract: pointer checks with error codes, typed and generic
// entries agree, reentrancy (two threads, two scratch buffers), repeated runs give
// identical results, and the descriptor describes the model.
#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "batch_mlp.h"
#include "alone_features.h"
#include "alone_hidden.h"
#include "alone_joint.h"
#include "digits_cnn.h"
#include "linked_chain.h"
#include "linked_joint.h"
#include "variable_bias.h"
#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/reference/evaluator.h"
#include "ext_cnn.h"
#include "ext_cnn_size.h"
#include "if_runtime.h"
#include "if_runtime_size.h"
#include "pooled_cnn.h"
#include "pooled_ext_cnn.h"
#include "traced_channels_last.h"
#include "traced_cnn.h"
#include "traced_cnn_size.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

std::vector<float> Image(int index) {
  const std::vector<float> all = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  return {all.begin() + index * 64, all.begin() + (index + 1) * 64};
}

TEST(Contract, NullAndMisalignedPointersAreRefused) {
  AlignedBuffer scratch(DIGITS_CNN_SCRATCH_SIZE + DIGITS_CNN_SCRATCH_ALIGNMENT, DIGITS_CNN_SCRATCH_ALIGNMENT);
  std::vector<float> image = Image(0);
  std::vector<float> probs(DIGITS_CNN_OUT_PROBS_ELEMENTS + 1);
  EXPECT_EQ(digits_cnn_run(nullptr, probs.data(), scratch.data()), MODELC_ERROR_NULL_POINTER);
  EXPECT_EQ(digits_cnn_run(image.data(), nullptr, scratch.data()), MODELC_ERROR_NULL_POINTER);
  EXPECT_EQ(digits_cnn_run(image.data(), probs.data(), nullptr), MODELC_ERROR_NULL_POINTER);
  char* misaligned_scratch = static_cast<char*>(scratch.data()) + 4;
  EXPECT_EQ(digits_cnn_run(image.data(), probs.data(), misaligned_scratch), MODELC_ERROR_MISALIGNED);
  float* misaligned_output = reinterpret_cast<float*>(reinterpret_cast<char*>(probs.data()) + 2);
  EXPECT_EQ(digits_cnn_run(image.data(), misaligned_output, scratch.data()), MODELC_ERROR_MISALIGNED);
  EXPECT_EQ(digits_cnn_run_generic(nullptr, nullptr, scratch.data()), MODELC_ERROR_NULL_POINTER);
  EXPECT_EQ(digits_cnn_run(image.data(), probs.data(), scratch.data()), MODELC_OK);
}

TEST(Contract, GenericEntryAndDescriptorAgreeWithTypedEntry) {
  const modelc_model_info& info = digits_cnn_model_info;
  EXPECT_STREQ(info.name, "digits_cnn");
  EXPECT_EQ(info.abi_version, DIGITS_CNN_ABI_VERSION);
  ASSERT_EQ(info.input_count, 1u);
  ASSERT_EQ(info.output_count, 1u);
  EXPECT_STREQ(info.inputs[0].name, "image");
  EXPECT_EQ(info.inputs[0].element_type, MODELC_FLOAT32);
  ASSERT_EQ(info.inputs[0].rank, 4);
  EXPECT_EQ(std::vector<int64_t>(info.inputs[0].shape, info.inputs[0].shape + 4), (std::vector<int64_t>{1, 1, 8, 8}));
  EXPECT_EQ(info.inputs[0].byte_size, DIGITS_CNN_IN_IMAGE_BYTES);
  EXPECT_EQ(info.outputs[0].byte_size, DIGITS_CNN_OUT_PROBS_BYTES);
  EXPECT_EQ(info.scratch_size, DIGITS_CNN_SCRATCH_SIZE);
  EXPECT_EQ(info.scratch_alignment, DIGITS_CNN_SCRATCH_ALIGNMENT);
  EXPECT_LE(info.scratch_lower_bound, info.scratch_size);
  EXPECT_EQ(info.run, &digits_cnn_run_generic);

  AlignedBuffer scratch(DIGITS_CNN_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_ALIGNMENT);
  std::vector<float> image = Image(1), typed(10), generic;
  ASSERT_EQ(digits_cnn_run(image.data(), typed.data(), scratch.data()), MODELC_OK);
  std::vector<std::vector<float>> outputs;
  ASSERT_EQ(RunCompiled(info, {image}, &outputs), MODELC_OK);
  EXPECT_EQ(outputs[0], typed);
}

TEST(Contract, RepeatedRunsOnOneScratchGiveIdenticalResults) {
  AlignedBuffer scratch(DIGITS_CNN_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_ALIGNMENT);
  std::vector<float> first(10), again(10), other(10);
  const std::vector<float> a = Image(2), b = Image(3);
  ASSERT_EQ(digits_cnn_run(a.data(), first.data(), scratch.data()), MODELC_OK);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(digits_cnn_run(b.data(), other.data(), scratch.data()), MODELC_OK);
    std::memset(scratch.data(), i & 0xff, DIGITS_CNN_SCRATCH_SIZE);  // stale scratch must not matter
    ASSERT_EQ(digits_cnn_run(a.data(), again.data(), scratch.data()), MODELC_OK);
    ASSERT_EQ(again, first) << "run " << i;
  }
  EXPECT_NE(first, other);
}

TEST(Contract, HundredThousandRunsDoNotGrowTheHeap) {
  AlignedBuffer scratch(DIGITS_CNN_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_ALIGNMENT);
  const std::vector<float> a = Image(6), b = Image(7);
  std::vector<float> out(10);
  digits_cnn_run(a.data(), out.data(), scratch.data());  // anything lazy in the C library happens here
  const struct mallinfo2 before = mallinfo2();
  for (int i = 0; i < 100000; ++i) {
    const std::vector<float>& input = (i % 3 == 0) ? b : a;  // the same and changing inputs
    ASSERT_EQ(digits_cnn_run(input.data(), out.data(), scratch.data()), MODELC_OK);
  }
  const struct mallinfo2 after = mallinfo2();
  EXPECT_EQ(after.uordblks, before.uordblks) << "bytes in use on the heap changed";
  EXPECT_EQ(after.arena, before.arena) << "the heap grew";
  EXPECT_EQ(after.hblkhd, before.hblkhd) << "mmap-ed blocks changed";
}

TEST(Contract, BatchedEntryMatchesOnnxRuntimeOnAWholeBatch) {
  const std::string prefix = std::string(MODELC_SOURCE_DIR) + "/tests/data/batch/digits_mlp_batch";
  const std::vector<float> images = ReadFloats(prefix + ".inputs.bin");
  const std::vector<float> references = ReadFloats(prefix + ".ort_outputs.bin");  // ORT, batch of 8
  const int64_t batch = static_cast<int64_t>(images.size() / BATCH_MLP_IN_IMAGE_ELEMENTS);
  ASSERT_EQ(batch, 8);
  AlignedBuffer scratch(BATCH_MLP_SCRATCH_SIZE, BATCH_MLP_SCRATCH_ALIGNMENT);  // one sample's scratch
  std::vector<float> together(references.size()), one(BATCH_MLP_OUT_PROBS_ELEMENTS);
  ASSERT_EQ(batch_mlp_run_batched(batch, images.data(), together.data(), scratch.data()), MODELC_OK);
  EXPECT_TRUE(NearlyEqual(together, references, 0.0, 1e-4));
  for (int64_t s = 0; s < batch; ++s) {  // the same as running the samples one by one
    ASSERT_EQ(batch_mlp_run(images.data() + s * BATCH_MLP_IN_IMAGE_ELEMENTS, one.data(), scratch.data()), MODELC_OK);
    EXPECT_EQ(std::vector<float>(together.begin() + s * 10, together.begin() + (s + 1) * 10), one);
  }
  EXPECT_EQ(batch_mlp_run_batched(0, images.data(), together.data(), scratch.data()), MODELC_OK);
  EXPECT_EQ(batch_mlp_run_batched(2, nullptr, together.data(), scratch.data()), MODELC_ERROR_NULL_POINTER);
}

TEST(Contract, LinkedChainMatchesOnnxRuntimeOnTheWholeModel) {
  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  const std::vector<float> references = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.ort_outputs.bin");
  AlignedBuffer scratch(LINKED_CHAIN_SCRATCH_SIZE, LINKED_CHAIN_SCRATCH_ALIGNMENT);
  std::vector<float> probs(10);
  ASSERT_EQ(linked_chain_model_info.input_count, 1u);  // the connected input is gone
  for (size_t s = 0; s < 8; ++s) {
    ASSERT_EQ(linked_chain_run(images.data() + s * 64, probs.data(), scratch.data()), MODELC_OK);
    EXPECT_TRUE(NearlyEqual(probs, {references.begin() + s * 10, references.begin() + (s + 1) * 10}, 0.0, 1e-4));
  }
}

TEST(Contract, ConcatenatedConnectionEqualsTheModelsChainedByHand) {
  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  AlignedBuffer scratch(1 << 16, 64);
  std::vector<float> features(64), hidden(32), joined(96), by_hand(10), linked(10);
  for (size_t s = 0; s < 8; ++s) {
    const float* image = images.data() + s * 64;
    ASSERT_EQ(alone_features_run(image, features.data(), scratch.data()), MODELC_OK);
    ASSERT_EQ(alone_hidden_run(image, hidden.data(), scratch.data()), MODELC_OK);
    std::copy(features.begin(), features.end(), joined.begin());
    std::copy(hidden.begin(), hidden.end(), joined.begin() + 64);
    ASSERT_EQ(alone_joint_run(joined.data(), by_hand.data(), scratch.data()), MODELC_OK);
    ASSERT_EQ(linked_joint_run(image, image, linked.data(), scratch.data()), MODELC_OK);
    EXPECT_TRUE(NearlyEqual(linked, by_hand, 1e-6, 1e-7)) << "sample " << s;
  }
}

TEST(Contract, WeightAsRunTimeInputGivesOnnxRuntimesAnswerWithTheOriginalValue) {
  const std::string model = std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.onnx";
  auto graph = ImportOnnxFile(model, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  std::vector<float> bias;
  for (const Value& value : graph->values()) {
    if (value.name == "fc.bias") bias = value.constant->Floats();
  }
  ASSERT_EQ(bias.size(), VARIABLE_BIAS_IN_FC_BIAS_ELEMENTS);
  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  const std::vector<float> references = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.ort_outputs.bin");
  AlignedBuffer scratch(VARIABLE_BIAS_SCRATCH_SIZE, VARIABLE_BIAS_SCRATCH_ALIGNMENT);
  std::vector<float> probs(10), shifted(10);
  for (size_t s = 0; s < 8; ++s) {
    ASSERT_EQ(variable_bias_run(images.data() + s * 64, bias.data(), probs.data(), scratch.data()), MODELC_OK);
    EXPECT_TRUE(NearlyEqual(probs, {references.begin() + s * 10, references.begin() + (s + 1) * 10}, 0.0, 1e-4));
  }
  // An updated bias changes the answer without recompiling: favour class 0 strongly.
  std::vector<float> updated = bias;
  updated[0] += 50.0f;
  ASSERT_EQ(variable_bias_run(images.data(), updated.data(), shifted.data(), scratch.data()), MODELC_OK);
  EXPECT_GT(shifted[0], 0.99f);
}

// A 64-byte aligned copy of a file: how firmware would hold a weights blob.
class Blob {
 public:
  explicit Blob(const std::string& path) : bytes_(ReadFileBytes(path)), buffer_(bytes_.size(), 64) {
    std::memcpy(buffer_.data(), bytes_.data(), bytes_.size());
  }
  unsigned char* data() { return static_cast<unsigned char*>(buffer_.data()); }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
  AlignedBuffer buffer_;
};

// Runs a digits_cnn compiled with --weights external on the model's eight test images
// with `weights`, each output within 1e-4 of ONNX Runtime's.
void ExpectDigitsCnnLikeOnnxRuntime(int (*run)(const float*, float*, const void*, void*), Blob& weights,
                                    size_t scratch_size, size_t scratch_alignment) {
  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  const std::vector<float> references = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.ort_outputs.bin");
  AlignedBuffer scratch(scratch_size, scratch_alignment);
  std::vector<float> probs(10);
  for (size_t s = 0; s < 8; ++s) {
    ASSERT_EQ(run(images.data() + s * 64, probs.data(), weights.data(), scratch.data()), MODELC_OK);
    EXPECT_TRUE(NearlyEqual(probs, {references.begin() + s * 10, references.begin() + (s + 1) * 10}, 0.0, 1e-4));
  }
}

TEST(Contract, ExternalWeightsRunLikeOnnxRuntimeAndRefuseOtherBlobs) {
  Blob weights(MODELC_EXT_CNN_WEIGHTS), other(MODELC_EXT_MLP_WEIGHTS);
  ASSERT_EQ(weights.size(), EXT_CNN_WEIGHTS_BYTES);
  const modelc_model_info& info = ext_cnn_model_info;
  EXPECT_EQ(info.run, nullptr);
  ASSERT_NE(info.run_with_weights, nullptr);
  EXPECT_EQ(info.weights_bytes, EXT_CNN_WEIGHTS_BYTES);
  EXPECT_EQ(ext_cnn_check_weights(weights.data(), weights.size()), MODELC_OK);
  ExpectDigitsCnnLikeOnnxRuntime(ext_cnn_run, weights, EXT_CNN_SCRATCH_SIZE, EXT_CNN_SCRATCH_ALIGNMENT);

  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  AlignedBuffer scratch(EXT_CNN_SCRATCH_SIZE, EXT_CNN_SCRATCH_ALIGNMENT);
  std::vector<float> probs(10);
  EXPECT_EQ(ext_cnn_run(images.data(), probs.data(), other.data(), scratch.data()), MODELC_ERROR_WEIGHTS);
  EXPECT_EQ(ext_cnn_run(images.data(), probs.data(), nullptr, scratch.data()), MODELC_ERROR_NULL_POINTER);
  EXPECT_EQ(ext_cnn_run(images.data(), probs.data(), weights.data() + 8, scratch.data()), MODELC_ERROR_MISALIGNED);
  EXPECT_EQ(ext_cnn_check_weights(weights.data(), weights.size() - 1), MODELC_ERROR_WEIGHTS);
  weights.data()[weights.size() - 1] ^= 1;  // a damaged payload: only the checksum sees it
  EXPECT_EQ(ext_cnn_check_weights(weights.data(), weights.size()), MODELC_ERROR_WEIGHTS);
}

// The same model with --optimize size, whose node calls place the repacked weights in the
// blob: its own blob runs it like ONNX Runtime, the default mode's blob is refused.
TEST(Contract, SizeModeExternalWeightsRunLikeOnnxRuntime) {
  Blob weights(MODELC_EXT_CNN_SIZE_WEIGHTS), other(MODELC_EXT_CNN_WEIGHTS);
  ASSERT_EQ(weights.size(), EXT_CNN_SIZE_WEIGHTS_BYTES);
  EXPECT_EQ(ext_cnn_size_check_weights(weights.data(), weights.size()), MODELC_OK);
  EXPECT_EQ(ext_cnn_size_check_weights(other.data(), other.size()), MODELC_ERROR_WEIGHTS);
  ExpectDigitsCnnLikeOnnxRuntime(ext_cnn_size_run, weights, EXT_CNN_SIZE_SCRATCH_SIZE, EXT_CNN_SIZE_SCRATCH_ALIGNMENT);
  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  AlignedBuffer scratch(EXT_CNN_SIZE_SCRATCH_SIZE, EXT_CNN_SIZE_SCRATCH_ALIGNMENT);
  std::vector<float> probs(10);
  EXPECT_EQ(ext_cnn_size_run(images.data(), probs.data(), other.data(), scratch.data()), MODELC_ERROR_WEIGHTS);
}

struct TraceLog {
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<float>> data;
};

void RecordTensor(void* user, const modelc_tensor_info* tensor, const void* data) {
  auto* log = static_cast<TraceLog*>(user);
  log->names.push_back(tensor->name);
  log->shapes.emplace_back(tensor->shape, tensor->shape + tensor->rank);
  const float* values = static_cast<const float*>(data);
  log->data.emplace_back(values, values + tensor->byte_size / 4);
}

// --pool: the scratch split over two separately allocated pools; the typed entry takes
// a pointer per pool, the descriptor's run_with_pools an array of them (its `run` is
// NULL: no program can pass it a scratch buffer), and both run the model like ONNX
// Runtime. The descriptor and the header agree; a missing or misaligned pool is refused.
TEST(Contract, PoolsRunLikeOnnxRuntimeFromSeparateAllocations) {
  const modelc_model_info& info = pooled_cnn_model_info;
  ASSERT_EQ(info.pool_count, 2u);
  EXPECT_EQ(POOLED_CNN_POOL_COUNT, 2);
  EXPECT_STREQ(info.pools[0].name, "fast");
  EXPECT_STREQ(info.pools[1].name, "slow");
  EXPECT_EQ(info.pools[0].size, POOLED_CNN_POOL_FAST_SIZE);
  EXPECT_EQ(info.pools[1].size, POOLED_CNN_POOL_SLOW_SIZE);
  EXPECT_EQ(info.pools[0].alignment, POOLED_CNN_POOL_FAST_ALIGNMENT);
  EXPECT_GT(POOLED_CNN_POOL_FAST_SIZE, 0u);
  EXPECT_LE(POOLED_CNN_POOL_FAST_SIZE, 1024u);
  EXPECT_GT(POOLED_CNN_POOL_SLOW_SIZE, 0u);
  EXPECT_EQ(info.scratch_size, uint64_t{POOLED_CNN_POOL_FAST_SIZE} + POOLED_CNN_POOL_SLOW_SIZE);
  EXPECT_EQ(info.run, nullptr);
  EXPECT_EQ(info.run_with_weights, nullptr);
  ASSERT_NE(info.run_with_pools, nullptr);

  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  const std::vector<float> references = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.ort_outputs.bin");
  AlignedBuffer fast(POOLED_CNN_POOL_FAST_SIZE, POOLED_CNN_POOL_FAST_ALIGNMENT);
  AlignedBuffer slow(POOLED_CNN_POOL_SLOW_SIZE, POOLED_CNN_POOL_SLOW_ALIGNMENT);
  std::vector<float> probs(10), generic_probs(10);
  for (size_t s = 0; s < 8; ++s) {
    const std::vector<float> expected(references.begin() + s * 10, references.begin() + (s + 1) * 10);
    std::memset(fast.data(), 0xA5, POOLED_CNN_POOL_FAST_SIZE);  // stale bytes must not matter
    std::memset(slow.data(), 0x5A, POOLED_CNN_POOL_SLOW_SIZE);
    ASSERT_EQ(pooled_cnn_run(images.data() + s * 64, probs.data(), fast.data(), slow.data()), MODELC_OK);
    EXPECT_TRUE(NearlyEqual(probs, expected, 0.0, 1e-4)) << "image " << s;
    const void* inputs[] = {images.data() + s * 64};
    void* outputs[] = {generic_probs.data()};
    void* pools[] = {fast.data(), slow.data()};
    ASSERT_EQ(info.run_with_pools(inputs, outputs, nullptr, pools), MODELC_OK);
    EXPECT_EQ(generic_probs, probs);
  }
  EXPECT_EQ(pooled_cnn_run(images.data(), probs.data(), fast.data(), nullptr), MODELC_ERROR_NULL_POINTER);
  EXPECT_EQ(pooled_cnn_run(images.data(), probs.data(), static_cast<char*>(fast.data()) + 4, slow.data()),
            MODELC_ERROR_MISALIGNED);
  const void* inputs[] = {images.data()};
  void* outputs[] = {probs.data()};
  EXPECT_EQ(info.run_with_pools(inputs, outputs, nullptr, nullptr), MODELC_ERROR_NULL_POINTER);
}

// Pools with external weights and the trace hook: the typed entries take the weights,
// then a pointer per pool, then the callback; run_with_pools takes the weights too.
TEST(Contract, PoolsWithExternalWeightsAndTheTraceHookRunLikeOnnxRuntime) {
  const modelc_model_info& info = pooled_ext_cnn_model_info;
  ASSERT_EQ(info.pool_count, 2u);
  EXPECT_EQ(info.run, nullptr);
  EXPECT_EQ(info.run_with_weights, nullptr);
  ASSERT_NE(info.run_with_pools, nullptr);
  Blob weights(MODELC_POOLED_EXT_CNN_WEIGHTS);
  const std::vector<float> images = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.inputs.bin");
  const std::vector<float> references = ReadFloats(std::string(MODELC_SOURCE_DIR) + "/models/digits_cnn.ort_outputs.bin");
  AlignedBuffer fast(POOLED_EXT_CNN_POOL_FAST_SIZE, POOLED_EXT_CNN_POOL_FAST_ALIGNMENT);
  AlignedBuffer slow(POOLED_EXT_CNN_POOL_SLOW_SIZE, POOLED_EXT_CNN_POOL_SLOW_ALIGNMENT);
  std::vector<float> probs(10), traced_probs(10), generic_probs(10);
  for (size_t s = 0; s < 8; ++s) {
    const std::vector<float> expected(references.begin() + s * 10, references.begin() + (s + 1) * 10);
    ASSERT_EQ(pooled_ext_cnn_run(images.data() + s * 64, probs.data(), weights.data(), fast.data(), slow.data()),
              MODELC_OK);
    EXPECT_TRUE(NearlyEqual(probs, expected, 0.0, 1e-4)) << "image " << s;
    TraceLog log;
    ASSERT_EQ(pooled_ext_cnn_run_traced(images.data() + s * 64, traced_probs.data(), weights.data(), fast.data(),
                                        slow.data(), RecordTensor, &log),
              MODELC_OK);
    EXPECT_EQ(traced_probs, probs);
    ASSERT_FALSE(log.names.empty());
    EXPECT_EQ(log.data.back(), probs) << "the last traced tensor is the output";
    const void* inputs[] = {images.data() + s * 64};
    void* outputs[] = {generic_probs.data()};
    void* pools[] = {fast.data(), slow.data()};
    ASSERT_EQ(info.run_with_pools(inputs, outputs, weights.data(), pools), MODELC_OK);
    EXPECT_EQ(generic_probs, probs);
  }
}

TEST(Contract, TraceHookSeesEveryOperatorsOutputInOrder) {
  AlignedBuffer scratch(TRACED_CNN_SCRATCH_SIZE, TRACED_CNN_SCRATCH_ALIGNMENT);
  const std::vector<float> image = Image(2);
  std::vector<float> traced(10), plain(10);
  TraceLog log;
  ASSERT_EQ(traced_cnn_run_traced(image.data(), traced.data(), scratch.data(), RecordTensor, &log), MODELC_OK);
  EXPECT_EQ(log.names, (std::vector<std::string>{"relu1", "pool1", "relu2", "pool2", "flat", "logits", "probs"}));
  EXPECT_EQ(log.shapes[1], (std::vector<int64_t>{1, 8, 4, 4}));
  EXPECT_EQ(log.data.back(), traced);  // the last tensor is the output itself
  ASSERT_EQ(traced_cnn_run(image.data(), plain.data(), scratch.data()), MODELC_OK);
  EXPECT_EQ(plain, traced);
  ASSERT_EQ(traced_cnn_run_traced(image.data(), plain.data(), scratch.data(), nullptr, nullptr), MODELC_OK);
  EXPECT_EQ(plain, traced);
  TraceLog generic_log;  // the generic form (arrays of pointers) sees the same
  const void* inputs[] = {image.data()};
  void* outputs[] = {plain.data()};
  ASSERT_EQ(traced_cnn_run_traced_generic(inputs, outputs, scratch.data(), RecordTensor, &generic_log), MODELC_OK);
  EXPECT_EQ(generic_log.names, log.names);
  EXPECT_EQ(plain, traced);
}

// With --optimize size the trace sees the same tensors with the same values.
TEST(Contract, SizeModeTraceSeesTheSameTensors) {
  const std::vector<float> image = Image(3);
  std::vector<float> speed_out(10), size_out(10);
  TraceLog speed_log, size_log;
  AlignedBuffer speed_scratch(TRACED_CNN_SCRATCH_SIZE, TRACED_CNN_SCRATCH_ALIGNMENT);
  AlignedBuffer size_scratch(TRACED_CNN_SIZE_SCRATCH_SIZE, TRACED_CNN_SIZE_SCRATCH_ALIGNMENT);
  ASSERT_EQ(traced_cnn_run_traced(image.data(), speed_out.data(), speed_scratch.data(), RecordTensor, &speed_log),
            MODELC_OK);
  ASSERT_EQ(traced_cnn_size_run_traced(image.data(), size_out.data(), size_scratch.data(), RecordTensor, &size_log),
            MODELC_OK);
  ASSERT_EQ(size_log.names, speed_log.names);
  EXPECT_EQ(size_log.shapes, speed_log.shapes);
  for (size_t t = 0; t < speed_log.data.size(); ++t) {
    EXPECT_TRUE(NearlyEqual(size_log.data[t], speed_log.data[t], 1e-5, 1e-6)) << speed_log.names[t];
  }
}

// Depthwise and pointwise convolutions that keep their tensors channels-last, some
// with a zero border (tests/models/conv_channels_last.onnxtxt): every traced tensor
// equals the reference evaluator's value of the same name, in ONNX's layout.
TEST(Contract, TraceShowsChannelsLastTensorsInOnnxLayout) {
  const std::string path = std::string(MODELC_SOURCE_DIR) + "/tests/models/conv_channels_last.onnxtxt";
  absl::StatusOr<Graph> graph = ImportOnnxFile(path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::vector<float> x = RandomFloats(TRACED_CHANNELS_LAST_IN_X_ELEMENTS, 7);
  std::map<std::string, std::vector<float>> expected;  // every value the reference computes
  std::vector<TensorData> values(graph->values().size());
  for (ValueId id = 0; id < static_cast<ValueId>(values.size()); ++id) {
    if (graph->value(id).constant) values[id] = *graph->value(id).constant;
  }
  values[graph->inputs()[0]] = TensorData::FromFloats(graph->value(graph->inputs()[0]).type.shape, x);
  for (const Node& node : graph->nodes()) {
    std::vector<const TensorData*> inputs;
    for (ValueId input : node.inputs) inputs.push_back(input == kNoValue ? nullptr : &values[input]);
    absl::StatusOr<std::vector<TensorData>> outputs = EvaluateNode(*graph, node, inputs);
    ASSERT_TRUE(outputs.ok()) << outputs.status();
    for (size_t o = 0; o < outputs->size(); ++o) {
      values[node.outputs[o]] = (*outputs)[o];
      expected[graph->value(node.outputs[o]).name] = (*outputs)[o].Floats();
    }
  }
  AlignedBuffer scratch(TRACED_CHANNELS_LAST_SCRATCH_SIZE, TRACED_CHANNELS_LAST_SCRATCH_ALIGNMENT);
  std::vector<float> head(TRACED_CHANNELS_LAST_OUT_HEAD_ELEMENTS), side(TRACED_CHANNELS_LAST_OUT_SIDE_ELEMENTS),
      tapped(TRACED_CHANNELS_LAST_OUT_TAPPED_ELEMENTS), stem(TRACED_CHANNELS_LAST_OUT_STEM_ELEMENTS);
  const void* inputs[] = {x.data()};
  void* outputs[] = {head.data(), side.data(), tapped.data(), stem.data()};
  TraceLog log;
  ASSERT_EQ(traced_channels_last_run_traced_generic(inputs, outputs, scratch.data(), RecordTensor, &log), MODELC_OK);
  // d0, p1, r1, r2, s2, r3, d4, q and g0 are stored channels-last on targets with vectors
  // (Cli.DepthwiseChainsKeepTheirTensorsChannelsLast).
  for (const std::string name : {"d0", "p1", "r1", "r2", "s2", "r3", "d4", "q", "g0", "head", "side", "tapped", "stem"}) {
    const auto at = std::find(log.names.begin(), log.names.end(), name);
    ASSERT_NE(at, log.names.end()) << name;
    EXPECT_TRUE(NearlyEqual(log.data[at - log.names.begin()], expected[name], 1e-4, 1e-5)) << name;
  }
}

// An If on run-time inputs (tests/data/control/if_runtime.onnxtxt): cond picks 2x or
// -x; inside the then branch, inner picks 2x or 4x. Only the taken branch runs: the
// trace sees the tensors of that branch and no others.
TEST(Contract, RunTimeIfRunsOnlyTheTakenBranch) {
  // The default build and the --optimize size one (whose guarded nodes' calls pass their
  // constants and shape tables inside the branch).
  using RunTraced = int (*)(const uint8_t*, const uint8_t*, const float*, float*, void*, modelc_trace_fn, void*);
  AlignedBuffer scratch(std::max(IF_RUNTIME_SCRATCH_SIZE, IF_RUNTIME_SIZE_SCRATCH_SIZE),
                        std::max(IF_RUNTIME_SCRATCH_ALIGNMENT, IF_RUNTIME_SIZE_SCRATCH_ALIGNMENT));
  const std::vector<float> x = {1, -2, 3.5f, 0};
  struct Case {
    uint8_t cond, inner;
    float factor;
    const char* taken;      // a tensor of the branch that must run
    const char* not_taken;  // one that must not
  };
  for (const RunTraced run_traced : {RunTraced{if_runtime_run_traced}, RunTraced{if_runtime_size_run_traced}}) {
    for (const Case& c : {Case{1, 1, 2, "doubled", "negated"}, Case{1, 0, 4, "four_times", "negated"},
                          Case{0, 1, -1, "negated", "doubled"}, Case{0, 0, -1, "negated", "four_times"}}) {
      std::vector<float> y(4, 99.0f);
      TraceLog log;
      ASSERT_EQ(run_traced(&c.cond, &c.inner, x.data(), y.data(), scratch.data(), RecordTensor, &log), MODELC_OK);
      for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], c.factor * x[i]) << int(c.cond) << int(c.inner) << " element " << i;
      auto traced = [&](const char* name) { return std::find(log.names.begin(), log.names.end(), name) != log.names.end(); };
      EXPECT_TRUE(traced(c.taken)) << c.taken;
      EXPECT_FALSE(traced(c.not_taken)) << c.not_taken;
    }
  }
}

TEST(Contract, TwoThreadsWithTwoScratchBuffersRunAtOnce) {
  const std::vector<float> a = Image(4), b = Image(5);
  std::vector<float> expected_a(10), expected_b(10);
  {
    AlignedBuffer scratch(DIGITS_CNN_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_ALIGNMENT);
    digits_cnn_run(a.data(), expected_a.data(), scratch.data());
    digits_cnn_run(b.data(), expected_b.data(), scratch.data());
  }
  auto worker = [](const std::vector<float>* input, const std::vector<float>* expected, int* mismatches) {
    AlignedBuffer scratch(DIGITS_CNN_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_ALIGNMENT);
    std::vector<float> out(10);
    for (int i = 0; i < 20000; ++i) {
      if (digits_cnn_run(input->data(), out.data(), scratch.data()) != MODELC_OK || out != *expected) ++*mismatches;
    }
  };
  int mismatches_a = 0, mismatches_b = 0;
  std::thread first(worker, &a, &expected_a, &mismatches_a);
  std::thread second(worker, &b, &expected_b, &mismatches_b);
  first.join();
  second.join();
  EXPECT_EQ(mismatches_a, 0);
  EXPECT_EQ(mismatches_b, 0);
}

}  // namespace
}  // namespace modelc::testing
