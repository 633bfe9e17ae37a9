// Matrix products (Gemm, MatMul): out[M, N] = alpha * A[M, K] x B[K, N] + beta * C.
//
// The product runs in register tiles: MR rows of A by one *panel* of NR vectors of B's
// columns. Per step of the reduction, the panel's NR vectors of B's row k are loaded
// once and each of the MR values A[m, k] is broadcast and multiplied into NR
// accumulators, so B is read once per MR rows and the sums never leave registers until
// the tile is finished; then C, the fused activation and a store (masked in the last
// vector of a row). A constant B is repacked at compile time panel by panel ([K][panel
// width], zero-padded to whole vectors), so the tile reads it as one sequential stream
// and never needs a masked load. A B given at run time is read in place, [K, N] with
// masked loads at the row's end; a run-time B^T falls back to rank-1 row updates.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/linear_lowering.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/Intrinsics.h"

namespace modelc {
namespace {

// C (Gemm's third input) as beta * C[m * stride_m + n * stride_n]; absent when beta is 0.
struct Addend {
  llvm::Value* c = nullptr;
  float beta = 0.0f;
  int64_t stride_m = 0, stride_n = 0;
};

struct MatrixOperands {
  llvm::Value* a;    // A, [M, K] or [K, M] when a_transposed
  bool a_transposed;
  llvm::Value* out;  // [M, N]
  int64_t m, n, k;
  float alpha;
  Addend addend;
  const ChannelsLastStorage* placement = nullptr;  // output row m stored at its pixel's place
};

// How B's columns are read: panels of `panel_vectors` vectors of `lanes` columns.
struct PanelSource {
  llvm::Value* b;           // the first panel
  int64_t lanes;
  int64_t panel_vectors;
  int64_t panel_step;       // elements from one panel's start to the next
  int64_t row_stride;       // elements from B[k, j] to B[k + 1, j] in a full panel
  int64_t last_row_stride;  // the same in the last, narrower panel
  bool padded;              // columns past N read as zeros (no masked loads needed)
};

// beta * C at row `row`, columns [col, col + valid), as `type` (a vector of `lanes`
// floats, or a float when lanes is 1).
llvm::Value* LoadAddend(KernelContext& k, const Addend& c, llvm::Type* type, int64_t lanes, llvm::Value* row,
                        llvm::Value* col, int64_t valid) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* at = b.CreateAdd(b.CreateMul(row, k.Int(c.stride_m)), b.CreateMul(col, k.Int(c.stride_n)));
  llvm::Value* value;
  if (lanes == 1) {
    value = k.Load(c.c, at);
  } else if (c.stride_n == 0) {
    value = b.CreateVectorSplat(lanes, k.Load(c.c, at));
  } else if (c.stride_n == 1) {
    value = k.LoadLanes(type, k.Address(c.c, at), valid, lanes);
  } else {
    value = llvm::Constant::getNullValue(type);
    for (int64_t l = 0; l < valid; ++l)
      value = b.CreateInsertElement(value, k.Load(c.c, b.CreateAdd(at, k.Int(l * c.stride_n))), b.getInt64(l));
  }
  return c.beta == 1.0f ? value : b.CreateFMul(value, llvm::ConstantFP::get(type, c.beta));
}

class PanelProduct {
 public:
  PanelProduct(KernelContext& k, const MatrixOperands& p, const PanelSource& source, const Epilogue& epilogue,
               int64_t rows)
      : k_(k), b_(k.b), p_(p), source_(source), epilogue_(epilogue), rows_(rows) {
    type_ = source.lanes > 1 ? static_cast<llvm::Type*>(llvm::FixedVectorType::get(k.F32(), source.lanes)) : k.F32();
    // The numbers two fully connected layers of the same tile differ in: shared (size mode).
    inner_ = k.ShapeParameter(p.k);
    panel_step_ = k.ShapeParameter(source.panel_step);
  }

  void Emit() {
    const int64_t width = source_.panel_vectors * source_.lanes;
    const int64_t full_panels = p_.n / width, rest = p_.n % width;
    const int64_t full_row_tiles = p_.m / rows_, rest_rows = p_.m % rows_;
    auto panels = [&](llvm::Value* first_row, int64_t rows) {
      if (full_panels > 0) {
        k_.Loop(k_.Int(0), k_.ShapeParameter(full_panels), [&](llvm::Value* panel) {
          EmitTile(first_row, rows, panel, source_.panel_vectors, source_.lanes, source_.row_stride);
        }, /*allow_unrolling=*/false);
      }
      if (rest > 0) {
        const int64_t vectors = (rest + source_.lanes - 1) / source_.lanes;
        EmitTile(first_row, rows, k_.Int(full_panels), vectors, rest - (vectors - 1) * source_.lanes,
                 source_.last_row_stride);
      }
    };
    if (full_row_tiles > 0) {
      k_.Loop(full_row_tiles, [&](llvm::Value* tile) { panels(b_.CreateMul(tile, k_.Int(rows_)), rows_); },
              /*allow_unrolling=*/false);
    }
    if (rest_rows > 0) panels(k_.Int(full_row_tiles * rows_), rest_rows);
  }

 private:
  // Rows [first_row, first_row + rows) x the panel's `vectors` vectors, the last with
  // `last_lanes` valid columns.
  void EmitTile(llvm::Value* first_row, int64_t rows, llvm::Value* panel, int64_t vectors, int64_t last_lanes,
                int64_t row_stride) {
    const int64_t lanes = source_.lanes;
    std::vector<llvm::Value*> acc(rows * vectors);
    for (llvm::Value*& slot : acc) {
      slot = k_.EntryAlloca(type_);
      b_.CreateStore(llvm::Constant::getNullValue(type_), slot);
    }
    llvm::Value* panel_b = k_.Address(source_.b, b_.CreateMul(panel, panel_step_));
    k_.Loop(k_.Int(0), inner_, [&](llvm::Value* inner) {
      llvm::Value* b_row = k_.Address(panel_b, b_.CreateMul(inner, k_.Int(row_stride)));
      std::vector<llvm::Value*> columns(vectors);
      for (int64_t v = 0; v < vectors; ++v) {
        const int64_t valid = source_.padded || v + 1 < vectors ? lanes : last_lanes;
        columns[v] = lanes > 1 ? k_.LoadLanes(type_, k_.Address(b_row, k_.Int(v * lanes)), valid, lanes)
                               : k_.Load(b_row, k_.Int(v));
      }
      for (int64_t r = 0; r < rows; ++r) {
        llvm::Value* row = b_.CreateAdd(first_row, k_.Int(r));
        llvm::Value* a = k_.Load(p_.a, p_.a_transposed ? b_.CreateAdd(b_.CreateMul(inner, k_.Int(p_.m)), row)
                                                       : b_.CreateAdd(b_.CreateMul(row, inner_), inner));
        if (lanes > 1) a = b_.CreateVectorSplat(lanes, a);
        for (int64_t v = 0; v < vectors; ++v) {
          llvm::Value* slot = acc[r * vectors + v];
          b_.CreateStore(b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {type_}, {a, columns[v], b_.CreateLoad(type_, slot)}),
                         slot);
        }
      }
    });
    const int64_t width = source_.panel_vectors * lanes;
    for (int64_t r = 0; r < rows; ++r) {
      llvm::Value* row = b_.CreateAdd(first_row, k_.Int(r));
      for (int64_t v = 0; v < vectors; ++v) {
        const int64_t valid = v + 1 < vectors ? lanes : last_lanes;
        llvm::Value* col = b_.CreateAdd(b_.CreateMul(panel, k_.Int(width)), k_.Int(v * lanes));
        llvm::Value* value = b_.CreateLoad(type_, acc[r * vectors + v]);
        if (p_.alpha != 1.0f) value = b_.CreateFMul(value, llvm::ConstantFP::get(type_, p_.alpha));
        if (p_.addend.c != nullptr) {
          value = b_.CreateFAdd(value, LoadAddend(k_, p_.addend, type_, lanes, row, col, valid));
        }
        if (IsVectorEpilogue(epilogue_)) value = EmitVectorEpilogue(k_, epilogue_, value, nullptr);
        k_.StoreLanes(value, k_.Address(p_.out, b_.CreateAdd(b_.CreateMul(StoredRow(row), k_.Int(p_.n)), col)), valid, lanes);
      }
    }
    if (!epilogue_.Empty() && !IsVectorEpilogue(epilogue_)) {
      for (int64_t r = 0; r < rows; ++r) {
        llvm::Value* row = b_.CreateAdd(first_row, k_.Int(r));
        llvm::Value* col = b_.CreateMul(panel, k_.Int(width));
        EmitEpilogueLoop(k_, epilogue_, k_.Address(p_.out, b_.CreateAdd(b_.CreateMul(StoredRow(row), k_.Int(p_.n)), col)),
                         nullptr, (vectors - 1) * lanes + last_lanes);
      }
    }
  }

  llvm::Value* StoredRow(llvm::Value* row) { return p_.placement ? EmitStoredPixel(k_, *p_.placement, row) : row; }

  KernelContext& k_;
  llvm::IRBuilder<>& b_;
  const MatrixOperands& p_;
  const PanelSource& source_;
  const Epilogue& epilogue_;
  const int64_t rows_;
  llvm::Type* type_;
  llvm::Value* inner_;       // K
  llvm::Value* panel_step_;  // source_.panel_step
};

// A constant B, repacked into the panels of the node's tiles by the plan ("b_panels").
void EmitConstantBProduct(KernelContext& k, const MatrixOperands& p, const Epilogue& epilogue) {
  const KernelTiles& tiles = k.plan.tiles;
  const int64_t width = tiles.vectors * tiles.lanes;
  const int64_t rest = p.n % width;
  PanelSource source{k.PreparedConstant("b_panels"), tiles.lanes, tiles.vectors, p.k * width, width,
                     (rest + tiles.lanes - 1) / tiles.lanes * tiles.lanes, /*padded=*/true};
  PanelProduct(k, p, source, epilogue, tiles.rows).Emit();
}

// B [K, N] given at run time, read in place, in `tiles`.
void EmitRunTimeBProduct(KernelContext& k, const MatrixOperands& p, llvm::Value* b, const KernelTiles& tiles,
                         const Epilogue& epilogue) {
  const int64_t width = tiles.vectors * tiles.lanes;
  PanelSource source{b, tiles.lanes, tiles.vectors, width, p.n, p.n, /*padded=*/false};
  PanelProduct(k, p, source, epilogue, tiles.rows).Emit();
}

// A run-time B^T ([N, K]): per row of the output, K rank-1 updates `row += a[m, k] *
// B[:, k]` (strided reads of B; rare: exporters transpose constant weights).
void EmitRankOneUpdates(KernelContext& k, const MatrixOperands& p, llvm::Value* b_transposed,
                        const Epilogue& epilogue) {
  llvm::IRBuilder<>& b = k.b;
  k.Loop(p.m, [&](llvm::Value* row) {
    llvm::Value* out_row = k.Address(p.out, b.CreateMul(row, k.Int(p.n)));
    k.Loop(p.n, [&](llvm::Value* col) { k.Store(k.Float(0.0f), out_row, col); });
    k.Loop(p.k, [&](llvm::Value* inner) {
      llvm::Value* a = k.Load(p.a, p.a_transposed ? b.CreateAdd(b.CreateMul(inner, k.Int(p.m)), row)
                                                  : b.CreateAdd(b.CreateMul(row, k.Int(p.k)), inner));
      k.Loop(p.n, [&](llvm::Value* col) {
        llvm::Value* product = b.CreateFMul(a, k.Load(b_transposed, b.CreateAdd(b.CreateMul(col, k.Int(p.k)), inner)));
        k.Store(b.CreateFAdd(k.Load(out_row, col), product), out_row, col);
      });
    });
    k.Loop(p.n, [&](llvm::Value* col) {
      llvm::Value* value = k.Load(out_row, col);
      if (p.alpha != 1.0f) value = b.CreateFMul(value, k.Float(p.alpha));
      if (p.addend.c != nullptr) value = b.CreateFAdd(value, LoadAddend(k, p.addend, k.F32(), 1, row, col, 1));
      k.Store(value, out_row, col);
    });
    EmitEpilogueLoop(k, epilogue, out_row, nullptr, p.n);
  });
}

}  // namespace

absl::Status EmitGemmKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(k.graph, k.node));
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(k.graph, k.node));
  MatrixOperands p{k.in[0], g.trans_a, k.out[0], g.m, g.n, g.k, g.alpha, {}};
  if (g.has_c && g.beta != 0.0f) p.addend = Addend{k.in[2], g.beta, g.c_stride_m, g.c_stride_n};
  switch (std::get<MatrixProductKernel>(k.plan.kernel)) {
    case MatrixProductKernel::kPanels:
      EmitConstantBProduct(k, p, epilogue);
      return absl::OkStatus();
    case MatrixProductKernel::kRunTimeB:
      EmitRunTimeBProduct(k, p, k.in[1], k.plan.tiles, epilogue);
      return absl::OkStatus();
    case MatrixProductKernel::kRankOneUpdates:
      EmitRankOneUpdates(k, p, k.in[1], epilogue);
      return absl::OkStatus();
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

absl::Status EmitMatMulKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(k.graph, k.node));
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(k.graph, k.node));
  if (std::get<MatrixProductKernel>(k.plan.kernel) == MatrixProductKernel::kPanels) {
    // One matrix B for every batch: the batches are just more rows of A.
    MatrixOperands p{k.in[0], false, k.out[0], g.batch_count * g.m, g.n, g.k, 1.0f, {}};
    EmitConstantBProduct(k, p, epilogue);
    return absl::OkStatus();
  }
  llvm::Value* a_offsets = k.ConstantIndices(g.a_batch_offsets, "a_offsets");
  llvm::Value* b_offsets = k.ConstantIndices(g.b_batch_offsets, "b_offsets");
  k.Loop(g.batch_count, [&](llvm::Value* batch) {
    auto offset = [&](llvm::Value* table) {
      return k.b.CreateLoad(k.Index(), k.b.CreateInBoundsGEP(k.Index(), table, batch));
    };
    MatrixOperands p{k.Address(k.in[0], offset(a_offsets)), g.a_transposed,
                     k.Address(k.out[0], k.b.CreateMul(batch, k.Int(g.m * g.n))), g.m, g.n, g.k, 1.0f, {}};
    llvm::Value* b_matrix = k.Address(k.in[1], offset(b_offsets));
    if (std::get<MatrixProductKernel>(k.plan.kernel) == MatrixProductKernel::kRankOneUpdates) {
      EmitRankOneUpdates(k, p, b_matrix, epilogue);  // B stored [N, K]
    } else {
      EmitRunTimeBProduct(k, p, b_matrix, k.plan.tiles, epilogue);
    }
  }, /*allow_unrolling=*/false);
  return absl::OkStatus();
}

void EmitRunTimeMatrixProduct(KernelContext& k, llvm::Value* a, llvm::Value* b, llvm::Value* out, int64_t m,
                              int64_t n, int64_t inner) {
  MatrixOperands p{a, false, out, m, n, inner, 1.0f, {}};
  EmitRunTimeBProduct(k, p, b, MatrixProductTiles(k.lowering.target, m, n), Epilogue{});
}

void EmitConstantWeightsProduct(KernelContext& k, llvm::Value* a, bool a_transposed, llvm::Value* out,
                                const ChannelsLastStorage& placement, int64_t n, int64_t inner, llvm::Value* bias,
                                const Epilogue& epilogue) {
  MatrixOperands p{a, a_transposed, out, placement.height * placement.width, n, inner, 1.0f, {}, &placement};
  if (bias != nullptr) p.addend = Addend{bias, 1.0f, /*stride_m=*/0, /*stride_n=*/1};
  EmitConstantBProduct(k, p, epilogue);
}

}  // namespace modelc
