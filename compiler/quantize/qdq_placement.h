// Where `modelc quantize` puts QuantizeLinear / DequantizeLinear pairs in a float ONNX
// model, and the QDQ model it writes once the activations' ranges are known.
//
// The quantised nodes are the ones modelc (and ONNX Runtime) run as integer kernels:
// Conv, Gemm (A x B + C) and MatMul with constant weights, Add, AveragePool,
// GlobalAveragePool and Softmax, and the ops that pass values through (MaxPool,
// Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Identity) after a quantised tensor.
// Each float activation such a node reads or writes gets a Q/DQ pair after its
// producer; a Relu that is the only reader of a Conv, Gemm, MatMul or Add output is
// absorbed into the range (the pair follows the Relu, whose zero point -128 makes the
// quantisation itself the Relu), and so is a Clip from 0 (Relu6), which the QDQ model
// then drops: its range [0, at most its max] saturates where it clips. Weights are int8, symmetric, per output channel; a
// bias int32 with scale input scale x weight scale; activations int8 with a zero point.
#ifndef MODELC_QUANTIZE_QDQ_PLACEMENT_H_
#define MODELC_QUANTIZE_QDQ_PLACEMENT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "onnx/onnx_pb.h"

namespace modelc {

struct QuantizationPlan {
  // Every float activation that gets a Q/DQ pair, in graph order.
  std::vector<std::string> activations;
  // Those whose parameters are another's: a pass-through op's output -> its input.
  std::map<std::string, std::string> same_parameters_as;
  // Softmax outputs: scale 1/256, zero point -128 (their range is [0, 1]).
  std::set<std::string> softmax_outputs;
  // The nodes (indices into the graph's nodes) that read quantised tensors, and of
  // them the Conv / Gemm / MatMul whose constant weights become int8.
  std::set<int> quantized_nodes;
  std::set<int> int8_weight_nodes;
  // Clip nodes from 0 (Relu6 and the like) after a quantised node, dropped from the QDQ
  // model when their output's quantisation computes them (WriteQdqModel checks the
  // calibrated parameters): Clip's index -> the output it reads, which the node before
  // it then writes under the Clip's output name, and its upper bound.
  struct AbsorbedClip {
    std::string input;
    float max = 0;  // infinity when the Clip has none
  };
  std::map<int, AbsorbedClip> absorbed_clips;
  // The constant operands of quantised Adds, quantised per tensor from their values.
  std::set<std::string> constant_activations;
  // Per-channel weights need opset 13 (DequantizeLinear's axis); older: per tensor.
  bool per_channel = true;

  // The activations whose range calibration must measure (not aliases, not Softmax
  // outputs), in graph order.
  std::vector<std::string> Calibrated() const;
};

// `model` is the float model as ONNX holds it (BatchNormalization already folded);
// `imported` the same model as modelc imported it (for the tensors' types and shapes).
absl::StatusOr<QuantizationPlan> PlanQuantization(const onnx::ModelProto& model, const Graph& imported);

// An activation's int8 parameters.
struct ActivationQuantization {
  float scale = 1.0f;
  int8_t zero_point = 0;
};

// From a calibrated range: widened to hold 0, 255 steps (ONNX Runtime's rule).
ActivationQuantization ActivationParameters(float min, float max);

struct QdqModel {
  onnx::ModelProto model;
  // Each activation of the plan -> the int8 tensor its QuantizeLinear writes.
  std::map<std::string, std::string> int8_tensor;
};

// The QDQ model: `model` with the plan's pairs, int8 weights, int32 biases.
// `parameters` holds every activation of the plan (see ResolveParameters).
absl::StatusOr<QdqModel> WriteQdqModel(const onnx::ModelProto& model, const QuantizationPlan& plan,
                                       const std::map<std::string, ActivationQuantization>& parameters);

// Parameters of every activation of the plan from those of the calibrated ones.
std::map<std::string, ActivationQuantization> ResolveParameters(
    const QuantizationPlan& plan, const std::map<std::string, ActivationQuantization>& calibrated);

}  // namespace modelc

#endif  // MODELC_QUANTIZE_QDQ_PLACEMENT_H_
