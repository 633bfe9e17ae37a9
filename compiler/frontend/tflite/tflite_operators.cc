// The element-wise and shape converters, and the table of every supported builtin
// operator. Each converter checks its operator's arity, options and shapes, then emits
// IR nodes; the IR's shape rules and the declared shape of every output check the rest.
#include "compiler/frontend/tflite/tflite_operators.h"

#include <cmath>
#include <functional>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/converter_support.h"
#include "compiler/frontend/tflite/recurrent_converters.h"
#include "compiler/frontend/tflite/slice_converters.h"
#include "compiler/frontend/tflite/window_converters.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/half_rounding.h"
#include "compiler/ops/quantize/tflite_activation_tables.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace tflite_converters {
namespace {

// TFLite's builtin operator codes (the published BuiltinOperator enumeration).
enum BuiltinCode : int32_t {
  kAdd = 0,
  kAveragePool2D = 1,
  kConcatenation = 2,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kFullyConnected = 9,
  kLogistic = 14,
  kMaxPool2D = 17,
  kMul = 18,
  kRelu = 19,
  kReluN1To1 = 20,
  kRelu6 = 21,
  kReshape = 22,
  kSoftmax = 25,
  kTanh = 28,
  kPad = 34,
  kTranspose = 39,
  kMean = 40,
  kSub = 41,
  kDiv = 42,
  kSqueeze = 43,
  kPrelu = 54,
  kMaximum = 55,
  kMinimum = 57,
  kExpandDims = 70,
  kDequantize = 6,
  kQuantize = 114,
  kSum = 74,
  kLeakyRelu = 98,
  kHardSwish = 117,
  kResizeBilinear = 23,
  kGather = 36,
  kStridedSlice = 45,
  kSplit = 49,
  kCast = 53,
  kArgMax = 56,
  kPadV2 = 60,
  kSlice = 65,
  kTransposeConv = 67,
  kArgMin = 79,
  kPack = 83,
  kUnpack = 88,
  kResizeNearestNeighbor = 97,
  kSplitV = 102,
  kBatchMatMul = 126,
  kUnidirectionalSequenceLstm = 44,
};

absl::Status ConvertBinary(SubgraphImporter& s, OpKind op, tfl::ActivationFunctionType activation) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  ASSIGN_OR_RETURN(ValueId a, s.Input(0));
  ASSIGN_OR_RETURN(ValueId b, s.Input(1));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(op, OpName(op), {a, b}));
  ASSIGN_OR_RETURN(y, ApplyActivation(s, activation, y));
  return s.DefineOutput(0, y);
}

// int8 ADD, SUB and MUL: QLinearAdd summing as TFLite's ADD (fixed_point_multiplier.h's
// TfliteAdd), subtracting as its SUB (kFusedSubtract), or QLinearMul multiplying as its
// MUL, then the fused activation's clamp.
// int8 PRELU: QLinearMul multiplying by alpha where x is below its zero point and
// requantising x alone elsewhere (kFusedPrelu), as TFLite's PRELU.
enum class QuantizedArithmetic { kAdd, kSubtract, kMultiply, kPrelu };

absl::Status ConvertQuantizedArithmetic(SubgraphImporter& s, QuantizedArithmetic arithmetic,
                                        tfl::ActivationFunctionType activation) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  RETURN_IF_ERROR(s.OutputType(0).status());  // the output's quantisation checked first
  ASSIGN_OR_RETURN(TfliteQuantization qa, RequiredQuantization(s.InputQuantization(0), "input 0", true));
  ASSIGN_OR_RETURN(TfliteQuantization qb, RequiredQuantization(s.InputQuantization(1), "input 1", true));
  ASSIGN_OR_RETURN(TfliteQuantization qc, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  ASSIGN_OR_RETURN(ValueId a, s.Input(0));
  ASSIGN_OR_RETURN(ValueId b, s.Input(1));
  const QuantizationValues a_pair = AddQuantization(s, qa, "a"), b_pair = AddQuantization(s, qb, "b"),
                           c_pair = AddQuantization(s, qc, "c");
  AttributeMap attributes;
  SetTfliteArithmetic(attributes);
  if (arithmetic == QuantizedArithmetic::kSubtract) attributes.Set(kFusedSubtract, int64_t{1});
  if (arithmetic == QuantizedArithmetic::kPrelu) attributes.Set(kFusedPrelu, int64_t{1});
  const bool product = arithmetic == QuantizedArithmetic::kMultiply || arithmetic == QuantizedArithmetic::kPrelu;
  const char* role = "add";
  switch (arithmetic) {
    case QuantizedArithmetic::kAdd: role = "add"; break;
    case QuantizedArithmetic::kSubtract: role = "sub"; break;
    case QuantizedArithmetic::kMultiply: role = "mul"; break;
    case QuantizedArithmetic::kPrelu: role = "prelu"; break;
  }
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(product ? OpKind::kQLinearMul : OpKind::kQLinearAdd, role,
                                        {a, a_pair.scale, a_pair.zero_point, b, b_pair.scale, b_pair.zero_point,
                                         c_pair.scale, c_pair.zero_point},
                                        std::move(attributes)));
  ASSIGN_OR_RETURN(y, ApplyQuantizedActivation(s, activation, y, qc));
  return s.DefineOutput(0, y);
}

absl::Status ConvertAdd(SubgraphImporter& s) {
  const tfl::ActivationFunctionType activation = ActivationOf(s.op().builtin_options_as_AddOptions());
  if (s.IsQuantizedOperator()) return ConvertQuantizedArithmetic(s, QuantizedArithmetic::kAdd, activation);
  return ConvertBinary(s, OpKind::kAdd, activation);
}
absl::Status ConvertSub(SubgraphImporter& s) {
  const tfl::ActivationFunctionType activation = ActivationOf(s.op().builtin_options_as_SubOptions());
  if (s.IsQuantizedOperator()) return ConvertQuantizedArithmetic(s, QuantizedArithmetic::kSubtract, activation);
  return ConvertBinary(s, OpKind::kSub, activation);
}
absl::Status ConvertMul(SubgraphImporter& s) {
  const tfl::ActivationFunctionType activation = ActivationOf(s.op().builtin_options_as_MulOptions());
  if (s.IsQuantizedOperator()) return ConvertQuantizedArithmetic(s, QuantizedArithmetic::kMultiply, activation);
  return ConvertBinary(s, OpKind::kMul, activation);
}

absl::Status ConvertDiv(SubgraphImporter& s) {
  return ConvertBinary(s, OpKind::kDiv, ActivationOf(s.op().builtin_options_as_DivOptions()));
}
// int8 too: the larger (smaller) code where both inputs are quantised as the output.
absl::Status ConvertExtremum(SubgraphImporter& s, OpKind op) {
  if (s.IsQuantizedOperator()) {
    RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
    if (s.InputQuantization(0) != s.OutputQuantization(0) || s.InputQuantization(1) != s.OutputQuantization(0)) {
      return absl::UnimplementedError("its int8 inputs are quantised differently from its output");
    }
  }
  return ConvertBinary(s, op, tfl::ActivationFunctionType::NONE);
}
absl::Status ConvertMaximum(SubgraphImporter& s) { return ConvertExtremum(s, OpKind::kMax); }
absl::Status ConvertMinimum(SubgraphImporter& s) { return ConvertExtremum(s, OpKind::kMin); }
// The slope broadcasts to the input as numpy does, as ONNX's PRelu's.
absl::Status ConvertPrelu(SubgraphImporter& s) {
  if (s.IsQuantizedOperator()) {
    return ConvertQuantizedArithmetic(s, QuantizedArithmetic::kPrelu, tfl::ActivationFunctionType::NONE);
  }
  return ConvertBinary(s, OpKind::kPRelu, tfl::ActivationFunctionType::NONE);
}

absl::Status ConvertUnary(SubgraphImporter& s, OpKind op) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(op, OpName(op), {x}));
  return s.DefineOutput(0, y);
}

// int8 RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, HARD_SWISH, LOGISTIC and TANH map each
// code by arithmetic of their own (tflite_activation_tables.h): a TableLookup of the
// table made here.
absl::Status ConvertQuantizedActivation(
    SubgraphImporter& s, const std::function<absl::StatusOr<Int8Table>(Int8Quantization, Int8Quantization)>& table) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  // Both tensors' types and quantisation checked (positive, finite scales) before the
  // table is computed from them.
  RETURN_IF_ERROR(s.InputType(0).status());
  RETURN_IF_ERROR(s.OutputType(0).status());
  ASSIGN_OR_RETURN(TfliteQuantization qx, RequiredQuantization(s.InputQuantization(0), "the input", true));
  ASSIGN_OR_RETURN(TfliteQuantization qy, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(Int8Table values, table({qx.scales[0], static_cast<int32_t>(qx.zero_points[0])},
                                            {qy.scales[0], static_cast<int32_t>(qy.zero_points[0])}));
  ASSIGN_OR_RETURN(ValueId y, TableLookup(s, x, values, qy));
  return s.DefineOutput(0, y);
}

// int8 LOGISTIC (its output quantised 1/256, -128, as TFLite requires) and TANH (an
// output scale that is a power of two, where TFLite's multiplying by its inverse and
// dividing by it agree): tables as TensorFlow's reference kernels fill them.
absl::Status ConvertLogistic(SubgraphImporter& s) {
  if (!s.IsQuantizedOperator()) return ConvertUnary(s, OpKind::kSigmoid);
  const std::optional<TfliteQuantization> qy = s.OutputQuantization(0);
  if (qy && (qy->scales.size() != 1 || qy->scales[0] != 1.0f / 256 || qy->zero_points[0] != -128)) {
    return absl::UnimplementedError("an int8 LOGISTIC whose output is not quantised with scale 1/256, zero point -128");
  }
  return ConvertQuantizedActivation(s, TfliteLogisticTable);
}

absl::Status ConvertLeakyRelu(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  const tfl::LeakyReluOptions* options = s.op().builtin_options_as_LeakyReluOptions();
  if (s.IsQuantizedOperator()) {
    const float alpha = options ? options->alpha() : 0.0f;
    if (!(alpha >= 0.0f) || !std::isfinite(alpha)) {
      return absl::UnimplementedError(absl::StrCat("an int8 LEAKY_RELU with alpha ", alpha, " is not supported"));
    }
    return ConvertQuantizedActivation(
        s, [alpha](Int8Quantization x, Int8Quantization y) { return TfliteLeakyReluTable(x, y, alpha); });
  }
  AttributeMap attributes;
  attributes.Set("alpha", options ? options->alpha() : 0.0f);
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kLeakyRelu, "leaky_relu", {x}, std::move(attributes)));
  return s.DefineOutput(0, y);
}
// x * relu6(x + 3) / 6, which is ONNX's HardSwish (alpha 1/6, beta 1/2); int8: a table
// of TFLite's int16 fixed point (tflite_activation_tables.h).
absl::Status ConvertHardSwish(SubgraphImporter& s) {
  if (!s.IsQuantizedOperator()) return ConvertUnary(s, OpKind::kHardSwish);
  return ConvertQuantizedActivation(s, [](Int8Quantization x, Int8Quantization y) -> absl::StatusOr<Int8Table> {
    if (!TfliteHardSwishSupported(x, y)) {
      return absl::UnimplementedError("an int8 HARD_SWISH whose output scale is not above its input's / 128");
    }
    return TfliteHardSwishTable(x, y);
  });
}

absl::Status ConvertTanh(SubgraphImporter& s) {
  if (!s.IsQuantizedOperator()) return ConvertUnary(s, OpKind::kTanh);
  const std::optional<TfliteQuantization> qy = s.OutputQuantization(0);
  int exponent = 0;
  if (qy && (qy->scales.size() != 1 || std::frexp(qy->scales[0], &exponent) != 0.5f)) {
    return absl::UnimplementedError("an int8 TANH whose output scale is not a power of two");
  }
  return ConvertQuantizedActivation(s, TfliteTanhTable);
}
absl::Status ConvertRelu(SubgraphImporter& s) {
  if (s.IsQuantizedOperator()) {
    return ConvertQuantizedActivation(s, [](Int8Quantization x, Int8Quantization y) { return TfliteReluTable(x, y, 0.0f); });
  }
  return ConvertUnary(s, OpKind::kRelu);
}

absl::Status ConvertClip(SubgraphImporter& s, float low, float high) {
  if (s.IsQuantizedOperator()) {
    return ConvertQuantizedActivation(
        s, [low, high](Int8Quantization x, Int8Quantization y) { return TfliteReluTable(x, y, low, high); });
  }
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Clipped(s, x, low, high, "clip"));
  return s.DefineOutput(0, y);
}

absl::Status ConvertRelu6(SubgraphImporter& s) { return ConvertClip(s, 0.0f, 6.0f); }
absl::Status ConvertReluN1To1(SubgraphImporter& s) { return ConvertClip(s, -1.0f, 1.0f); }

// int8: QLinearSoftmax computing as TFLite's reference kernel (tflite_softmax.h), whose
// output TFLite quantises with scale 1/256 and zero point -128; beta 1.
absl::Status ConvertQuantizedSoftmax(SubgraphImporter& s, float beta) {
  if (beta != 1.0f) return absl::UnimplementedError(absl::StrCat("an int8 SOFTMAX with beta ", beta, " is not supported"));
  ASSIGN_OR_RETURN(TfliteQuantization qx, RequiredQuantization(s.InputQuantization(0), "the input", true));
  ASSIGN_OR_RETURN(TfliteQuantization qy, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  const QuantizationValues x_pair = AddQuantization(s, qx, "x"), y_pair = AddQuantization(s, qy, "y");
  AttributeMap attributes;
  attributes.Set("axis", int64_t{-1});
  attributes.Set("opset", int64_t{13});
  SetTfliteArithmetic(attributes);
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kQLinearSoftmax, "softmax",
                                        {x, x_pair.scale, x_pair.zero_point, y_pair.scale, y_pair.zero_point},
                                        std::move(attributes)));
  return s.DefineOutput(0, y);
}

// softmax(beta * x) along the last dimension.
absl::Status ConvertSoftmax(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(const tfl::SoftmaxOptions* options, Required(s.op().builtin_options_as_SoftmaxOptions(), "SoftmaxOptions"));
  if (s.IsQuantizedOperator()) return ConvertQuantizedSoftmax(s, options->beta());
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  if (options->beta() != 1.0f) {
    const ValueId beta = s.AddConstant("beta", TensorData::FromFloats({}, std::vector<float>{options->beta()}));
    ASSIGN_OR_RETURN(x, s.AddNode(OpKind::kMul, "scaled", {x, beta}));
  }
  AttributeMap attributes;
  attributes.Set("axis", int64_t{-1});
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kSoftmax, "softmax", {x}, std::move(attributes)));
  return s.DefineOutput(0, y);
}

absl::Status ConvertConcatenation(SubgraphImporter& s) {
  if (s.InputCount() < 1 || s.OutputCount() != 1) return Invalid("takes at least one input and has one output");
  ASSIGN_OR_RETURN(const tfl::ConcatenationOptions* options,
                   Required(s.op().builtin_options_as_ConcatenationOptions(), "ConcatenationOptions"));
  std::vector<ValueId> inputs;
  for (int i = 0; i < s.InputCount(); ++i) {
    ASSIGN_OR_RETURN(ValueId input, s.Input(i));
    inputs.push_back(input);
  }
  // TFLite's kernel ignores a fused activation here ("not supported" in its Prepare's
  // words): refused rather than applied or dropped.
  if (options->fused_activation_function() != tfl::ActivationFunctionType::NONE) {
    return absl::UnimplementedError("a fused activation on CONCATENATION (which TFLite ignores) is not supported");
  }
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(options->axis(), static_cast<int64_t>(s.InputShape(0).size())));
  AttributeMap attributes;
  attributes.Set("axis", axis);
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kConcat, "concat", std::move(inputs), std::move(attributes)));
  if (s.IsQuantizedOperator()) {
    // int8: the values moved as they are, every input quantised as the output (TFLite's
    // converter requantises inputs to that end; other scales would need TFLite's
    // per-input rescaling).
    for (int i = 0; i < s.InputCount(); ++i) {
      if (s.InputQuantization(i) != s.OutputQuantization(0)) {
        return absl::UnimplementedError("an int8 CONCATENATION of inputs quantised differently from its output");
      }
    }
  }
  return s.DefineOutput(0, y);
}

// The shape a reshape's target asks for, with its one -1 resolved.
absl::StatusOr<Shape> ResolveTargetShape(std::vector<int64_t> target, int64_t elements) {
  int64_t known = 1, unknown = -1;
  for (size_t d = 0; d < target.size(); ++d) {
    if (target[d] == -1 && unknown < 0) unknown = static_cast<int64_t>(d);
    else if (target[d] < 0) return Invalid(absl::StrCat("the new shape ", ShapeToString(target), " is not valid"));
    else known *= target[d];
  }
  if (unknown >= 0 && known > 0 && elements % known == 0) target[unknown] = elements / known;
  return target;
}

// A reshape to the declared output shape, which must be what the new shape (the
// second input if constant, else the options) asks for.
absl::Status ConvertReshape(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 2, 1));
  const Shape declared = s.OutputShape(0);
  std::optional<std::vector<int64_t>> target;
  if (s.HasInput(1)) {
    absl::StatusOr<std::vector<int64_t>> shape = s.ConstantInputInts(1, "the new shape");
    if (shape.ok()) target = *shape;
  } else if (const tfl::ReshapeOptions* options = s.op().builtin_options_as_ReshapeOptions();
             options && options->new_shape()) {
    target = std::vector<int64_t>(options->new_shape()->begin(), options->new_shape()->end());
  }
  if (target) {
    ASSIGN_OR_RETURN(Shape resolved, ResolveTargetShape(*target, ElementCount(s.InputShape(0))));
    if (resolved != declared) {
      return Invalid(absl::StrCat("the new shape ", ShapeToString(*target), " is not the declared output shape ",
                                  ShapeToString(declared)));
    }
  }
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Reshaped(s, x, declared, "reshape"));
  return s.DefineOutput(0, y);
}

// A new dimension of size 1 at the axis: a reshape to the declared shape, which must be
// the input's with that 1 inserted.
absl::Status ConvertExpandDims(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  Shape shape = s.InputShape(0);
  ASSIGN_OR_RETURN(std::vector<int64_t> axis, s.ConstantInputInts(1, "the axis"));
  if (axis.size() != 1) return Invalid(absl::StrCat("the axis holds ", axis.size(), " values, not 1"));
  // An axis in [-(rank + 1), rank]: as one of the output's axes.
  ASSIGN_OR_RETURN(int64_t at, NormalizeAxis(axis[0], static_cast<int64_t>(shape.size()) + 1));
  shape.insert(shape.begin() + at, 1);
  if (shape != s.OutputShape(0)) {
    return Invalid(absl::StrCat("the output is declared ", ShapeToString(s.OutputShape(0)), ", not ", ShapeToString(shape)));
  }
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Reshaped(s, x, shape, "expand_dims"));
  return s.DefineOutput(0, y);
}

absl::Status ConvertTranspose(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> perm, s.ConstantInputInts(1, "the permutation"));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Transposed(s, x, perm, "transpose"));
  return s.DefineOutput(0, y);
}

absl::Status ConvertSqueeze(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  const Shape x = s.InputShape(0);
  std::vector<bool> squeezed(x.size(), false);
  const tfl::SqueezeOptions* options = s.op().builtin_options_as_SqueezeOptions();
  if (options && options->squeeze_dims() && options->squeeze_dims()->size() > 0) {
    for (int32_t dim : *options->squeeze_dims()) {
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(dim, static_cast<int64_t>(x.size())));
      if (x[axis] != 1) return Invalid(absl::StrCat("cannot squeeze dimension ", dim, " of ", ShapeToString(x)));
      squeezed[axis] = true;
    }
  } else {
    for (size_t d = 0; d < x.size(); ++d) squeezed[d] = x[d] == 1;
  }
  Shape shape;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!squeezed[d]) shape.push_back(x[d]);
  }
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Reshaped(s, input, shape, "squeeze"));
  return s.DefineOutput(0, y);
}

absl::Status ConvertReduction(SubgraphImporter& s, OpKind op) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, s.ConstantInputInts(1, "the axes"));
  const tfl::ReducerOptions* options = s.op().builtin_options_as_ReducerOptions();
  const ValueId axes_value = s.AddConstant("axes", TensorData::FromInt64s({static_cast<int64_t>(axes.size())}, axes));
  AttributeMap attributes;
  attributes.Set("keepdims", int64_t{options && options->keep_dims() ? 1 : 0});
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(op, OpName(op), {x, axes_value}, std::move(attributes)));
  return s.DefineOutput(0, y);
}

// int8 MEAN and SUM (reference_ops::QuantizedMeanOrSum): each output is
// MultiplyByFixedPoint(sum(x - x_zero_point), m) + y_zero_point, saturated, m the
// multiplier of x_scale / y_scale with MEAN's 1 / count folded in (TfliteMeanMultiplier)
// or not (SUM: kFusedSum). A QLinearAveragePool computes it over one window: over height
// and width of an NHWC tensor (Keras's GlobalAveragePooling2D) on the NCHW tensor,
// between the layout Transposes, which cancel against the convolutions'; over axes next
// to each other with kept ones after them, a window of rows over the input viewed as
// [1, before, reduced, after]; over two runs of axes with kept ones between and none
// after, a window of the first run's rows by the second's columns stepping a whole
// second run over [1, before, first, between x second]; over other axes on [1, kept, 1,
// reduced], the input transposed to put the reduced axes last (where they are not
// already) and reshaped.
absl::Status ConvertQuantizedReduction(SubgraphImporter& s, bool sum) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  const Shape x = s.InputShape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, s.ConstantInputInts(1, "the axes"));
  std::set<int64_t> reduced;
  for (int64_t axis : axes) {
    ASSIGN_OR_RETURN(int64_t a, NormalizeAxis(axis, rank));
    reduced.insert(a);
  }
  int64_t kept_count = 1, reduced_count = 1;
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced.contains(d)) perm.push_back(d), kept_count *= x[d];
  }
  for (int64_t d : reduced) perm.push_back(d), reduced_count *= x[d];
  const char* name = sum ? "SUM" : "MEAN";
  if (reduced.empty() || reduced_count < 1 || kept_count < 1) {
    return absl::UnimplementedError(absl::StrCat("an int8 ", name, " over no axis or an empty one is not supported"));
  }
  ASSIGN_OR_RETURN(TfliteQuantization qx, RequiredQuantization(s.InputQuantization(0), "the input", true));
  ASSIGN_OR_RETURN(TfliteQuantization qy, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  // An output quantised as the input takes the same arithmetic in TensorFlow 2.15's
  // reference kernel and in TFLite Micro (test model same_scale_means; older TFLite
  // Micro versions divided the codes instead).
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  const bool image = rank == 4 && reduced == std::set<int64_t>{1, 2};
  // The runs of reduced axes next to each other, [first, last] each.
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t d : reduced) {
    if (!runs.empty() && runs.back().second == d - 1) {
      runs.back().second = d;
    } else {
      runs.push_back({d, d});
    }
  }
  auto count_of = [&](int64_t first, int64_t last) {
    int64_t count = 1;
    for (int64_t d = first; d <= last; ++d) count *= x[d];
    return count;
  };
  // Reduced axes next to each other with kept ones after them (one height, say): a
  // window of `reduced_count` rows over [1, before, reduced, after], no Transpose.
  const bool contiguous = runs.size() == 1;
  const int64_t after_count = count_of(runs.back().second + 1, rank - 1);
  // Two runs with one run of kept axes between and none after (height and channels of
  // NHWC, width kept): a window of the first run's rows by the second run's columns,
  // stepping a whole run of columns, over [1, before, first, kept x second].
  const bool two_runs = runs.size() == 2 && runs[1].second == rank - 1;
  ValueId pooled = input;
  std::vector<int64_t> kernel = {1, reduced_count};
  std::vector<int64_t> strides;
  Shape pooled_shape{1, kept_count, 1, 1};
  if (two_runs) {  // never the image's height and width, one run
    const int64_t before = count_of(0, runs[0].first - 1), first = count_of(runs[0].first, runs[0].second),
                  between = count_of(runs[0].second + 1, runs[1].first - 1),
                  second = count_of(runs[1].first, runs[1].second);
    ASSIGN_OR_RETURN(pooled, Reshaped(s, pooled, Shape{1, before, first, between * second}, "as_window"));
    kernel = {first, second};
    strides = {1, second};
    pooled_shape = {1, before, 1, between};
  } else if (image) {
    ASSIGN_OR_RETURN(pooled, Transposed(s, input, kToChannelsFirst, "to_nchw"));
    kernel = {x[1], x[2]};
    pooled_shape = {x[0], 1, 1, x[3]};
  } else if (contiguous && after_count > 1) {
    ASSIGN_OR_RETURN(pooled,
                     Reshaped(s, pooled, Shape{1, kept_count / after_count, reduced_count, after_count}, "as_window"));
    kernel = {reduced_count, 1};
    pooled_shape = {1, kept_count / after_count, 1, after_count};
  } else {
    bool in_order = true;
    for (int64_t d = 0; d < rank; ++d) in_order = in_order && perm[d] == d;
    if (!in_order) {
      ASSIGN_OR_RETURN(pooled, Transposed(s, input, perm, "reduced_last"));
    }
    ASSIGN_OR_RETURN(pooled, Reshaped(s, pooled, Shape{1, kept_count, 1, reduced_count}, "as_window"));
  }
  const QuantizationValues x_pair = AddQuantization(s, qx, "x"), y_pair = AddQuantization(s, qy, "y");
  AttributeMap attributes;
  attributes.Set("kernel_shape", kernel);
  if (!strides.empty()) attributes.Set("strides", strides);
  SetTfliteArithmetic(attributes);
  if (sum) attributes.Set(kFusedSum, int64_t{1});
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kQLinearAveragePool, sum ? "sum" : "mean",
                                        {pooled, x_pair.scale, x_pair.zero_point, y_pair.scale, y_pair.zero_point},
                                        std::move(attributes)));
  if (image) {
    ASSIGN_OR_RETURN(y, Transposed(s, y, kToChannelsLast, "to_nhwc"));
  }
  if (s.OutputShape(0) != pooled_shape) {
    ASSIGN_OR_RETURN(y, Reshaped(s, y, s.OutputShape(0), "output_shape"));
  }
  return s.DefineOutput(0, y);
}

absl::Status ConvertMean(SubgraphImporter& s) {
  if (s.IsQuantizedOperator()) return ConvertQuantizedReduction(s, false);
  return ConvertReduction(s, OpKind::kReduceMean);
}
absl::Status ConvertSum(SubgraphImporter& s) {
  if (s.IsQuantizedOperator()) return ConvertQuantizedReduction(s, true);
  return ConvertReduction(s, OpKind::kReduceSum);
}

// PAD (zero padding) and PADV2 (padding with a constant scalar, input 2); TFLite's
// paddings are [rank, 2] (before, after), ONNX's all befores then all afters.
absl::Status ConvertPadding(SubgraphImporter& s, bool with_value) {
  RETURN_IF_ERROR(ExpectArity(s, 2, with_value ? 3 : 2, 1));  // PADV2's value may be left out: 0
  const int64_t rank = static_cast<int64_t>(s.InputShape(0).size());
  ASSIGN_OR_RETURN(std::vector<int64_t> paddings, s.ConstantInputInts(1, "the paddings"));
  if (static_cast<int64_t>(paddings.size()) != 2 * rank) {
    return Invalid(absl::StrCat("the paddings hold ", paddings.size(), " values, not 2 per dimension (", 2 * rank, ")"));
  }
  std::vector<int64_t> pads(2 * rank);
  for (int64_t d = 0; d < rank; ++d) {
    pads[d] = paddings[2 * d];
    pads[rank + d] = paddings[2 * d + 1];
  }
  for (int64_t pad : pads) {
    if (pad < 0) return Invalid(absl::StrCat("negative padding ", pad));
  }
  const ValueId pads_value = s.AddConstant("pads", TensorData::FromInt64s({2 * rank}, pads));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  std::vector<ValueId> inputs = {x, pads_value};
  // int8: the input, the output and PADV2's value all quantised alike.
  if (s.IsQuantizedOperator()) RETURN_IF_ERROR(ExpectSameQuantization(s));
  if (s.IsQuantizedOperator() && !(with_value && s.HasInput(2))) {
    // int8: padded with the zero point (a real 0), as TFLite pads.
    inputs.push_back(AddInt8Scalar(s, "pad_value", static_cast<int8_t>(s.OutputQuantization(0)->zero_points[0])));
  } else if (with_value && s.HasInput(2)) {
    // PADV2's value, of the input's type: for int8, the stored code itself (TFLite
    // requires it quantised as the output).
    ASSIGN_OR_RETURN(TensorData value, s.ConstantInput(2, "the padding value"));
    ASSIGN_OR_RETURN(DataType type, s.InputType(0));
    if (value.type().ElementCount() != 1 || value.type().element_type != type) {
      return Invalid(absl::StrCat("the padding value is ", value.type().ToString(), ", not one element of the input's type"));
    }
    inputs.push_back(s.AddConstant("pad_value", TensorData(TensorType{type, {}}, value.bytes())));
  }
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kPad, "pad", std::move(inputs)));
  return s.DefineOutput(0, y);
}

absl::Status ConvertPad(SubgraphImporter& s) { return ConvertPadding(s, false); }
absl::Status ConvertPadV2(SubgraphImporter& s) { return ConvertPadding(s, true); }

// ARG_MAX / ARG_MIN over one constant axis, the first index of the extreme (as ONNX's
// select_last_index 0), the axis dropped; int64 as the IR computes it, cast when the
// model asks for int32.
absl::Status ConvertArgExtremum(SubgraphImporter& s, OpKind op) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> axis, s.ConstantInputInts(1, "the axis"));
  if (axis.size() != 1) return Invalid(absl::StrCat("the axis holds ", axis.size(), " values, not 1"));
  ASSIGN_OR_RETURN(int64_t normalized, NormalizeAxis(axis[0], static_cast<int64_t>(s.InputShape(0).size())));
  AttributeMap attributes;
  attributes.Set("axis", normalized);
  attributes.Set("keepdims", int64_t{0});
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(op, OpName(op), {x}, std::move(attributes)));
  ASSIGN_OR_RETURN(DataType type, s.OutputType(0));
  if (type != DataType::kInt64) {
    ASSIGN_OR_RETURN(y, Cast(s, y, type));
  }
  return s.DefineOutput(0, y);
}

absl::Status ConvertArgMax(SubgraphImporter& s) { return ConvertArgExtremum(s, OpKind::kArgMax); }
absl::Status ConvertArgMin(SubgraphImporter& s) { return ConvertArgExtremum(s, OpKind::kArgMin); }

// CAST between the element types the IR has (a float to an integer truncates toward
// zero, in TFLite and in the IR's Cast).
absl::Status ConvertCast(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(DataType type, s.OutputType(0));
  ASSIGN_OR_RETURN(ValueId y, Cast(s, x, type));
  return s.DefineOutput(0, y);
}

// float32 -> int8: x / scale (one float division), rounded with halves away from zero
// (TFLite's reference AffineQuantize), plus the zero point, saturated.
// int8 -> int8 (the converter's requantisation before an operator that needs one
// scale): modelc.Requantize, TFLite's fixed point.
absl::Status ConvertQuantize(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(TfliteQuantization q, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  const QuantizationValues pair = AddQuantization(s, q, "y");
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  if (s.InputQuantization(0)) {
    ASSIGN_OR_RETURN(TfliteQuantization qx, RequiredQuantization(s.InputQuantization(0), "the input", true));
    const QuantizationValues x_pair = AddQuantization(s, qx, "x");
    ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kRequantize, "requantize",
                                          {x, x_pair.scale, x_pair.zero_point, pair.scale, pair.zero_point}));
    return s.DefineOutput(0, y);
  }
  AttributeMap attributes;
  attributes.Set(kRoundHalfAwayFromZero, int64_t{1});
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kQuantizeLinear, "quantize", {x, pair.scale, pair.zero_point},
                                        std::move(attributes)));
  return s.DefineOutput(0, y);
}

// int8 -> float32: (q - zero_point) * scale, as ONNX's DequantizeLinear (the same float).
absl::Status ConvertDequantize(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(TfliteQuantization q, RequiredQuantization(s.InputQuantization(0), "the input", true));
  const QuantizationValues pair = AddQuantization(s, q, "x");
  ASSIGN_OR_RETURN(ValueId x, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kDequantizeLinear, "dequantize", {x, pair.scale, pair.zero_point}));
  return s.DefineOutput(0, y);
}

// A converter for int8 operators that only move values (the reshapes): float or int8
// alike, the output quantised as the input.
template <OperatorConverter convert>
absl::Status MovingValues(SubgraphImporter& s) {
  if (s.IsQuantizedOperator()) RETURN_IF_ERROR(ExpectSameQuantization(s));
  return convert(s);
}

struct SupportedOperator {
  int32_t code;
  OperatorConverter convert;
  bool int8 = false;  // also converts the operator with quantised (int8) tensors
};

// Every builtin operator the TFLite frontend supports.
constexpr SupportedOperator kSupportedOperators[] = {
    {kAdd, ConvertAdd, true},
    {kAveragePool2D, ConvertAveragePool2D, true},
    {kConcatenation, ConvertConcatenation, true},
    {kConv2D, ConvertConv2D, true},
    {kDepthwiseConv2D, ConvertDepthwiseConv2D, true},
    {kFullyConnected, ConvertFullyConnected, true},
    {kLogistic, ConvertLogistic, true},
    {kMaxPool2D, ConvertMaxPool2D, true},
    {kMul, ConvertMul, true},
    {kRelu, ConvertRelu, true},
    {kReluN1To1, ConvertReluN1To1, true},
    {kRelu6, ConvertRelu6, true},
    {kReshape, MovingValues<ConvertReshape>, true},
    {kSoftmax, ConvertSoftmax, true},
    {kTanh, ConvertTanh, true},
    {kPad, ConvertPad, true},
    {kMean, ConvertMean, true},
    {kSub, ConvertSub, true},
    {kSqueeze, MovingValues<ConvertSqueeze>, true},
    {kTranspose, MovingValues<ConvertTranspose>, true},
    {kDiv, ConvertDiv},
    {kPrelu, ConvertPrelu, true},
    {kMaximum, ConvertMaximum, true},
    {kMinimum, ConvertMinimum, true},
    {kExpandDims, MovingValues<ConvertExpandDims>, true},
    {kQuantize, ConvertQuantize, true},
    {kDequantize, ConvertDequantize, true},
    {kSum, ConvertSum, true},
    {kLeakyRelu, ConvertLeakyRelu, true},
    {kHardSwish, ConvertHardSwish, true},
    {kResizeBilinear, ConvertResizeBilinear, true},
    {kGather, MovingValues<ConvertGather>, true},
    {kStridedSlice, MovingValues<ConvertStridedSlice>, true},
    {kSplit, MovingValues<ConvertSplit>, true},
    {kCast, ConvertCast},
    {kArgMax, ConvertArgMax, true},
    {kPadV2, ConvertPadV2, true},
    {kSlice, MovingValues<ConvertSlice>, true},
    {kTransposeConv, ConvertTransposeConv, true},
    {kArgMin, ConvertArgMin, true},
    {kPack, MovingValues<ConvertPack>, true},
    {kUnpack, MovingValues<ConvertUnpack>, true},
    {kResizeNearestNeighbor, MovingValues<ConvertResizeNearestNeighbor>, true},
    {kSplitV, MovingValues<ConvertSplitV>, true},
    {kBatchMatMul, ConvertBatchMatMul, true},
    {kUnidirectionalSequenceLstm, ConvertUnidirectionalSequenceLstm, true},
};

}  // namespace
}  // namespace tflite_converters

OperatorConverter FindOperatorConverter(int32_t builtin_code, bool quantized) {
  for (const tflite_converters::SupportedOperator& supported : tflite_converters::kSupportedOperators) {
    if (supported.code == builtin_code && (supported.int8 || !quantized)) return supported.convert;
  }
  return nullptr;
}

}  // namespace modelc
