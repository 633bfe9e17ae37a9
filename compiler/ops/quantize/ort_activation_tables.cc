// ONNX Runtime's QLinearSigmoid, QLinearLeakyRelu and QLinearConcat tables (see
// ort_activation_tables.h).
#include "compiler/ops/quantize/ort_activation_tables.h"

#include <algorithm>
#include <cmath>

#include "compiler/ops/quantize/quantization.h"

namespace modelc {
namespace {

// MLAS's logistic (logistic.cpp's constants and order), multiply-adds fused.
float OrtLogistic(float v) {
  v = std::clamp(v, -18.0f, 18.0f);
  const float v2 = v * v;
  float p = std::fma(v2, 4.37031012579801e-11f, 1.15627324459942e-07f);
  p = std::fma(p, v2, 6.08574864600143e-05f);
  p = std::fma(p, v2, 8.51377133304701e-03f);
  p = std::fma(p, v2, 2.48287947061529e-01f);
  p = p * v;
  float q = std::fma(v2, 6.10247389755681e-13f, 5.76102136993427e-09f);
  q = std::fma(q, v2, 6.29106785017040e-06f);
  q = std::fma(q, v2, 1.70198817374094e-03f);
  q = std::fma(q, v2, 1.16817656904453e-01f);
  q = std::fma(q, v2, 9.93151921023180e-01f);
  return std::clamp(p / q + 0.5f, 0.0f, 1.0f);
}

template <typename Function>
std::vector<int32_t> BuiltTable(OrtQuantization x, OrtQuantization y, DataType type, Function function) {
  std::vector<int32_t> table;
  for (int32_t code = QuantizedMin(type); code <= QuantizedMax(type); ++code) {
    table.push_back(Quantize(function(Dequantize(code, x.scale, x.zero_point)), y.scale, y.zero_point, type));
  }
  return table;
}

}  // namespace

std::vector<int32_t> OrtSigmoidTable(OrtQuantization x, OrtQuantization y, DataType type) {
  return BuiltTable(x, y, type, OrtLogistic);
}

std::vector<int32_t> OrtLeakyReluTable(OrtQuantization x, OrtQuantization y, float alpha, DataType type) {
  return BuiltTable(x, y, type, [alpha](float v) { return v >= 0.0f ? v : alpha * v; });
}

std::vector<int32_t> OrtRequantizeTable(OrtQuantization x, OrtQuantization y, DataType type) {
  return BuiltTable(x, y, type, [](float v) { return v; });
}

TensorData TableTensor(DataType type, const std::vector<int32_t>& codes) {
  return TensorData(TensorType{type, {static_cast<int64_t>(codes.size())}}, std::vector<uint8_t>(codes.begin(), codes.end()));
}

ValueId AddRequantizingLookup(Graph& graph, const std::string& name, ValueId guard, ValueId x, OrtQuantization x_pair,
                              OrtQuantization y_pair, ValueId y_scale, ValueId y_zero_point, DataType type) {
  Node lookup;
  lookup.op = OpKind::kTableLookup;
  lookup.name = name;
  lookup.guard = guard;
  lookup.inputs = {x, graph.AddConstant(name + ".table", TableTensor(type, OrtRequantizeTable(x_pair, y_pair, type))),
                   y_scale, y_zero_point};
  lookup.outputs = {graph.AddValue(name, graph.value(x).type)};
  const ValueId output = lookup.outputs[0];
  graph.AddNode(std::move(lookup));
  return output;
}

}  // namespace modelc
