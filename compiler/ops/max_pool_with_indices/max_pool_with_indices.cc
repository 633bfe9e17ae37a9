// MaxPool with its second output, the indices (int64) of each window's maximum in the
// input flattened whole: row-major over the spatial dimensions, or with storage_order 1
// column-major (the first spatial dimension fastest), plus the plane's offset. The
// importer turns a MaxPool whose indices are read into this op, so MaxPool itself keeps
// one output (and its fusions, vector rows and globalisation). The first maximum in
// row-major window order wins, as in ONNX's reference; a window with no input element
// gives -infinity and index -1. Geometry: op_geometry.h's ResolvePool, 1-D to 3-D.
#include <cmath>
#include <limits>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The flattened index of input element (plane, id, ih, iw).
int64_t InputIndex(const PoolGeometry& g, int64_t plane, int64_t id, int64_t ih, int64_t iw) {
  const WindowGeometry& s = g.window;
  const int64_t within = g.column_major_indices ? id + s.in_d * (ih + s.in_h * iw) : (id * s.in_h + ih) * s.in_w + iw;
  return plane * s.in_d * s.in_h * s.in_w + within;
}

}  // namespace

absl::Status UpgradeMaxPoolWithIndices(Node& node, int64_t opset) { return absl::OkStatus(); }  // MaxPool's form

absl::StatusOr<std::vector<TensorType>> InferMaxPoolWithIndices(const Graph& graph, const Node& node,
                                                                DataType out_type) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
  const Shape out = g.OutputShape();
  return std::vector<TensorType>{TensorType{out_type, out}, TensorType{DataType::kInt64, out}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateMaxPoolWithIndices(const Graph& graph, const Node& node,
                                                                   const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
  const WindowGeometry& s = g.window;
  const std::vector<float> x = inputs[0]->Floats();
  std::vector<float> y;
  std::vector<int64_t> indices;
  for (int64_t plane = 0; plane < s.batch * s.channels; ++plane)
    for (int64_t od = 0; od < s.out_d; ++od)
      for (int64_t oh = 0; oh < s.out_h; ++oh)
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t best_index = -1;
          for (int64_t kd = 0; kd < s.kernel_d; ++kd)
            for (int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t id = od * s.stride_d - s.pad_front + kd * s.dilation_d;
                const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (id < 0 || id >= s.in_d || ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
                const float v = x[((plane * s.in_d + id) * s.in_h + ih) * s.in_w + iw];
                if (best_index < 0 || v > best) {
                  best = v;
                  best_index = InputIndex(g, plane, id, ih, iw);
                }
              }
          y.push_back(best);
          indices.push_back(best_index);
        }
  return std::vector<TensorData>{TensorData::FromFloats(graph.value(node.outputs[0]).type.shape, y),
                                 TensorData::FromInt64s(graph.value(node.outputs[1]).type.shape, indices)};
}

// Per output element, the window clipped to the input; the running maximum and its
// index live in two stack slots.
absl::Status EmitMaxPoolWithIndicesKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(k.graph, k.node));
  const WindowGeometry& s = g.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* best = k.EntryAlloca(k.F32());
  llvm::Value* best_index = k.EntryAlloca(k.Index());
  const int64_t in_volume = s.in_d * s.in_h * s.in_w;
  // Index strides of (id, ih, iw) within a plane.
  const int64_t stride_d = g.column_major_indices ? 1 : s.in_h * s.in_w;
  const int64_t stride_h = g.column_major_indices ? s.in_d : s.in_w;
  const int64_t stride_w = g.column_major_indices ? s.in_d * s.in_h : 1;
  k.Loop(s.batch * s.channels, [&](llvm::Value* plane) {
    llvm::Value* in_plane = k.Address(k.in[0], b.CreateMul(plane, k.Int(in_volume)));
    llvm::Value* plane_index = b.CreateMul(plane, k.Int(in_volume));
    k.Loop(s.out_d, [&](llvm::Value* od) {
      llvm::Value* d_base = b.CreateSub(b.CreateMul(od, k.Int(s.stride_d)), k.Int(s.pad_front));
      ValidRange depths = k.ValidIndices(d_base, s.dilation_d, s.in_d, s.kernel_d);
      k.Loop(s.out_h, [&](llvm::Value* oh) {
        llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
        ValidRange rows = k.ValidIndices(h_base, s.dilation_h, s.in_h, s.kernel_h);
        k.Loop(s.out_w, [&](llvm::Value* ow) {
          llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
          ValidRange cols = k.ValidIndices(w_base, s.dilation_w, s.in_w, s.kernel_w);
          b.CreateStore(k.Float(-std::numeric_limits<float>::infinity()), best);
          b.CreateStore(k.Int(-1), best_index);
          k.Loop(depths.begin, depths.end, [&](llvm::Value* kd) {
            llvm::Value* id = b.CreateAdd(d_base, b.CreateMul(kd, k.Int(s.dilation_d)));
            k.Loop(rows.begin, rows.end, [&](llvm::Value* kh) {
              llvm::Value* ih = b.CreateAdd(h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
              llvm::Value* in_row = k.Address(in_plane, b.CreateMul(b.CreateAdd(b.CreateMul(id, k.Int(s.in_h)), ih),
                                                                    k.Int(s.in_w)));
              llvm::Value* row_index = b.CreateAdd(b.CreateAdd(plane_index, b.CreateMul(id, k.Int(stride_d))),
                                                   b.CreateMul(ih, k.Int(stride_h)));
              k.Loop(cols.begin, cols.end, [&](llvm::Value* kw) {
                llvm::Value* iw = b.CreateAdd(w_base, b.CreateMul(kw, k.Int(s.dilation_w)));
                llvm::Value* v = k.Load(in_row, iw);
                llvm::Value* current = b.CreateLoad(k.Index(), best_index);
                llvm::Value* take = b.CreateOr(b.CreateICmpSLT(current, k.Int(0)),
                                               b.CreateFCmpOGT(v, b.CreateLoad(k.F32(), best)));
                b.CreateStore(b.CreateSelect(take, v, b.CreateLoad(k.F32(), best)), best);
                llvm::Value* index = b.CreateAdd(row_index, b.CreateMul(iw, k.Int(stride_w)));
                b.CreateStore(b.CreateSelect(take, index, current), best_index);
              });
            });
          });
          llvm::Value* slice = b.CreateAdd(b.CreateMul(plane, k.Int(s.out_d)), od);
          llvm::Value* row = b.CreateAdd(b.CreateMul(slice, k.Int(s.out_h)), oh);
          llvm::Value* at = b.CreateAdd(b.CreateMul(row, k.Int(s.out_w)), ow);
          k.Store(b.CreateLoad(k.F32(), best), k.out[0], at);
          k.StoreAs(DataType::kInt64, b.CreateSExt(b.CreateLoad(k.Index(), best_index), k.I64()), k.out[1], at);
        });
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
