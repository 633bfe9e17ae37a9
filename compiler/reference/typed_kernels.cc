// Element-type-generic reference kernels. Integer arithmetic wraps (computed in the
// unsigned type), integer division by zero gives 0, shifts by the width or more give 0
// and float-to-integer casts saturate (NaN gives 0): the same choices the lowering makes.
#include "compiler/reference/typed_kernels.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "compiler/ir/index_map.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/reference/index_walk.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

using Outputs = std::vector<TensorData>;

template <typename T>
T Read(const TensorData& t, int64_t i) {
  T v;
  std::memcpy(&v, t.bytes().data() + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
void Write(std::vector<uint8_t>& bytes, int64_t i, T v) {
  std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
}

const TensorType& OutputType(const Graph& graph, const Node& node, int o = 0) {
  return graph.value(node.outputs[o]).type;
}

std::vector<uint8_t> Bytes(const TensorType& type) { return std::vector<uint8_t>(type.ByteSize()); }

// A value of type To from one of type From, as the lowering converts it.
template <typename To, typename From>
To Convert(From v, bool to_bool) {
  if (to_bool) return static_cast<To>(v != From{0});
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    return SaturatingCast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

template <typename T>
using Unsigned = std::make_unsigned_t<std::conditional_t<std::is_integral_v<T>, T, int>>;

template <typename T>
T IntegerPower(T base, int64_t exponent) {
  if (exponent < 0) return T{0};
  Unsigned<T> result = 1, b = static_cast<Unsigned<T>>(base);
  for (uint64_t e = static_cast<uint64_t>(exponent); e != 0; e >>= 1) {
    if (e & 1) result = static_cast<Unsigned<T>>(result * b);
    b = static_cast<Unsigned<T>>(b * b);
  }
  return static_cast<T>(result);
}

// One binary operation on integers of type T (wrapping), or float32 or float64 (Mod, and
// for float64, which has no float kernels, the arithmetic too).
template <typename T>
T IntegerOrFloatBinary(const Node& node, T a, T c, int64_t fmod) {
  if constexpr (std::is_integral_v<T>) {
    using U = Unsigned<T>;
    switch (AsBinaryOp(node.op)) {
      case BinaryOp::kAdd:
      case BinaryOp::kSum: return static_cast<T>(static_cast<U>(a) + static_cast<U>(c));
      case BinaryOp::kSub: return static_cast<T>(static_cast<U>(a) - static_cast<U>(c));
      case BinaryOp::kMul: return static_cast<T>(static_cast<U>(a) * static_cast<U>(c));
      case BinaryOp::kDiv:
        if (c == 0 || (std::is_signed_v<T> && c == T(-1))) return c == 0 ? T{0} : static_cast<T>(U{0} - static_cast<U>(a));
        return static_cast<T>(a / c);
      case BinaryOp::kMod: {
        if (c == 0) return T{0};
        if (std::is_signed_v<T> && c == T(-1)) return T{0};
        T r = static_cast<T>(a % c);
        if (!fmod && r != 0 && ((r < 0) != (c < 0))) r = static_cast<T>(r + c);  // the divisor's sign
        return r;
      }
      case BinaryOp::kMax: return a < c ? c : a;
      case BinaryOp::kMin: return c < a ? c : a;
      case BinaryOp::kBitwiseAnd: return static_cast<T>(a & c);
      case BinaryOp::kBitwiseOr: return static_cast<T>(a | c);
      case BinaryOp::kBitwiseXor: return static_cast<T>(a ^ c);
      case BinaryOp::kBitShift: {
        const bool left = fmod != 0;  // reused: 1 = LEFT
        // Signed right shifts are arithmetic (opset 28); past the width only the fill stays.
        const bool arithmetic = !left && std::is_signed_v<T>;
        if (static_cast<uint64_t>(c) >= sizeof(T) * 8) return arithmetic && a < 0 ? T(-1) : T{0};
        if (arithmetic) return a < 0 ? static_cast<T>(~(~static_cast<U>(a) >> c)) : static_cast<T>(static_cast<U>(a) >> c);
        return left ? static_cast<T>(static_cast<U>(a) << c) : static_cast<T>(static_cast<U>(a) >> c);
      }
      case BinaryOp::kPow: case BinaryOp::kPRelu: case BinaryOp::kMean: case BinaryOp::kEqual: case BinaryOp::kLess:
      case BinaryOp::kGreater: case BinaryOp::kLessOrEqual: case BinaryOp::kGreaterOrEqual: case BinaryOp::kAnd:
      case BinaryOp::kOr: case BinaryOp::kXor: case BinaryOp::kWhere: return T{0};
    }
  } else {
    switch (AsBinaryOp(node.op)) {
      case BinaryOp::kMod: {
        T r = std::fmod(a, c);  // a's sign; NaN for c = 0 or an infinite a; a for an infinite c
        if (!fmod) {  // Python's %: the divisor's sign
          if (r != T{0} && ((r < T{0}) != (c < T{0}))) r += c;
          if (r == T{0}) r = std::copysign(T{0}, c);
        }
        return r;
      }
      case BinaryOp::kAdd:
      case BinaryOp::kSum: return a + c;
      case BinaryOp::kSub: return a - c;
      case BinaryOp::kMul: return a * c;
      case BinaryOp::kDiv: return a / c;
      case BinaryOp::kMax: return a < c ? c : a;  // as std::max
      case BinaryOp::kMin: return c < a ? c : a;  // as std::min
      case BinaryOp::kPow: case BinaryOp::kPRelu: case BinaryOp::kMean:
      case BinaryOp::kEqual: case BinaryOp::kLess: case BinaryOp::kGreater: case BinaryOp::kLessOrEqual:
      case BinaryOp::kGreaterOrEqual: case BinaryOp::kAnd: case BinaryOp::kOr: case BinaryOp::kXor:
      case BinaryOp::kBitShift: case BinaryOp::kBitwiseAnd: case BinaryOp::kBitwiseOr: case BinaryOp::kBitwiseXor:
      case BinaryOp::kWhere: return T{0};
    }
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

absl::StatusOr<TensorData> Binary(const Graph& graph, const Node& node, const std::vector<const TensorData*>& in) {
  const TensorType& out_type = OutputType(graph, node);
  std::vector<uint8_t> out = Bytes(out_type);
  const DataType operand_type = graph.InputType(node, node.op == OpKind::kWhere ? 1 : 0).element_type;
  int64_t mode = 0;
  if (node.op == OpKind::kMod) {
    ASSIGN_OR_RETURN(mode, node.attributes.GetInt("fmod", 0));
  }
  if (node.op == OpKind::kBitShift) {
    ASSIGN_OR_RETURN(std::string direction, node.attributes.GetString("direction", ""));
    if (direction != "LEFT" && direction != "RIGHT") return absl::InvalidArgumentError("BitShift direction must be LEFT or RIGHT");
    mode = direction == "LEFT";
  }
  const DataType exponent_type = node.op == OpKind::kPow ? graph.InputType(node, 1).element_type : operand_type;
  VisitDataType(operand_type, [&](auto element) {
    using T = decltype(element);
    std::vector<Shape> shapes;
    for (size_t i = 0; i < node.inputs.size(); ++i) shapes.push_back(graph.InputType(node, i).shape);
    ForEachBroadcast(out_type.shape, shapes, [&](int64_t flat, const std::vector<int64_t>& at) {
      switch (AsBinaryOp(node.op)) {
        case BinaryOp::kWhere:
          Write<T>(out, flat, Read<uint8_t>(*in[0], at[0]) ? Read<T>(*in[1], at[1]) : Read<T>(*in[2], at[2]));
          return;
        case BinaryOp::kEqual: Write<uint8_t>(out, flat, Read<T>(*in[0], at[0]) == Read<T>(*in[1], at[1])); return;
        case BinaryOp::kLess: Write<uint8_t>(out, flat, Read<T>(*in[0], at[0]) < Read<T>(*in[1], at[1])); return;
        case BinaryOp::kGreater: Write<uint8_t>(out, flat, Read<T>(*in[0], at[0]) > Read<T>(*in[1], at[1])); return;
        case BinaryOp::kLessOrEqual: Write<uint8_t>(out, flat, Read<T>(*in[0], at[0]) <= Read<T>(*in[1], at[1])); return;
        case BinaryOp::kGreaterOrEqual: Write<uint8_t>(out, flat, Read<T>(*in[0], at[0]) >= Read<T>(*in[1], at[1])); return;
        case BinaryOp::kAnd: Write<uint8_t>(out, flat, Read<uint8_t>(*in[0], at[0]) && Read<uint8_t>(*in[1], at[1])); return;
        case BinaryOp::kOr: Write<uint8_t>(out, flat, Read<uint8_t>(*in[0], at[0]) || Read<uint8_t>(*in[1], at[1])); return;
        case BinaryOp::kXor: Write<uint8_t>(out, flat, !Read<uint8_t>(*in[0], at[0]) != !Read<uint8_t>(*in[1], at[1])); return;
        case BinaryOp::kPow: {
          const T base = Read<T>(*in[0], at[0]);
          const double exponent = VisitDataType(exponent_type, [&](auto e) {
            return static_cast<double>(Read<decltype(e)>(*in[1], at[1]));
          });
          if constexpr (std::is_integral_v<T>) {
            Write<T>(out, flat, IntegerPower<T>(base, SaturatingCast<int64_t>(exponent)));
          } else {
            Write<T>(out, flat, static_cast<T>(std::pow(static_cast<double>(base), exponent)));
          }
          return;
        }
        case BinaryOp::kAdd: case BinaryOp::kSub: case BinaryOp::kMul: case BinaryOp::kDiv: case BinaryOp::kPRelu:
        case BinaryOp::kMax: case BinaryOp::kMin: case BinaryOp::kSum: case BinaryOp::kMean: case BinaryOp::kMod:
        case BinaryOp::kBitShift: case BinaryOp::kBitwiseAnd: case BinaryOp::kBitwiseOr: case BinaryOp::kBitwiseXor: {
          T value = Read<T>(*in[0], at[0]);
          for (size_t o = 1; o < at.size(); ++o) value = IntegerOrFloatBinary<T>(node, value, Read<T>(*in[o], at[o]), mode);
          Write<T>(out, flat, value);
          return;
        }
      }
    });
  });
  return TensorData(out_type, std::move(out));
}

absl::StatusOr<TensorData> Unary(const Graph& graph, const Node& node, const TensorData& x) {
  const TensorType& out_type = OutputType(graph, node);
  std::vector<uint8_t> out = Bytes(out_type);
  const int64_t count = out_type.ElementCount();
  ASSIGN_OR_RETURN(ElementwiseFunction f, ElementwiseFunctionOf(graph, node));
  VisitDataType(x.type().element_type, [&](auto element) {
    using T = decltype(element);
    VisitDataType(out_type.element_type, [&](auto out_element) {
      using O = decltype(out_element);
      for (int64_t i = 0; i < count; ++i) {
        const T v = Read<T>(x, i);
        if constexpr (std::is_floating_point_v<T>) {  // float64's elementwise functions (no float kernels)
          if (node.op != OpKind::kCast && node.op != OpKind::kIsNaN && node.op != OpKind::kIsInf) {
            Write<O>(out, i, static_cast<O>(ApplyElementwise(f, v)));
            continue;
          }
        }
        O result{};
        switch (AsUnaryOp(node.op)) {
          case UnaryOp::kCast: result = Convert<O, T>(v, IsBool(out_type.element_type)); break;
          case UnaryOp::kNot: result = static_cast<O>(!v); break;
          case UnaryOp::kBitwiseNot: result = static_cast<O>(static_cast<T>(~static_cast<Unsigned<T>>(v))); break;
          case UnaryOp::kIsNaN: result = static_cast<O>(std::isnan(static_cast<double>(v))); break;
          case UnaryOp::kIsInf: {
            const double d = static_cast<double>(v);
            result = static_cast<O>(std::isinf(d) && ((d > 0 && f.beta != 0.0f) || (d < 0 && f.alpha != 0.0f)));
            break;
          }
          case UnaryOp::kAbs: result = static_cast<O>(v < T{0} ? static_cast<T>(Unsigned<T>{0} - static_cast<Unsigned<T>>(v)) : v); break;
          case UnaryOp::kNeg: result = static_cast<O>(static_cast<T>(Unsigned<T>{0} - static_cast<Unsigned<T>>(v))); break;
          case UnaryOp::kSign: result = static_cast<O>(v > T{0} ? 1 : v < T{0} ? -1 : 0); break;
          case UnaryOp::kRelu: case UnaryOp::kSigmoid: case UnaryOp::kTanh: case UnaryOp::kExp: case UnaryOp::kLog:
          case UnaryOp::kSqrt: case UnaryOp::kReciprocal: case UnaryOp::kFloor: case UnaryOp::kCeil:
          case UnaryOp::kRound: case UnaryOp::kErf: case UnaryOp::kSoftplus: case UnaryOp::kSoftsign:
          case UnaryOp::kElu: case UnaryOp::kSelu: case UnaryOp::kCelu: case UnaryOp::kLeakyRelu:
          case UnaryOp::kThresholdedRelu: case UnaryOp::kHardSigmoid: case UnaryOp::kHardSwish: case UnaryOp::kSin:
          case UnaryOp::kCos: case UnaryOp::kTan: case UnaryOp::kAsin: case UnaryOp::kAcos: case UnaryOp::kAtan:
          case UnaryOp::kSinh: case UnaryOp::kCosh: case UnaryOp::kAsinh: case UnaryOp::kAcosh:
          case UnaryOp::kAtanh: case UnaryOp::kShrink: case UnaryOp::kSwish: break;
        }
        Write<O>(out, i, result);
      }
    });
  });
  return TensorData(out_type, std::move(out));
}

// Copies elements of `size` bytes: out[i] = in[source[i]].
std::vector<uint8_t> GatherBytes(const TensorData& in, const std::vector<int64_t>& source, int64_t size) {
  std::vector<uint8_t> out(source.size() * size);
  for (size_t i = 0; i < source.size(); ++i) std::memcpy(out.data() + i * size, in.bytes().data() + source[i] * size, size);
  return out;
}

TensorData IndexMap(const IndexMapGeometry& g, DataType type, const TensorData& x) {
  const int64_t size = ByteSize(type);
  std::vector<uint8_t> fill(size);
  VisitDataType(type, [&](auto element) {
    using T = decltype(element);
    const T value = SaturatingCast<T>(g.fill);
    std::memcpy(fill.data(), &value, size);
  });
  const int64_t count = ElementCount(g.dims);
  std::vector<uint8_t> out(count * size);
  std::vector<int64_t> index(g.dims.size(), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t offset = 0;
    bool outside = false;
    for (size_t d = 0; d < g.dims.size(); ++d) {
      const int64_t entry = g.offsets[d][index[d]];
      outside |= entry == kOutside;
      offset += entry;
    }
    std::memcpy(out.data() + flat * size, outside ? fill.data() : x.bytes().data() + offset * size, size);
    for (size_t d = g.dims.size(); d-- > 0;) {  // next row-major index
      if (++index[d] < g.dims[d]) break;
      index[d] = 0;
    }
  }
  return TensorData(TensorType{type, g.out_shape}, std::move(out));
}

template <typename T>
TensorData ArgReduce(const ArgReduceGeometry& g, OpKind op, const TensorData& x) {
  std::vector<int64_t> out(g.outer * g.inner);
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < g.inner; ++i) {
      int64_t best = 0;
      T best_value = Read<T>(x, o * g.axis_dim * g.inner + i);
      for (int64_t a = 1; a < g.axis_dim; ++a) {
        const T v = Read<T>(x, (o * g.axis_dim + a) * g.inner + i);
        const bool better = op == OpKind::kArgMax ? (g.select_last ? v >= best_value : v > best_value)
                                                  : (g.select_last ? v <= best_value : v < best_value);
        if (better) {
          best = a;
          best_value = v;
        }
      }
      out[o * g.inner + i] = best;
    }
  return TensorData::FromInt64s(g.out_shape, out);
}

}  // namespace

// The references of the ops of their own that run on any element type and whose code
// is not yet in compiler/ops/ (hooks of own_op_hooks.h).
absl::StatusOr<Outputs> EvaluateTranspose(const Graph& graph, const Node& node,
                                          const std::vector<const TensorData*>& in) {
  ASSIGN_OR_RETURN(TransposeGeometry g, ResolveTranspose(graph, node));
  const int64_t size = ByteSize(graph.InputType(node, 0).element_type);
  return Outputs{TensorData(OutputType(graph, node), GatherBytes(*in[0], Offsets(g.out_shape, g.input_strides), size))};
}

absl::StatusOr<Outputs> EvaluateConcat(const Graph& graph, const Node& node,
                                       const std::vector<const TensorData*>& in) {
  ASSIGN_OR_RETURN(ConcatGeometry g, ResolveConcat(graph, node));
  const int64_t size = ByteSize(graph.InputType(node, 0).element_type);
  std::vector<uint8_t> out;
  for (int64_t o = 0; o < g.outer; ++o)
    for (size_t i = 0; i < in.size(); ++i) {
      const int64_t block = g.extents[i] * g.inner * size;
      out.insert(out.end(), in[i]->bytes().begin() + o * block, in[i]->bytes().begin() + (o + 1) * block);
    }
  return Outputs{TensorData(OutputType(graph, node), std::move(out))};
}

absl::StatusOr<Outputs> EvaluateClip(const Graph& graph, const Node& node,
                                     const std::vector<const TensorData*>& in) {
  ASSIGN_OR_RETURN(ClipGeometry g, ResolveClip(graph, node));
  const DataType type = graph.InputType(node, 0).element_type;
  if (IsFloat(type)) {  // in double precision, as the fused activation's reference
    return EvaluateOnFloats(graph, node, in, [&](const std::vector<const FloatTensor*>& x) {
      const ElementwiseFunction clip{OpKind::kClip, g.min_from_input ? (*x[1])[0] : static_cast<float>(g.min),
                                     g.max_from_input ? (*x[2])[0] : static_cast<float>(g.max), 0.0f};
      FloatTensor out(*x[0]);
      for (float& v : out) v = ApplyElementwise(clip, v);
      return absl::StatusOr<std::vector<FloatTensor>>(std::vector<FloatTensor>{std::move(out)});
    });
  }
  const TensorType& out_type = OutputType(graph, node);
  std::vector<uint8_t> out = Bytes(out_type);
  VisitDataType(type, [&](auto element) {
    using T = decltype(element);
    const T low = g.min_from_input ? Read<T>(*in[1], 0) : SaturatingCast<T>(g.min);
    const T high = g.max_from_input ? Read<T>(*in[2], 0) : SaturatingCast<T>(g.max);
    for (int64_t i = 0; i < out_type.ElementCount(); ++i) {
      const T v = Read<T>(*in[0], i);
      Write<T>(out, i, v < low ? low : v > high ? high : v);
    }
  });
  return Outputs{TensorData(out_type, std::move(out))};
}

absl::StatusOr<Outputs> EvaluateArgMax(const Graph& graph, const Node& node,
                                       const std::vector<const TensorData*>& in) {
  ASSIGN_OR_RETURN(ArgReduceGeometry g, ResolveArgReduce(graph, node));
  return Outputs{VisitDataType(graph.InputType(node, 0).element_type,
                               [&](auto element) { return ArgReduce<decltype(element)>(g, node.op, *in[0]); })};
}

absl::StatusOr<Outputs> EvaluateArgMin(const Graph& graph, const Node& node,
                                       const std::vector<const TensorData*>& in) {
  return EvaluateArgMax(graph, node, in);  // the op tells ArgReduce which
}

namespace {

// ReduceMax and ReduceMin of bools: whether any (all) of the reduced elements is true;
// an empty reduction gives false (true), the identity of Or (And), as ONNX says.
absl::StatusOr<TensorData> BoolReduce(const Graph& graph, const Node& node, const TensorData& x) {
  if (node.op != OpKind::kReduceMax && node.op != OpKind::kReduceMin) {
    return absl::InternalError(absl::StrCat(OpName(node.op), " of bools has no reference kernel"));
  }
  ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(graph, node));
  const bool any = node.op == OpKind::kReduceMax;
  const std::vector<int64_t> kept = Offsets(g.kept_dims, g.kept_strides);
  const std::vector<int64_t> reduced = Offsets(g.reduced_dims, g.reduced_strides);
  std::vector<uint8_t> out(kept.size());
  for (size_t o = 0; o < kept.size(); ++o) {
    bool result = !any;
    for (int64_t r : reduced) {
      const bool v = x.bytes()[kept[o] + r] != 0;
      result = any ? (result || v) : (result && v);
    }
    out[o] = result ? 1 : 0;
  }
  return TensorData(OutputType(graph, node), std::move(out));
}

}  // namespace

bool NeedsTypedKernel(const Graph& graph, const Node& node) {
  switch (GetOpInfo(node.op).family) {
    case OpFamily::kIndexMap:
      return true;
    case OpFamily::kReduce:  // ReduceMax and ReduceMin of bools
      return IsBool(graph.InputType(node, 0).element_type);
    case OpFamily::kView:
    case OpFamily::kOwn:  // its Evaluate hook chooses
      return false;
    case OpFamily::kUnary:
    case OpFamily::kBinary:
      break;
  }
  if (GetOpInfo(node.op).Has(op_traits::kTypedReference)) return true;
  // Float-only ops take integer tensors only as parameters (sizes, axes).
  if (GetOpInfo(node.op).types == OpTypes::kFloat) return false;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (graph.HasInput(node, i) && !IsFloat(graph.InputType(node, i).element_type)) return true;
  }
  return !IsFloat(OutputType(graph, node).element_type);
}

absl::StatusOr<std::vector<TensorData>> EvaluateTypedNode(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs) {
  switch (GetOpInfo(node.op).family) {
    case OpFamily::kUnary: {
      ASSIGN_OR_RETURN(TensorData out, Unary(graph, node, *inputs[0]));
      return Outputs{std::move(out)};
    }
    case OpFamily::kBinary: {
      ASSIGN_OR_RETURN(TensorData out, Binary(graph, node, inputs));
      return Outputs{std::move(out)};
    }
    case OpFamily::kIndexMap: {
      ASSIGN_OR_RETURN(std::vector<IndexMapGeometry> maps, ResolveIndexMap(graph, node));
      Outputs outputs;
      for (const IndexMapGeometry& map : maps) {
        outputs.push_back(IndexMap(map, graph.InputType(node, 0).element_type, *inputs[0]));
      }
      return outputs;
    }
    case OpFamily::kReduce: {
      ASSIGN_OR_RETURN(TensorData out, BoolReduce(graph, node, *inputs[0]));
      return Outputs{std::move(out)};
    }
    case OpFamily::kOwn:  // its Evaluate hook
    case OpFamily::kView:
      break;
  }
  return absl::InternalError(absl::StrCat("no typed reference kernel for ", OpName(node.op)));
}

}  // namespace modelc
