// Index walks the reference kernels share: the element offsets of a strided walk, and
// the operand offsets of every output position of a numpy broadcast.
#ifndef MODELC_REFERENCE_INDEX_WALK_H_
#define MODELC_REFERENCE_INDEX_WALK_H_

#include <cstdint>
#include <vector>

#include "compiler/ir/op_geometry.h"

namespace modelc {

// Flat offsets of every index of `dims` (row-major order) under `strides`.
inline std::vector<int64_t> Offsets(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides) {
  std::vector<int64_t> offsets = {0};
  for (size_t d = 0; d < dims.size(); ++d) {
    std::vector<int64_t> next;
    for (int64_t base : offsets)
      for (int64_t i = 0; i < dims[d]; ++i) next.push_back(base + i * strides[d]);
    offsets = std::move(next);
  }
  return offsets;
}

// Calls fn(flat, offsets) for every position of `out_shape` in row-major order, with
// offsets[o] the element of operand o (of shape shapes[o], broadcast) read there.
template <typename Fn>
void ForEachBroadcast(const Shape& out_shape, const std::vector<Shape>& shapes, Fn&& fn) {
  std::vector<std::vector<int64_t>> strides;
  for (const Shape& shape : shapes) strides.push_back(BroadcastStrides(shape, out_shape));
  const int64_t count = ElementCount(out_shape);
  std::vector<int64_t> index(shapes.size());
  for (int64_t flat = 0; flat < count; ++flat) {
    std::fill(index.begin(), index.end(), 0);
    int64_t remaining = flat;
    for (size_t d = out_shape.size(); d-- > 0;) {
      const int64_t coordinate = remaining % out_shape[d];
      remaining /= out_shape[d];
      for (size_t o = 0; o < index.size(); ++o) index[o] += coordinate * strides[o][d];
    }
    fn(flat, index);
  }
}

}  // namespace modelc

#endif  // MODELC_REFERENCE_INDEX_WALK_H_
