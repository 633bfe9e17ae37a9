// Issue #18's first two questions on a Keras model (tests/data/keras/mnist_dense.keras,
// Input(shape=(784,)) + Dense(10, softmax), compiled with --batch batch): batches of 10
// and 20 rows run at once equal Keras's model.predict, and 100,000 runs leave the heap
// as it was.
#include <malloc.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "keras_mnist_dense.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

const std::string kPrefix = std::string(MODELC_SOURCE_DIR) + "/tests/data/keras/mnist_dense.batch";

// The batch's rows: bytes on disk, byte / 255 in float32 (as make_models.py computes
// the inputs it gave Keras).
std::vector<float> Rows() {
  std::ifstream file(kPrefix + ".pixels.u8", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<float> rows;
  for (unsigned char byte : bytes) rows.push_back(static_cast<float>(byte) / 255.0f);
  return rows;
}

TEST(KerasContract, RunTimeBatchesMatchKerasPredict) {
  const std::vector<float> rows = Rows();
  const std::vector<float> references = ReadFloats(kPrefix + ".outputs.bin");  // model.predict on 20 rows
  ASSERT_EQ(rows.size(), 20u * 784u);
  ASSERT_EQ(references.size(), 20u * 10u);
  AlignedBuffer scratch(KERAS_MNIST_DENSE_SCRATCH_SIZE, KERAS_MNIST_DENSE_SCRATCH_ALIGNMENT);  // one row's
  for (int64_t batch : {10, 20}) {
    std::vector<float> together(batch * 10);
    ASSERT_EQ(keras_mnist_dense_run_batched(batch, rows.data(), together.data(), scratch.data()), MODELC_OK);
    const std::vector<float> expected(references.begin(), references.begin() + batch * 10);
    EXPECT_TRUE(NearlyEqual(together, expected, 0.0, 1e-4)) << "batch " << batch;
  }
}

TEST(KerasContract, HundredThousandRunsDoNotGrowTheHeap) {
  const std::vector<float> rows = Rows();
  AlignedBuffer scratch(KERAS_MNIST_DENSE_SCRATCH_SIZE, KERAS_MNIST_DENSE_SCRATCH_ALIGNMENT);
  std::vector<float> out(10);
  keras_mnist_dense_run(rows.data(), out.data(), scratch.data());  // anything lazy in the C library happens here
  const struct mallinfo2 before = mallinfo2();
  for (int i = 0; i < 100000; ++i) {
    ASSERT_EQ(keras_mnist_dense_run(rows.data() + (i % 20) * 784, out.data(), scratch.data()), MODELC_OK);
  }
  const struct mallinfo2 after = mallinfo2();
  EXPECT_EQ(after.uordblks, before.uordblks) << "bytes in use on the heap changed";
  EXPECT_EQ(after.arena, before.arena) << "the heap grew";
  EXPECT_EQ(after.hblkhd, before.hblkhd) << "mmap-ed blocks changed";
}

}  // namespace
}  // namespace modelc::testing
