// Matrix products. Both Gemm and MatMul become, per output row, an initialised row
// followed by K rank-1 updates `row += a[m,k] * B[k,:]` whose inner loop is contiguous
// and vectorises. A transposed constant B is repacked to [K, N] at compile time.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct MatrixOperands {
  llvm::Value* a;         // A, [M, K] or [K, M] when a_transposed
  bool a_transposed;
  llvm::Value* b;         // B, [K, N] or [N, K] when b_transposed
  bool b_transposed;
  llvm::Value* out;       // [M, N]
  int64_t m, n, k;
  float alpha;
};

// out[m, :] = init(m, n) + alpha * sum_k A[m, k] * B[k, :]
// then the node's fused epilogue on each finished row.
void EmitMatrixProduct(KernelContext& k, const MatrixOperands& p, const Epilogue& epilogue,
                       const std::function<llvm::Value*(llvm::Value*, llvm::Value*)>& init) {
  llvm::IRBuilder<>& b = k.b;
  k.Loop(p.m, [&](llvm::Value* row) {
    llvm::Value* out_row = k.Address(p.out, b.CreateMul(row, k.Int(p.n)));
    k.Loop(p.n, [&](llvm::Value* col) { k.Store(init(row, col), out_row, col); });
    k.Loop(p.k, [&](llvm::Value* inner) {
      llvm::Value* a_index = p.a_transposed ? b.CreateAdd(b.CreateMul(inner, k.Int(p.m)), row)
                                            : b.CreateAdd(b.CreateMul(row, k.Int(p.k)), inner);
      llvm::Value* a = k.Load(p.a, a_index);
      if (p.alpha != 1.0f) a = b.CreateFMul(a, k.Float(p.alpha));
      k.Loop(p.n, [&](llvm::Value* col) {
        llvm::Value* b_index = p.b_transposed ? b.CreateAdd(b.CreateMul(col, k.Int(p.k)), inner)
                                              : b.CreateAdd(b.CreateMul(inner, k.Int(p.n)), col);
        llvm::Value* sum = b.CreateFAdd(k.Load(out_row, col), b.CreateFMul(a, k.Load(p.b, b_index)));
        k.Store(sum, out_row, col);
      });
    });
    EmitEpilogueLoop(k, epilogue, out_row, nullptr, p.n);
  });
}

// A constant [N, K] matrix rewritten as [K, N], so the product reads it row by row.
llvm::Value* RepackTransposed(KernelContext& k, ValueId id, int64_t n, int64_t inner) {
  const std::vector<float> source = k.graph.value(id).constant->Floats();
  std::vector<float> packed(source.size());
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < inner; ++col) packed[col * n + row] = source[row * inner + col];
  return k.ConstantFloats(packed, "b_packed");
}

absl::Status EmitGemm(KernelContext& k) {
  ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(k.graph, k.node));
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(k.graph, k.node));
  MatrixOperands p{k.in[0], g.trans_a, k.in[1], g.trans_b, k.out[0], g.m, g.n, g.k, g.alpha};
  if (g.trans_b && k.graph.IsConstant(k.node.inputs[1])) {
    p.b = RepackTransposed(k, k.node.inputs[1], g.n, g.k);
    p.b_transposed = false;
  }
  EmitMatrixProduct(k, p, epilogue, [&](llvm::Value* row, llvm::Value* col) -> llvm::Value* {
    if (!g.has_c || g.beta == 0.0f) return k.Float(0.0f);
    llvm::Value* index = k.b.CreateAdd(k.b.CreateMul(row, k.Int(g.c_stride_m)),
                                       k.b.CreateMul(col, k.Int(g.c_stride_n)));
    llvm::Value* c = k.Load(k.in[2], index);
    return g.beta == 1.0f ? c : k.b.CreateFMul(c, k.Float(g.beta));
  });
  return absl::OkStatus();
}

absl::Status EmitMatMul(KernelContext& k) {
  ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(k.graph, k.node));
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(k.graph, k.node));
  llvm::Value* a_offsets = k.ConstantInt64s(g.a_batch_offsets, "a_offsets");
  llvm::Value* b_offsets = k.ConstantInt64s(g.b_batch_offsets, "b_offsets");
  k.Loop(g.batch_count, [&](llvm::Value* batch) {
    auto offset = [&](llvm::Value* table) {
      return k.b.CreateLoad(k.I64(), k.b.CreateInBoundsGEP(k.I64(), table, batch));
    };
    MatrixOperands p{k.Address(k.in[0], offset(a_offsets)), false,
                     k.Address(k.in[1], offset(b_offsets)), false,
                     k.Address(k.out[0], k.b.CreateMul(batch, k.Int(g.m * g.n))), g.m, g.n, g.k, 1.0f};
    EmitMatrixProduct(k, p, epilogue, [&](llvm::Value*, llvm::Value*) { return k.Float(0.0f); });
  });
  return absl::OkStatus();
}

}  // namespace

absl::Status EmitLinearKernel(KernelContext& k) {
  switch (k.node.op) {
    case OpKind::kGemm:
      return EmitGemm(k);
    case OpKind::kMatMul:
      return EmitMatMul(k);
    default:
      return absl::InternalError(absl::StrCat("no linear kernel for ", OpName(k.node.op)));
  }
}

}  // namespace modelc
