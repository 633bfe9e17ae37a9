// What every quantised op shares: a tensor's quantisation parameters (a float32 scale
// and an integer zero point, per tensor or along one axis, given as two of the node's
// inputs), their checks, and the one rounding rule, on the host (the reference) and in
// generated code (the kernels), so both compute the same integers.
//
// The rounding rule is ONNX Runtime's (MLAS's requantisation and QuantizeLinear): the
// float32 value already divided or multiplied by its scale is clamped to
// [qmin - zero_point, qmax - zero_point] (NaN gives the lower bound), rounded to the
// nearest integer, halves to even, and offset by the zero point. Every product and
// quotient is one float32 operation, as ORT's; no fused multiply-add.
#ifndef MODELC_OPS_QUANTIZE_QUANTIZATION_H_
#define MODELC_OPS_QUANTIZE_QUANTIZATION_H_

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/tensor.h"
#include "compiler/ops/quantize/half_rounding.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Value.h"

namespace modelc {

class KernelContext;

// The (scale, zero point) pair of one quantised tensor.
struct QuantizationParameters {
  int scale_input = -1;
  int zero_point_input = -1;          // -1 when absent: zero
  DataType type = DataType::kUInt8;   // the quantised element type (the zero point's)
  int64_t count = 1;                  // 1 per tensor, else one per index of the axis
  int64_t inner = 1;                  // element e of the tensor takes parameter (e / inner) % count
  bool PerTensor() const { return count == 1; }
};

// The quantised element types an op takes.
enum class QuantizedTypes {
  kEightBit,           // int8, uint8: the integer kernels (convolutions, products, sums)
  kLinear,             // QuantizeLinear's: also int16 and uint16
  kLinearAndInt32,     // DequantizeLinear's: also int32 (an accumulator or a bias)
};
bool IsQuantizedType(DataType type, QuantizedTypes accepted);
// "int8 or uint8", ...: the accepted types, for messages.
const char* QuantizedTypesText(QuantizedTypes accepted);

// Checks the pair at inputs `scale_input` and `zero_point_input` (or -1) of `node`, for
// a tensor of shape `data`: the scale float32, the zero point of an `accepted` type,
// both of one shape, a scalar (or one element) or, when `axis` is given, a 1-D tensor
// as long as data's dimension `axis`. Constant scales must be positive and finite.
// `what` names the tensor in messages ("x", "y", ...). `type_without_zero_point` is the
// quantised type when the zero point is absent.
absl::StatusOr<QuantizationParameters> ResolveQuantization(const Graph& graph, const Node& node, int scale_input,
                                                           int zero_point_input, const Shape& data,
                                                           std::optional<int64_t> axis, absl::string_view what,
                                                           DataType type_without_zero_point = DataType::kUInt8,
                                                           QuantizedTypes accepted = QuantizedTypes::kEightBit);
// That a constant scale (input `scale_input` of `node`) is positive and finite.
absl::Status CheckConstantScale(const Graph& graph, const Node& node, int scale_input, absl::string_view what);

// The same for an int8/uint8 operand of a quantised product (input `data_input`): its
// zero point, if given, of its element type; `scale_input` -1 when the op has no scales.
absl::StatusOr<QuantizationParameters> ResolveQuantizedOperand(const Graph& graph, const Node& node, int data_input,
                                                               int scale_input, int zero_point_input,
                                                               std::optional<int64_t> axis, absl::string_view what);
// Input 0 of a quantised product (QLinearConv and QLinearMatMul, `qlinear`: their scale
// is input 1; ConvInteger and MatMulInteger): its codes' pair (ResolveQuantizedOperand,
// zero point input 2, per tensor or along `axis`), or, where a QLinear op quantises a
// float32 input as it reads it (kFusedQuantizeInput), that input's pair, per tensor, the
// zero point required (it gives the quantised type).
struct ProductInput {
  QuantizationParameters q;
  DataType type = DataType::kUInt8;   // the codes' (the product's) type
  bool quantized_on_reading = false;  // kFusedQuantizeInput
};
absl::StatusOr<ProductInput> ResolveProductInput(const Graph& graph, const Node& node, bool qlinear,
                                                 std::optional<int64_t> axis, absl::string_view what);

// The operands of a quantised element-wise binary op laid out as QLinearAdd's (a, its
// scale, zero point, b, its scale, zero point, c's scale, zero point), per tensor, a and
// b broadcast to the output's shape (numpy's rules): QLinearAdd and QLinearMul.
struct QuantizedBinaryOperands {
  QuantizationParameters a, b, c;
  DataType a_type = DataType::kInt8, b_type = DataType::kInt8;
  Shape out_shape;
  std::vector<int64_t> a_strides, b_strides;
};
absl::StatusOr<QuantizedBinaryOperands> ResolveQuantizedBinaryOperands(const Graph& graph, const Node& node);

// The scale and zero point of an int8/uint8 tensor of the graph, when one constant pair
// (per tensor) describes it: the pair of the op writing it (QuantizeLinear,
// QLinearConv, QLinearMatMul) or of an op reading it, through ops that pass quantised
// values through (ops.def's kPassesValuesThrough, index maps such as Split and Slice,
// and a Concat: its inputs' pair where they share one, else its readers'). The header
// states it for int8 inputs and outputs, so firmware can quantise its data and read
// the results.
struct TensorQuantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
std::optional<TensorQuantization> QuantizationOfValue(const Graph& graph, ValueId value);

// The smallest and largest value of a quantised type (int8, uint8, int16, uint16, int32).
int32_t QuantizedMin(DataType type);
int32_t QuantizedMax(DataType type);

// The reference's view of the pair: the parameter values, read from the node's inputs
// (scale 1 when there is none, zero point 0 when there is none).
struct QuantizationValues {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;  // one per scale (zeros when absent)
  int64_t inner = 1;
  float Scale(int64_t element) const { return scale[(element / inner) % scale.size()]; }
  int32_t ZeroPoint(int64_t element) const { return zero_point[(element / inner) % zero_point.size()]; }
};
QuantizationValues ReadQuantization(const QuantizationParameters& q, const std::vector<const TensorData*>& inputs);

// The elements of an integer tensor (int8, uint8, int16, uint16, int32) as int32.
std::vector<int32_t> ElementsAsInt32(const TensorData& tensor);
// A tensor of `type` (int8, uint8, int16, uint16, int32) holding `values`, each already in range.
TensorData TensorFromInt32(const TensorType& type, const std::vector<int32_t>& values);

// The rounding rule on the host: `scaled` (float32, already scaled) clamped, rounded
// (halves to even unless told) and offset by `zero_point`, in `type`'s range.
int32_t RoundToQuantized(float scaled, int32_t zero_point, DataType type,
                         HalfRounding halves = HalfRounding::kToEven);

// A quantised product's output: its int32 accumulator times the multiplier
// input_scale * weight_scale / output_scale (two float32 operations, in ORT's order),
// by the rounding rule.
float RequantizationMultiplier(float input_scale, float weight_scale, float output_scale);
int32_t Requantize(int32_t accumulator, float multiplier, int32_t zero_point, DataType type);
// The same with the zero point added before rounding, as ONNX Runtime's x86-64 build
// requantises its com.microsoft QLinearMul (MLAS's qlmul.cpp, SSE2): float(accumulator)
// times the multiplier plus float(zero_point), two float32 operations, rounded halves to
// even (CVTPS2DQ), saturated. Adding the zero point first moves some halves (1.5 + 3
// rounds to 4, round(1.5) + 3 is 5) and, far from zero, rounds the sum itself. At and
// past 2^31 (or NaN) the conversion gives INT32_MIN: the type's minimum, as there.
int32_t RequantizeOffsetFirst(int32_t accumulator, float multiplier, int32_t zero_point, DataType type);
// x86's rounding of a float already offset by the zero point, as MLAS's kernels round it
// (CVTPS2DQ, then saturating packs): halves to even, saturated to `type`; at and past
// 2^31 (or NaN) INT32_MIN, so the type's minimum.
int32_t RoundOffsetToQuantized(float offset, DataType type);

// QuantizeLinear's element: x / scale (one float32 division), rounded by the rule.
int32_t Quantize(float x, float scale, int32_t zero_point, DataType type, HalfRounding halves = HalfRounding::kToEven);
// DequantizeLinear's element: (value - zero_point) * scale, one float32 product.
float Dequantize(int32_t value, float scale, int32_t zero_point);

// A quantised sum's element (QLinearAdd's arithmetic, ONNX Runtime's): each operand
// dequantised (Dequantize), the two added, the sum divided by the output's scale and
// rounded by the rule. `c_type` is the output's.
struct QuantizedTerm {
  int32_t value = 0;
  float scale = 1.0f;
  int32_t zero_point = 0;
};
int32_t QuantizedSum(QuantizedTerm a, QuantizedTerm b, float c_scale, int32_t c_zero_point, DataType c_type);

// The same rule in generated code: `scaled` a float, `zero_point` an i32; returns an
// integer of `type`'s width. EmitRoundToQuantized and EmitRequantize also take vectors
// (`scaled`, `accumulator`) with scalar parameters, and return vectors.
llvm::Value* EmitRoundToQuantized(KernelContext& k, llvm::Value* scaled, llvm::Value* zero_point, DataType type,
                                  HalfRounding halves = HalfRounding::kToEven);
// RequantizationMultiplier, Requantize and RequantizeOffsetFirst in generated code
// (floats, an i32).
llvm::Value* EmitRequantizationMultiplier(KernelContext& k, llvm::Value* input_scale, llvm::Value* weight_scale,
                                          llvm::Value* output_scale);
llvm::Value* EmitRequantize(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                            llvm::Value* zero_point, DataType type);
llvm::Value* EmitRequantizeOffsetFirst(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                                       llvm::Value* zero_point, DataType type);
llvm::Value* EmitRoundOffsetToQuantized(KernelContext& k, llvm::Value* offset, DataType type);
// `element`, or a vector of it as long as `like` when `like` is a vector; `scalar`
// splatted to `like`'s lanes when it is a vector (a vector `scalar`, one value a lane,
// as it is).
llvm::Type* LanesOf(llvm::Value* like, llvm::Type* element);
llvm::Value* SplatLike(llvm::IRBuilder<>& b, llvm::Value* like, llvm::Value* scalar);
// Parameter `index` (an Index() integer) of the pair, as a float / an i32 (zero when
// the zero point is absent).
llvm::Value* EmitLoadScale(KernelContext& k, const QuantizationParameters& q, llvm::Value* index);
llvm::Value* EmitLoadZeroPoint(KernelContext& k, const QuantizationParameters& q, llvm::Value* index);
// An integer element of `type` widened to i32 (sign- or zero-extended); a vector of them
// to a vector of i32.
llvm::Value* EmitWidenToInt32(KernelContext& k, llvm::Value* value, DataType type);
// Quantize in generated code (x, scale floats; zero_point an i32), exact whatever the
// builder's fast-math flags; returns an integer of `type`'s width.
llvm::Value* EmitQuantize(KernelContext& k, llvm::Value* x, llvm::Value* scale, llvm::Value* zero_point, DataType type,
                          HalfRounding halves = HalfRounding::kToEven);
// EmitRequantize's integer dequantised by `scale` and `zero_point` (EmitDequantize: the
// same floats) for a product writing its output dequantised. The integer less the zero
// point is taken as the rounding leaves it, a float, without the integer between;
// where Arm's saturating form applies, from its integer, so that a NaN gives what the
// integer would.
llvm::Value* EmitRequantizeDequantized(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                                       llvm::Value* zero_point, llvm::Value* scale, DataType type);
// Input 0 of a quantised product (`node`, its codes of `type`) as i32 codes: loaded, or,
// with `on_reading` (kFusedQuantizeInput: the product reads a float32 input and quantises
// it by these per-tensor parameters, ResolveProductInput), loaded and
// quantised by QuantizeLinear's rule (the node's half rounding). The parameters are
// loaded once, where the reader is made.
class InputCodeReader {
 public:
  InputCodeReader(KernelContext& k, DataType type, const QuantizationParameters* on_reading);
  llvm::Value* Load(llvm::Value* index) const;

 private:
  KernelContext& k_;
  DataType type_;
  bool quantizes_ = false;
  llvm::Value* scale_ = nullptr;
  llvm::Value* zero_point_ = nullptr;
};
// Dequantize in generated code (value, zero_point i32s; scale a float), exact; `value`
// may be a vector (the scalars apply to every lane).
llvm::Value* EmitDequantize(KernelContext& k, llvm::Value* value, llvm::Value* scale, llvm::Value* zero_point);
// QuantizedSum in generated code: each term's value and zero point i32s, its scale a
// float; exact float operations whatever the builder's fast-math flags. Returns an
// integer of `c_type`'s width.
struct EmittedQuantizedTerm {
  llvm::Value* value;
  llvm::Value* scale;
  llvm::Value* zero_point;
};
llvm::Value* EmitQuantizedSum(KernelContext& k, EmittedQuantizedTerm a, EmittedQuantizedTerm b, llvm::Value* c_scale,
                              llvm::Value* c_zero_point, DataType c_type);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_QUANTIZATION_H_
