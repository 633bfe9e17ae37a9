// Col2Im (opset 18): the inverse of im2col. Input [N, C * prod(block_shape), L] holds,
// for each of the L sliding blocks of an image of image_shape, the block's values;
// each lands at its place in the image [N, C, image_shape...] and overlapping values
// add up. image_shape and block_shape (inputs 1 and 2) must be known at compile time.
// Any number of spatial dimensions. The whole op lives here: geometry, shape rule,
// reference and kernel.
#include <functional>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/checked_math.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Along spatial dimension d, block offset k and block position b put their value at
// image index b * strides[d] - pads[d] + k * dilations[d] (dropped outside the image).
struct Col2ImGeometry {
  int64_t batch = 0, channels = 0;
  std::vector<int64_t> image, block, blocks;  // per spatial dimension; blocks: positions
  std::vector<int64_t> strides, dilations, pads;  // pads: the leading ones
  int64_t BlockSize() const { return ElementCount(block); }
  int64_t BlockCount() const { return ElementCount(blocks); }
  int64_t ImageSize() const { return ElementCount(image); }
};

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// A per-dimension attribute: `count` entries (default all `fill`), each in
// [minimum, kMaxTensorElements].
absl::StatusOr<std::vector<int64_t>> SpatialAttribute(const Node& node, const std::string& name, size_t count,
                                                      int64_t fill, int64_t minimum) {
  ASSIGN_OR_RETURN(std::vector<int64_t> values, node.attributes.GetInts(name, std::vector<int64_t>(count, fill)));
  if (values.size() != count) {
    return Invalid(absl::StrCat("Col2Im's '", name, "' has ", values.size(), " entries, expected ", count));
  }
  for (int64_t v : values) {
    if (v < minimum || v > kMaxTensorElements) {
      return Invalid(absl::StrCat("Col2Im's '", name, "' has value ", v, ", outside [", minimum, ", ",
                                  kMaxTensorElements, "]"));
    }
  }
  return values;
}

absl::StatusOr<Col2ImGeometry> ResolveCol2Im(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() != 3) return Invalid("Col2Im's input must have rank 3 ([N, C * prod(block_shape), L])");
  Col2ImGeometry g;
  ASSIGN_OR_RETURN(g.image, ConstantInts(graph, node, 1, "Col2Im's image_shape"));
  ASSIGN_OR_RETURN(g.block, ConstantInts(graph, node, 2, "Col2Im's block_shape"));
  const size_t rank = g.image.size();
  if (rank == 0 || g.block.size() != rank) {
    return Invalid("Col2Im's image_shape and block_shape must have the same, non-zero length");
  }
  for (size_t d = 0; d < rank; ++d) {
    if (g.image[d] < 1 || g.image[d] > kMaxTensorElements || g.block[d] < 1 || g.block[d] > kMaxTensorElements) {
      return Invalid(absl::StrCat("Col2Im's image size ", g.image[d], " and block size ", g.block[d],
                                  " must be positive and at most ", kMaxTensorElements));
    }
  }
  ASSIGN_OR_RETURN(g.strides, SpatialAttribute(node, "strides", rank, 1, 1));
  ASSIGN_OR_RETURN(g.dilations, SpatialAttribute(node, "dilations", rank, 1, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> pads, SpatialAttribute(node, "pads", 2 * rank, 0, 0));
  for (size_t d = 0; d < rank; ++d) {
    const std::optional<int64_t> extent = ((CheckedInt(g.block[d]) - 1) * g.dilations[d] + 1).Get();
    // image and pads are at most 2^32 each: their sum fits.
    const int64_t span = extent ? g.image[d] + pads[d] + pads[d + rank] - *extent : -1;
    if (span < 0) {
      return Invalid(absl::StrCat("Col2Im's block (size ", g.block[d], ", dilation ", g.dilations[d],
                                  ") does not fit the padded image along dimension ", d));
    }
    g.blocks.push_back(span / g.strides[d] + 1);
    g.pads.push_back(pads[d]);
  }
  const std::optional<int64_t> block_size = CheckedProduct(g.block);
  const std::optional<int64_t> block_count = CheckedProduct(g.blocks);
  if (!block_size || !block_count || x[1] % *block_size != 0 || x[2] != *block_count) {
    return Invalid(absl::StrCat("Col2Im's input ", ShapeToString(x), " does not hold blocks of shape ",
                                ShapeToString(g.block), " at ", ShapeToString(g.blocks), " positions"));
  }
  g.batch = x[0];
  g.channels = x[1] / *block_size;
  Shape out{g.batch, g.channels};
  out.insert(out.end(), g.image.begin(), g.image.end());
  const std::optional<int64_t> elements = CheckedProduct(out);
  if (!elements || *elements > kMaxTensorElements) {
    return Invalid(absl::StrCat("Col2Im's output ", ShapeToString(out), " is too large"));
  }
  return g;
}

Shape OutputShape(const Col2ImGeometry& g) {
  Shape out{g.batch, g.channels};
  out.insert(out.end(), g.image.begin(), g.image.end());
  return out;
}

}  // namespace

absl::Status UpgradeCol2Im(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 18

absl::StatusOr<std::vector<TensorType>> InferCol2Im(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(Col2ImGeometry g, ResolveCol2Im(graph, node));
  return std::vector<TensorType>{TensorType{out_type, OutputShape(g)}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateCol2Im(const Graph& graph, const Node& node,
                                                       const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(Col2ImGeometry g, ResolveCol2Im(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    const FloatTensor& x = *in[0];
    const std::vector<int64_t> image_strides = RowMajorStrides(g.image), block_strides = RowMajorStrides(g.block),
                               position_strides = RowMajorStrides(g.blocks);
    std::vector<double> sums(ElementCount(OutputShape(g)), 0.0);
    const int64_t block_size = g.BlockSize(), block_count = g.BlockCount(), image_size = g.ImageSize();
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t k = 0; k < block_size; ++k)
          for (int64_t p = 0; p < block_count; ++p) {
            // Block offset k and position p as multi-indices (row-major).
            int64_t image_offset = 0;
            bool inside = true;
            for (size_t d = 0; d < g.image.size(); ++d) {
              const int64_t k_d = k / block_strides[d] % g.block[d], p_d = p / position_strides[d] % g.blocks[d];
              const int64_t i = p_d * g.strides[d] - g.pads[d] + k_d * g.dilations[d];
              inside &= i >= 0 && i < g.image[d];
              image_offset += i * image_strides[d];
            }
            if (!inside) continue;
            sums[(n * g.channels + c) * image_size + image_offset] +=
                x[((n * g.channels + c) * block_size + k) * block_count + p];
          }
    return absl::StatusOr<std::vector<FloatTensor>>(std::vector<FloatTensor>{FloatTensor(sums.begin(), sums.end())});
  });
}

// The output zeroed, then per (image, channel, block offset) a nest over the block
// positions whose value lands inside the image (ValidIndices: no bounds checks inside).
absl::Status EmitCol2ImKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(Col2ImGeometry g, ResolveCol2Im(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const int rank = static_cast<int>(g.image.size());
  const std::vector<int64_t> image_strides = RowMajorStrides(g.image);
  const std::vector<int64_t> block_strides = RowMajorStrides(g.block);
  const std::vector<int64_t> position_strides = RowMajorStrides(g.blocks);
  const int64_t block_size = g.BlockSize(), block_count = g.BlockCount(), image_size = g.ImageSize();
  k.Loop(g.batch * g.channels * image_size, [&](llvm::Value* i) { k.Store(k.Float(0.0f), k.out[0], i); });
  k.Loop(g.batch * g.channels, [&](llvm::Value* plane) {
    llvm::Value* image = k.Address(k.out[0], b.CreateMul(plane, k.Int(image_size)));
    k.Loop(block_size, [&](llvm::Value* offset) {
      llvm::Value* column = k.Address(k.in[0], b.CreateMul(b.CreateAdd(b.CreateMul(plane, k.Int(block_size)), offset),
                                                           k.Int(block_count)));
      // Block offset along each dimension, and the image index of block position 0.
      std::vector<llvm::Value*> base(rank);
      for (int d = 0; d < rank; ++d) {
        llvm::Value* k_d = b.CreateSRem(b.CreateSDiv(offset, k.Int(block_strides[d])), k.Int(g.block[d]));
        base[d] = b.CreateSub(b.CreateMul(k_d, k.Int(g.dilations[d])), k.Int(g.pads[d]));
      }
      std::function<void(int, llvm::Value*, llvm::Value*)> nest = [&](int d, llvm::Value* at_image,
                                                                      llvm::Value* at_column) {
        if (d == rank) {
          k.Store(b.CreateFAdd(k.Load(image, at_image), k.Load(column, at_column)), image, at_image);
          return;
        }
        ValidRange positions = k.ValidIndices(base[d], g.strides[d], g.image[d], g.blocks[d]);
        k.Loop(positions.begin, positions.end, [&](llvm::Value* p) {
          llvm::Value* index = b.CreateAdd(base[d], b.CreateMul(p, k.Int(g.strides[d])));
          nest(d + 1, b.CreateAdd(at_image, b.CreateMul(index, k.Int(image_strides[d]))),
               b.CreateAdd(at_column, b.CreateMul(p, k.Int(position_strides[d]))));
        });
      };
      nest(0, k.Int(0), k.Int(0));
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
