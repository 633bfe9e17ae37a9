// Data movement that needs code: Transpose (a loop nest reading the input through
// permuted strides), Concat (each input's [axis extent x inner] blocks copied in
// turn) and the index-map ops (Slice, Pad, Tile, ...: ir/index_map.h). All of them
// move elements of any type without looking at their values.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/index_map.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// start + i * step for every i, or nullopt.
std::optional<std::pair<int64_t, int64_t>> AffineForm(const std::vector<int64_t>& offsets) {
  if (offsets.empty()) return std::make_pair(int64_t{0}, int64_t{0});
  const int64_t step = offsets.size() > 1 ? offsets[1] - offsets[0] : 0;
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i] == kOutside || offsets[i] != offsets[0] + static_cast<int64_t>(i) * step) return std::nullopt;
  }
  return std::make_pair(offsets[0], step);
}

// One walk of an index map: affine dimensions by arithmetic, the rest through a table
// in read-only data (kOutside entries select the fill value).
void EmitIndexMap(KernelContext& k, const IndexMapGeometry& g, DataType type, llvm::Value* out, int part) {
  llvm::IRBuilder<>& b = k.b;
  std::vector<llvm::Value*> tables(g.dims.size(), nullptr);
  std::vector<std::pair<int64_t, int64_t>> affine(g.dims.size());
  for (size_t d = 0; d < g.dims.size(); ++d) {
    if (auto form = AffineForm(g.offsets[d])) {
      affine[d] = *form;
    } else {
      tables[d] = k.ConstantIndices(g.offsets[d], absl::StrCat("map", part, "_", d));
    }
  }
  llvm::Value* fill = k.Constant(type, g.fill);
  std::function<void(size_t, llvm::Value*, llvm::Value*, llvm::Value*)> level =
      [&](size_t d, llvm::Value* linear, llvm::Value* offset, llvm::Value* inside) {
        if (d == g.dims.size()) {
          llvm::Value* value = k.LoadAs(type, k.in[0], offset);
          if (g.has_outside) value = b.CreateSelect(inside, value, fill);
          k.StoreAs(type, value, out, linear);
          return;
        }
        k.Loop(g.dims[d], [&](llvm::Value* i) {
          llvm::Value* entry;
          llvm::Value* next_inside = inside;
          if (tables[d]) {
            entry = b.CreateLoad(k.Index(), b.CreateInBoundsGEP(k.Index(), tables[d], i));
            if (g.has_outside) {
              llvm::Value* valid = b.CreateICmpNE(entry, k.Int(kOutside));
              next_inside = b.CreateAnd(inside, valid);
              entry = b.CreateSelect(valid, entry, k.Int(0));  // never read outside the input
            }
          } else {
            entry = b.CreateAdd(k.Int(affine[d].first), b.CreateMul(i, k.Int(affine[d].second)));
          }
          level(d + 1, b.CreateAdd(b.CreateMul(linear, k.Int(g.dims[d])), i), b.CreateAdd(offset, entry), next_inside);
        });
      };
  level(0, k.Int(0), k.Int(0), b.getTrue());
}

}  // namespace

absl::Status EmitIndexMapKernel(KernelContext& k) {
  const DataType type = k.InType(0);
  ASSIGN_OR_RETURN(std::vector<IndexMapGeometry> maps, ResolveIndexMap(k.graph, k.node));
  for (size_t o = 0; o < maps.size(); ++o) EmitIndexMap(k, maps[o], type, k.out[o], static_cast<int>(o));
  return absl::OkStatus();
}

absl::Status EmitTransposeKernel(KernelContext& k) {
  const DataType type = k.InType(0);
  ASSIGN_OR_RETURN(TransposeGeometry g, ResolveTranspose(k.graph, k.node));
  k.LoopNest(g.out_shape, {g.input_strides}, [&](llvm::Value* out_index, const std::vector<llvm::Value*>& in_index) {
    k.StoreAs(type, k.LoadAs(type, k.in[0], in_index[0]), k.out[0], out_index);
  });
  return absl::OkStatus();
}

absl::Status EmitConcatKernel(KernelContext& k) {
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  const int64_t size = ByteSize(type);
  ASSIGN_OR_RETURN(ConcatGeometry g, ResolveConcat(k.graph, k.node));
  int64_t total = 0;
  for (int64_t extent : g.extents) total += extent;
  k.Loop(g.outer, [&](llvm::Value* o) {
    int64_t offset = 0;
    for (size_t i = 0; i < g.extents.size(); ++i) {
      const int64_t block = g.extents[i] * g.inner;
      if (block > 0) {
        llvm::Value* destination = b.CreateInBoundsGEP(
            k.Elem(type), k.out[0], b.CreateAdd(b.CreateMul(o, k.Int(total * g.inner)), k.Int(offset * g.inner)));
        llvm::Value* source = b.CreateInBoundsGEP(k.Elem(type), k.in[i], b.CreateMul(o, k.Int(block)));
        b.CreateMemCpy(destination, llvm::MaybeAlign(size), source, llvm::MaybeAlign(size), k.Int(block * size));
      }
      offset += g.extents[i];
    }
  });
  return absl::OkStatus();
}

void EmitChannelsLastToPlanar(KernelContext& k, llvm::Value* from, llvm::Value* to, const ChannelsLastStorage& storage) {
  // Blocks of `lanes` pixels x `lanes` channels (channels-last tensors have whole vectors
  // of channels): one vector per pixel loaded, transposed in registers, one vector of
  // pixels stored per channel (masked in the last, shorter block).
  llvm::IRBuilder<>& b = k.b;
  const int64_t lanes = k.target.vector_lanes, pixels = storage.height * storage.width;
  llvm::Type* type = llvm::FixedVectorType::get(k.F32(), lanes);
  k.Loop(storage.batch, [&](llvm::Value* n) {
    llvm::Value* image = k.Address(from, b.CreateMul(n, k.Int(storage.ImageFloats())));
    llvm::Value* planes = k.Address(to, b.CreateMul(n, k.Int(storage.channels * pixels)));
    k.Loop(storage.channels / lanes, [&](llvm::Value* block) {
      llvm::Value* channel0 = b.CreateMul(block, k.Int(lanes));
      auto chunk = [&](llvm::Value* q0, int64_t valid) {
        std::vector<llvm::Value*> rows(lanes, llvm::Constant::getNullValue(type));
        for (int64_t p = 0; p < valid; ++p) {
          llvm::Value* pixel = EmitStoredPixel(k, storage, b.CreateAdd(q0, k.Int(p)));
          llvm::Value* at = b.CreateAdd(b.CreateMul(pixel, k.Int(storage.channels)), channel0);
          rows[p] = b.CreateAlignedLoad(type, k.Address(image, at), llvm::Align(4));
        }
        std::vector<llvm::Value*> columns = EmitTransposeSquare(b, rows);  // columns[j]: channel0 + j
        for (int64_t j = 0; j < lanes; ++j) {
          llvm::Value* plane = b.CreateMul(b.CreateAdd(channel0, k.Int(j)), k.Int(pixels));
          k.StoreLanes(columns[j], k.Address(planes, b.CreateAdd(plane, q0)), valid, lanes);
        }
      };
      k.Loop(pixels / lanes, [&](llvm::Value* i) { chunk(b.CreateMul(i, k.Int(lanes)), lanes); }, /*allow_unrolling=*/false);
      if (pixels % lanes > 0) chunk(k.Int(pixels / lanes * lanes), pixels % lanes);
    }, /*allow_unrolling=*/false);
  }, /*allow_unrolling=*/false);
}

}  // namespace modelc
