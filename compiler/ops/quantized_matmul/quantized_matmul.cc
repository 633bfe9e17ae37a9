// MatMulInteger and QLinearMatMul: batched matrix products of int8/uint8 matrices with
// numpy's broadcasting, products accumulated in int32.
//   MatMulInteger: y = (A - a_zero_point) x (B - b_zero_point), int32
//   QLinearMatMul: the same accumulator requantised to int8/uint8 with the multiplier
//                  a_scale * b_scale / y_scale (quantization.h's rounding rule; in fixed
//                  point, fixed_point_multiplier.h, with kFixedPointRequantization)
// Zero points (and scales) are per tensor, per row of a 2-D A, or per column of a 2-D B.
// QLinearMatMul's internal input 8, an int32 bias per column added to the accumulator,
// and its internal attribute transB (B given as [N, K]) are a quantised Gemm's
// (passes/qdq_fusion.cc makes them; ONNX's op has 8 inputs and no attributes). A
// QLinearMatMul may quantise a float32 A as it reads it (kFusedQuantizeInput, by
// QuantizeLinear's rule with A's per-tensor scale and zero point;
// passes/input_quantize_fusion.cc), and write its output dequantised, float32
// (kFusedDequantizeOutput, DequantizeLinear's rule with y's pair;
// passes/output_dequantize_fusion.cc).
// Both ops live here: shape rule, reference and kernel (the hooks of own_op_hooks.h).
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/quantized_product_lowering.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/byte_quads.h"
#include "compiler/ops/quantize/dsp_pairs.h"
#include "compiler/ops/quantize/helium_byte_dots.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/IntrinsicsARM.h"

namespace modelc {
namespace {

struct QuantizedMatMulGeometry {
  MatMulGeometry product;
  int a_input = 0, b_input = 1, bias_input = -1;
  DataType a_type = DataType::kUInt8, b_type = DataType::kUInt8;  // A's: its quantised type
  bool quantizes_a = false;  // A is float32, quantised on reading (kFusedQuantizeInput)
  bool dequantizes_y = false;  // y is float32, its codes dequantised (kFusedDequantizeOutput)
  QuantizationParameters a, b;          // per tensor or per row (a), per column (b)
  std::optional<QuantizationParameters> y;  // QLinearMatMul's output's pair; none: int32 out
  DataType OutType() const { return dequantizes_y ? DataType::kFloat32 : y ? y->type : DataType::kInt32; }
};

absl::StatusOr<QuantizedMatMulGeometry> ResolveQuantizedMatMul(const Graph& graph, const Node& node) {
  const bool qlinear = node.op == OpKind::kQLinearMatMul;
  QuantizedMatMulGeometry g;
  g.b_input = qlinear ? 3 : 1;
  g.b_type = graph.InputType(node, g.b_input).element_type;
  if (!qlinear && (node.attributes.Has("transA") || node.attributes.Has("transB"))) {
    return absl::InvalidArgumentError("transA and transB take QLinearMatMul's operands");
  }
  ASSIGN_OR_RETURN(g.product, ResolveMatMulOperands(node, graph.InputType(node, g.a_input).shape,
                                                    graph.InputType(node, g.b_input).shape));
  // Per row of a 2-D A (axis 0), per column of a 2-D B (axis 1).
  auto axis_if_matrix = [&](int input, int64_t axis) -> std::optional<int64_t> {
    if (graph.InputType(node, input).shape.size() == 2) return axis;
    return std::nullopt;
  };
  ASSIGN_OR_RETURN(const ProductInput a, ResolveProductInput(graph, node, qlinear,
                                                             axis_if_matrix(g.a_input, g.product.a_transposed ? 1 : 0), "a"));
  g.a = a.q;
  g.a_type = a.type;
  g.quantizes_a = a.quantized_on_reading;
  ASSIGN_OR_RETURN(g.b, ResolveQuantizedOperand(graph, node, g.b_input, qlinear ? 4 : -1, qlinear ? 5 : 3,
                                                axis_if_matrix(g.b_input, g.product.b_transposed ? 0 : 1), "b"));
  if (qlinear) {
    ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 6, 7, g.product.out_shape, std::nullopt, "y"));
    ASSIGN_OR_RETURN(int64_t dequantizes_y, node.attributes.GetInt(kFusedDequantizeOutput, 0));
    g.dequantizes_y = dequantizes_y != 0;
    if (RequantizesInFixedPoint(node)) RETURN_IF_ERROR(CheckFixedPointRequantizable(graph, node));
    if (graph.HasInput(node, kQLinearMatMulBiasInput)) {
      g.bias_input = kQLinearMatMulBiasInput;
      const TensorType& bias = graph.InputType(node, kQLinearMatMulBiasInput);
      if (bias.element_type != DataType::kInt32 || bias.shape != Shape{g.product.n}) {
        return absl::InvalidArgumentError(absl::StrCat("the bias must be int32 of shape [", g.product.n, "]"));
      }
    }
  }
  return g;
}

// Which parameter of an operand serves (row, column): the row's (A per row), the
// column's (B per column), or the one per tensor.
int64_t ParameterOf(const QuantizationParameters& q, int64_t row, int64_t column, bool per_row) {
  if (q.PerTensor()) return 0;
  return per_row ? row : column;
}

}  // namespace

absl::Status UpgradeMatMulInteger(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10
absl::Status UpgradeQLinearMatMul(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10

absl::StatusOr<std::vector<TensorType>> InferMatMulInteger(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QuantizedMatMulGeometry g, ResolveQuantizedMatMul(graph, node));
  return std::vector<TensorType>{TensorType{g.OutType(), g.product.out_shape}};
}
absl::StatusOr<std::vector<TensorType>> InferQLinearMatMul(const Graph& graph, const Node& node, DataType) {
  return InferMatMulInteger(graph, node, DataType::kInt32);
}

absl::StatusOr<std::vector<TensorData>> EvaluateMatMulInteger(const Graph& graph, const Node& node,
                                                              const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QuantizedMatMulGeometry g, ResolveQuantizedMatMul(graph, node));
  const MatMulGeometry& p = g.product;
  const QuantizationValues qa = ReadQuantization(g.a, inputs), qb = ReadQuantization(g.b, inputs);
  std::vector<int32_t> a;
  if (g.quantizes_a) {
    for (float value : inputs[g.a_input]->Floats()) {
      a.push_back(Quantize(value, qa.scale[0], qa.zero_point[0], g.a_type, HalfRoundingOf(node)));
    }
  } else {
    a = ElementsAsInt32(*inputs[g.a_input]);
  }
  const std::vector<int32_t> b = ElementsAsInt32(*inputs[g.b_input]);
  std::optional<QuantizationValues> qy;
  if (g.y) qy = ReadQuantization(*g.y, inputs);
  const std::vector<int32_t> bias = g.bias_input >= 0 ? ElementsAsInt32(*inputs[g.bias_input]) : std::vector<int32_t>();
  std::vector<int32_t> out(p.batch_count * p.m * p.n);
  for (int64_t batch = 0; batch < p.batch_count; ++batch)
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        const int64_t pa = ParameterOf(g.a, i, 0, true), pb = ParameterOf(g.b, 0, j, false);
        int64_t sum = 0;
        for (int64_t t = 0; t < p.k; ++t) {
          sum += static_cast<int64_t>(a[p.a_batch_offsets[batch] + p.AIndex(i, t)] - qa.zero_point[pa]) *
                 (b[p.b_batch_offsets[batch] + p.BIndex(t, j)] - qb.zero_point[pb]);
        }
        if (!bias.empty()) sum += bias[j];
        const int32_t accumulator = static_cast<int32_t>(static_cast<uint32_t>(sum));  // int32 wraps, as the kernel's
        int32_t& y = out[(batch * p.m + i) * p.n + j];
        if (!qy) {
          y = accumulator;
        } else if (RequantizesInFixedPoint(node)) {
          y = RequantizeFixedPoint(accumulator, ProductFixedPointMultiplier(qa.scale[pa], qb.scale[pb], qy->scale[0]),
                                   qy->zero_point[0], g.y->type, FixedPointRoundingOf(node));
        } else {
          const float multiplier = RequantizationMultiplier(qa.scale[pa], qb.scale[pb], qy->scale[0]);
          y = Requantize(accumulator, multiplier, qy->zero_point[0], g.y->type);
        }
      }
  if (g.dequantizes_y) {
    std::vector<float> values;
    for (int32_t code : out) values.push_back(Dequantize(code, qy->scale[0], qy->zero_point[0]));
    return std::vector<TensorData>{TensorData::FromFloats(p.out_shape, values)};
  }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, out)};
}
absl::StatusOr<std::vector<TensorData>> EvaluateQLinearMatMul(const Graph& graph, const Node& node,
                                                              const std::vector<const TensorData*>& inputs) {
  return EvaluateMatMulInteger(graph, node, inputs);
}

namespace {

// Writes a QLinearMatMul's outputs: a column's int32 sum (or a vector of consecutive
// columns' sums, stored as one vector) requantised to y's code, stored as it is or, with
// kFusedDequantizeOutput, dequantised by y's pair and stored as float32.
class OutputWriter {
 public:
  OutputWriter(KernelContext& k, const QuantizedMatMulGeometry& g)
      : k_(k), g_(g), requantizer_(k, g.b, *g.y), zero_point_(EmitLoadZeroPoint(k, *g.y, k.Int(0))),
        scale_(g.dequantizes_y ? EmitLoadScale(k, *g.y, k.Int(0)) : nullptr) {}
  ProductRequantizer& requantizer() { return requantizer_; }
  void Store(const ProductRequantizer::Channel& channel, llvm::Value* sum, llvm::Value* index) {
    llvm::Value* value = g_.dequantizes_y
                             ? requantizer_.ApplyDequantized(channel, sum, zero_point_, scale_, g_.y->type)
                             : requantizer_.Apply(channel, sum, zero_point_, g_.y->type);
    if (!value->getType()->isVectorTy()) {
      k_.StoreAs(g_.OutType(), value, k_.out[0], index);
      return;
    }
    k_.b.CreateAlignedStore(value, k_.b.CreateInBoundsGEP(k_.Elem(g_.OutType()), k_.out[0], index),
                            llvm::Align(ByteSize(g_.OutType())));
  }

 private:
  KernelContext& k_;
  const QuantizedMatMulGeometry& g_;
  ProductRequantizer requantizer_;
  llvm::Value* zero_point_;
  llvm::Value* scale_;
};

// The columns [first, first + count) of a dsp-pairs kernel's row: their indices, the
// offsets of their weight rows in B ([N, K]), and their sums zeroed.
struct PairsColumns {
  std::vector<llvm::Value*> j, rows;
};
PairsColumns StartPairsColumns(KernelContext& k, const MatMulGeometry& p, llvm::Value* first, int count,
                               llvm::Value* const* sums) {
  PairsColumns columns;
  for (int c = 0; c < count; ++c) {
    columns.j.push_back(k.b.CreateAdd(first, k.Int(c)));
    columns.rows.push_back(k.b.CreateMul(columns.j.back(), k.Int(p.k)));
    k.b.CreateStore(k.b.getInt32(0), sums[c]);
  }
  return columns;
}

// Row i of those columns' outputs: each sum plus its bias (the node's, or with
// `folded_biases` those), requantised and stored.
void StorePairsColumns(KernelContext& k, const QuantizedMatMulGeometry& g, llvm::Value* i, llvm::Value* a_scale,
                       OutputWriter& y, const PairsColumns& columns, llvm::Value* const* sums,
                       llvm::Value* folded_biases = nullptr) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* biases = folded_biases ? folded_biases : g.bias_input >= 0 ? k.in[g.bias_input] : nullptr;
  for (size_t c = 0; c < columns.j.size(); ++c) {
    llvm::Value* sum = b.CreateLoad(b.getInt32Ty(), sums[c]);
    if (biases) sum = b.CreateAdd(sum, k.LoadAs(DataType::kInt32, biases, columns.j[c]));
    const ProductRequantizer::Channel channel = y.requantizer().Load(a_scale, columns.j[c]);
    y.Store(channel, sum, b.CreateAdd(b.CreateMul(i, k.Int(g.product.n)), columns.j[c]));
  }
}

// QuantizedProductKernel::kDspPairs (lowering/quantized_product_lowering.h), for one
// matrix with B stored [N, K]: each row of A, a - a_zero_point as int16, into
// "window_pairs", then two columns at a time, two products per SMLAD (dsp_pairs.h).
void EmitDspPairsMatMul(KernelContext& k, const QuantizedMatMulGeometry& g) {
  const MatMulGeometry& p = g.product;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i16 = b.getInt16Ty();
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Value* window = k.Workspace("window_pairs", WindowPairsBytes(p.k));
  EmitZeroWindowTail(k, window, p.k);
  OutputWriter y(k, g);
  llvm::Value* sums[2] = {k.EntryAlloca(i32), k.EntryAlloca(i32)};
  const InputCodeReader a_codes(k, g.a_type, g.quantizes_a ? &g.a : nullptr);
  k.Loop(p.m, [&](llvm::Value* i) {
    llvm::Value* a_zero_point = EmitLoadZeroPoint(k, g.a, i);
    llvm::Value* a_scale = EmitLoadScale(k, g.a, i);
    llvm::Value* a_row = b.CreateMul(i, k.Int(p.k));
    k.Loop(p.k, [&](llvm::Value* t) {
      llvm::Value* x = a_codes.Load(b.CreateAdd(a_row, t));
      b.CreateStore(b.CreateTrunc(b.CreateSub(x, a_zero_point), i16),
                    b.CreateInBoundsGEP(i16, window, EmitStoredTap(b, t)));
    });
    auto columns_from = [&](llvm::Value* first, int count) {
      const PairsColumns columns = StartPairsColumns(k, p, first, count, sums);
      EmitPairsDotProducts(k, {window, 1, 0}, k.in[g.b_input], {columns.j[0], count, p.k}, p.k, {sums, sums + count});
      StorePairsColumns(k, g, i, a_scale, y, columns, sums);
    };
    k.Loop(p.n / 2, [&](llvm::Value* pair) { columns_from(b.CreateMul(pair, k.Int(2)), 2); },
           /*allow_unrolling=*/false);
    if (p.n % 2 != 0) columns_from(k.Int(p.n - 1), 1);
  });
}

// QuantizedProductKernel::kDspPairsInRegisters: the pairs of kDspPairs without the
// window buffer. Each 4 bytes of a row of A, one 32-bit load, become two int16 pairs
// (bytes 0 and 2, then 1 and 3: SXTB16, or UXTB16 for uint8, then SSUB16 of the zero
// point in both halves, or, NodePlan::zero_point_in_bias, the codes as they are and
// "bias_folded" in place of the bias), shared by up to four columns, each taking its 4
// weight bytes the same way and two SMLADs. The taps after the last whole 4 one at a
// time.
// From kWalkedQuads quads of A's row on, two pointers walk A's row and the first column
// (WalkQuads), 2 quads a step (1 in size mode). Cortex-M4, memory mode, against the
// index loop:
// fc_autoencoder_ad_int8 546,520 -> 529,920 instructions and 68 bytes less code, mlp_int8
// 479,680 -> 476,400 (244 bytes less); 4 quads a step: 528,560 and 477,280 for 1,554 and
// 254 bytes more; 1 quad a step: 566,760 and 475,480.
constexpr int64_t kPairsInRegistersQuadsPerStep = 2;
void EmitDspPairsInRegistersMatMul(KernelContext& k, const QuantizedMatMulGeometry& g) {
  const MatMulGeometry& p = g.product;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  OutputWriter y(k, g);
  constexpr int kColumns = 4;
  llvm::Value* sums[kColumns];
  for (llvm::Value*& sum : sums) sum = k.EntryAlloca(i32);
  const int64_t whole = p.k / 4 * 4;
  const bool folded = k.plan.zero_point_in_bias;
  llvm::Value* folded_biases = folded ? k.PreparedConstant("bias_folded") : nullptr;
  k.Loop(p.m, [&](llvm::Value* i) {
    llvm::Value* a_zero_point = folded ? b.getInt32(0) : EmitLoadZeroPoint(k, g.a, i);
    llvm::Value* a_scale = EmitLoadScale(k, g.a, i);
    llvm::Value* zero_point_pair = folded ? nullptr : EmitZeroPointPair(b, a_zero_point);
    llvm::Value* a_row = b.CreateMul(i, k.Int(p.k));
    auto columns_from = [&](llvm::Value* first, int count) {
      const PairsColumns columns = StartPairsColumns(k, p, first, count, sums);
      const std::vector<llvm::Value*>& rows = columns.rows;
      // A quad of taps: A's 4 bytes at a_at, column c's at w_at(c).
      auto quad = [&](llvm::Value* a_at, const std::function<llvm::Value*(int)>& w_at) {
        llvm::Value* a_bytes = b.CreateAlignedLoad(i32, a_at, llvm::Align(1));
        const bool unsigned_codes = g.a_type == DataType::kUInt8;
        const QuadPairs a_quad = folded ? EmitUnpackedQuad(k, a_bytes, unsigned_codes)
                                         : EmitCentredQuad(k, a_bytes, unsigned_codes, zero_point_pair);
        for (int c = 0; c < count; ++c) {
          llvm::Value* w_bytes = b.CreateAlignedLoad(i32, w_at(c), llvm::Align(1));
          b.CreateStore(EmitQuadProducts(k, a_quad, w_bytes, b.CreateLoad(i32, sums[c])), sums[c]);
        }
      };
      if (p.k / 4 >= kWalkedQuads) {
        std::vector<llvm::Value*> row_offsets;
        for (llvm::Value* row : rows) row_offsets.push_back(b.CreateSub(row, rows[0]));
        WalkQuads(k, p.k / 4, kPairsInRegistersQuadsPerStep,
                  {b.CreateInBoundsGEP(i8, k.in[g.a_input], a_row), b.CreateInBoundsGEP(i8, k.in[g.b_input], rows[0])},
                  {4, 4}, [&](const std::vector<llvm::Value*>& at, int64_t q) {
                    quad(b.CreateInBoundsGEP(i8, at[0], k.Int(q * 4)), [&](int c) {
                      return b.CreateInBoundsGEP(i8, at[1], b.CreateAdd(row_offsets[c], k.Int(q * 4)));
                    });
                  });
      } else {
        k.Loop(p.k / 4, [&](llvm::Value* q) {
          llvm::Value* tap = b.CreateMul(q, k.Int(4));
          quad(b.CreateInBoundsGEP(i8, k.in[g.a_input], b.CreateAdd(a_row, tap)),
               [&](int c) { return b.CreateInBoundsGEP(i8, k.in[g.b_input], b.CreateAdd(rows[c], tap)); });
        });
      }
      for (int64_t t = whole; t < p.k; ++t) {
        llvm::Value* x = EmitWidenToInt32(k, k.LoadAs(g.a_type, k.in[g.a_input], b.CreateAdd(a_row, k.Int(t))), g.a_type);
        llvm::Value* centred = b.CreateSub(x, a_zero_point);
        for (int c = 0; c < count; ++c) {
          llvm::Value* w = b.CreateSExt(k.LoadAs(DataType::kInt8, k.in[g.b_input], b.CreateAdd(rows[c], k.Int(t))), i32);
          b.CreateStore(b.CreateAdd(b.CreateLoad(i32, sums[c]), b.CreateMul(centred, w)), sums[c]);
        }
      }
      StorePairsColumns(k, g, i, a_scale, y, columns, sums, folded_biases);
    };
    k.Loop(p.n / kColumns, [&](llvm::Value* group) { columns_from(b.CreateMul(group, k.Int(kColumns)), kColumns); },
           /*allow_unrolling=*/false);
    for (int64_t first = p.n / kColumns * kColumns; first < p.n;) {  // the last 1 to 3 columns
      const int count = static_cast<int>(std::min<int64_t>(p.n - first, 2));
      columns_from(k.Int(first), count);
      first += count;
    }
  });
}

// kDspPairsInRegisters for an A quantised as it is read (kFusedQuantizeInput): a
// quantisation is a division, a rounding, a saturation and a NaN check (about 15
// instructions on a Cortex-M4), so each 16 taps of a row of A are quantised once for a
// group of up to kQuantizingPairsColumns columns, packed into eight int16 pairs
// (PackQuadPairs) that each column of the group multiplies with its 16 weights (four
// words, eight SMLADs: 26 instructions), its sum kept on the stack between steps. The
// taps after the last whole 16: their whole 4s the same way, then one at a time. Groups
// of 32 columns (128 bytes of stack): mlp_int8's first layer (K = 784, N = 256)
// quantises each element 8 times, 415,400 -> 479,680 instructions for the model (groups
// of 64: 435,680, with 256 bytes of sums; the kernel's own 4 columns, A's pairs in
// registers: 1,059,040).
constexpr int kQuantizingStepQuads = 4;
void EmitQuantizingPairsMatMul(KernelContext& k, const QuantizedMatMulGeometry& g) {
  const MatMulGeometry& p = g.product;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  OutputWriter y(k, g);
  const int64_t group = QuantizingPairsGroup(p.n);  // the columns one quantisation serves
  llvm::Value* sums = k.EntryAlloca(llvm::ArrayType::get(i32, group), llvm::Align(4));
  const bool folded = k.plan.zero_point_in_bias;
  llvm::Value* biases = folded ? k.PreparedConstant("bias_folded") : g.bias_input >= 0 ? k.in[g.bias_input] : nullptr;
  const InputCodeReader a_codes(k, g.a_type, g.quantizes_a ? &g.a : nullptr);
  k.Loop(p.m, [&](llvm::Value* i) {
    llvm::Value* a_zero_point = folded ? b.getInt32(0) : EmitLoadZeroPoint(k, g.a, i);
    llvm::Value* a_scale = EmitLoadScale(k, g.a, i);
    llvm::Value* a_row = b.CreateMul(i, k.Int(p.k));
    auto sum_of = [&](llvm::Value* c) { return b.CreateInBoundsGEP(i32, sums, c); };
    auto centred_code = [&](llvm::Value* t) { return b.CreateSub(a_codes.Load(b.CreateAdd(a_row, t)), a_zero_point); };
    auto columns_from = [&](llvm::Value* first, int64_t count) {
      k.Loop(count, [&](llvm::Value* c) { b.CreateStore(b.getInt32(0), sum_of(c)); });
      // Taps [tap, tap + 4 * quads) of the columns: their codes quantised once.
      auto quads_from = [&](llvm::Value* tap, int quads) {
        std::vector<QuadPairs> pairs;
        for (int q = 0; q < quads; ++q) {
          llvm::Value* centred[4];
          for (int t = 0; t < 4; ++t) centred[t] = centred_code(b.CreateAdd(tap, k.Int(4 * q + t)));
          pairs.push_back(PackQuadPairs(b, centred));
        }
        k.Loop(count, [&](llvm::Value* c) {
          llvm::Value* row = b.CreateAdd(b.CreateMul(b.CreateAdd(first, c), k.Int(p.k)), tap);
          llvm::Value* sum = b.CreateLoad(i32, sum_of(c));
          for (int q = 0; q < quads; ++q) {
            llvm::Value* weights = b.CreateAlignedLoad(
                i32, b.CreateInBoundsGEP(i8, k.in[g.b_input], b.CreateAdd(row, k.Int(4 * q))), llvm::Align(1));
            sum = EmitQuadProducts(k, pairs[q], weights, sum);
          }
          b.CreateStore(sum, sum_of(c));
        }, /*allow_unrolling=*/false);
      };
      constexpr int kStep = 4 * kQuantizingStepQuads;
      k.Loop(p.k / kStep, [&](llvm::Value* step) { quads_from(b.CreateMul(step, k.Int(kStep)), kQuantizingStepQuads); },
             /*allow_unrolling=*/false);
      if (p.k % kStep >= 4) quads_from(k.Int(p.k / kStep * kStep), static_cast<int>(p.k % kStep / 4));
      for (int64_t t = p.k / 4 * 4; t < p.k; ++t) {
        llvm::Value* centred = centred_code(k.Int(t));
        k.Loop(count, [&](llvm::Value* c) {
          llvm::Value* w = b.CreateSExt(
              k.LoadAs(DataType::kInt8, k.in[g.b_input], b.CreateAdd(b.CreateMul(b.CreateAdd(first, c), k.Int(p.k)),
                                                                     k.Int(t))), i32);
          b.CreateStore(b.CreateAdd(b.CreateLoad(i32, sum_of(c)), b.CreateMul(centred, w)), sum_of(c));
        }, /*allow_unrolling=*/false);
      }
      k.Loop(count, [&](llvm::Value* c) {
        llvm::Value* j = b.CreateAdd(first, c);
        llvm::Value* sum = b.CreateLoad(i32, sum_of(c));
        if (biases) sum = b.CreateAdd(sum, k.LoadAs(DataType::kInt32, biases, j));
        const ProductRequantizer::Channel channel = y.requantizer().Load(a_scale, j);
        y.Store(channel, sum, b.CreateAdd(b.CreateMul(i, k.Int(p.n)), j));
      }, /*allow_unrolling=*/false);
    };
    k.Loop(p.n / group, [&](llvm::Value* index) { columns_from(b.CreateMul(index, k.Int(group)), group); },
           /*allow_unrolling=*/false);
    if (p.n % group != 0) columns_from(k.Int(p.n / group * group), p.n % group);
  });
}

// QuantizedProductKernel::kChannelLanes (lowering/quantized_product_lowering.h), for one
// matrix with B stored [N, K]: each row of A as uint8 codes (a - NodePlan::
// window_code_offset) into "window_codes" (zeros to a whole number of kWindowDotLanes),
// then NodePlan::tiles.channel_block columns at a time their sums in the lanes
// (EmitQuadRowSums on ChannelLanesWeights), plus "bias_folded" (the bias less A's zero
// point's share), requantised together and stored as one vector.
absl::Status EmitChannelLanesMatMul(KernelContext& k, const QuantizedMatMulGeometry& g) {
  const MatMulGeometry& p = g.product;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t lanes = k.plan.tiles.channel_block, padded = WindowDotTaps(p.k);
  llvm::Value* window = k.Workspace("window_codes", padded);
  for (int64_t t = p.k; t < padded; ++t) b.CreateStore(b.getInt8(0), b.CreateInBoundsGEP(i8, window, k.Int(t)));
  llvm::Value* offset = b.getInt8(static_cast<uint8_t>(k.plan.window_code_offset));
  llvm::Value* weights = ChannelLanesWeights(k);
  llvm::Value* biases = k.PreparedConstant("bias_folded");
  OutputWriter y(k, g);
  // The columns' multipliers are vector loads from a prepared table: the plan takes this
  // kernel only where the scales are constants (ByteQuadColumnLanes).
  if (!k.plan.FindConstant(RequantizesInFixedPoint(k.node) ? "requantization" : "multipliers")) {
    return absl::InternalError("channel-lanes planned for a matrix product without prepared multipliers");
  }
  k.Loop(p.m, [&](llvm::Value* i) {
    llvm::Value* a_row = b.CreateMul(i, k.Int(p.k));
    k.Loop(p.k, [&](llvm::Value* t) {
      llvm::Value* x = b.CreateLoad(i8, b.CreateInBoundsGEP(i8, k.in[g.a_input], b.CreateAdd(a_row, t)));
      b.CreateStore(b.CreateSub(x, offset), b.CreateInBoundsGEP(i8, window, t));
    });
    k.Loop(p.n / lanes, [&](llvm::Value* block) {
      llvm::Value* first = b.CreateMul(block, k.Int(lanes));
      llvm::Value* sums = EmitQuadRowSums(k, window, weights, first, padded, lanes);
      sums = b.CreateAdd(sums, b.CreateAlignedLoad(sums->getType(), b.CreateInBoundsGEP(i32, biases, first),
                                                   llvm::Align(4)));
      const ProductRequantizer::Channel columns = *y.requantizer().LoadLanes(first, lanes);
      y.Store(columns, sums, b.CreateAdd(b.CreateMul(i, k.Int(p.n)), first));
    }, /*allow_unrolling=*/false);
  });
  return absl::OkStatus();
}

// QuantizedProductKernel::kRowDot (lowering/quantized_product_lowering.h), Helium: for
// each row of A (int8 codes, read in place) kRowDotColumns columns of B ([N, K], int8,
// zero point 0) at a time, each 16 codes of A loaded once and multiplied with each
// column's 16 weights, the products summed into the column's scalar sum by one
// VMLADAVA.S8 (EmitHeliumByteDots); the last K % 16 taps one at a time; then "bias_folded" (the bias less A's
// zero point times the column's weight sum) added, requantised and stored.
constexpr int kRowDotColumns = 4;
void EmitRowDotMatMul(KernelContext& k, const QuantizedMatMulGeometry& g) {
  const MatMulGeometry& p = g.product;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Value* biases = k.PreparedConstant("bias_folded");
  OutputWriter y(k, g);
  llvm::Value* sums[kRowDotColumns];
  for (llvm::Value*& sum : sums) sum = k.EntryAlloca(i32);
  const int64_t whole = p.k / kHeliumByteDotLanes * kHeliumByteDotLanes;
  k.Loop(p.m, [&](llvm::Value* i) {
    llvm::Value* a_row = b.CreateMul(i, k.Int(p.k));
    llvm::Value* a_scale = EmitLoadScale(k, g.a, i);  // per tensor, or the row's
    auto columns_from = [&](llvm::Value* first, int count) {
      std::vector<llvm::Value*> j, rows;
      for (int c = 0; c < count; ++c) {
        j.push_back(b.CreateAdd(first, k.Int(c)));
        rows.push_back(b.CreateMul(j.back(), k.Int(p.k)));
        b.CreateStore(b.getInt32(0), sums[c]);
      }
      std::vector<llvm::Value*> weight_rows;
      for (llvm::Value* row : rows) weight_rows.push_back(b.CreateInBoundsGEP(i8, k.in[g.b_input], row));
      EmitHeliumByteDots(k, {b.CreateInBoundsGEP(i8, k.in[g.a_input], a_row)}, weight_rows, kHeliumByteDotLanes,
                         p.k / kHeliumByteDotLanes,
                         {sums, sums + count}, /*allow_unrolling=*/false);
      for (int64_t t = whole; t < p.k; ++t) {
        llvm::Value* x = b.CreateSExt(k.LoadAs(DataType::kInt8, k.in[g.a_input], b.CreateAdd(a_row, k.Int(t))), i32);
        for (int c = 0; c < count; ++c) {
          llvm::Value* w = b.CreateSExt(k.LoadAs(DataType::kInt8, k.in[g.b_input], b.CreateAdd(rows[c], k.Int(t))), i32);
          b.CreateStore(b.CreateAdd(b.CreateLoad(i32, sums[c]), b.CreateMul(x, w)), sums[c]);
        }
      }
      for (int c = 0; c < count; ++c) {
        llvm::Value* sum = b.CreateAdd(b.CreateLoad(i32, sums[c]), k.LoadAs(DataType::kInt32, biases, j[c]));
        const ProductRequantizer::Channel channel = y.requantizer().Load(a_scale, j[c]);
        y.Store(channel, sum, b.CreateAdd(b.CreateMul(i, k.Int(p.n)), j[c]));
      }
    };
    k.Loop(p.n / kRowDotColumns, [&](llvm::Value* group) {
      columns_from(b.CreateMul(group, k.Int(kRowDotColumns)), kRowDotColumns);
    }, /*allow_unrolling=*/false);
    for (int64_t first = p.n / kRowDotColumns * kRowDotColumns; first < p.n; ++first) {
      columns_from(k.Int(first), 1);  // the last 1 to 3 columns
    }
  });
}

}  // namespace

// One dot product per output element, over K, in int32; the operands' parameters are
// loaded once per row (A) and per column (B).
absl::Status EmitMatMulIntegerKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QuantizedMatMulGeometry g, ResolveQuantizedMatMul(k.graph, k.node));
  const QuantizedProductKernel kernel = std::get<QuantizedProductKernel>(k.plan.kernel);
  if (g.quantizes_a && (kernel == QuantizedProductKernel::kChannelLanes || kernel == QuantizedProductKernel::kRowDot)) {
    return absl::InternalError("a kernel reading A's codes planned for a matrix product quantising its float A");
  }
  if (kernel == QuantizedProductKernel::kDspPairs) {
    EmitDspPairsMatMul(k, g);  // planned only for QLinearMatMul (g.y) with B as [N, K]
    return absl::OkStatus();
  }
  if (kernel == QuantizedProductKernel::kChannelLanes) {
    return EmitChannelLanesMatMul(k, g);  // planned only for QLinearMatMul of one matrix, B as [N, K]
  }
  if (kernel == QuantizedProductKernel::kDspPairsInRegisters) {  // the same conditions
    if (g.quantizes_a) {
      EmitQuantizingPairsMatMul(k, g);
    } else {
      EmitDspPairsInRegistersMatMul(k, g);
    }
    return absl::OkStatus();
  }
  if (kernel == QuantizedProductKernel::kRowDot) {
    EmitRowDotMatMul(k, g);  // planned only for QLinearMatMul of one int8 matrix, B as [N, K]
    return absl::OkStatus();
  }
  const MatMulGeometry& p = g.product;
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* a_offsets = p.batch_count > 1 ? k.ConstantIndices(p.a_batch_offsets, "a_batch_offsets") : nullptr;
  llvm::Value* b_offsets = p.batch_count > 1 ? k.ConstantIndices(p.b_batch_offsets, "b_batch_offsets") : nullptr;
  std::optional<OutputWriter> y;
  if (g.y) y.emplace(k, g);
  llvm::Value* accumulator = k.EntryAlloca(b.getInt32Ty());
  const InputCodeReader a_codes(k, g.a_type, g.quantizes_a ? &g.a : nullptr);
  k.Loop(p.batch_count, [&](llvm::Value* batch) {
    auto offset = [&](llvm::Value* table) {
      return table ? b.CreateLoad(k.Index(), b.CreateInBoundsGEP(k.Index(), table, batch)) : k.Int(0);
    };
    llvm::Value* a_base = offset(a_offsets);
    llvm::Value* b_base = offset(b_offsets);
    k.Loop(p.m, [&](llvm::Value* i) {
      // A's row i: K elements 1 apart, or M apart (transposed).
      llvm::Value* a_row = b.CreateAdd(a_base, p.a_transposed ? i : b.CreateMul(i, k.Int(p.k)));
      const int64_t a_step = p.a_transposed ? p.m : 1;
      llvm::Value* a_zero_point = EmitLoadZeroPoint(k, g.a, i);
      llvm::Value* a_scale = g.y ? EmitLoadScale(k, g.a, i) : nullptr;
      k.Loop(p.n, [&](llvm::Value* j) {
        llvm::Value* b_zero_point = EmitLoadZeroPoint(k, g.b, j);
        b.CreateStore(b.getInt32(0), accumulator);
        k.Loop(p.k, [&](llvm::Value* t) {
          llvm::Value* x = a_codes.Load(b.CreateAdd(a_row, b.CreateMul(t, k.Int(a_step))));
          llvm::Value* w = EmitWidenToInt32(
              k, k.LoadAs(g.b_type, k.in[g.b_input], b.CreateAdd(b_base, p.b_transposed
                                                                         ? b.CreateAdd(b.CreateMul(j, k.Int(p.k)), t)
                                                                         : b.CreateAdd(b.CreateMul(t, k.Int(p.n)), j))),
              g.b_type);
          llvm::Value* product = b.CreateMul(b.CreateSub(x, a_zero_point), b.CreateSub(w, b_zero_point));
          b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt32Ty(), accumulator), product), accumulator);
        });
        llvm::Value* sum = b.CreateLoad(b.getInt32Ty(), accumulator);
        if (g.bias_input >= 0) sum = b.CreateAdd(sum, k.LoadAs(DataType::kInt32, k.in[g.bias_input], j));
        llvm::Value* at = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(batch, k.Int(p.m)), i), k.Int(p.n)), j);
        if (!g.y) {
          k.StoreAs(DataType::kInt32, sum, k.out[0], at);
          return;
        }
        const ProductRequantizer::Channel channel = y->requantizer().Load(a_scale, j);
        y->Store(channel, sum, at);
      });
    });
  });
  return absl::OkStatus();
}
absl::Status EmitQLinearMatMulKernel(KernelContext& k) { return EmitMatMulIntegerKernel(k); }

}  // namespace modelc
