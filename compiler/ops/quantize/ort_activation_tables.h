// The tables ONNX Runtime builds for its com.microsoft QLinearSigmoid, QLinearLeakyRelu
// and QLinearConcat (contrib_ops/cpu/quantization/qlinear_lookup_table.cc's
// QlinearBuildLookupTable), as TableLookup's tables, computed while compiling. LLVM-free.
// Each input code is dequantised ((code - x_zero_point) * x_scale, one float32 product),
// the function applied in float32, and the result quantised by QuantizeLinear's rule
// (one division by y_scale, halves to even, saturated):
//   LeakyRelu: v >= 0 ? v : alpha * v;
//   Concat: v (an input requantised to the output's pair);
//   Sigmoid: ORT's own logistic (MLAS's, Eigen's rational approximation on [-18, 18],
//     clamped to [0, 1]) with each multiply-add fused, as ORT's x86-64 build computes it
//     on cores with FMA3, the machines its references come from.
#ifndef MODELC_OPS_QUANTIZE_ORT_ACTIVATION_TABLES_H_
#define MODELC_OPS_QUANTIZE_ORT_ACTIVATION_TABLES_H_

#include <cstdint>
#include <vector>

#include "compiler/ir/data_type.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/tensor.h"

namespace modelc {

struct OrtQuantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// 256 output codes of `type` (int8 or uint8, x's and y's): entry code - min(type) for
// input code `code`.
std::vector<int32_t> OrtSigmoidTable(OrtQuantization x, OrtQuantization y, DataType type);
std::vector<int32_t> OrtLeakyReluTable(OrtQuantization x, OrtQuantization y, float alpha, DataType type);
// The identity: x's codes requantised to y's pair (QLinearConcat's inputs of another pair).
std::vector<int32_t> OrtRequantizeTable(OrtQuantization x, OrtQuantization y, DataType type);

// A table of 8-bit codes as TableLookup's constant: each entry's low byte, of `type`.
TensorData TableTensor(DataType type, const std::vector<int32_t>& codes);

// `x` (codes of `type` with `x_pair`) requantised to y's pair as ORT's QLinearConcat
// does an input of another pair: a TableLookup of OrtRequantizeTable named `name` (its
// output too), added to `graph` under `guard`, reading the values `y_scale` and
// `y_zero_point`. Returns its output.
ValueId AddRequantizingLookup(Graph& graph, const std::string& name, ValueId guard, ValueId x, OrtQuantization x_pair,
                              OrtQuantization y_pair, ValueId y_scale, ValueId y_zero_point, DataType type);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_ORT_ACTIVATION_TABLES_H_
