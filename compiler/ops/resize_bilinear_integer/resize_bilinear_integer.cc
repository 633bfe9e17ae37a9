// ResizeBilinearInteger (modelc's own, internal): TFLite's int8 RESIZE_BILINEAR
// (reference_ops::ResizeBilinearInteger), on the codes of an NHWC tensor x [N, H, W, C]
// (int8 or uint8), the output [N, size[0], size[1], C] quantised as x. Attributes: size,
// align_corners, half_pixel_centers (TFLite's options). Each output row y reads input
// rows y0 and y1 with a weight d in 1/1024ths, from TFLite's integer coordinates:
//   scale = (1024 H + OH / 2) / OH, or (1024 (H - 1) + (OH - 1) / 2) / (OH - 1) with
//   aligned corners (OH > 1), in integers;
//   v = y scale (+ scale / 2 - 512 with half-pixel centres); y0 = max(v / 1024, 0) (the
//   division truncating), y1 = min((v + 1023) / 1024, H - 1), d = v - 1024 y0
// (columns the same). Each output is then
//   s = x[y0][x0] (1024 - dy)(1024 - dx) + x[y1][x0] dy (1024 - dx)
//     + x[y0][x1] (1024 - dy) dx + x[y1][x1] dy dx,
//   (s + (s > 0 ? 2^19 : -2^19)) / 2^20 (truncating), converted to x's type as TFLite's
//   static_cast (d is negative only near the first row with half-pixel centres, where
//   y0 = y1: the result stays within the inputs' range, so the conversion never wraps).
// The coordinates are made while compiling (tables of the kernel); a geometry that
// would read outside the input (TFLite reads out of bounds there) or could overflow
// int32 is refused.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// One output row's (or column's) inputs and weight.
struct Tap {
  int32_t lower = 0, upper = 0, weight = 0;  // weight: of `upper`, in 1/1024ths
};

struct ResizeBilinearIntegerGeometry {
  DataType type = DataType::kInt8;
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;
  std::vector<Tap> rows, columns;
  Shape OutShape() const {
    return {batch, static_cast<int64_t>(rows.size()), static_cast<int64_t>(columns.size()), channels};
  }
};

// TFLite's ComputeInterpolationValuesInteger for every output index along one axis.
absl::StatusOr<std::vector<Tap>> Taps(int64_t in, int64_t out, bool align_corners, bool half_pixel_centers) {
  int64_t scale = ((int64_t{1} << 10) * in + out / 2) / out;
  if (align_corners && out > 1) scale = ((int64_t{1} << 10) * (in - 1) + (out - 1) / 2) / (out - 1);
  std::vector<Tap> taps;
  for (int64_t i = 0; i < out; ++i) {
    const int64_t v = half_pixel_centers ? i * scale + scale / 2 - (1 << 9) : i * scale;
    const int64_t lower = std::max<int64_t>(v / (1 << 10), 0);
    const int64_t upper = std::min<int64_t>((v + (1 << 10) - 1) / (1 << 10), in - 1);
    const int64_t weight = v - (1 << 10) * lower;
    // A weight d in [-512, 1024] keeps |1024 - d| + |d| <= 2048 on each axis, so the four
    // products' magnitudes sum to at most 2048^2 and |s| <= 255 x 2^22 < 2^31.
    if (lower > in - 1 || upper < 0 || weight < -(1 << 9) || weight > (1 << 10)) {
      return absl::InvalidArgumentError(absl::StrCat("a bilinear resize from ", in, " to ", out,
                                                     " reads outside the input in TFLite's integer coordinates"));
    }
    taps.push_back({static_cast<int32_t>(lower), static_cast<int32_t>(upper), static_cast<int32_t>(weight)});
  }
  return taps;
}

absl::StatusOr<ResizeBilinearIntegerGeometry> ResolveResizeBilinearInteger(const Graph& graph, const Node& node) {
  ResizeBilinearIntegerGeometry g;
  const TensorType& x = graph.InputType(node, 0);
  g.type = x.element_type;
  if (g.type != DataType::kInt8 && g.type != DataType::kUInt8) {
    return absl::InvalidArgumentError(absl::StrCat("ResizeBilinearInteger reads int8 or uint8, not ", DataTypeName(g.type)));
  }
  if (x.shape.size() != 4) return absl::InvalidArgumentError("ResizeBilinearInteger reads an NHWC tensor of rank 4");
  g.batch = x.shape[0], g.in_h = x.shape[1], g.in_w = x.shape[2], g.channels = x.shape[3];
  ASSIGN_OR_RETURN(std::vector<int64_t> size, node.attributes.GetInts("size", {}));
  ASSIGN_OR_RETURN(int64_t align_corners, node.attributes.GetInt("align_corners", 0));
  ASSIGN_OR_RETURN(int64_t half_pixel_centers, node.attributes.GetInt("half_pixel_centers", 0));
  constexpr int64_t kMaxSide = int64_t{1} << 20;  // the coordinates' tables are made while compiling
  if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > kMaxSide || size[1] > kMaxSide || g.in_h < 1 ||
      g.in_w < 1 || g.in_h > kMaxSide || g.in_w > kMaxSide) {
    return absl::InvalidArgumentError("ResizeBilinearInteger needs sides from 1 to 2^20 (its size and its input's)");
  }
  ASSIGN_OR_RETURN(g.rows, Taps(g.in_h, size[0], align_corners != 0, half_pixel_centers != 0));
  ASSIGN_OR_RETURN(g.columns, Taps(g.in_w, size[1], align_corners != 0, half_pixel_centers != 0));
  return g;
}

// The tables a kernel reads: lower, upper and weight of each row, then of each column.
std::vector<int32_t> TapTable(const std::vector<Tap>& taps) {
  std::vector<int32_t> table;
  for (const Tap& t : taps) table.insert(table.end(), {t.lower, t.upper, t.weight});
  return table;
}

}  // namespace

absl::Status UpgradeResizeBilinearInteger(Node&, int64_t) { return absl::OkStatus(); }  // internal: one form

absl::StatusOr<std::vector<TensorType>> InferResizeBilinearInteger(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(ResizeBilinearIntegerGeometry g, ResolveResizeBilinearInteger(graph, node));
  return std::vector<TensorType>{TensorType{g.type, g.OutShape()}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateResizeBilinearInteger(const Graph& graph, const Node& node,
                                                                      const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(ResizeBilinearIntegerGeometry g, ResolveResizeBilinearInteger(graph, node));
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]);
  auto at = [&](int64_t n, int64_t h, int64_t w, int64_t c) { return x[((n * g.in_h + h) * g.in_w + w) * g.channels + c]; };
  std::vector<int32_t> y;
  for (int64_t n = 0; n < g.batch; ++n)
    for (const Tap& r : g.rows)
      for (const Tap& q : g.columns)
        for (int64_t c = 0; c < g.channels; ++c) {
          const int64_t s = int64_t{at(n, r.lower, q.lower, c)} * (1024 - r.weight) * (1024 - q.weight) +
                            int64_t{at(n, r.upper, q.lower, c)} * r.weight * (1024 - q.weight) +
                            int64_t{at(n, r.lower, q.upper, c)} * (1024 - r.weight) * q.weight +
                            int64_t{at(n, r.upper, q.upper, c)} * r.weight * q.weight;
          const int64_t rounded = (s + (s > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
          // Within x's range (see above), converted as TFLite's static_cast.
          y.push_back(g.type == DataType::kInt8 ? static_cast<int8_t>(rounded) : static_cast<uint8_t>(rounded));
        }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::Status EmitResizeBilinearIntegerKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ResizeBilinearIntegerGeometry g, ResolveResizeBilinearInteger(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* rows = k.ConstantInt32s(TapTable(g.rows), "resize rows");
  llvm::Value* columns = k.ConstantInt32s(TapTable(g.columns), "resize columns");
  const int64_t out_h = static_cast<int64_t>(g.rows.size()), out_w = static_cast<int64_t>(g.columns.size());
  auto tap = [&](llvm::Value* table, llvm::Value* i, int field) {
    return k.LoadAs(DataType::kInt32, table, b.CreateAdd(b.CreateMul(i, k.Int(3)), k.Int(field)));
  };
  auto index = [&](llvm::Value* v) { return b.CreateSExtOrTrunc(v, k.Index()); };
  llvm::Value* one = b.getInt32(1 << 10);
  k.Loop(g.batch * out_h, [&](llvm::Value* ny) {
    llvm::Value* n = b.CreateUDiv(ny, k.Int(out_h));
    llvm::Value* y = b.CreateURem(ny, k.Int(out_h));
    llvm::Value* image = b.CreateMul(n, k.Int(g.in_h));
    llvm::Value* row0 = b.CreateMul(b.CreateAdd(image, index(tap(rows, y, 0))), k.Int(g.in_w * g.channels));
    llvm::Value* row1 = b.CreateMul(b.CreateAdd(image, index(tap(rows, y, 1))), k.Int(g.in_w * g.channels));
    llvm::Value* dy = tap(rows, y, 2);
    llvm::Value* ry = b.CreateSub(one, dy);
    k.Loop(out_w, [&](llvm::Value* xo) {
      llvm::Value* col0 = b.CreateMul(index(tap(columns, xo, 0)), k.Int(g.channels));
      llvm::Value* col1 = b.CreateMul(index(tap(columns, xo, 1)), k.Int(g.channels));
      llvm::Value* dx = tap(columns, xo, 2);
      llvm::Value* rx = b.CreateSub(one, dx);
      // The four weights' products (Taps bounds them: s stays within int32).
      llvm::Value* w00 = b.CreateMul(ry, rx);
      llvm::Value* w10 = b.CreateMul(dy, rx);
      llvm::Value* w01 = b.CreateMul(ry, dx);
      llvm::Value* w11 = b.CreateMul(dy, dx);
      llvm::Value* out_base = b.CreateMul(b.CreateAdd(b.CreateMul(ny, k.Int(out_w)), xo), k.Int(g.channels));
      k.Loop(g.channels, [&](llvm::Value* c) {
        auto load = [&](llvm::Value* row, llvm::Value* column) {
          return EmitWidenToInt32(k, k.LoadAs(g.type, k.in[0], b.CreateAdd(b.CreateAdd(row, column), c)), g.type);
        };
        llvm::Value* s = b.CreateAdd(
            b.CreateAdd(b.CreateMul(load(row0, col0), w00), b.CreateMul(load(row1, col0), w10)),
            b.CreateAdd(b.CreateMul(load(row0, col1), w01), b.CreateMul(load(row1, col1), w11)));
        llvm::Value* round = b.CreateSelect(b.CreateICmpSGT(s, b.getInt32(0)), b.getInt32(1 << 19), b.getInt32(-(1 << 19)));
        llvm::Value* value = b.CreateSDiv(b.CreateAdd(s, round), b.getInt32(1 << 20));
        k.StoreAs(g.type, b.CreateTrunc(value, k.Elem(g.type)), k.out[0], b.CreateAdd(out_base, c));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
