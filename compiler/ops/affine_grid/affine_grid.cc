// AffineGrid: the sampling grid of an affine transform (opset 20), for GridSample. For
// each batch entry n, its theta[n] ([2, 3] for 2-D, [3, 4] for 3-D) maps every output
// position's base coordinates (x along W, y along H, z along D, each in [-1, 1], plus a
// constant 1) to grid[n, (d,) h, w, :] = theta[n] x (x, y, (z,) 1). The base
// coordinates of index i along a dimension of length L: -1 + 2i / (L - 1) with
// align_corners (-1 when L is 1), else the pixel centres -1 + (2i + 1) / L. The whole
// op lives here: geometry, shape rule, reference and kernel (own_op_hooks.h's hooks).
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct AffineGridGeometry {
  int64_t batch = 0;
  int64_t spatial = 2;           // 2 or 3: theta is [batch, spatial, spatial + 1]
  std::vector<int64_t> extents;  // (D,) H, W
  bool align_corners = false;
  Shape out_shape;               // [batch, (D,) H, W, spatial]

  // The base coordinates along extents[d].
  std::vector<double> Coordinates(size_t d) const {
    const int64_t length = extents[d];
    std::vector<double> values(length);
    for (int64_t i = 0; i < length; ++i) {
      if (align_corners) {
        values[i] = length == 1 ? -1.0 : -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(length - 1);
      } else {
        values[i] = -1.0 + (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(length);
      }
    }
    return values;
  }
};

absl::StatusOr<AffineGridGeometry> ResolveAffineGrid(const Graph& graph, const Node& node) {
  const Shape& theta = graph.InputType(node, 0).shape;
  ASSIGN_OR_RETURN(std::vector<int64_t> size, ConstantInts(graph, node, 1, "AffineGrid's size"));
  if (size.size() != 4 && size.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat("AffineGrid's size has ", size.size(),
                                                   " values; it must be (N, C, H, W) or (N, C, D, H, W)"));
  }
  AffineGridGeometry g;
  g.spatial = static_cast<int64_t>(size.size()) - 2;
  const Shape expected = {size[0], g.spatial, g.spatial + 1};
  if (theta != expected) {
    return absl::InvalidArgumentError(absl::StrCat("AffineGrid's theta has shape ", ShapeToString(theta),
                                                   "; size ", ShapeToString(size), " needs ", ShapeToString(expected)));
  }
  for (int64_t dim : size) {
    if (dim < 0) return absl::InvalidArgumentError(absl::StrCat("AffineGrid's size ", ShapeToString(size), " is negative"));
  }
  ASSIGN_OR_RETURN(int64_t align_corners, node.attributes.GetInt("align_corners", 0));
  g.align_corners = align_corners != 0;
  g.batch = size[0];
  g.extents.assign(size.begin() + 2, size.end());
  g.out_shape = {g.batch};
  g.out_shape.insert(g.out_shape.end(), g.extents.begin(), g.extents.end());
  g.out_shape.push_back(g.spatial);
  RETURN_IF_ERROR(CheckShapeSize(g.out_shape, "AffineGrid output"));
  // The coordinate tables hold one entry per position of each extent: bounded by the
  // output's size only when that is not zero (a batch of 0 with a 2^32 extent).
  if (ElementCount(g.out_shape) == 0) {
    return absl::UnimplementedError("AffineGrid with an empty output is not supported");
  }
  return g;
}

}  // namespace

absl::Status UpgradeAffineGrid(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 20

absl::StatusOr<std::vector<TensorType>> InferAffineGrid(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(AffineGridGeometry g, ResolveAffineGrid(graph, node));
  return std::vector<TensorType>{TensorType{out_type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateAffineGrid(const Graph& graph, const Node& node,
                                                           const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(AffineGridGeometry g, ResolveAffineGrid(graph, node));
  const std::vector<float> theta = inputs[0]->Floats();
  const int64_t s = g.spatial, positions = ElementCount(g.extents);
  std::vector<std::vector<double>> coordinates;
  for (int64_t d = 0; d < s; ++d) coordinates.push_back(g.Coordinates(d));
  std::vector<float> out;
  out.reserve(ElementCount(g.out_shape));
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t p = 0; p < positions; ++p) {
      // base[0] is x (the last extent), base[1] y, base[2] z.
      std::vector<double> base(s);
      int64_t rest = p;
      for (int64_t d = s - 1; d >= 0; --d) {
        base[s - 1 - d] = coordinates[d][rest % g.extents[d]];
        rest /= g.extents[d];
      }
      for (int64_t c = 0; c < s; ++c) {
        const float* row = theta.data() + (n * s + c) * (s + 1);
        double value = row[s];
        for (int64_t j = 0; j < s; ++j) value += static_cast<double>(row[j]) * base[j];
        out.push_back(static_cast<float>(value));
      }
    }
  }
  return std::vector<TensorData>{TensorData::FromFloats(g.out_shape, out)};
}

absl::Status EmitAffineGridKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(AffineGridGeometry g, ResolveAffineGrid(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const int64_t s = g.spatial;
  std::vector<llvm::Value*> tables;
  for (int64_t d = 0; d < s; ++d) {
    const std::vector<double> coordinates = g.Coordinates(d);
    tables.push_back(k.ConstantFloats(std::vector<float>(coordinates.begin(), coordinates.end()),
                                      absl::StrCat("affine_grid_coordinates", d)));
  }
  k.Loop(g.batch, [&](llvm::Value* n) {
    std::vector<llvm::Value*> theta;  // row-major [s, s + 1]
    for (int64_t e = 0; e < s * (s + 1); ++e) {
      theta.push_back(k.Load(k.in[0], b.CreateAdd(b.CreateMul(n, k.Int(s * (s + 1))), k.Int(e))));
    }
    // Walks the extents outside in; `base` collects their coordinates, z (or y) first.
    std::function<void(int64_t, llvm::Value*, std::vector<llvm::Value*>)> level =
        [&](int64_t d, llvm::Value* linear, std::vector<llvm::Value*> base) {
          if (d == s) {
            for (int64_t c = 0; c < s; ++c) {
              llvm::Value* value = theta[c * (s + 1) + s];
              for (int64_t j = 0; j < s; ++j) {  // x is the last extent's coordinate
                value = b.CreateFAdd(value, b.CreateFMul(theta[c * (s + 1) + j], base[s - 1 - j]));
              }
              k.Store(value, k.out[0], b.CreateAdd(b.CreateMul(linear, k.Int(s)), k.Int(c)));
            }
            return;
          }
          k.Loop(g.extents[d], [&](llvm::Value* i) {
            std::vector<llvm::Value*> next = base;
            next.push_back(k.Load(tables[d], i));
            level(d + 1, b.CreateAdd(b.CreateMul(linear, k.Int(g.extents[d])), i), next);
          });
        };
    level(0, n, {});
  });
  return absl::OkStatus();
}

}  // namespace modelc
