// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2015): each 2x2 output tile is
// A^T [ sum over input channels of (G g G^T) .* (B^T d B) ] A, where g is a 3x3
// filter and d the tile's 4x4 input patch. The 16 element-wise products per tile and
// channel pair replace the 36 multiply-adds of the direct form; over all channels the
// sum is 16 independent matrix products, one per position xi of the 4x4 transform:
//   M_xi[oc][tile] = sum_c U_xi[oc][c] * V_xi[c][tile]
// with U = G g G^T computed at compile time (in double precision, by the
// prepare-constants pass: lowering/conv_lowering.h) and V = B^T d B computed per run.
// Per image and per block of tile rows (vectors of `lanes` tiles of one tile row):
//  1. input transform: the padded input (EmitZeroPaddedCopy) read with stride-2 loads,
//     one vector of tiles per patch element, into V [16][channels][lanes];
//  2. the 16 products, by the matrix product kernel's register tiles, into M [16]
//     [output channels][lanes];
//  3. output transform, bias, then the two output rows of the tiles: each row of a
//     tile's 2x2 result interleaved into contiguous pixels, stored through the fused
//     epilogue (residual, activation).
// Both transforms use only additions and subtractions. Rounding differs from the
// direct form by a few units in the last place (the transform of the weights is exact
// up to float rounding; B and A have entries 0 and +-1).
#include <algorithm>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/lowering_plan.h"

namespace modelc {
namespace {

constexpr int kPositions = 16;  // the 4x4 transform

class WinogradConv {
 public:
  WinogradConv(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue)
      : k_(k), b_(k.b), g_(g), w_(g.window), epilogue_(epilogue),
        lanes_(k.plan.tiles.lanes), rows_(k.plan.tiles.rows),
        type_(llvm::FixedVectorType::get(k.F32(), lanes_)),
        source_w_(w_.in_w + w_.pad_left + w_.pad_right), source_h_(w_.in_h + w_.pad_top + w_.pad_bottom),
        tiles_w_(w_.out_w / 2) {}

  void Emit() {
    const int64_t channels = w_.channels, out_channels = g_.out_channels;
    llvm::Value* u = k_.PreparedConstant("winograd_weights");  // U = G g G^T, [16][out_channels][channels]
    llvm::Value* source = EmitZeroPaddedCopy(k_, w_);
    llvm::Value* v = k_.Workspace("transformed_input", kPositions * channels * lanes_ * rows_ * 4);
    llvm::Value* m = k_.Workspace("products", kPositions * out_channels * lanes_ * rows_ * 4);
    k_.Loop(w_.batch, [&](llvm::Value* n) {
      // Blocks of `rows` tile rows x `tiles` tiles of each (a tile row wider than a vector
      // runs in chunks of `lanes` tiles, the last maybe fewer): one matrix product per
      // position over rows x lanes columns.
      auto block = [&](llvm::Value* first_row, int64_t rows, llvm::Value* first_tile, int64_t tiles) {
        const int64_t columns = rows * lanes_;
        k_.Loop(rows, [&](llvm::Value* r) {
          TransformInput(source, n, b_.CreateAdd(first_row, r), first_tile, tiles,
                         k_.Address(v, b_.CreateMul(r, k_.Int(lanes_))), columns);
        }, /*allow_unrolling=*/false);
        k_.Loop(kPositions, [&](llvm::Value* xi) {
          EmitRunTimeMatrixProduct(k_, k_.Address(u, b_.CreateMul(xi, k_.Int(out_channels * channels))),
                                   k_.Address(v, b_.CreateMul(xi, k_.Int(channels * columns))),
                                   k_.Address(m, b_.CreateMul(xi, k_.Int(out_channels * columns))), out_channels,
                                   columns, channels);
        }, /*allow_unrolling=*/false);
        k_.Loop(rows, [&](llvm::Value* r) {
          TransformOutput(k_.Address(m, b_.CreateMul(r, k_.Int(lanes_))), columns, n, b_.CreateAdd(first_row, r),
                          first_tile, tiles);
        }, /*allow_unrolling=*/false);
      };
      auto blocks_of_rows = [&](llvm::Value* first_row, int64_t rows) {
        const int64_t full = tiles_w_ / lanes_, rest = tiles_w_ % lanes_;
        if (full > 0) {
          k_.Loop(full, [&](llvm::Value* q) { block(first_row, rows, b_.CreateMul(q, k_.Int(lanes_)), lanes_); },
                  /*allow_unrolling=*/false);
        }
        if (rest > 0) block(first_row, rows, k_.Int(full * lanes_), rest);
      };
      const int64_t tile_rows = w_.out_h / 2, full = tile_rows / rows_, rest = tile_rows % rows_;
      if (full > 0) {
        k_.Loop(full, [&](llvm::Value* i) { blocks_of_rows(b_.CreateMul(i, k_.Int(rows_)), rows_); },
                /*allow_unrolling=*/false);
      }
      if (rest > 0) blocks_of_rows(k_.Int(full * rows_), rest);
    }, /*allow_unrolling=*/false);
    if (!epilogue_.Empty() && !IsVectorEpilogue(epilogue_)) {  // otherwise applied while storing
      const int64_t count = w_.batch * out_channels * w_.out_h * w_.out_w;
      EmitEpilogueLoop(k_, epilogue_, k_.out[0], epilogue_.residual ? k_.in[kConvResidualInput] : nullptr, count);
    }
  }

 private:
  // V[xi][c][t] = (B^T d B)[xi / 4][xi % 4] for the tiles [first_tile, first_tile +
  // tiles) of this tile row, V's rows `columns` floats apart.
  void TransformInput(llvm::Value* source, llvm::Value* n, llvm::Value* tile_row, llvm::Value* first_tile,
                      int64_t tiles, llvm::Value* v, int64_t columns) {
    k_.Loop(w_.channels, [&](llvm::Value* c) {
      llvm::Value* plane = b_.CreateAdd(b_.CreateMul(n, k_.Int(w_.channels)), c);
      llvm::Value* top = b_.CreateAdd(
          b_.CreateMul(b_.CreateAdd(b_.CreateMul(plane, k_.Int(source_h_)), b_.CreateMul(tile_row, k_.Int(2))),
                       k_.Int(source_w_)),
          b_.CreateMul(first_tile, k_.Int(2)));
      // r[i][j]: row i of the patch times B (per tile: d[i][0] - d[i][2], d[i][1] +
      // d[i][2], d[i][2] - d[i][1], d[i][1] - d[i][3]).
      llvm::Value* r[4][4];
      for (int i = 0; i < 4; ++i) {
        // Tile t's column j is 2t + j: the even and odd lanes of two loads give columns
        // 0 and 1, two more loads from column 2 give columns 2 and 3.
        llvm::Value* d[4];
        for (int j = 0; j < 4; j += 2) {
          LoadColumnPair(k_.Address(source, b_.CreateAdd(top, k_.Int(i * source_w_ + j))), tiles, d[j], d[j + 1]);
        }
        r[i][0] = b_.CreateFSub(d[0], d[2]);
        r[i][1] = b_.CreateFAdd(d[1], d[2]);
        r[i][2] = b_.CreateFSub(d[2], d[1]);
        r[i][3] = b_.CreateFSub(d[1], d[3]);
      }
      for (int j = 0; j < 4; ++j) {
        llvm::Value* column[4] = {b_.CreateFSub(r[0][j], r[2][j]), b_.CreateFAdd(r[1][j], r[2][j]),
                                  b_.CreateFSub(r[2][j], r[1][j]), b_.CreateFSub(r[1][j], r[3][j])};
        for (int i = 0; i < 4; ++i) {
          llvm::Value* at = b_.CreateAdd(k_.Int((i * 4 + j) * w_.channels * columns), b_.CreateMul(c, k_.Int(columns)));
          b_.CreateAlignedStore(column[i], k_.Address(v, at), llvm::Align(4));
        }
      }
    }, /*allow_unrolling=*/false);
  }

  // even[t] = at[2t], odd[t] = at[2t + 1] for t < tiles; nothing past at[2 * tiles - 1] read.
  void LoadColumnPair(llvm::Value* at, int64_t tiles, llvm::Value*& even, llvm::Value*& odd) {
    const int64_t needed = 2 * tiles;
    llvm::Value* low = k_.LoadLanes(type_, at, std::min(needed, lanes_), lanes_);
    llvm::Value* high = needed > lanes_ ? k_.LoadLanes(type_, k_.Address(at, k_.Int(lanes_)), needed - lanes_, lanes_)
                                        : llvm::Constant::getNullValue(type_);
    std::vector<int> even_lanes, odd_lanes;
    for (int64_t l = 0; l < lanes_; ++l) {
      even_lanes.push_back(static_cast<int>(2 * l));
      odd_lanes.push_back(static_cast<int>(2 * l + 1));
    }
    even = b_.CreateShuffleVector(low, high, even_lanes);
    odd = b_.CreateShuffleVector(low, high, odd_lanes);
  }

  // Y = A^T M A per tile, plus the bias; the two output rows of these tiles (M's rows
  // `columns` floats apart).
  void TransformOutput(llvm::Value* m, int64_t columns, llvm::Value* n, llvm::Value* tile_row, llvm::Value* first_tile,
                       int64_t tiles) {
    const int64_t out_channels = g_.out_channels;
    std::vector<int> low, high;  // interleave two vectors: pixel 2t from one, 2t + 1 from the other
    for (int64_t l = 0; l < lanes_ / 2; ++l) {
      low.push_back(static_cast<int>(l));
      low.push_back(static_cast<int>(lanes_ + l));
      high.push_back(static_cast<int>(lanes_ / 2 + l));
      high.push_back(static_cast<int>(lanes_ + lanes_ / 2 + l));
    }
    k_.Loop(out_channels, [&](llvm::Value* oc) {
      llvm::Value* x[4][4];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
          llvm::Value* at = b_.CreateAdd(k_.Int((i * 4 + j) * out_channels * columns), b_.CreateMul(oc, k_.Int(columns)));
          x[i][j] = b_.CreateAlignedLoad(type_, k_.Address(m, at), llvm::Align(4));
        }
      llvm::Value* s[2][4];  // A^T M
      for (int j = 0; j < 4; ++j) {
        s[0][j] = b_.CreateFAdd(b_.CreateFAdd(x[0][j], x[1][j]), x[2][j]);
        s[1][j] = b_.CreateFSub(b_.CreateFSub(x[1][j], x[2][j]), x[3][j]);
      }
      llvm::Value* bias = g_.has_bias ? b_.CreateVectorSplat(lanes_, k_.Load(k_.in[2], oc)) : nullptr;
      llvm::Value* plane = b_.CreateAdd(b_.CreateMul(n, k_.Int(out_channels)), oc);
      for (int i = 0; i < 2; ++i) {
        llvm::Value* left = b_.CreateFAdd(b_.CreateFAdd(s[i][0], s[i][1]), s[i][2]);    // pixel 2t
        llvm::Value* right = b_.CreateFSub(b_.CreateFSub(s[i][1], s[i][2]), s[i][3]);  // pixel 2t + 1
        if (bias != nullptr) {
          left = b_.CreateFAdd(left, bias);
          right = b_.CreateFAdd(right, bias);
        }
        llvm::Value* row = b_.CreateAdd(b_.CreateMul(tile_row, k_.Int(2)), k_.Int(i));
        llvm::Value* start = b_.CreateAdd(
            b_.CreateMul(b_.CreateAdd(b_.CreateMul(plane, k_.Int(w_.out_h)), row), k_.Int(w_.out_w)),
            b_.CreateMul(first_tile, k_.Int(2)));
        const int64_t first = std::min(lanes_, 2 * tiles), second = 2 * tiles - first;
        EmitStoreWithEpilogue(k_, epilogue_, b_.CreateShuffleVector(left, right, low), start, first, lanes_);
        if (second > 0) {
          EmitStoreWithEpilogue(k_, epilogue_, b_.CreateShuffleVector(left, right, high),
                                b_.CreateAdd(start, k_.Int(lanes_)), second, lanes_);
        }
      }
    }, /*allow_unrolling=*/false);
  }

  KernelContext& k_;
  llvm::IRBuilder<>& b_;
  const ConvGeometry& g_;
  const WindowGeometry& w_;
  const Epilogue& epilogue_;
  const int64_t lanes_;  // tiles per vector
  const int64_t rows_;   // tile rows per block
  llvm::Type* type_;
  const int64_t source_w_, source_h_;  // the padded input plane
  const int64_t tiles_w_;
};

}  // namespace

void EmitWinogradConv(KernelContext& k, const ConvGeometry& g, const Epilogue& epilogue) {
  WinogradConv(k, g, epilogue).Emit();
}

}  // namespace modelc
